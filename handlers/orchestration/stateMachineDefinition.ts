import { GLUE_RUN_RETRY } from '../../contracts/stackConfig';
import { MANIFEST_STATUS, TABLE_KEYS, TTL_ATTRIBUTE, TTL_ON_COMPLETION_ATTRIBUTE } from '../../contracts/trackingSchema';

/**
 * The Amazon States Language definition of the per-manifest workflow. One pure function, used by the
 * Pulumi stack (aws.sfn.StateMachine) and by the local runtime (aws-local-stepfunctions), so both run the
 * same ASL. One execution per manifest, named after the manifest id, so a repeated start is harmless.
 */

export interface StateMachineParams {
  tableName: string;
  glueJobName: string;
  /**
   * Further Glue runs after a failed one (`glue.maxRetries`). The state machine is the only owner of
   * retries: the Glue job itself has MaxRetries 0 (pulumi/components/glueJob.ts). A `.sync` task follows
   * the one JobRunId its StartJobRun returned; a retry Glue makes on its own is a new run (its own Id,
   * Attempt n, PreviousRunId) that the task never sees, so the execution would mark the record failed while
   * that run still writes, and a redrive would overlap it
   * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html). Glue also queues only runs
   * of jobs without retries configured (https://docs.aws.amazon.com/glue/latest/dg/job-run-statuses.html).
   */
  glueRunRetries: number;
}

/** Glue arguments passed per run; the job's other arguments are its DefaultArguments. */
export const GLUE_RUN_ARGUMENTS = {
  '--manifest_path.$': '$.manifest_path',
  '--manifest_id.$': '$.manifest_id',
  '--date_prefix.$': '$.date_prefix',
} as const;

export const DYNAMODB_UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';
export const GLUE_START_JOB_RUN_SYNC = 'arn:aws:states:::glue:startJobRun.sync';

const dynamoRetry = [
  {
    ErrorEquals: [
      'DynamoDB.ProvisionedThroughputExceededException',
      'DynamoDB.ThrottlingException',
      'DynamoDB.RequestLimitExceeded',
      'DynamoDB.InternalServerErrorException',
      'DynamoDB.TransactionConflictException',
    ],
    IntervalSeconds: 1,
    BackoffRate: 2,
    MaxAttempts: 6,
    JitterStrategy: 'FULL',
  },
];

/** The MANIFEST item's key, from the execution input (handlers/domain/manifest.ts executionInput). */
function manifestItemKey() {
  return { [TABLE_KEYS.hash]: { 'S.$': '$.date_prefix' }, [TABLE_KEYS.range]: { 'S.$': '$.file_key' } };
}

/**
 * The MANIFEST record belongs to the execution whose MarkProcessing wrote it last (`execution_arn`): a
 * redrive (`redrive --force` of a stuck manifest) takes it over while the older execution may still run.
 * Only the owner may write the outcome, so a stale run finishing late can neither mark completed what a
 * newer run is redoing nor mark failed what a newer run completed.
 */
const OWNED_BY_THIS_EXECUTION = 'execution_arn = :execution';

