import { Metric } from '../../contracts/metrics';
import { type LambdaReport, lambdaReportKey } from '../domain/lambdaReport';
import { dueReason, oldestPendingAgeSeconds } from '../domain/window';
import type { BatchingDeps } from './deps';
import { describeError } from './describeError';
import { type FlushOutcome, flushDate } from './flushDate';
import {
  type InputLister,
  type ReconcileStore,
  reconcileRecentDates,
  type SweepReconcileLimits,
  type SweepReconcileResult,
} from './reconcileInput';
import { assembleReport, type Invocation } from './runBatcher';

export interface StuckManifest {
  date_prefix: string;
  manifest: string;
  status: string;
  since: string;
  execution_arn?: string;
}

/** What the sweeper's bounded reconcile of recent dates needs; without it the sweep does not reconcile. */
export interface SweepReconcile {
  lister: InputLister;
  store: ReconcileStore;
  limits: SweepReconcileLimits;
}

export interface SweepResult {
  report: LambdaReport & { stuck_manifests: StuckManifest[]; reconciled?: SweepReconcileResult };
  reportKey: string;
  flushes: FlushOutcome[];
}

/**
 * The scheduled sweeper: without it a quiet date would wait forever. It plans every window that is due
 * (previous UTC day, oldest pending file older than maxWaitSeconds, a manifest left half-built), with the
 * same lock and fencing as the batcher, so running it beside the batcher or twice at once is harmless.
 */
export async function runSweeper(
  deps: BatchingDeps,
  invocation: Invocation,
  options: { forceDates?: string[]; reconcile?: SweepReconcile } = {},
): Promise<SweepResult> {
  const started = deps.now();
  const flushes: FlushOutcome[] = [];
  const errors: LambdaReport['errors'] = [];
  const forced = new Set(options.forceDates ?? []);
  // Before the windows are read: a lost file of yesterday registered now is flushed by this same sweep.
  const reconciled = options.reconcile ? await reconcileLostEvents(deps, options.reconcile, errors) : undefined;
  const windows = await deps.tracking.listWindows();
  for (const window of windows) {
    const force = forced.has(window.date);
    const reason = force ? 'forced' : dueReason(window, deps.config, deps.now());
    if (!reason) continue;
    try {
      flushes.push(await flushDate(deps, window.date, { force }));
    } catch (error) {
      errors.push({ stage: 'sweep', message: describeError(error), date_prefix: window.date });
      deps.metrics.add(Metric.FlushFailures, 1);
      deps.log.error('sweep of a date failed; the next sweep tries again', { date: window.date, error: describeError(error) });
    }
  }
  const stuck = await findStuckManifests(
    deps,
    windows.map((w) => w.date),
    errors,
  );
  deps.metrics.add(Metric.ManifestsStuck, stuck.length);
  // Emitted on every sweep, 0 included, so the alarm reads a level rather than the absence of data.
  const drained = new Set(flushes.filter((f) => f.status === 'planned' && f.remainderFiles === 0).map((f) => f.date));
  deps.metrics.add(Metric.OldestPendingAgeSeconds, oldestPendingAgeSeconds(windows, drained, deps.now()));
  const noIngest = { filesProcessed: 0, registered: 0, bytesRegistered: 0, duplicates: 0, quarantined: [], skipped: [], failedIds: [] };
  const report = {
    ...assembleReport(deps, invocation, started, 0, noIngest, flushes, errors, 'schedule'),
    stuck_manifests: stuck,
    ...(reconciled ? { reconciled } : {}),
  };
  const reportKey = lambdaReportKey(started, invocation.requestId);
  // A quiet sweep leaves no report: one a minute saying "nothing to do" would bury the ones that matter.
  if (flushes.length > 0 || errors.length > 0 || stuck.length > 0 || (reconciled?.reconciled ?? 0) > 0)
    await deps.objects.putJson(deps.config.manifestBucket, reportKey, report);
  deps.metrics.flush();
  return { report, reportKey, flushes };
}

async function reconcileLostEvents(
  deps: BatchingDeps,
  reconcile: SweepReconcile,
  errors: LambdaReport['errors'],
): Promise<SweepReconcileResult> {
  const result = await reconcileRecentDates({ ...deps, lister: reconcile.lister, reconcile: reconcile.store }, reconcile.limits);
  for (const error of result.errors) errors.push({ stage: 'reconcile', ...error });
  return result;
}

/**
 * A manifest whose execution has not finished within stuckProcessingMinutes needs a person (or a redrive):
 * Step Functions and Glue have their own timeouts, so this catches what fell between them.
 */
async function findStuckManifests(deps: BatchingDeps, dates: string[], errors: LambdaReport['errors']): Promise<StuckManifest[]> {
  const bound = deps.now().getTime() - deps.config.stuckProcessingMinutes * 60_000;
  const stuck: StuckManifest[] = [];
  for (const date of dates) {
    try {
      for (const record of await deps.tracking.listUnfinishedManifests(date)) {
        const since = record.updatedAt ?? '';
        if (!since || Date.parse(since) > bound) continue;
        stuck.push({
          date_prefix: date,
          manifest: record.name,
          status: record.status,
          since,
          ...(record.executionArn ? { execution_arn: record.executionArn } : {}),
        });
      }
    } catch (error) {
      errors.push({ stage: 'stuck-check', message: describeError(error), date_prefix: date });
    }
  }
  if (stuck.length > 0)
    deps.log.warn('manifests have not finished within the stuck bound', { stuck, minutes: deps.config.stuckProcessingMinutes });
  return stuck;
}
