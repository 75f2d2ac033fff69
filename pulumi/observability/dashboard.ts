import {
  METRIC_CATALOGUE,
  METRICS_NAMESPACE,
  METRICS_SERVICE_DIMENSION,
  Metric,
  type MetricName,
  metricStatistic,
} from '../../contracts/metrics';

/**
 * The CloudWatch dashboard body, as plain data (pure). One row per stage of the pipeline, left to right
 * in the order a file travels, then DLQs and alarm states.
 */

export interface DashboardInputs {
  region: string;
  service: string;
  streamName: string;
  batcherFunctionName: string;
  sweeperFunctionName: string;
  stateMachineArn: string;
  glueJobName: string;
  batcherDlqName: string;
  ingestDlqName: string;
  iteratorAgeAlarmSeconds: number;
  alarmArns: string[];
}

type MetricLine = (string | Record<string, unknown>)[];

interface Widget {
  type: 'metric' | 'text' | 'alarm';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export function dashboardUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;
}

export function dashboardBody(input: DashboardInputs): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  const row = (height: number, items: Omit<Widget, 'x' | 'y' | 'height'>[]) => {
    let x = 0;
    for (const item of items) {
      widgets.push({ ...item, x, y, height });
      x += item.width;
    }
    y += height;
  };
  const metric = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}): Omit<Widget, 'x' | 'y' | 'height'> => ({
    type: 'metric',
    width: 8,
    properties: { title, region: input.region, view: 'timeSeries', stacked: false, period: 60, metrics, ...extra },
  });
  const lambda = (name: string, metricName: string, stat: string): MetricLine => ['AWS/Lambda', metricName, 'FunctionName', name, { stat }];
  // Byte and second metrics share a graph with counts, so they get the right-hand axis rather than flatten the counts.
  const emf = (name: MetricName): MetricLine => [
    METRICS_NAMESPACE,
    name,
    METRICS_SERVICE_DIMENSION,
    input.service,
    { stat: metricStatistic(name), ...(METRIC_CATALOGUE[name].unit !== 'Count' ? { yAxis: 'right' } : {}) },
  ];
  const glue = (metricName: string, stat: string): MetricLine => [
    'Glue',
    metricName,
    'JobName',
    input.glueJobName,
    'JobRunId',
    'ALL',
    'Type',
    'count',
    { stat },
  ];
  const states = (metricName: string): MetricLine => ['AWS/States', metricName, 'StateMachineArn', input.stateMachineArn, { stat: 'Sum' }];
  const queue = (name: string): MetricLine => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', name, { stat: 'Maximum' }];

  row(2, [
    {
      type: 'text',
      width: 24,
      properties: {
        markdown: `## ndjson-parquet — ${input.service}\nS3 → EventBridge → Kinesis \`${input.streamName}\` → batcher → manifests → Step Functions → Glue \`${input.glueJobName}\` → Parquet`,
      },
    },
  ]);
  row(6, [
    metric('Kinesis incoming records', [['AWS/Kinesis', 'IncomingRecords', 'StreamName', input.streamName, { stat: 'Sum' }]]),
    metric(
      'Iterator age (ms)',
      [
        lambda(input.batcherFunctionName, 'IteratorAge', 'Maximum'),
        ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', input.streamName, { stat: 'Maximum' }],
      ],
      { annotations: { horizontal: [{ label: 'alarm', value: input.iteratorAgeAlarmSeconds * 1000 }] } },
    ),
    metric('Events: tracked, duplicate, quarantined, skipped, missing; inputs changed (Glue)', [
      emf(Metric.FilesTracked),
      emf(Metric.BytesTracked),
      emf(Metric.DuplicateEvents),
      emf(Metric.FilesQuarantined),
      emf(Metric.EventsSkipped),
      emf(Metric.ObjectsMissing),
      emf(Metric.ObjectsReconciled),
      emf(Metric.InputsChanged),
    ]),
  ]);
  row(6, [
    metric('Batcher invocations / errors / throttles', [
      lambda(input.batcherFunctionName, 'Invocations', 'Sum'),
      lambda(input.batcherFunctionName, 'Errors', 'Sum'),
      lambda(input.batcherFunctionName, 'Throttles', 'Sum'),
    ]),
    metric('Batcher duration (ms)', [
      lambda(input.batcherFunctionName, 'Duration', 'Average'),
      lambda(input.batcherFunctionName, 'Duration', 'p99'),
      lambda(input.batcherFunctionName, 'Duration', 'Maximum'),
    ]),
    metric('Sweeper invocations / errors', [
      lambda(input.sweeperFunctionName, 'Invocations', 'Sum'),
      lambda(input.sweeperFunctionName, 'Errors', 'Sum'),
      lambda(input.sweeperFunctionName, 'Duration', 'Maximum'),
    ]),
  ]);
  row(6, [
    metric('Manifests created / resumed, lock conflicts, flush failures', [
      emf(Metric.ManifestsCreated),
      emf(Metric.ManifestsResumed),
      emf(Metric.LockConflicts),
      emf(Metric.FlushFailures),
    ]),
    metric('Pending (files / bytes)', [emf(Metric.PendingFiles), emf(Metric.PendingBytes)]),
    metric('Manifests stuck / oldest pending file (s)', [emf(Metric.ManifestsStuck), emf(Metric.OldestPendingAgeSeconds)]),
  ]);
  row(6, [
    metric('Executions started / succeeded / failed', [
      states('ExecutionsStarted'),
      states('ExecutionsSucceeded'),
      states('ExecutionsFailed'),
      states('ExecutionsTimedOut'),
    ]),
    metric('Glue run time (ms)', [glue('glue.driver.aggregate.elapsedTime', 'Maximum')], { period: 300 }),
    metric(
      'Glue records and bytes',
      [
        glue('glue.driver.aggregate.recordsRead', 'Sum'),
        glue('glue.driver.aggregate.bytesRead', 'Sum'),
        glue('glue.driver.aggregate.numFailedTasks', 'Sum'),
      ],
      { period: 300 },
    ),
  ]);
  row(6, [
    metric('DLQ depth', [queue(input.batcherDlqName), queue(input.ingestDlqName)]),
    { type: 'alarm', width: 16, properties: { title: 'Alarms', alarms: input.alarmArns } },
  ]);
  return { widgets };
}
