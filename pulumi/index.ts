/**
 * The ndjson-parquet stack: `pulumi up --stack dev|prod`. This file only wires: it reads and validates the
 * stack config, builds one component per concern, and exports what operators and the CLI need.
 */
import { Batcher } from './components/batcher';
import { Catalog } from './components/catalog';
import { awsContext } from './components/common';
import { Generator } from './components/generator';
import { GlueJob } from './components/glueJob';
import { IngestStream } from './components/ingestStream';
import { pipelineEnvironment } from './components/lambdaFunction';
import { Observability } from './components/observability';
import { Orchestration } from './components/orchestration';
import { S3Events } from './components/s3Events';
import { Storage } from './components/storage';
import { Sweeper } from './components/sweeper';
import { TrackingTable } from './components/trackingTable';
import { readStack } from './config';

const { config, names } = readStack();
const base = names.base;
const aws = awsContext();

const storage = new Storage(base, { config, bucketNames: names.buckets });
const stream = new IngestStream(names.stream, { stream: config.stream });
const s3Events = new S3Events(names.s3Events, {
  aws,
  bucketId: storage.input.bucket.id,
  bucketName: storage.input.name,
  inputPrefix: config.inputPrefix,
  streamArn: stream.arn,
});
const tracking = new TrackingTable(names.table, { tracking: config.tracking, deletionProtection: !config.storage.forceDestroy });
const catalog = new Catalog(base, { config, outputBucketName: storage.output.name });
const glue = new GlueJob(names.glueJob, {
  aws,
  config,
  baseName: base,
  catalog: { database: catalog.database.name, table: catalog.table.name },
  inputBucketArn: storage.input.arn,
  manifestBucket: storage.manifest,
  outputBucket: storage.output,
  scriptsBucket: storage.scripts,
});
const orchestration = new Orchestration(names.stateMachine, { aws, config, table: tracking, glueJob: glue });

const environment = pipelineEnvironment(config, base, {
  tableName: tracking.name,
  inputBucket: storage.input.name,
  quarantineBucket: storage.quarantine.name,
  manifestBucket: storage.manifest.name,
  outputBucket: storage.output.name,
  stateMachineArn: orchestration.arn,
});
const lambdaAccess = {
  config,
  environment,
  tableArn: tracking.arn,
  inputBucketArn: storage.input.arn,
  quarantineBucketArn: storage.quarantine.arn,
  manifestBucketArn: storage.manifest.arn,
  stateMachineArn: orchestration.arn,
};
const batcher = new Batcher(names.batcher, { ...lambdaAccess, streamArn: stream.arn });
const sweeper = new Sweeper(names.sweeper, lambdaAccess);
const generator = config.generator.enabled
  ? new Generator(names.generator, { config, environment, inputBucketArn: storage.input.arn })
  : undefined;

const observability = new Observability(base, {
  aws,
  config,
  baseName: base,
  streamName: stream.name,
  batcherFunctionName: batcher.function.fn.name,
  sweeperFunctionName: sweeper.function.fn.name,
  batcherDlqName: batcher.deadLetterQueue.name,
  ingestDlqName: s3Events.deadLetterQueue.name,
  stateMachineArn: orchestration.arn,
  glueJobName: glue.name,
});

export const inputBucketName = storage.input.name;
export const inputPrefix = config.inputPrefix;
export const quarantineBucketName = storage.quarantine.name;
export const manifestBucketName = storage.manifest.name;
export const outputBucketName = storage.output.name;
export const scriptsBucketName = storage.scripts.name;
export const streamName = stream.name;
export const tableName = tracking.name;
export const stateMachineArn = orchestration.arn;
export const glueJobName = glue.name;
export const batcherFunctionName = batcher.function.fn.name;
export const sweeperFunctionName = sweeper.function.fn.name;
export const generatorFunctionName = generator?.function.fn.name;
export const batcherDlqUrl = batcher.deadLetterQueue.url;
export const ingestDlqUrl = s3Events.deadLetterQueue.url;
export const alarmTopicArn = observability.topic.arn;
export const dashboardUrl = observability.dashboardUrl;
export const athenaDatabase = catalog.database.name;
export const athenaTable = catalog.table.name;
