import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand as CreateCatalogTableCommand, CreateDatabaseCommand, type GlueClient } from '@aws-sdk/client-glue';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseYaml } from 'yaml';
import { CATALOG_TABLE_NAME, catalogDatabaseName, catalogTableInput } from '../contracts/catalogTable';
import { ContextError } from '../contracts/contextError';
import { type BucketRole as ContractBucketRole, resourceNames } from '../contracts/resourceNames';
import { CONFIG_KEY, CONFIG_NAMESPACE, parseStackConfig, type StackConfig } from '../contracts/stackConfig';
import { TTL_ATTRIBUTE, trackingTableDefinition } from '../contracts/trackingSchema';
import type { GlueSizing } from '../handlers/orchestration/glueCapacity';
import { stateMachineDefinition } from '../handlers/orchestration/stateMachineDefinition';
import { type BatchingSettings, batchingSettingsFromStack, type ResourceNames, type RuntimeConfig } from '../handlers/runtimeConfig';
import { PROJECT_ROOT } from './projectRoot';

/**
 * The dev stack's resources, created in the emulator from the same Pulumi.dev.yaml the stack reads, so the
 * local run batches with dev's thresholds, shard count and ASL. Names come from contracts/resourceNames
 * with the stack part `local`, so nobody mistakes an emulator dump for a real stack.
 */

export const LOCAL_STACK = 'dev';
/** moto's default account: every ARN the emulator hands out carries it. */
export const LOCAL_ACCOUNT = '123456789012';

/** The buckets a local run creates: the stack's data buckets (the scripts bucket only serves Glue on AWS). */
export type BucketRole = Exclude<ContractBucketRole, 'scripts'>;
export const BUCKET_ROLES: readonly BucketRole[] = ['input', 'quarantine', 'manifest', 'output'];

export interface LocalResources extends ResourceNames {
  region: string;
  streamName: string;
  streamArn: string;
  glueJobName: string;
  stateMachineName: string;
  batcherFunctionName: string;
  sweeperFunctionName: string;
  generatorFunctionName: string;
  /** The stack's scripts bucket: not created locally (the worker runs the script from the work tree), named in the Glue role's policy. */
  scriptsBucket: string;
  buckets: Record<BucketRole, string>;
  /** The state machine's retries of a failed Glue run: glue.maxRetries, as the stack's ASL has them. */
  glueRunRetries: number;
  /** The stack's glue sizing, which the ASL's SizeGlueRun compiles: each local run is sized as on AWS. */
  glueSizing: GlueSizing;
  /**
   * The SQS dead-letter queues, named as the stack names them: the rule target's and the mapping's on-failure
   * destination. Their URLs once created: Lambda and EventBridge send to a queue they know, with no GetQueueUrl
   * (which the batcher's role may not call).
   */
  deadLetterQueues: DeadLetterQueueNames;
  /** The EventBridge rule that puts Object Created events on the stream (moto cannot run it: local/s3EventShim.ts). */
  ingestRuleArn: string;
  /** The Glue Data Catalog table over the output, in the emulator's catalog (contracts/catalogTable.ts). */
  catalog: { database: string; table: string };
}

export interface DeadLetterQueueNames {
  ingest: string;
  batcher: string;
}

export class LocalResourceError extends ContextError {
  override readonly name = 'LocalResourceError';
}

export interface LoadedStack {
  stack: string;
  region: string;
  config: StackConfig;
}

/** Reads and validates `ndjson-parquet:pipeline` from Pulumi.<stack>.yaml, exactly as the stack does. */
export async function loadStackConfig(stack = LOCAL_STACK, root = PROJECT_ROOT): Promise<LoadedStack> {
  return loadStackFile(join(root, `Pulumi.${stack}.yaml`), stack);
}

/**
 * A Pulumi.<stack>.yaml-shaped file anywhere (`local --stack-file`), validated as the stack's own; its stack
 * name, for errors, is the file's `<stack>`, or the file name when it is not named that way.
 */
