import { WINDOWS_INDEX } from '../../contracts/trackingSchema';
import { allow, logStreamsArn, objectArn, type PolicyDocument, type PolicyStatement, policyDocument } from './document';

/**
 * Execution-role policies of the pipeline Lambdas. Every action is named; every resource is one of this
 * stack's ARNs or key prefixes.
 *
 * Notes on S3: HeadObject is authorised by s3:GetObject (there is no s3:HeadObject action). s3:ListBucket on
 * the input, quarantine and manifest buckets is granted so that a read of a missing key answers 404
 * NoSuchKey rather than 403 AccessDenied: the handlers treat "already moved/never written" as a normal,
 * idempotent case. A copy over 5 GiB goes in parts: CreateMultipartUpload, UploadPartCopy and
 * CompleteMultipartUpload are all s3:PutObject; a failed one is aborted (s3:AbortMultipartUpload).
 */

export interface TrackingArns {
  tableArn: string;
}

export interface PipelineLambdaArns extends TrackingArns {
  logGroupArn: string;
  inputBucketArn: string;
  inputPrefix: string;
  quarantineBucketArn: string;
  manifestBucketArn: string;
  stateMachineArn: string;
}

export interface BatcherArns extends PipelineLambdaArns {
  streamArn: string;
  dlqArn: string;
}

export const MANIFESTS_PREFIX = 'manifests/';
export const LAMBDA_REPORTS_PREFIX = 'logs/lambda/';
export const GLUE_REPORTS_PREFIX = 'logs/glue/';

/** DynamoDB actions the tracking store uses; TransactWriteItems is authorised per item by these. */
export const TRACKING_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];

/** Read actions the Lambda event source mapping needs on a Kinesis stream (no enhanced fan-out). */
export const KINESIS_CONSUMER_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];

export function lambdaLogsStatement(logGroupArn: string): PolicyStatement {
  return allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logStreamsArn(logGroupArn)]);
}

function pipelineStatements(arns: PipelineLambdaArns): PolicyStatement[] {
  const inputObjects = objectArn(arns.inputBucketArn, arns.inputPrefix);
  return [
    lambdaLogsStatement(arns.logGroupArn),
    allow('ReadAndMoveInputObjects', ['s3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'], [inputObjects]),
    allow('ListPipelineBuckets', ['s3:ListBucket'], [arns.inputBucketArn, arns.quarantineBucketArn, arns.manifestBucketArn]),
    // GetObject: a redelivered event checks (HeadObject) whether its object is already in quarantine.
    allow(
      'MoveIntoQuarantine',
      ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject', 's3:AbortMultipartUpload'],
      [objectArn(arns.quarantineBucketArn, '')],
    ),
    // DeleteObject: a holder fenced before its commit removes the manifest object it wrote.
    allow('ReadWriteManifests', ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], [objectArn(arns.manifestBucketArn, MANIFESTS_PREFIX)]),
    allow('WriteLambdaReports', ['s3:PutObject'], [objectArn(arns.manifestBucketArn, LAMBDA_REPORTS_PREFIX)]),
    allow('TrackingTable', TRACKING_TABLE_ACTIONS, [arns.tableArn, `${arns.tableArn}/index/${WINDOWS_INDEX.name}`]),
    allow('StartManifestExecutions', ['states:StartExecution'], [arns.stateMachineArn]),
  ];
}

/** The batcher: everything the pipeline Lambdas share, plus reading its Kinesis stream and its on-failure DLQ. */
export function batcherPolicy(arns: BatcherArns): PolicyDocument {
  return policyDocument(
    ...pipelineStatements(arns),
    allow('ConsumeIngestStream', KINESIS_CONSUMER_ACTIONS, [arns.streamArn]),
    allow('SendToOnFailureDlq', ['sqs:SendMessage'], [arns.dlqArn]),
  );
}

/** The sweeper: the batcher's permissions without Kinesis or the DLQ (it is invoked by a schedule). */
export function sweeperPolicy(arns: PipelineLambdaArns): PolicyDocument {
  return policyDocument(...pipelineStatements(arns));
}

export interface GeneratorArns {
  logGroupArn: string;
  inputBucketArn: string;
  inputPrefix: string;
}

/** The dev-only generator only writes test files under the input prefix. */
export function generatorPolicy(arns: GeneratorArns): PolicyDocument {
  return policyDocument(
    lambdaLogsStatement(arns.logGroupArn),
    allow('PutTestFiles', ['s3:PutObject'], [objectArn(arns.inputBucketArn, arns.inputPrefix)]),
  );
}
