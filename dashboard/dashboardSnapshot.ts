import { MANIFEST_STATUS } from '../contracts/trackingSchema';
import { collectStatus } from '../operator/operations/collectStatus';
import type { DateStatus } from '../operator/operations/dateStatus';
import { listReports } from '../operator/operations/listReports';
import {
  type GlueReportRow,
  type LambdaReportRow,
  REPORT_KINDS,
  type ReportRow,
  type ReportTotals,
  reportTotals,
} from '../operator/operations/reportRows';
import type { PipelineTarget } from '../operator/target/pipelineTarget';

/**
 * Everything the dashboard shows, read from the tracking table and the metadata reports: what the
 * CloudWatch dashboard shows from metrics, rebuilt from the pipeline's own records so it works the same
 * for a local run and a deployed stack. The table is read as `status` reads it (collectStatus): a date's
 * manifests, markers and quarantines, never its file items in bulk, so the timeline of files tracked places
 * a manifest's files at the manifest's creation and a pending file at its arrival.
 */

export interface Point {
  x: number;
  y: number;
}

export interface DashboardSnapshot {
  target: string;
  at: string;
  thresholds: { maxBatchFiles: number; maxBatchBytes: number; maxWaitSeconds: number; lockLeaseSeconds: number };
  dates: Omit<DateStatus, 'arrivals'>[];
  totals: {
    files: number;
    pending: number;
    pendingBytes: number;
    converted: number;
    failed: number;
    quarantined: number;
    manifests: Record<string, number>;
    locksHeld: number;
    rejectedLines: number;
  };
  timeline: { filesTracked: Point[]; bytesTracked: Point[]; manifestsCreated: Point[]; manifestsCompleted: Point[] };
  glueRuns: GlueReportRow[];
  lambdaRuns: LambdaReportRow[];
  reports: ReportTotals;
  rejectsByDate: Record<string, number>;
}

/** Running totals of timed events, in at most `buckets` steps (a date may hold millions of files). */
export function cumulative(events: readonly { at: number; value: number }[], buckets = 60): Point[] {
  if (events.length === 0) return [];
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const start = sorted[0]!.at;
  const end = sorted.at(-1)!.at;
  const width = Math.max(1, Math.ceil((end - start + 1) / buckets));
  const points: Point[] = [];
  let total = 0;
  let i = 0;
  for (let edge = start; i < sorted.length; edge += width) {
    while (i < sorted.length && sorted[i]!.at <= edge) total += sorted[i++]!.value;
    if (points.at(-1)?.y !== total || i === sorted.length) points.push({ x: edge, y: total });
  }
  return points;
}

export function buildSnapshot(target: PipelineTarget, dates: DateStatus[], rows: ReportRow[], now: Date): DashboardSnapshot {
  const arrivals = dates.flatMap((d) => d.arrivals);
  const manifests = dates.flatMap((d) => d.manifests.list);
  const glueRuns = rows.filter((r): r is GlueReportRow => r.kind === 'glue');
  const lambdaRuns = rows.filter((r): r is LambdaReportRow => r.kind === 'lambda');
  const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  const timed = <T>(list: T[], when: (item: T) => string | null, value: (item: T) => number) =>
    list.flatMap((item) => (Number.isFinite(at(when(item))) ? [{ at: at(when(item)), value: value(item) }] : []));
  const manifestCounts: Record<string, number> = {};
  for (const m of manifests) manifestCounts[m.status] = (manifestCounts[m.status] ?? 0) + 1;
  const rejectsByDate: Record<string, number> = {};
  // A failed run's rejects are written again by its redrive: count the runs that stood.
  for (const run of glueRuns)
    if (run.date && run.status === 'success') rejectsByDate[run.date] = (rejectsByDate[run.date] ?? 0) + run.rejected;
  return {
    target: target.description,
    at: now.toISOString(),
    thresholds: {
      maxBatchFiles: target.config.maxBatchFiles,
      maxBatchBytes: target.config.maxBatchBytes,
      maxWaitSeconds: target.config.maxWaitSeconds,
      lockLeaseSeconds: target.config.lockLeaseSeconds,
    },
    dates: dates.map(({ arrivals, ...rest }) => rest),
    totals: {
      files: dates.reduce((s, d) => s + d.files.tracked, 0),
      pending: dates.reduce((s, d) => s + d.files.pending, 0),
      pendingBytes: dates.reduce((s, d) => s + d.pending.bytes, 0),
      converted: dates.reduce((s, d) => s + d.files.converted, 0),
      failed: dates.reduce((s, d) => s + d.files.failed, 0),
      quarantined: dates.reduce((s, d) => s + d.files.quarantined, 0),
      manifests: manifestCounts,
      locksHeld: dates.filter((d) => d.lock?.state === 'held').length,
      rejectedLines: Object.values(rejectsByDate).reduce((s, n) => s + n, 0),
    },
    timeline: {
      filesTracked: cumulative(
        timed(
          arrivals,
          (a) => a.at,
          (a) => a.files,
        ),
      ),
      bytesTracked: cumulative(
        timed(
          arrivals,
          (a) => a.at,
          (a) => a.bytes,
        ),
      ),
      manifestsCreated: cumulative(
        timed(
          manifests,
          (m) => m.createdAt,
          () => 1,
        ),
      ),
      manifestsCompleted: cumulative(
        timed(
          manifests.filter((m) => m.status === MANIFEST_STATUS.completed),
          (m) => m.completedAt,
          () => 1,
        ),
      ),
    },
    glueRuns,
    lambdaRuns,
    reports: reportTotals(rows),
    rejectsByDate,
  };
}

export async function collectSnapshot(
  target: PipelineTarget,
  options: { days: number; reportLimit: number; now: Date },
): Promise<DashboardSnapshot> {
  const dates = await collectStatus(target, { days: options.days, now: options.now });
  const oldest = dates
    .map((d) => d.date)
    .filter((d) => /^\d/.test(d))
    .sort()[0];
  const dayAgo = new Date(options.now.getTime() - 86_400_000);
  // Reports of the dates shown: they are written on or after their date (a backfill writes later).
  const since = oldest && Date.parse(`${oldest}T00:00:00Z`) < dayAgo.getTime() ? new Date(`${oldest}T00:00:00Z`) : dayAgo;
  const rows = await listReports(target, { since, kinds: REPORT_KINDS, limit: options.reportLimit });
  return buildSnapshot(target, dates, rows, options.now);
}
