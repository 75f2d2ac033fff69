import { Metric } from '../../contracts/metrics';
import { isBeforeToday } from '../domain/dates';
import type { ReportManifest } from '../domain/lambdaReport';
import { byArrival, planBatches } from '../domain/planner';
import type { BatchingDeps } from './deps';
import { listPending } from './listPending';
import { buildAndStartManifest, resumeManifest } from './manifestBuilder';
import type { Lease, TrackedFile } from './ports';

export type FlushStatus = 'planned' | 'locked' | 'fenced' | 'lease-expiring';

export interface FlushOutcome {
  date: string;
  status: FlushStatus;
  manifests: ReportManifest[];
  remainderFiles: number;
  remainderBytes: number;
}

/** Stop starting new manifests this long before the lease ends; the fencing check is the real guard. */
const LEASE_MARGIN_MS = 10_000;

/**
 * Plans and starts a date's due batches under the date's lock. `force` sends the remainder whatever its
 * size (operator flush, `--flush`); a previous-UTC-day date or a pending file older than maxWaitSeconds
 * does the same on its own.
 */
export async function flushDate(deps: BatchingDeps, date: string, options: { force?: boolean } = {}): Promise<FlushOutcome> {
  const lease = await deps.tracking.acquireLock(date, deps.owner);
  if (!lease) {
    deps.metrics.add(Metric.LockConflicts, 1);
    deps.log.info('date is locked by another worker; it will plan the date', { date });
    return { date, status: 'locked', manifests: [], remainderFiles: 0, remainderBytes: 0 };
  }
  try {
    return await planUnderLease(deps, lease, options.force ?? false);
  } finally {
    await deps.tracking.releaseLock(lease);
  }
}

async function planUnderLease(deps: BatchingDeps, lease: Lease, force: boolean): Promise<FlushOutcome> {
  const { date } = lease;
  const manifests: ReportManifest[] = [];
  const window = await deps.tracking.getWindow(date);
  if (window.openManifest) manifests.push(await resumeManifest(deps, date, window.openManifest));

  const listing = await listPending(deps.tracking, date, deps.now());
  const pending = listing.pending.sort(byArrival);
  const now = deps.now();
  const oldest = oldestOf([...pending, ...listing.inFlight]);
  const tooOld = oldest !== null && now.getTime() - Date.parse(oldest) >= deps.config.maxWaitSeconds * 1000;
  const plan = planBatches(pending, deps.config, { flushAll: force || tooOld || isBeforeToday(date, now) });

  let seq = window.manifestSeq;
  // What the window counted before the markers were listed: the age moves only while no registration counted itself since.
  let countSeen = window.pendingCount;
  let status: FlushStatus = 'planned';
  for (const [index, batch] of plan.batches.entries()) {
    if (deps.now().getTime() > lease.expiresAtMs - LEASE_MARGIN_MS) {
      status = 'lease-expiring';
      break;
    }
    const after = oldestOf([...plan.batches.slice(index + 1).flatMap((b) => b.files), ...plan.remainder, ...listing.inFlight]);
    const outcome = await buildAndStartManifest(deps, lease, batch, seq + 1, { oldestPendingAt: after, countSeen });
    if (outcome.status === 'fenced') {
      status = 'fenced';
      break;
    }
    seq += 1;
    countSeen -= batch.files.length;
    manifests.push(outcome.manifest);
  }

  const drifted = (window.oldestPendingAt ?? null) !== oldest || (oldest === null && window.pendingCount !== 0);
  if (plan.batches.length === 0 && drifted) {
    // The window drifted from the pending set (a registration raced an earlier plan, or stopped between counting
    // itself and giving back a duplicate's count): repair it.
    await deps.tracking.setOldestPending(lease, date, oldest, window.pendingCount);
  }
  const planned = manifests.filter((m) => !m.resumed);
  const remainderFiles = pending.length - planned.reduce((sum, m) => sum + m.file_count, 0);
  const remainderBytes = pending.reduce((sum, f) => sum + f.sizeBytes, 0) - planned.reduce((sum, m) => sum + m.total_bytes, 0);
  deps.metrics.add(Metric.PendingFiles, remainderFiles);
  deps.metrics.add(Metric.PendingBytes, remainderBytes);
  return { date, status, manifests, remainderFiles, remainderBytes };
}

function oldestOf(files: TrackedFile[]): string | null {
  return files.reduce<string | null>((min, f) => (min === null || f.createdAt < min ? f.createdAt : min), null);
}
