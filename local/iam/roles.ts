import { catalogTableArns } from '../../contracts/catalogTable';
import type { StackConfig } from '../../contracts/stackConfig';
import {
  BATCHER_UNUSED_LOCALLY,
  batcherPolicy,
  EVENTS_TO_KINESIS_UNUSED_LOCALLY,
  eventsToKinesisPolicy,
  GENERATOR_UNUSED_LOCALLY,
  GLUE_JOB_UNUSED_LOCALLY,
  generatorPolicy,
  glueJobPolicy,
  logGroupArn,
  type PolicyDocument,
  SCRIPTS_PREFIX,
  STATE_MACHINE_UNUSED_LOCALLY,
  SWEEPER_UNUSED_LOCALLY,
  stateMachinePolicy,
  sweeperPolicy,
  tlsOnlyBucketPolicy,
  type UnusedLocally,
} from '../../pulumi/policies';
import { LOCAL_ACCOUNT, type LocalResources } from '../resources';

/**
 * The roles of the stack, each with the policy document the stack attaches to it, built by the SAME
 * builders the Pulumi components call (pulumi/policies), with the local resources' ARNs. Nothing here
 * copies a grant: a change to a builder changes what the local run may do.
 */

export const LOCAL_ROLES = ['batcher', 'sweeper', 'generator', 'stateMachine', 'glueJob', 'eventsToKinesis'] as const;
export type LocalRole = (typeof LOCAL_ROLES)[number];

export type RolePolicies = Record<LocalRole, PolicyDocument>;

export interface LocalArns {
  partition: 'aws';
  region: string;
  accountId: string;
}

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
export const tableArn = (parts: LocalArns, table: string) =>
  `arn:${parts.partition}:dynamodb:${parts.region}:${parts.accountId}:table/${table}`;
export const streamArn = (parts: LocalArns, stream: string) =>
  `arn:${parts.partition}:kinesis:${parts.region}:${parts.accountId}:stream/${stream}`;
export const glueJobArn = (parts: LocalArns, job: string) => `arn:${parts.partition}:glue:${parts.region}:${parts.accountId}:job/${job}`;

export type RoleResources = Pick<
  LocalResources,
  | 'region'
  | 'tableName'
  | 'inputBucket'
  | 'quarantineBucket'
  | 'manifestBucket'
  | 'outputBucket'
  | 'stateMachineArn'
  | 'streamName'
  | 'glueJobName'
  | 'batcherFunctionName'
  | 'sweeperFunctionName'
  | 'generatorFunctionName'
  | 'scriptsBucket'
  | 'catalog'
>;

/** Every role's identity policy for one set of local resources. */
export function localRolePolicies(resources: RoleResources, config: StackConfig): RolePolicies {
  const parts: LocalArns = { partition: 'aws', region: resources.region, accountId: LOCAL_ACCOUNT };
  const lambdaLogGroup = (fn: string) => logGroupArn(parts, `/aws/lambda/${fn}`);
  const pipeline = {
    tableArn: tableArn(parts, resources.tableName),
    inputBucketArn: bucketArn(resources.inputBucket),
    inputPrefix: config.inputPrefix,
    quarantineBucketArn: bucketArn(resources.quarantineBucket),
    manifestBucketArn: bucketArn(resources.manifestBucket),
    stateMachineArn: resources.stateMachineArn,
  };
  const stream = streamArn(parts, resources.streamName);
  const glueLogs = [`/aws-glue/${resources.glueJobName}/output`, `/aws-glue/${resources.glueJobName}/error`];
  return {
    batcher: batcherPolicy({
      ...pipeline,
      logGroupArn: lambdaLogGroup(resources.batcherFunctionName),
      streamArn: stream,
      dlqArn: `arn:aws:sqs:${parts.region}:${parts.accountId}:${resources.batcherFunctionName}-dlq`,
    }),
    sweeper: sweeperPolicy({ ...pipeline, logGroupArn: lambdaLogGroup(resources.sweeperFunctionName) }),
    generator: generatorPolicy({
      logGroupArn: lambdaLogGroup(resources.generatorFunctionName),
      inputBucketArn: pipeline.inputBucketArn,
      inputPrefix: config.inputPrefix,
    }),
    stateMachine: stateMachinePolicy({ tableArn: pipeline.tableArn, glueJobArn: glueJobArn(parts, resources.glueJobName) }),
    glueJob: glueJobPolicy({
      inputBucketArn: pipeline.inputBucketArn,
      inputPrefix: config.inputPrefix,
      manifestBucketArn: pipeline.manifestBucketArn,
      outputBucketArn: bucketArn(resources.outputBucket),
      outputPrefix: config.outputPrefix,
      rejectsPrefix: config.rejectsPrefix,
      stagingPrefix: config.stagingPrefix,
      scriptsBucketArn: bucketArn(resources.scriptsBucket),
      scriptsPrefix: SCRIPTS_PREFIX,
      logGroupArns: glueLogs.map((name) => logGroupArn(parts, name)),
      catalogArns: catalogTableArns(parts, resources.catalog.database, resources.catalog.table),
    }),
    eventsToKinesis: eventsToKinesisPolicy(stream),
  };
}

/** The local buckets (the scripts bucket is not created locally). */
export const BUCKET_NAMES = (resources: Pick<LocalResources, 'buckets'>): string[] => Object.values(resources.buckets);

/** The bucket policy of every local bucket: the stack gives each the TLS-only policy. */
export function localBucketPolicies(buckets: Iterable<string>): Map<string, PolicyDocument> {
  return new Map([...buckets].map((bucket) => [bucket, tlsOnlyBucketPolicy(bucketArn(bucket))]));
}

/** Per role, the grants no local path uses and why each stays (from the policy builders). */
export const UNUSED_LOCALLY: Record<LocalRole, UnusedLocally> = {
  batcher: BATCHER_UNUSED_LOCALLY,
  sweeper: SWEEPER_UNUSED_LOCALLY,
  generator: GENERATOR_UNUSED_LOCALLY,
  stateMachine: STATE_MACHINE_UNUSED_LOCALLY,
  glueJob: GLUE_JOB_UNUSED_LOCALLY,
  eventsToKinesis: EVENTS_TO_KINESIS_UNUSED_LOCALLY,
};
