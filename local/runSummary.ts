import type { MetricName } from '../contracts/metrics';
import type { ManifestItem } from '../contracts/trackingSchema';
import type { ParquetFile } from './exportRun';
import type { FileView } from './fileProgress';
import type { RuntimeStats } from './runtime';
import type { UploadedFile } from './uploadSources';

/**
 * The run's summary: one JSON object (the last line of stdout with --json) and a table for people.
 * Rows written come from the Parquet footers, records in from the uploaded files, so the two can be
 * compared per date without trusting any report.
 */

export interface DateSummary {
  date: string;
  files: number;
  quarantined: number;
  pending: number;
  converted: number;
  failed: number;
  manifests: number;
  records_in: number;
  rows_written: number;
  parquet_files: number;
  bytes_in: number;
  bytes_out: number;
}

/**
 * The summary's `runtime` object. Scripts read these keys: they stay as first published, the two log
 * counters in camelCase among snake_case, and in this order.
 */
export interface RuntimeStatsJson {
  batcher_invocations: number;
  events_read: number;
  events_delivered: number;
  batcher_errors: number;
  partial_failures: number;
  retries: number;
  dlq_batches: number;
  dlq_records: number;
  sweeps: number;
  executions: number;
  executions_failed: number;
  glue_runs: number;
  glue_runs_failed: number;
  glue_runs_refused: number;
  glue_runs_queued: number;
  chaos_crashes: number;
  batcherLogErrors: number;
  sweeperLogErrors: number;
  /** Invocations killed at the Lambda timeout (added after the keys above). */
  lambda_timeouts: number;
  /** `--drop-events`: Object Created events that never reached the stream; the sweeper's reconcile finds their files. */
  events_dropped: number;
}

/** `local --throttle aws`: the limits in force (AWS's divided by `scale`) and what they refused. */
export interface ThrottleJson {
  enforced: boolean;
  scale: number | null;
  limits: {
    dynamodb_partition_wcu_per_s: number;
    dynamodb_partition_rcu_per_s: number;
    kinesis_shard_records_per_s: number;
    kinesis_shard_bytes_per_s: number;
  } | null;
  throttled_requests: number;
  retries: number;
  /** WCU billed on the busiest partition keys (`table#key`, `table/index#key`): a date's cost per file. */
  wcu_by_partition_key: Record<string, number>;
}

export interface RunSummary {
  status: 'succeeded' | 'failed';
  message: string;
  run_dir: string;
  out_dir: string | null;
  files_in: number;
  quarantined: number;
  converted: number;
  failed: number;
  pending: { key: string; date: string | null; why: string }[];
  manifests: { total: number; by_status: Record<string, number> };
  records_in: number;
  rows_written: number;
  /** Files the --overwrite fault put again with other content; records_in counts their current content. */
  overwritten: number;
  parquet_files: number;
  bytes_in: number;
  bytes_out: number;
  wall_ms: { upload: number; batching: number; conversion: number; total: number };
  dates: DateSummary[];
  runtime: RuntimeStatsJson;
  /** IAM as the run enforced it (local/iam): calls a role made that the proxy checked, and how many it refused. */
  iam: { enforced: boolean; denied: number; calls_checked: number };
  throttle: ThrottleJson;
  /** What the Lambdas emitted, by CloudWatch metric name (contracts/metrics.ts): a stack's dashboard reads the same. */
  metrics: Partial<Record<MetricName, number>>;
  problems: string[];
}

export interface SummaryInput {
  status: RunSummary['status'];
  message: string;
  runDir: string;
  outDir: string | null;
  uploaded: readonly UploadedFile[];
  files: readonly FileView[];
  manifests: readonly ManifestItem[];
  parquet: readonly ParquetFile[];
  pendingWhy: (file: FileView) => string;
  wallMs: RunSummary['wall_ms'];
  overwritten?: number;
  runtime: RuntimeStats;
  iam: RunSummary['iam'];
  metrics: RunSummary['metrics'];
  problems: string[];
}

const NO_DATE = '(no date)';

export function buildSummary(input: SummaryInput): RunSummary {
  const byKey = new Map(input.uploaded.map((f) => [f.key, f]));
  const dates = new Map<string, DateSummary>();
  const dateRow = (date: string): DateSummary => {
    let row = dates.get(date);
    if (!row) {
      row = {
        date,
        files: 0,
        quarantined: 0,
        pending: 0,
        converted: 0,
        failed: 0,
        manifests: 0,
        records_in: 0,
        rows_written: 0,
        parquet_files: 0,
        bytes_in: 0,
        bytes_out: 0,
      };
      dates.set(date, row);
    }
    return row;
  };
  for (const file of input.files) {
    // A quarantined file is listed under its date when its name had one, even an impossible one.
    const row = dateRow(file.date ?? NO_DATE);
    const uploaded = byKey.get(file.key);
    row.files += 1;
    row.bytes_in += uploaded?.bytes ?? 0;
    if (file.state === 'quarantined') row.quarantined += 1;
    else row.records_in += uploaded?.records ?? 0;
    if (file.state === 'pending') row.pending += 1;
    if (file.state === 'converted') row.converted += 1;
    if (file.state === 'failed') row.failed += 1;
  }
  for (const manifest of input.manifests) dateRow(manifest.date).manifests += 1;
  for (const parquet of input.parquet) {
    const row = dateRow(parquet.date ?? NO_DATE);
    row.rows_written += parquet.rows;
    row.parquet_files += 1;
    row.bytes_out += parquet.bytes;
  }
  const byStatus: Record<string, number> = {};
  for (const manifest of input.manifests) byStatus[manifest.status] = (byStatus[manifest.status] ?? 0) + 1;
  const rows = [...dates.values()].sort((a, b) => a.date.localeCompare(b.date));
  const sum = (field: keyof Omit<DateSummary, 'date'>) => rows.reduce((total, row) => total + row[field], 0);
  return {
    status: input.status,
    message: input.message,
    run_dir: input.runDir,
    out_dir: input.outDir,
    files_in: input.files.length,
    quarantined: sum('quarantined'),
    converted: sum('converted'),
    failed: sum('failed'),
    pending: input.files.filter((f) => f.state === 'pending').map((f) => ({ key: f.key, date: f.date, why: input.pendingWhy(f) })),
    manifests: { total: input.manifests.length, by_status: byStatus },
    records_in: sum('records_in'),
    rows_written: sum('rows_written'),
    overwritten: input.overwritten ?? 0,
    parquet_files: sum('parquet_files'),
    bytes_in: sum('bytes_in'),
    bytes_out: sum('bytes_out'),
    wall_ms: input.wallMs,
    dates: rows,
    runtime: runtimeStatsJson(input.runtime),
    iam: { enforced: input.iam.enforced, denied: input.iam.denied, calls_checked: input.iam.calls_checked },
    throttle: throttleJson(input.runtime),
    metrics: input.metrics,
    problems: input.problems,
  };
}