export async function loadStackFile(
  path: string,
  stack = /^Pulumi\.(.+)\.yaml$/.exec(basename(path))?.[1] ?? basename(path),
): Promise<LoadedStack> {
  const document = parseYaml(await readFile(path, 'utf8')) as { config?: Record<string, unknown> } | null;
  const values = document?.config ?? {};
  const config = parseStackConfig(values[`${CONFIG_NAMESPACE}:${CONFIG_KEY}`], stack);
  const region = typeof values['aws:region'] === 'string' ? values['aws:region'] : 'us-east-1';
  return { stack, region, config };
}

/** The stack part of local resource names: `<namePrefix>-local-input`, where a deployed stack has `-dev-`. */
export const LOCAL_NAME_STACK = 'local';

export function localResourceNames(
  config: StackConfig,
  region: string,
  stack = LOCAL_NAME_STACK,
): Omit<LocalResources, 'streamArn' | 'stateMachineArn'> & { stateMachineArn: string } {
  const names = resourceNames(config.namePrefix, stack);
  const buckets: Record<BucketRole, string> = {
    input: names.buckets.input,
    quarantine: names.buckets.quarantine,
    manifest: names.buckets.manifest,
    output: names.buckets.output,
  };
  return {
    region,
    tableName: names.table,
    inputBucket: buckets.input,
    quarantineBucket: buckets.quarantine,
    manifestBucket: buckets.manifest,
    outputBucket: buckets.output,
    stateMachineArn: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${names.stateMachine}`,
    stateMachineName: names.stateMachine,
    streamName: names.stream,
    glueJobName: names.glueJob,
    batcherFunctionName: names.batcher,
    sweeperFunctionName: names.sweeper,
    generatorFunctionName: names.generator,
    scriptsBucket: names.buckets.scripts,
    buckets,
    glueRunRetries: config.glue.maxRetries,
    glueSizing: config.glue,
    deadLetterQueues: { ingest: names.ingestDlq, batcher: names.batcherDlq },
    ingestRuleArn: `arn:aws:events:${region}:${LOCAL_ACCOUNT}:rule/${names.s3Events}-object-created`,
    catalog: { database: catalogDatabaseName(names.base), table: CATALOG_TABLE_NAME },
  };
}

export interface ResourceClients {
  s3: S3Client;
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  sfn: SFNClient;
  sqs: SQSClient;
  glue: GlueClient;
}

async function step<T>(resource: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new LocalResourceError(
      `could not create ${resource} in the emulator: ${(error as Error).message}`,
      { resource },
      { cause: error },
    );
  }
}

export async function createLocalResources(
  clients: ResourceClients,
  loaded: LoadedStack,
  stack = LOCAL_NAME_STACK,
): Promise<LocalResources> {
  const { config, region } = loaded;
  const names = localResourceNames(config, region, stack);

  for (const bucket of Object.values(names.buckets)) {
    await step(`bucket ${bucket}`, () => clients.s3.send(new CreateBucketCommand({ Bucket: bucket })));
  }

  await step(`table ${names.tableName}`, () =>
    clients.dynamo.send(new CreateTableCommand({ TableName: names.tableName, ...trackingTableDefinition() })),
  );
  await step(`TTL on ${names.tableName}`, () =>
    clients.dynamo.send(
      new UpdateTimeToLiveCommand({ TableName: names.tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
    ),
  );

  await step(`stream ${names.streamName}`, () =>
    clients.kinesis.send(
      new CreateStreamCommand(
        config.stream.mode === 'ON_DEMAND'
          ? { StreamName: names.streamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }
          : { StreamName: names.streamName, ShardCount: config.stream.shardCount },
      ),
    ),
  );
  const summary = await step(`stream ${names.streamName}`, () =>
    clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names.streamName })),
  );
  const streamArn = summary.StreamDescriptionSummary?.StreamARN;
  if (!streamArn)
    throw new LocalResourceError(`the emulator returned no ARN for stream ${names.streamName}`, { resource: names.streamName });

  // Standard queues with the stack's 14-day retention (pulumi/components/deadLetterQueue.ts).
  const createQueue = async (queue: string) => {
    const created = await step(`queue ${queue}`, () =>
      clients.sqs.send(new CreateQueueCommand({ QueueName: queue, Attributes: { MessageRetentionPeriod: '1209600' } })),
    );
    if (!created.QueueUrl) throw new LocalResourceError(`the emulator returned no URL for queue ${queue}`, { resource: queue });
    return created.QueueUrl;
  };
  const deadLetterQueues = {
    ingest: await createQueue(names.deadLetterQueues.ingest),
    batcher: await createQueue(names.deadLetterQueues.batcher),
  };

  // The stack's catalog table, from the same definition (declared and bookkeeping columns); the job's sync
  // adds the rest as it registers them.
  await step(`catalog database ${names.catalog.database}`, () =>
    clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: names.catalog.database } })),
  );
  await step(`catalog table ${names.catalog.table}`, () =>
    clients.glue.send(
      new CreateCatalogTableCommand({
        DatabaseName: names.catalog.database,
        TableInput: catalogTableInput({
          outputBucket: names.outputBucket,
          outputPrefix: config.outputPrefix,
          declared: config.schema.columns,
        }),
      }),
    ),
  );

  const created = await step(`state machine ${names.stateMachineName}`, () =>
    clients.sfn.send(
      new CreateStateMachineCommand({
        name: names.stateMachineName,
        definition: JSON.stringify(localDefinition(names)),
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${names.stateMachineName}`,
        type: 'STANDARD',
      }),
    ),
  );
  if (!created.stateMachineArn)
    throw new LocalResourceError('the emulator returned no state machine ARN', { resource: names.stateMachineName });

  return { ...names, streamArn, stateMachineArn: created.stateMachineArn, deadLetterQueues };
}

