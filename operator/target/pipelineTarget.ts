import type { S3Client } from '@aws-sdk/client-s3';
import type { Prices } from '../../contracts/prices';
import type { AwsClients } from '../../handlers/adapters/clients';
import type { DeadLetterQueue } from '../../handlers/adapters/sqsDeadLetterQueue';
import type { RuntimeConfig } from '../../handlers/runtimeConfig';
import type { JobRunReader } from '../adapters/glueJobRunReader';

/**
 * One pipeline the operator commands act on: a deployed stack or a local one. Commands see only this, so
 * every command works the same against both.
 */
export interface PipelineTarget {
  kind: 'aws' | 'local';
  /** For messages: `stack dev (us-east-1)`, `local pipeline at http://127.0.0.1:…`. */
  description: string;
  region: string;
  /** Resource names and batching settings, as the batcher and sweeper Lambdas get them. */
  config: RuntimeConfig;
  outputPrefix: string;
  rejectsPrefix: string;
  clients: AwsClients;
  /**
   * Writes into the input bucket through this client reach the pipeline. On AWS that is any client (S3 ->
   * EventBridge -> Kinesis); locally it carries the S3 event shim, as the served runtime's uploader does.
   */
  uploader: S3Client;
  dashboardUrl: string | null;
  /** The stack's price table (config.prices): what a run's DPU-seconds are priced at. */
  prices: Prices;
  /** Glue's record of each job run (GetJobRun) on AWS; null locally, where moto's Glue does not run our job. */
  jobRuns: JobRunReader | null;
  /** The two dead-letter queues and the stream their messages refer to (`dlq`); absent where the target names none. */
  deadLetters?: DeadLetterTarget;
  close(): void;
}

export interface DeadLetterTarget {
  /** The EventBridge rule target's DLQ: events that could not be put on the stream. */
  ingest: DeadLetterQueue;
  /** The batcher mapping's on-failure destination: where batches that exhausted their retries lie on the stream. */
  batcher: DeadLetterQueue;
  streamName: string;
}
