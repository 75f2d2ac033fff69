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
}

export type ReportRow = LambdaReportRow | GlueReportRow;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function reportRow(kind: ReportKind, key: string, raw: unknown): ReportRow {
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
  return {
    kind,
    key,
    at: str(report.timestamp),
    jobRunId: str(job.job_run_id),
    manifestId: str(obj(report.manifest).id),
    date: str(report.date),
    status: str(summary.status),
    durationSeconds: num(summary.execution_time_seconds),
    recordsRead: num(records.read) ?? num(summary.records_processed) ?? 0,
    rowsWritten: num(records.written) ?? 0,
    rejected: num(records.rejected) ?? 0,
    inputBytes,
    outputBytes,
    compressionRatio: num(summary.compression_ratio),
    parquetFiles: num(summary.parquet_files_created) ?? 0,
    filesExcluded: num(summary.files_excluded) ?? 0,
    error: str(error.message) ?? str(error.type) ?? (report.error && typeof report.error === 'string' ? report.error : null),
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
    },
  };
}
