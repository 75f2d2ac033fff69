import type { Prices } from '../../contracts/prices';
import { GLUE_WORKERS, type GlueExecutionClass } from '../../handlers/orchestration/glueCapacity';
import { type CostPerGb, costPerGb, estimatedRunCost, type GlueRunCost } from '../../handlers/orchestration/glueRunCost';

/**
 * The metadata reports as rows and totals (pure). Lambda reports (logs/lambda/) come from the batcher and
 * sweeper, Glue reports (logs/glue/) from the job; a report missing a field yields a row with nulls there
 * rather than no row, so an older report format still counts.
 */

export type ReportKind = 'lambda' | 'glue';
export const REPORT_KINDS: readonly ReportKind[] = ['lambda', 'glue'];

export interface LambdaReportRow {
  kind: 'lambda';
  key: string;
  at: string | null;
  requestId: string | null;
  functionName: string | null;
  trigger: string | null;
  status: string | null;
  durationSeconds: number | null;
  filesProcessed: number;
  filesQuarantined: number;
  duplicateEvents: number;
  manifestsCreated: number;
  bytesRegistered: number;
  errors: number;
}

export interface GlueReportRow {
  kind: 'glue';
  key: string;
  at: string | null;
  jobRunId: string | null;
  manifestId: string | null;
  date: string | null;
  status: string | null;
  durationSeconds: number | null;
  recordsRead: number;
  rowsWritten: number;
  rejected: number;
  inputBytes: number;
  outputBytes: number;
  compressionRatio: number | null;
  parquetFiles: number;
  /** Input files the run excluded: overwritten or deleted since the manifest was built. */
  filesExcluded: number;
  error: string | null;
  jobName: string | null;
  /** The run's capacity: from Glue's record of the run on AWS, else from its report. */
  workerType: string | null;
  numberOfWorkers: number | null;
  executionClass: string | null;
  /** Billed DPU-seconds and their dollars; null when neither the report nor Glue says what the run held. */
  dpuSeconds: number | null;
  usd: number | null;
  /** False only when the figures are Glue's own (GetJobRun); null when there are none. */
  estimated: boolean | null;
  /**
   * `glue-job-run`: GetJobRun's DPUSeconds, or its ExecutionTime × DPUs; `job-report`: the estimate the job
   * wrote (its wall time × its capacity); `report-run-time`: a report written before the job priced itself,
   * estimated here the same way from its duration and worker fields.
   */
  costSource: 'glue-job-run' | 'job-report' | 'report-run-time' | null;
}

export type ReportRow = LambdaReportRow | GlueReportRow;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The DPUs a run held (workers × DPU per worker); null when its worker type or count is unknown. */
export function runDpus(run: Pick<GlueReportRow, 'workerType' | 'numberOfWorkers'>): number | null {
  if (run.workerType === null || !(run.workerType in GLUE_WORKERS) || run.numberOfWorkers === null) return null;
  return run.numberOfWorkers * GLUE_WORKERS[run.workerType as keyof typeof GLUE_WORKERS].dpu;
}

type RunCostFields = Pick<GlueReportRow, 'dpuSeconds' | 'usd' | 'estimated' | 'costSource'>;

const NO_COST: RunCostFields = { dpuSeconds: null, usd: null, estimated: null, costSource: null };

export function withCost(cost: GlueRunCost, costSource: NonNullable<GlueReportRow['costSource']>): RunCostFields {
  return { dpuSeconds: cost.dpuSeconds, usd: cost.usd, estimated: cost.estimated, costSource };
}

/** The job's own `cost` object when it wrote one, else an estimate from the report's duration and capacity. */
function reportCost(
  report: Json,
  capacity: Pick<GlueReportRow, 'workerType' | 'numberOfWorkers' | 'executionClass' | 'durationSeconds'>,
  prices: Prices,
): RunCostFields {
  const written = obj(report.cost);
  const dpuSeconds = num(written.dpu_seconds);
  const usd = num(written.usd);
  if (dpuSeconds !== null && usd !== null) return { dpuSeconds, usd, estimated: written.estimated !== false, costSource: 'job-report' };
  const { workerType, numberOfWorkers, durationSeconds } = capacity;
  if (workerType === null || !(workerType in GLUE_WORKERS) || numberOfWorkers === null || durationSeconds === null) return NO_COST;
  // A report without execution_class predates Flex in this pipeline: its run was standard.
  const executionClass: GlueExecutionClass = capacity.executionClass === 'FLEX' ? 'FLEX' : 'STANDARD';
  const cost = estimatedRunCost(
    { workerType: workerType as keyof typeof GLUE_WORKERS, numberOfWorkers, executionClass },
    durationSeconds,
    prices,
  );
  return withCost(cost, 'report-run-time');
}

