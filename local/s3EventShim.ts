import { randomUUID } from 'node:crypto';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MetadataBearer } from '@smithy/types';
import { ContextError } from '../contracts/contextError';
import type { DeadLetterQueue } from '../handlers/adapters/sqsDeadLetterQueue';
import type { IngestDlqAttributes } from '../handlers/domain/deadLetters';
import { DOCUMENTED_KEY_ENCODING, encodeEventKey, type KeyEncoding } from '../handlers/domain/eventKeys';
import { partitionKeyOf } from '../handlers/domain/s3Event';
import { aroundCommands } from './clientMiddleware';
import { createLocalClients } from './localClients';
import { LOCAL_ACCOUNT } from './resources';

/**
 * THE shim: the one place where the local runtime stands in for AWS wiring that moto cannot emulate.
 *
 * In production the input bucket has EventBridge notifications on; a rule matches
 * `{source: aws.s3, detail-type: Object Created, detail.bucket.name: <input>}` and its Kinesis target puts
 * the event on the stream with `PartitionKeyPath: $.detail.object.key`. moto's EventBridge cannot target
 * Kinesis, so this middleware, added to the client that uploads into the input bucket, puts that very
 * event (same envelope, the key URL-encoded as S3 documents or as `keyEncoding` says, unquoted etag) on the stream once S3 has accepted a write.
 * Everything downstream (poller, batcher) sees what it would see on AWS. Writes through other clients
 * are not noticed: the uploader must be the client this was installed on.
 */

export interface ObjectCreatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size: number; etag: string; sequencer: string };
    'request-id': string;
    requester: string;
    'source-ip-address': string;
    reason: ObjectCreatedReason;
  };
}

export type ObjectCreatedReason = 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';

const REASON_BY_COMMAND: Record<string, ObjectCreatedReason> = {
  PutObjectCommand: 'PutObject',
  CopyObjectCommand: 'CopyObject',
  CompleteMultipartUploadCommand: 'CompleteMultipartUpload',
};

export interface S3EventShimOptions {
  kinesis: KinesisClient;
  streamName: string;
  bucket: string;
  region: string;
  account: string;
  /** How the event spells the object key (default: form, as S3 documents); `local --key-encoding`. */
  keyEncoding?: KeyEncoding;
  /** Called after each event is on the stream; the runtime counts uploads with it. */
  onEvent?: (event: ObjectCreatedEvent, sequenceNumber: string) => void;
  /**
   * `local --drop-events RATE`: this share of events never reaches the stream, as when EventBridge gives up
   * on its Kinesis target; every 1/RATE-th write, so a run drops exactly its share.
   */
  dropRate?: number;
  /** Called for each write whose event was dropped. */
  onDrop?: (key: string) => void;
  /**
   * The rule target's dead-letter queue. With it, an event the target cannot put on the stream goes there,
   * with EventBridge's attributes, and the upload succeeds as it does on AWS; without it the upload fails.
   */
  deadLetters?: { queue: DeadLetterQueue; ruleArn: string; targetArn: string; onDeadLetter?: (event: ObjectCreatedEvent) => void };
}

/**
 * ERROR_CODE of a dead-lettered event, from the error the put failed with (EventBridge User Guide, "Using
 * dead-letter queues to process undelivered events": RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE).
 */
function errorCode(error: Error): string {
  if (/AccessDenied/.test(error.name)) return 'NO_PERMISSIONS';
  if (/ResourceNotFound/.test(error.name)) return 'RESOURCE_NOT_FOUND';
  if (/Throughput|Throttl/.test(error.name)) return 'THROTTLING';
  return 'SDK_CLIENT_ERROR';
}

export class S3EventShimError extends ContextError {
  override readonly name = 'S3EventShimError';
}

let sequence = 0n;

/** S3 sequencers are hex strings that grow for writes to the same key; time plus a counter does that. */
function nextSequencer(at: Date): string {
  sequence += 1n;
  return (BigInt(at.getTime()) * 1_000_000n + (sequence % 1_000_000n)).toString(16).toUpperCase().padStart(18, '0');
}

export function objectCreatedEvent(input: {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  requestId: string;
  reason: ObjectCreatedReason;
  region: string;
  account: string;
  at: Date;
  keyEncoding?: KeyEncoding;
}): ObjectCreatedEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: input.account,
    time: input.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: input.region,
    resources: [`arn:aws:s3:::${input.bucket}`],
    detail: {
      version: '0',
      bucket: { name: input.bucket },
      object: {
        key: encodeEventKey(input.key, input.keyEncoding ?? DOCUMENTED_KEY_ENCODING),
        size: input.size,
        etag: input.etag.replace(/"/g, ''),
        sequencer: nextSequencer(input.at),
      },
      'request-id': input.requestId,
      requester: input.account,
      'source-ip-address': '127.0.0.1',
      reason: input.reason,
    },
  };
}