/** The batcher's and sweeper's RuntimeConfig: dev's settings, optionally tightened for tests and demos. */
export function localRuntimeConfig(
  resources: LocalResources,
  config: StackConfig,
  overrides: Partial<BatchingSettings> = {},
): RuntimeConfig {
  return {
    tableName: resources.tableName,
    inputBucket: resources.inputBucket,
    quarantineBucket: resources.quarantineBucket,
    manifestBucket: resources.manifestBucket,
    outputBucket: resources.outputBucket,
    stateMachineArn: resources.stateMachineArn,
    ...batchingSettingsFromStack(config),
    ...overrides,
  };
}

/** The ASL the stack deploys, for the local resources' table and job: what the emulator's state machine holds. */
function localDefinition(
  resources: Pick<LocalResources, 'tableName' | 'glueJobName' | 'glueRunRetries' | 'glueSizing'>,
): Record<string, unknown> {
  return stateMachineDefinition({
    tableName: resources.tableName,
    glueJobName: resources.glueJobName,
    glueRunRetries: resources.glueRunRetries,
    glueSizing: resources.glueSizing,
  });
}

/** The state machine an executor runs: the emulator's, its ASL, and the clients its tasks call. */
export function localStateMachine(
  resources: Pick<LocalResources, 'tableName' | 'glueJobName' | 'glueRunRetries' | 'glueSizing' | 'stateMachineArn'>,
  clients: { sfn: SFNClient; dynamoRaw: DynamoDBClient },
): { sfn: SFNClient; dynamo: DynamoDBClient; stateMachineArn: string; definition: Record<string, unknown> } {
  return {
    sfn: clients.sfn,
    dynamo: clients.dynamoRaw,
    stateMachineArn: resources.stateMachineArn,
    definition: localDefinition(resources),
  };
}