/** `prices` price a Glue run whose report carries no cost of its own (the stack's config.prices). */
export function reportRow(kind: ReportKind, key: string, raw: unknown, prices: Prices): ReportRow {
  const report = obj(raw);
  const summary = obj(report.processing_summary);
  if (kind === 'lambda') {
    const info = obj(report.execution_info);
    const ms = num(info.execution_time_ms);
    return {
      kind,
      key,
      at: str(report.timestamp),
      requestId: str(info.request_id),
      functionName: str(info.function_name),
      trigger: str(info.trigger),
      status: str(summary.status),
      durationSeconds: ms === null ? null : ms / 1000,
      filesProcessed: num(summary.files_processed) ?? 0,
      filesQuarantined: num(summary.files_quarantined) ?? 0,
      duplicateEvents: num(summary.duplicate_events) ?? 0,
      manifestsCreated: num(summary.manifests_created) ?? 0,
      bytesRegistered: num(summary.bytes_registered) ?? 0,
      errors: Array.isArray(report.errors) ? report.errors.length : 0,
    };
  }
  const job = obj(report.job_info);
  const records = obj(report.records);
  const bytes = obj(report.bytes);
  const error = obj(report.error);
  const inputBytes = num(bytes.input) ?? Math.round((num(summary.input_size_mb) ?? 0) * 1024 * 1024);
  const outputBytes = num(bytes.output) ?? Math.round((num(summary.output_size_mb) ?? 0) * 1024 * 1024);
  // The capacity fields sit at the top level of the report; reports before per-run sizing kept them in job_info.
  const capacity = {
    workerType: str(report.worker_type) ?? str(job.worker_type),
    numberOfWorkers: num(report.number_of_workers) ?? num(job.number_of_workers),
    executionClass: str(report.execution_class) ?? str(job.execution_class),
    durationSeconds: num(summary.execution_time_seconds),
  };
  return {
    kind,
    key,
    at: str(report.timestamp),
    jobRunId: str(job.job_run_id),
    manifestId: str(obj(report.manifest).id),
    date: str(report.date),
    status: str(summary.status),
    durationSeconds: capacity.durationSeconds,
    recordsRead: num(records.read) ?? num(summary.records_processed) ?? 0,
    rowsWritten: num(records.written) ?? 0,
    rejected: num(records.rejected) ?? 0,
    inputBytes,
    outputBytes,
    compressionRatio: num(summary.compression_ratio),
    parquetFiles: num(summary.parquet_files_created) ?? 0,
    filesExcluded: num(summary.files_excluded) ?? 0,
    error: str(error.message) ?? str(error.type) ?? (report.error && typeof report.error === 'string' ? report.error : null),
    jobName: str(job.job_name),
    workerType: capacity.workerType,
    numberOfWorkers: capacity.numberOfWorkers,
    executionClass: capacity.executionClass,
    ...reportCost(report, capacity, prices),
  };
}

export interface ReportTotals {
  lambda: {
    reports: number;
    filesProcessed: number;
    filesQuarantined: number;
    duplicateEvents: number;
    manifestsCreated: number;
    withErrors: number;
    durationSeconds: { avg: number | null; max: number | null };
  };
  glue: {
    runs: number;
    byStatus: Record<string, number>;
    recordsRead: number;
    /** Rows, rejects and bytes of the successful runs (a failed run's output does not stand). */
    rowsWritten: number;
    rejected: number;
    inputBytes: number;
    outputBytes: number;
    /** Input bytes over output bytes, over the successful runs. */
    compressionRatio: number | null;
    durationSeconds: { min: number | null; avg: number | null; max: number | null; total: number };
    /** Rows written per second of job time, and input MiB per second. */
    rowsPerSecond: number | null;
    inputMibPerSecond: number | null;
    /** What the runs cost, failed ones included (a redrive pays again for the same bytes). */
    usd: number;
    dpuSeconds: number;
    /** usd over the input of the successful runs, in GB of 2^30 bytes; null when none succeeded. */
    usdPerGb: number | null;
    /** True when any run's cost is an estimate (locally always: no GetJobRun). */
    costEstimated: boolean;
    /** Runs with no cost (neither capacity in their report nor a Glue record): not in usd. */
    unpricedRuns: number;
    /** The same per date of the runs' manifests. */
    byDate: Record<string, CostPerGb>;
  };
}