/** An outcome write refused because a newer execution owns the record: that execution reports the outcome. */
const supersededCatch = [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.superseded', Next: 'Superseded' }];

export function stateMachineDefinition(params: StateMachineParams): Record<string, unknown> {
  return {
    Comment: 'ndjson-parquet: convert one manifest of one date into Parquet and record its status',
    StartAt: 'MarkProcessing',
    States: {
      MarkProcessing: {
        Type: 'Task',
        Resource: DYNAMODB_UPDATE_ITEM,
        Parameters: {
          TableName: params.tableName,
          Key: manifestItemKey(),
          // Only an existing MANIFEST record may move; a completed one is left alone on a redundant run.
          ConditionExpression: `attribute_exists(${TABLE_KEYS.range}) AND #status <> :completed`,
          UpdateExpression: 'SET #status = :processing, updated_at = :now, execution_arn = :execution ADD attempts :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':processing': { S: MANIFEST_STATUS.processing },
            ':completed': { S: MANIFEST_STATUS.completed },
            ':now': { 'S.$': '$$.State.EnteredTime' },
            ':execution': { 'S.$': '$$.Execution.Id' },
            ':one': { N: '1' },
          },
        },
        ResultPath: null,
        Retry: dynamoRetry,
        Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.error', Next: 'AlreadyCompleted' }],
        Next: 'RunGlue',
      },
      AlreadyCompleted: { Type: 'Succeed' },
      RunGlue: {
        Type: 'Task',
        Resource: GLUE_START_JOB_RUN_SYNC,
        Parameters: { JobName: params.glueJobName, Arguments: GLUE_RUN_ARGUMENTS },
        ResultSelector: { 'JobRunId.$': '$.Id', 'JobRunState.$': '$.JobRunState' },
        ResultPath: '$.glue',
        Retry: [
          {
            // Job queuing / MaxConcurrentRuns make this rare; the retry is the safety net.
            ErrorEquals: [
              'Glue.ConcurrentRunsExceededException',
              'Glue.ThrottlingException',
              'Glue.InternalServiceException',
              'Glue.OperationTimeoutException',
            ],
            IntervalSeconds: 30,
            BackoffRate: 2,
            MaxAttempts: 8,
            MaxDelaySeconds: 600,
            JitterStrategy: 'FULL',
          },
          ...(params.glueRunRetries > 0
            ? [
                {
                  // A failed run is safe to repeat: the job's output is keyed by manifest id and replaced whole.
                  ErrorEquals: ['States.TaskFailed'],
                  IntervalSeconds: GLUE_RUN_RETRY.intervalSeconds,
                  BackoffRate: GLUE_RUN_RETRY.backoffRate,
                  MaxAttempts: params.glueRunRetries,
                },
              ]
            : []),
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }],
        Next: 'MarkCompleted',
      },
      MarkCompleted: {
        Type: 'Task',
        Resource: DYNAMODB_UPDATE_ITEM,
        Parameters: {
          TableName: params.tableName,
          Key: manifestItemKey(),
          ConditionExpression: OWNED_BY_THIS_EXECUTION,
          // Only a finished record expires: the TTL the batcher wrote aside at commit becomes `ttl` now (a
          // record written before that attribute existed keeps the `ttl` it has).
          UpdateExpression:
            'SET #status = :completed, glue_job_run_id = :run, completed_time = :now, updated_at = :now, ' +
            '#ttl = if_not_exists(#ttlOnCompletion, #ttl) REMOVE error_message',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE, '#ttlOnCompletion': TTL_ON_COMPLETION_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':completed': { S: MANIFEST_STATUS.completed },
            ':run': { 'S.$': '$.glue.JobRunId' },
            ':now': { 'S.$': '$$.State.EnteredTime' },
            ':execution': { 'S.$': '$$.Execution.Id' },
          },
        },
        ResultPath: null,
        Retry: dynamoRetry,
        Catch: supersededCatch,
        End: true,
      },
      MarkFailed: {
        Type: 'Task',
        Resource: DYNAMODB_UPDATE_ITEM,
        Parameters: {
          TableName: params.tableName,
          Key: manifestItemKey(),
          ConditionExpression: OWNED_BY_THIS_EXECUTION,
          UpdateExpression: 'SET #status = :failed, error_message = :error, updated_at = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': { S: MANIFEST_STATUS.failed },
            ':error': { 'S.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" },
            ':now': { 'S.$': '$$.State.EnteredTime' },
            ':execution': { 'S.$': '$$.Execution.Id' },
          },
        },
        ResultPath: null,
        Retry: dynamoRetry,
        Catch: supersededCatch,
        Next: 'Failed',
      },
      // Not a failure of this pipeline: the run that owns the record decides its outcome (and alarms if it fails).
      Superseded: { Type: 'Succeed' },
      Failed: {
        Type: 'Fail',
        Error: 'ManifestConversionFailed',
        Cause: 'The Glue job failed; the MANIFEST record holds the error. Redrive with `ndjson-parquet redrive`.',
      },
    },
  };
}
