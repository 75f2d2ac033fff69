import { GLUE_RUN_RETRY } from '../../contracts/stackConfig';
import {
  MANIFEST_CAPACITY_ATTRIBUTES,
  MANIFEST_STATUS,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
  TTL_ON_COMPLETION_ATTRIBUTE,
} from '../../contracts/trackingSchema';
import { type GlueCapacity, type GlueSizing, glueCapacityTiers } from './glueCapacity';

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
  /** The stack's glue sizing config: SizeGlueRun compiles glueCapacityTiers(glueSizing) into its Choice. */
  glueSizing: GlueSizing;
}

/**
 * Glue arguments passed per run; the job's other arguments are its DefaultArguments. The capacity goes to
 * the script too, so its report and cost estimate describe what the run ran on (a run reads its own
 * arguments, not its JobRun).
 */
export const GLUE_RUN_ARGUMENTS = {
  '--manifest_path.$': '$.manifest_path',
  '--manifest_id.$': '$.manifest_id',
  '--date_prefix.$': '$.date_prefix',
  '--worker_type.$': '$.capacity.worker_type',
  '--number_of_workers.$': '$.capacity.number_of_workers_text',
  '--execution_class.$': '$.capacity.execution_class',
} as const;

/** The state that sizes the run: a Choice on the execution's `total_bytes` (handlers/domain/manifest.ts executionInput). */
export const SIZE_GLUE_RUN_STATE = 'SizeGlueRun';

/** Where the chosen capacity sits in the execution's state, for MarkProcessing and RunGlue. */
export const CAPACITY_PATH = '$.capacity';

/** The capacity as a Pass state sets it at $.capacity; the workers also as text, since job Arguments and DynamoDB `N` values are strings. */
export interface CapacityResult {
  worker_type: string;
  number_of_workers: number;
  number_of_workers_text: string;
  execution_class: string;
}

export function capacityResult(capacity: GlueCapacity): CapacityResult {
  return {
    worker_type: capacity.workerType,
    number_of_workers: capacity.numberOfWorkers,
    number_of_workers_text: String(capacity.numberOfWorkers),
    execution_class: capacity.executionClass,
  };
}

/** The Pass state that sets one tier's capacity. */
export function capacityStateName(capacity: GlueCapacity): string {
  return `GlueCapacity${capacity.numberOfWorkers}`;
}

/**
 * SizeGlueRun and one Pass state per tier: the Choice takes the first tier whose upToBytes holds the
 * manifest's total_bytes, exactly glueRunCapacity(total_bytes) (test/unit/stateMachineDefinition.test.ts
 * evaluates the rules against the rule). An input without a numeric total_bytes takes the last tier, the
 * stack's full capacity, as every run got before runs were sized (every execution input has carried
 * total_bytes, so this is a guard, not a path in use). Choice rules compare numbers exactly
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html), and the tier bounds are whole
 * bytes, well within a double's exact integers.
 */
function sizingStates(sizing: GlueSizing, next: string): Record<string, unknown> {
  const tiers = glueCapacityTiers(sizing);
  const last = tiers.at(-1);
  if (!last) throw new RangeError('no Glue capacity tier: glue.minWorkers exceeds glue.numberOfWorkers');
  // A rule on a path the input lacks is a States.Runtime error, so an input without total_bytes is
  // routed first; a non-numeric one matches no numeric rule and takes the Default. `Not IsPresent true`,
  // not `IsPresent false`: aws-local-stepfunctions (the local runtime) never matches the latter.
  const choices: Record<string, unknown>[] = [
    { Not: { Variable: '$.total_bytes', IsPresent: true }, Next: capacityStateName(last.capacity) },
  ];
  for (const tier of tiers) {
    if (tier.upToBytes === undefined) break;
    choices.push({ Variable: '$.total_bytes', NumericLessThanEquals: tier.upToBytes, Next: capacityStateName(tier.capacity) });
  }
  const states: Record<string, unknown> = {
    [SIZE_GLUE_RUN_STATE]: { Type: 'Choice', Choices: choices, Default: capacityStateName(last.capacity) },
  };
  for (const tier of tiers) {
    states[capacityStateName(tier.capacity)] = {
      Type: 'Pass',
      Result: capacityResult(tier.capacity),
      ResultPath: CAPACITY_PATH,
      Next: next,
    };
  }
  return states;
}

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
    StartAt: SIZE_GLUE_RUN_STATE,
    States: {
      ...sizingStates(params.glueSizing, 'MarkProcessing'),
      MarkProcessing: {
        Type: 'Task',
        Resource: DYNAMODB_UPDATE_ITEM,
        Parameters: {
          TableName: params.tableName,
          Key: manifestItemKey(),
          // Only an existing MANIFEST record may move; a completed one is left alone on a redundant run.
          ConditionExpression: `attribute_exists(${TABLE_KEYS.range}) AND #status <> :completed`,
          // The record also says what the run it starts ran on (a redrive's run overwrites it with its own).
          UpdateExpression:
            'SET #status = :processing, updated_at = :now, execution_arn = :execution, ' +
            '#workerType = :workerType, #workers = :workers, #executionClass = :executionClass ADD attempts :one',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#workerType': MANIFEST_CAPACITY_ATTRIBUTES.workerType,
            '#workers': MANIFEST_CAPACITY_ATTRIBUTES.numberOfWorkers,
            '#executionClass': MANIFEST_CAPACITY_ATTRIBUTES.executionClass,
          },
          ExpressionAttributeValues: {
            ':processing': { S: MANIFEST_STATUS.processing },
            ':completed': { S: MANIFEST_STATUS.completed },
            ':now': { 'S.$': '$$.State.EnteredTime' },
            ':execution': { 'S.$': '$$.Execution.Id' },
            ':one': { N: '1' },
            ':workerType': { 'S.$': `${CAPACITY_PATH}.worker_type` },
            ':workers': { 'N.$': `${CAPACITY_PATH}.number_of_workers_text` },
            ':executionClass': { 'S.$': `${CAPACITY_PATH}.execution_class` },
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
        // StartJobRun takes the capacity per run, over the job's own
        // (https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html); the .sync integration passes
        // these Parameters to it as they are (https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html).
        Parameters: {
          JobName: params.glueJobName,
          'WorkerType.$': `${CAPACITY_PATH}.worker_type`,
          'NumberOfWorkers.$': `${CAPACITY_PATH}.number_of_workers`,
          'ExecutionClass.$': `${CAPACITY_PATH}.execution_class`,
          Arguments: GLUE_RUN_ARGUMENTS,
        },
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