function stats(values: number[]) {
  if (values.length === 0) return { min: null, avg: null, max: null, total: 0 };
  const total = values.reduce((s, v) => s + v, 0);
  return { min: Math.min(...values), avg: total / values.length, max: Math.max(...values), total };
}

export function reportTotals(rows: readonly ReportRow[]): ReportTotals {
  const lambda = rows.filter((r): r is LambdaReportRow => r.kind === 'lambda');
  const glue = rows.filter((r): r is GlueReportRow => r.kind === 'glue');
  const lambdaDurations = stats(lambda.flatMap((r) => (r.durationSeconds === null ? [] : [r.durationSeconds])));
  const glueDurations = stats(glue.flatMap((r) => (r.durationSeconds === null ? [] : [r.durationSeconds])));
  const sum = <T>(list: T[], pick: (row: T) => number) => list.reduce((s, r) => s + pick(r), 0);
  // Output of a failed run was discarded or replaced by its redrive: ratio and throughput count successes.
  const succeeded = glue.filter((r) => r.status === 'success');
  const succeededSeconds = sum(succeeded, (r) => r.durationSeconds ?? 0);
  const inputBytes = sum(succeeded, (r) => r.inputBytes);
  const outputBytes = sum(succeeded, (r) => r.outputBytes);
  const rowsWritten = sum(succeeded, (r) => r.rowsWritten);
  const costed = (r: GlueReportRow) => ({
    usd: r.usd,
    inputBytes: r.inputBytes,
    converted: r.status === 'success',
    estimated: r.estimated ?? true,
  });
  const cost = costPerGb(glue.map(costed));
  const byDate: Record<string, CostPerGb> = {};
  for (const date of [...new Set(glue.map((r) => r.date ?? 'unknown'))].sort())
    byDate[date] = costPerGb(glue.filter((r) => (r.date ?? 'unknown') === date).map(costed));
  const byStatus: Record<string, number> = {};
  for (const row of glue) byStatus[row.status ?? 'unknown'] = (byStatus[row.status ?? 'unknown'] ?? 0) + 1;
  return {
    lambda: {
      reports: lambda.length,
      filesProcessed: sum(lambda, (r) => r.filesProcessed),
      filesQuarantined: sum(lambda, (r) => r.filesQuarantined),
      duplicateEvents: sum(lambda, (r) => r.duplicateEvents),
      manifestsCreated: sum(lambda, (r) => r.manifestsCreated),
      withErrors: lambda.filter((r) => r.errors > 0).length,
      durationSeconds: { avg: lambdaDurations.avg, max: lambdaDurations.max },
    },
    glue: {
      runs: glue.length,
      byStatus,
      recordsRead: sum(glue, (r) => r.recordsRead),
      rowsWritten,
      rejected: sum(succeeded, (r) => r.rejected),
      inputBytes,
      outputBytes,
      compressionRatio: outputBytes > 0 ? Math.round((inputBytes / outputBytes) * 100) / 100 : null,
      durationSeconds: glueDurations,
      rowsPerSecond: succeededSeconds > 0 ? rowsWritten / succeededSeconds : null,
      inputMibPerSecond: succeededSeconds > 0 ? inputBytes / (1024 * 1024) / succeededSeconds : null,
      usd: cost.usd,
      dpuSeconds: sum(glue, (r) => r.dpuSeconds ?? 0),
      usdPerGb: cost.usdPerGb,
      costEstimated: cost.estimated,
      unpricedRuns: cost.unpriced,
      byDate,
    },
  };
}
