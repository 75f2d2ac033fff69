import { WINDOWS_INDEX } from '../../contracts/trackingSchema';
import { allow, logStreamsArn, objectArn, type PolicyDocument, type PolicyStatement, policyDocument, type UnusedLocally } from './document';

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

/**
 * DynamoDB actions the tracking store uses; TransactWriteItems is authorised per item by these, BatchWriteItem
 * (PENDING markers) and BatchGetItem (the planner's read of pending file items) by their own action on the table
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html).
 */
export const TRACKING_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
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

/** What both pipeline Lambdas do: track files, write and start manifests, report. */
function sharedStatements(arns: PipelineLambdaArns): PolicyStatement[] {
  return [
    lambdaLogsStatement(arns.logGroupArn),
    // DeleteObject: a holder fenced before its commit removes the manifest object it wrote.
    allow('ReadWriteManifests', ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], [objectArn(arns.manifestBucketArn, MANIFESTS_PREFIX)]),
    allow('WriteLambdaReports', ['s3:PutObject'], [objectArn(arns.manifestBucketArn, LAMBDA_REPORTS_PREFIX)]),
    allow('TrackingTable', TRACKING_TABLE_ACTIONS, [arns.tableArn, `${arns.tableArn}/index/${WINDOWS_INDEX.name}`]),
    allow('StartManifestExecutions', ['states:StartExecution'], [arns.stateMachineArn]),
  ];
}

/** Only the batcher ingests: it reads, checks and moves input objects and quarantines them. */
function ingestStatements(arns: PipelineLambdaArns): PolicyStatement[] {
  const inputObjects = objectArn(arns.inputBucketArn, arns.inputPrefix);
  return [
    allow('ReadAndMoveInputObjects', ['s3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'], [inputObjects]),
    allow('ListPipelineBuckets', ['s3:ListBucket'], [arns.inputBucketArn, arns.quarantineBucketArn, arns.manifestBucketArn]),
    // GetObject: a redelivered event checks (HeadObject) whether its object is already in quarantine.
    allow(
      'MoveIntoQuarantine',
      ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject', 's3:AbortMultipartUpload'],
      [objectArn(arns.quarantineBucketArn, '')],
    ),
  ];
}

const LAMBDA_LOGS_REASON = "the Lambda runtime writes the function's logs to CloudWatch Logs; locally the handlers log to files";
const FENCED_OR_RESUMED = {
  'ReadWriteManifests/s3:GetObject':
    'read back only after a crash between writing a manifest object and committing it (a retry finds it, or the sweeper resumes it)',
  'ReadWriteManifests/s3:DeleteObject':
    'only a holder whose lock was taken over before its commit removes the manifest it wrote (test/integration/locking.test.ts takes that path)',
};

/** The batcher: ingest and the shared statements, plus reading its Kinesis stream and its on-failure DLQ. */
export function batcherPolicy(arns: BatcherArns): PolicyDocument {
  const [logs, ...shared] = sharedStatements(arns);
  return policyDocument(
    logs as PolicyStatement,
    ...ingestStatements(arns),
    ...shared,
    allow('ConsumeIngestStream', KINESIS_CONSUMER_ACTIONS, [arns.streamArn]),
    allow('SendToOnFailureDlq', ['sqs:SendMessage'], [arns.dlqArn]),
  );
}

export const BATCHER_UNUSED_LOCALLY: UnusedLocally = {
  WriteOwnLogs: LAMBDA_LOGS_REASON,
  // S3's CopyObject copies the source's tags unless told otherwise (x-amz-tagging-directive defaults to COPY).
  'ReadAndMoveInputObjects/s3:GetObjectTagging':
    "CopyObject copies the source's tags by default; the local proxy does not model tag copying",
  'MoveIntoQuarantine/s3:PutObjectTagging':
    'CopyObject writes the copied tags on the quarantined object; the local proxy does not model tag copying',
  'MoveIntoQuarantine/s3:AbortMultipartUpload': 'only a failed multipart copy (objects over 5 GiB) is aborted',
  ...FENCED_OR_RESUMED,
  'ConsumeIngestStream/kinesis:DescribeStream': "AWS's event source mapping describes the stream; the local poller lists its shards",
  'ConsumeIngestStream/kinesis:DescribeStreamSummary': "AWS's event source mapping describes the stream; the local poller lists its shards",
  SendToOnFailureDlq:
    'only a batch that exhausted its retries is sent to the on-failure queue (test/e2e/deadLetters.test.ts forces one); the local poller sends it as this role',
};

/**
 * The sweeper: the shared statements, plus what its reconcile of recent dates needs. It lists the input
 * prefix (ListObjectsV2 is s3:ListBucket on the bucket, narrowed by the s3:prefix condition key:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html) and feeds the objects
 * whose events were lost through the batcher's ingest, which reads (HeadObject) and may quarantine them: the
 * batcher's input and quarantine statements. The ListBucket grant also makes a HeadObject of an input key
 * deleted since the listing answer 404, as ingest expects. It reads manifest objects only where it wrote
 * them, and never lists the quarantine or manifest buckets.
 */
export function sweeperPolicy(arns: PipelineLambdaArns): PolicyDocument {
  const [readAndMove, , moveIntoQuarantine] = ingestStatements(arns);
  return policyDocument(
    ...sharedStatements(arns),
    allow('ListInputForReconcile', ['s3:ListBucket'], [arns.inputBucketArn], { StringLike: { 's3:prefix': [`${arns.inputPrefix}*`] } }),
    readAndMove as PolicyStatement,
    moveIntoQuarantine as PolicyStatement,
  );
}

export const SWEEPER_UNUSED_LOCALLY: UnusedLocally = {
  WriteOwnLogs: LAMBDA_LOGS_REASON,
  ...FENCED_OR_RESUMED,
  'ReadAndMoveInputObjects/s3:GetObjectTagging':
    "CopyObject copies the source's tags by default; the local proxy does not model tag copying",
  'MoveIntoQuarantine/s3:PutObjectTagging':
    'CopyObject writes the copied tags on the quarantined object; the local proxy does not model tag copying',
  'MoveIntoQuarantine/s3:AbortMultipartUpload': 'only a failed multipart copy (objects over 5 GiB) is aborted',
  'MoveIntoQuarantine/s3:GetObject':
    'only a quarantine whose source vanished checks the quarantine bucket; a reconciled object was just listed',
};

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

export const GENERATOR_UNUSED_LOCALLY: UnusedLocally = { WriteOwnLogs: LAMBDA_LOGS_REASON };
