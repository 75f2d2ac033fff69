import {
  METRIC_CATALOGUE,
  METRICS_NAMESPACE,
  METRICS_SERVICE_DIMENSION,
  Metric,
  type MetricName,
  metricStatistic,
} from '../../contracts/metrics';
import type { GlueExecutionClass } from '../../handlers/orchestration/glueCapacity';
import { BYTES_PER_GB } from '../../handlers/orchestration/glueRunCost';

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
  /** The job's execution class and the stack's price of its DPU-hour (dpuHourUsd of config.prices): what the cost widgets multiply by. */
  glueExecutionClass: GlueExecutionClass;
  glueDpuHourUsd: number;
}

type MetricLine = (string | Record<string, unknown>)[];

/**
 * The Glue cost widgets' metric math (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
 * `dpus` is GlueDpuSeconds summed, `runs` its sample count (the job puts one datapoint per run), `bytes`
 * GlueInputBytes summed. Dollars are the job's DPU-seconds estimate (run time × DPUs, 1-minute minimum) at
 * the stack's DPU-hour price; GB are 2^30 bytes.
 */
export function glueCostExpressions(dpuHourUsd: number): { usd: string; usdPerRun: string; usdPerGb: string } {
  const usd = `dpus / 3600 * ${dpuHourUsd}`;
  return { usd, usdPerRun: `(${usd}) / runs`, usdPerGb: `(${usd}) / (bytes / ${BYTES_PER_GB})` };
}

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
  const cost = glueCostExpressions(input.glueDpuHourUsd);
  const price = `${input.glueExecutionClass === 'FLEX' ? 'Flex' : 'standard'} $${input.glueDpuHourUsd}/DPU-hour`;
  // Hidden inputs of the math: the graphs show only the dollars computed from them.
  const hidden = (name: MetricName, id: string, stat: string = metricStatistic(name)): MetricLine => [
    METRICS_NAMESPACE,
    name,
    METRICS_SERVICE_DIMENSION,
    input.service,
    { id, stat, visible: false },
  ];
  const dpus = hidden(Metric.GlueDpuSeconds, 'dpus');
  const runs = hidden(Metric.GlueDpuSeconds, 'runs', 'SampleCount');
  const bytes = hidden(Metric.GlueInputBytes, 'bytes');
  row(6, [
    metric(
      `Glue $ per run (estimate from the job's run time, ${price})`,
      [[{ expression: cost.usdPerRun, label: '$ per run, hourly average (estimate)', id: 'perRun' }], dpus, runs],
      { period: 3600 },
    ),
    metric(
      `Glue $/GB converted (estimate from the job's run time, ${price}; GB = 2^30 bytes)`,
      [[{ expression: cost.usdPerGb, label: '$/GB (estimate)', id: 'perGb' }], dpus, bytes],
      { period: 3600 },
    ),
    metric(
      "Glue $ and $/GB over the time range (estimates from the job's run time)",
      [
        [{ expression: cost.usd, label: '$ (estimate)', id: 'total' }],
        [{ expression: cost.usdPerGb, label: '$/GB (estimate)', id: 'perGbTotal' }],
        dpus,
        bytes,
      ],
      { view: 'singleValue', setPeriodToTimeRange: true },
    ),
  ]);
  row(6, [
    metric('DLQ depth', [queue(input.batcherDlqName), queue(input.ingestDlqName)]),
    { type: 'alarm', width: 16, properties: { title: 'Alarms', alarms: input.alarmArns } },
  ]);
  return { widgets };
}
