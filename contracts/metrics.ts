/**
 * The pipeline's own CloudWatch metrics: namespace, names, units and the dimension. The batching services
 * emit them through the MetricsSink port (handlers/services/ports.ts, which takes only these names), the
 * Powertools sink writes them as EMF with these units, and the stack's Lambda environment, dashboard and
 * alarms address them with the same values. A metric name is spelled only here, so renaming one renames it
 * everywhere, and a handler cannot emit a name the dashboard does not know (test/integration/metrics.test.ts
 * drives the handlers and checks both directions).
 *
 * The batcher and the sweeper Lambdas emit these, except those marked `emittedBy: 'glue'`: the Glue job
 * publishes InputsChanged, GlueDpuSeconds and GlueInputBytes itself with PutMetricData
 * (glue/ndjson_parquet/metrics.py), as only it sees the inputs it excluded and its own run. Glue's built-in job metrics (`glue.driver.*` in the `Glue` namespace) and the state
 * machine's (AWS/States) are AWS's metrics and keep AWS's names, so they are not catalogued here.
 */

/** The EMF namespace of every metric in the catalogue. */
export const METRICS_NAMESPACE = 'ndjson-parquet';

/**
 * The only dimension. Powertools adds it to every metric from POWERTOOLS_SERVICE_NAME, which the stack sets
 * to `metricsService(baseName)`, so dev and prod metrics in one account stay apart. Handlers add no other
 * dimension: the dashboard and alarms address every metric by this one alone, and a metric emitted with an
 * extra dimension would be a different CloudWatch metric they never see.
 */
export const METRICS_SERVICE_DIMENSION = 'service';

/** The value of the service dimension: the stack's base name. */
export function metricsService(baseName: string): string {
  return baseName;
}

export type MetricUnit = 'Count' | 'Bytes' | 'Seconds';

/**
 * A counter adds up what happened in a period (summed); a gauge reports a level each time it is emitted
 * (read as the period's maximum, since summing levels from several invocations means nothing).
 */
export type MetricKind = 'counter' | 'gauge';

export type MetricStatistic = 'Sum' | 'Maximum';

const STATISTIC_OF_KIND: Readonly<Record<MetricKind, MetricStatistic>> = { counter: 'Sum', gauge: 'Maximum' };

export interface MetricDefinition {
  name: string;
  unit: MetricUnit;
  kind: MetricKind;
  /** What one unit of it means: the reference for whoever reads the dashboard or adds an emit site. */
  description: string;
  /** The Glue job publishes it (its name is spelled again in glue/ndjson_parquet/metrics.py); else the Lambdas. */
  emittedBy?: 'glue';
}

const CATALOGUE = [
  { name: 'FilesTracked', unit: 'Count', kind: 'counter', description: 'input files registered for the first time' },
  { name: 'BytesTracked', unit: 'Bytes', kind: 'counter', description: 'size of the files registered for the first time' },
  { name: 'DuplicateEvents', unit: 'Count', kind: 'counter', description: 'events for a file already registered (redelivery)' },
  {
    name: 'EventsSkipped',
    unit: 'Count',
    kind: 'counter',
    description: 'records that are no input Object Created event (not JSON, other bucket)',
  },
  { name: 'ObjectsMissing', unit: 'Count', kind: 'counter', description: 'objects deleted before they were registered or quarantined' },
  {
    name: 'ObjectsReconciled',
    unit: 'Count',
    kind: 'counter',
    description: "input objects the sweeper's reconcile found with no tracking record and ingested: their events were lost",
  },
  { name: 'FilesQuarantined', unit: 'Count', kind: 'counter', description: 'files moved to the quarantine bucket (bad name or size)' },
  { name: 'ManifestsCreated', unit: 'Count', kind: 'counter', description: 'manifests committed and started' },
  { name: 'ManifestsResumed', unit: 'Count', kind: 'counter', description: 'half-built manifests a later lock holder completed' },
  { name: 'LockConflicts', unit: 'Count', kind: 'counter', description: "flushes that found the date's lock held by another worker" },
  { name: 'FlushFailures', unit: 'Count', kind: 'counter', description: 'flushes of a date that failed; the date is planned again later' },
  { name: 'PendingFiles', unit: 'Count', kind: 'gauge', description: 'files of a date still waiting for a manifest after a flush' },
  { name: 'PendingBytes', unit: 'Bytes', kind: 'gauge', description: 'size of the files still waiting for a manifest after a flush' },
  { name: 'ManifestsStuck', unit: 'Count', kind: 'gauge', description: 'manifests processing longer than sweeper.stuckProcessingMinutes' },
  {
    name: 'OldestPendingAgeSeconds',
    unit: 'Seconds',
    kind: 'gauge',
    description: 'age of the oldest file a sweep leaves waiting for a manifest (0 when none): files piling up before any MANIFEST record',
  },
  {
    name: 'InputsChanged',
    unit: 'Count',
    kind: 'counter',
    description: 'input files a Glue run excluded: changed (another ETag) or deleted since their manifest was built',
    emittedBy: 'glue',
  },
  {
    name: 'GlueDpuSeconds',
    unit: 'Count',
    kind: 'counter',
    description:
      "a Glue run's billed DPU-seconds, estimated by the job: max(60, run seconds) × workers × DPU per worker; one datapoint per run, failed runs included",
    emittedBy: 'glue',
  },
  {
    name: 'GlueInputBytes',
    unit: 'Bytes',
    kind: 'counter',
    description:
      "bytes of a manifest's inputs a successful Glue run converted (with GlueDpuSeconds: the cost per GB); one datapoint per successful run",
    emittedBy: 'glue',
  },
] as const satisfies readonly MetricDefinition[];

export type MetricName = (typeof CATALOGUE)[number]['name'];

/** Every metric, in the order of the catalogue. */
export const METRIC_NAMES: readonly MetricName[] = CATALOGUE.map((m) => m.name);

/** The names as values (`Metric.FilesTracked`): what emit sites, the dashboard and the alarms write. */
export const Metric = Object.fromEntries(CATALOGUE.map((m) => [m.name, m.name])) as { readonly [N in MetricName]: N };

/** Each metric's definition by name. */
export const METRIC_CATALOGUE = Object.fromEntries(CATALOGUE.map((m) => [m.name, m])) as {
  readonly [N in MetricName]: MetricDefinition & { name: N };
};

/** The statistic a dashboard graph or an alarm reads the metric with, from its kind. */
export function metricStatistic(name: MetricName): MetricStatistic {
  return STATISTIC_OF_KIND[METRIC_CATALOGUE[name].kind];
}