/**
 * Installs the shim on `s3`. The event goes out after S3 answered, as EventBridge only learns of committed
 * writes; a failure to put it fails the upload call, so a run never loses an event silently.
 */
export function installS3EventShim(s3: S3Client, options: S3EventShimOptions): void {
  const shouldDrop = dropper(options.dropRate ?? 0);
  aroundCommands([s3], { name: 'localS3EventShim', step: 'initialize' }, async ({ commandName, input }, proceed) => {
    const result = await proceed();
    const reason = REASON_BY_COMMAND[commandName];
    if (reason && input.Bucket === options.bucket && typeof input.Key === 'string' && shouldDrop()) {
      options.onDrop?.(input.Key);
    } else if (reason && input.Bucket === options.bucket && typeof input.Key === 'string') {
      await publish(s3, options, input.Key, reason, (result.output as MetadataBearer).$metadata?.requestId ?? randomUUID());
    }
    return result;
  });
}

/** True for the writes whose event is dropped: whenever the running count of writes times `rate` passes a whole number. */
function dropper(rate: number): () => boolean {
  let writes = 0;
  return () => {
    writes += 1;
    return Math.floor(writes * rate) > Math.floor((writes - 1) * rate);
  };
}

async function publish(
  s3: S3Client,
  options: S3EventShimOptions,
  key: string,
  reason: ObjectCreatedReason,
  requestId: string,
): Promise<void> {
  try {
    // Size and etag as S3 stored them, whatever shape the body had (string, buffer, stream).
    const head = await s3.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
    const event = objectCreatedEvent({
      bucket: options.bucket,
      key,
      size: head.ContentLength ?? 0,
      etag: head.ETag ?? '',
      requestId,
      reason,
      region: options.region,
      account: options.account,
      at: head.LastModified ?? new Date(),
      ...(options.keyEncoding ? { keyEncoding: options.keyEncoding } : {}),
    });
    let put: { SequenceNumber?: string | undefined };
    try {
      put = await options.kinesis.send(
        new PutRecordCommand({
          StreamName: options.streamName,
          PartitionKey: partitionKeyOf(event),
          Data: Buffer.from(JSON.stringify(event)),
        }),
      );
    } catch (error) {
      if (!options.deadLetters) throw error;
      // EventBridge gives up on the target after its retries (the SDK's, here) and sends the event itself.
      const attributes: IngestDlqAttributes = {
        RULE_ARN: options.deadLetters.ruleArn,
        TARGET_ARN: options.deadLetters.targetArn,
        ERROR_CODE: errorCode(error as Error),
        ERROR_MESSAGE: (error as Error).message,
      };
      await options.deadLetters.queue.send(JSON.stringify(event), attributes);
      options.deadLetters.onDeadLetter?.(event);
      return;
    }
    options.onEvent?.(event, put.SequenceNumber ?? '');
  } catch (error) {
    throw new S3EventShimError(
      `object s3://${options.bucket}/${key} was written but its Object Created event could not be put on ${options.streamName}: ${(error as Error).message}`,
      { bucket: options.bucket, key },
      { cause: error },
    );
  }
}

/**
 * A client of the emulator at `endpoint` whose writes to the input bucket raise their Object Created events,
 * as the stack's S3 -> EventBridge -> Kinesis wiring does on AWS: what every local uploader uses.
 */
export function createEventingUploader(
  endpoint: string,
  pipeline: {
    region: string;
    streamName: string;
    inputBucket: string;
    kinesis: KinesisClient;
    keyEncoding?: KeyEncoding;
    deadLetters?: S3EventShimOptions['deadLetters'];
    drop?: { rate: number; onDrop: (key: string) => void };
  },
  onEvent?: S3EventShimOptions['onEvent'],
): S3Client {
  const uploader = createLocalClients(endpoint, pipeline.region).s3;
  installS3EventShim(uploader, {
    kinesis: pipeline.kinesis,
    streamName: pipeline.streamName,
    bucket: pipeline.inputBucket,
    region: pipeline.region,
    account: LOCAL_ACCOUNT,
    ...(pipeline.keyEncoding ? { keyEncoding: pipeline.keyEncoding } : {}),
    ...(pipeline.deadLetters ? { deadLetters: pipeline.deadLetters } : {}),
    ...(pipeline.drop ? { dropRate: pipeline.drop.rate, onDrop: pipeline.drop.onDrop } : {}),
    ...(onEvent ? { onEvent } : {}),
  });
  return uploader;
}