function runtimeStatsJson(stats: RuntimeStats): RuntimeStatsJson {
  return {
    batcher_invocations: stats.batcherInvocations,
    events_read: stats.eventsRead,
    events_delivered: stats.eventsDelivered,
    batcher_errors: stats.batcherErrors,
    partial_failures: stats.partialFailures,
    retries: stats.retries,
    dlq_batches: stats.dlqBatches,
    dlq_records: stats.dlqRecords,
    sweeps: stats.sweeps,
    executions: stats.executions,
    executions_failed: stats.executionsFailed,
    glue_runs: stats.glueRuns,
    glue_runs_failed: stats.glueRunsFailed,
    glue_runs_refused: stats.glueRunsRefused,
    glue_runs_queued: stats.glueRunsQueued,
    chaos_crashes: stats.chaosCrashes,
    batcherLogErrors: stats.batcherLogErrors,
    sweeperLogErrors: stats.sweeperLogErrors,
    lambda_timeouts: stats.lambdaTimeouts,
    events_dropped: stats.eventsDropped,
  };
}

function throttleJson({ throttle }: RuntimeStats): ThrottleJson {
  if (!throttle) return { enforced: false, scale: null, limits: null, throttled_requests: 0, retries: 0, wcu_by_partition_key: {} };
  return {
    enforced: true,
    scale: throttle.scale,
    limits: {
      dynamodb_partition_wcu_per_s: throttle.partitionWcuPerSecond,
      dynamodb_partition_rcu_per_s: throttle.partitionRcuPerSecond,
      kinesis_shard_records_per_s: throttle.shardRecordsPerSecond,
      kinesis_shard_bytes_per_s: throttle.shardBytesPerSecond,
    },
    throttled_requests: throttle.throttledRequests,
    retries: throttle.retries,
    wcu_by_partition_key: throttle.wcuByPartitionKey,
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function renderSummaryTable(summary: RunSummary): string {
  const header = [
    'date',
    'files',
    'quarantined',
    'pending',
    'manifests',
    'records in',
    'rows out',
    'parquet files',
    'bytes in',
    'bytes out',
  ];
  const body = summary.dates.map((d) =>
    [
      d.date,
      d.files,
      d.quarantined,
      d.pending,
      d.manifests,
      d.records_in,
      d.rows_written,
      d.parquet_files,
      formatBytes(d.bytes_in),
      formatBytes(d.bytes_out),
    ].map(String),
  );
  const total = [
    'total',
    summary.files_in,
    summary.quarantined,
    summary.pending.length,
    summary.manifests.total,
    summary.records_in,
    summary.rows_written,
    summary.parquet_files,
    formatBytes(summary.bytes_in),
    formatBytes(summary.bytes_out),
  ].map(String);
  const widths = header.map((h, i) => Math.max(h.length, ...[...body, total].map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule, ...body.map(line), rule, line(total)];
  const statuses =
    Object.entries(summary.manifests.by_status)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ') || 'none';
  out.push('');
  out.push(`${summary.status === 'succeeded' ? 'OK' : 'FAILED'}: ${summary.message}`);
  out.push(`manifests: ${statuses}`);
  out.push(
    `wall time: upload ${(summary.wall_ms.upload / 1000).toFixed(1)} s, batching ${(summary.wall_ms.batching / 1000).toFixed(1)} s, conversion ${(summary.wall_ms.conversion / 1000).toFixed(1)} s, total ${(summary.wall_ms.total / 1000).toFixed(1)} s`,
  );
  for (const pending of summary.pending.slice(0, 10)) out.push(`pending: ${pending.key} (${pending.why})`);
  if (summary.pending.length > 10) out.push(`pending: ... and ${summary.pending.length - 10} more`);
  out.push(
    summary.iam.enforced
      ? `iam: enforced with the stack's policies, ${summary.iam.calls_checked} calls checked, ${summary.iam.denied} denied`
      : 'iam: NOT enforced (--no-iam)',
  );
  for (const problem of summary.problems) out.push(`problem: ${problem}`);
  out.push(
    summary.out_dir
      ? `output copied to ${summary.out_dir} (input/ quarantine/ manifest/ output/ tracking/)`
      : `logs in ${summary.run_dir} (use --out DIR to keep the buckets)`,
  );
  return out.join('\n');
}
