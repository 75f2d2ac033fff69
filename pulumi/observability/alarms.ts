import { METRICS_NAMESPACE, METRICS_SERVICE_DIMENSION, Metric, type MetricName, metricStatistic } from '../../contracts/metrics';

/**
 * The alarms that need a person, as plain data (pure; the Observability component turns each into a
 * CloudWatch MetricAlarm wired to the alarm topic).
 */

export type Statistic = 'Sum' | 'Maximum' | 'Average';

/** Every alarm, in the order alarmSpecs returns them. */
export const ALARM_KEYS = [
  'batcher-dlq-not-empty',
  'ingest-dlq-not-empty',
  'executions-failed',
  'iterator-age',
  'batcher-errors',
  'sweeper-errors',
  'manifests-stuck',
  'flush-failures',
  'objects-missing',
  'objects-reconciled',
  'events-skipped',
  'pending-too-old',
  'inputs-changed',
] as const;

export type AlarmKey = (typeof ALARM_KEYS)[number];

export interface AlarmSpec {
  /** Stable key; also the suffix of the alarm's name. */
  key: AlarmKey;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: Statistic;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
  treatMissingData: 'notBreaching' | 'breaching' | 'missing' | 'ignore';
}

export interface AlarmInputs {
  service: string;
  batcherFunctionName: string;
  sweeperFunctionName: string;
  batcherDlqName: string;
  ingestDlqName: string;
  stateMachineArn: string;
  iteratorAgeAlarmSeconds: number;
  /** pendingAgeAlarmSeconds(config): the oldest pending file's age no healthy pipeline reaches. */
  pendingAgeAlarmSeconds: number;
}

const FIVE_MINUTES = 300;

function anyOf(
  spec: Omit<
    AlarmSpec,
    'threshold' | 'comparisonOperator' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData' | 'periodSeconds'
  > & { periodSeconds?: number },
): AlarmSpec {
  return {
    periodSeconds: FIVE_MINUTES,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    ...spec,
  };
}

export function alarmSpecs(input: AlarmInputs): AlarmSpec[] {
  return [
    anyOf({
      key: 'batcher-dlq-not-empty',
      description: 'Kinesis records the batcher could not process after all retries are in its DLQ: inspect and replay them.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: input.batcherDlqName },
      statistic: 'Maximum',
    }),
    anyOf({
      key: 'ingest-dlq-not-empty',
      description: 'S3 events EventBridge could not put on the ingest stream are in the rule DLQ: those files are not tracked yet.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: input.ingestDlqName },
      statistic: 'Maximum',
    }),
    anyOf({
      key: 'executions-failed',
      description: 'A manifest conversion failed (the MANIFEST record holds the error); redrive it once fixed.',
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensions: { StateMachineArn: input.stateMachineArn },
      statistic: 'Sum',
    }),
    {
      key: 'iterator-age',
      description: `The batcher is more than ${input.iteratorAgeAlarmSeconds} s behind the ingest stream.`,
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: input.batcherFunctionName },
      statistic: 'Maximum',
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      threshold: input.iteratorAgeAlarmSeconds * 1000,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    anyOf({
      key: 'batcher-errors',
      description: 'The batcher Lambda failed whole invocations (not single records): check its logs.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: input.batcherFunctionName },
      statistic: 'Sum',
    }),
    anyOf({
      key: 'sweeper-errors',
      description: 'The sweeper failed: quiet dates are not being flushed and stuck manifests not resumed.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: input.sweeperFunctionName },
      statistic: 'Sum',
    }),
    anyOf({
      key: 'manifests-stuck',
      description: 'A manifest has been processing longer than sweeper.stuckProcessingMinutes.',
      namespace: METRICS_NAMESPACE,
      metricName: Metric.ManifestsStuck,
      dimensions: { [METRICS_SERVICE_DIMENSION]: input.service },
      statistic: metricStatistic(Metric.ManifestsStuck),
    }),
    // The batcher and the sweeper catch a date's flush failure so the other dates go on; the next flush
    // retries it, but one that keeps failing leaves the date's files pending with no MANIFEST record to
    // become stuck, so the failure itself must reach a person.
    pipelineCount(input, 'flush-failures', Metric.FlushFailures, "A date's flush failed (the batcher or sweeper report has the error)."),
    pipelineCount(
      input,
      'objects-missing',
      Metric.ObjectsMissing,
      'An announced object was not found: deleted, or its key decoded wrongly.',
    ),
    pipelineCount(
      input,
      'objects-reconciled',
      Metric.ObjectsReconciled,
      "The sweeper's reconcile found input objects with no tracking record: their events were lost (now ingested).",
    ),
    pipelineCount(input, 'events-skipped', Metric.EventsSkipped, 'The stream carried records that are no input Object Created event.'),
    // A failure before any MANIFEST record exists (a flush that keeps failing, a sweeper that stopped) can
    // never become "stuck"; its files only grow older. Two sweeps in a row past the bound, not one slow one.
    {
      key: 'pending-too-old',
      description: `A file has waited more than ${input.pendingAgeAlarmSeconds} s for a manifest (maxWaitSeconds + a lock lease + two sweeps): files are piling up.`,
      namespace: METRICS_NAMESPACE,
      metricName: Metric.OldestPendingAgeSeconds,
      dimensions: { [METRICS_SERVICE_DIMENSION]: input.service },
      statistic: metricStatistic(Metric.OldestPendingAgeSeconds),
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: input.pendingAgeAlarmSeconds,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    pipelineCount(
      input,
      'inputs-changed',
      Metric.InputsChanged,
      'A Glue run excluded input files changed or deleted after their manifest was built (its report lists them under excluded_files).',
    ),
  ];
}

function pipelineCount(input: AlarmInputs, key: AlarmKey, metric: MetricName, description: string): AlarmSpec {
  return anyOf({
    key,
    description,
    namespace: METRICS_NAMESPACE,
    metricName: metric,
    dimensions: { [METRICS_SERVICE_DIMENSION]: input.service },
    statistic: metricStatistic(metric),
  });
}
