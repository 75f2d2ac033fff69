import { dueReason } from '../domain/window';
import { lambdaReportKey, type LambdaReport } from '../domain/lambdaReport';
import { flushDate, type FlushOutcome } from './flushDate';
import { describe } from './ingestRecords';
import { assembleReport, type Invocation } from './runBatcher';
import type { BatchingDeps } from './deps';

export interface SweepResult {
  report: LambdaReport;
  reportKey: string;
  flushes: FlushOutcome[];
}

/**
 * The scheduled sweeper: without it a quiet date would wait forever. It plans every window that is due
 * (previous UTC day, oldest pending file older than maxWaitSeconds, a manifest left half-built), with the
 * same lock and fencing as the batcher, so running it beside the batcher or twice at once is harmless.
 */
export async function runSweeper(deps: BatchingDeps, invocation: Invocation, options: { forceDates?: string[] } = {}): Promise<SweepResult> {
  const started = deps.now();
  const flushes: FlushOutcome[] = [];
  const errors: LambdaReport['errors'] = [];
  const forced = new Set(options.forceDates ?? []);
  const windows = await deps.tracking.listWindows();
  for (const window of windows) {
    const force = forced.has(window.date);
    const reason = force ? 'forced' : dueReason(window, deps.config, deps.now());
    if (!reason) continue;
    try {
      flushes.push(await flushDate(deps, window.date, { force }));
    } catch (error) {
      errors.push({ stage: 'sweep', message: describe(error), date_prefix: window.date });
      deps.metrics.count('FlushFailures', 1);
      deps.log.error('sweep of a date failed; the next sweep tries again', { date: window.date, error: describe(error) });
    }
  }
  const noIngest = { filesProcessed: 0, registered: 0, bytesRegistered: 0, duplicates: 0, quarantined: [], skipped: [], failedIds: [] };
  const report = assembleReport(deps, invocation, started, 0, noIngest, flushes, errors, 'schedule');
  const reportKey = lambdaReportKey(started, invocation.requestId);
  if (flushes.length > 0 || errors.length > 0) await deps.objects.putJson(deps.config.manifestBucket, reportKey, report);
  deps.metrics.flush();
  return { report, reportKey, flushes };
}
