import { formatBytes, formatCounts, formatSeconds } from './format';
import type { DateStatus } from './operations/dateStatus';

/** One date's status as table cells, the same words in `status` and on the dashboard. */
export interface DateStatusCells {
  date: string;
  files: string;
  pending: string;
  manifested: string;
  converted: string;
  failed: string;
  quarantined: string;
  pendingBytes: string;
  oldestPending: string;
  next: string;
  manifests: string;
  /** Lock state in a word or two (the dashboard's column). */
  lock: string;
  /** Lock state with its owner and fencing token (what an operator deciding on `unlock` needs). */
  lockDetail: string;
}

export function dateStatusCells(d: Omit<DateStatus, 'arrivals'>): DateStatusCells {
  return {
    date: d.date,
    files: String(d.files.tracked),
    pending: String(d.files.pending),
    manifested: String(d.files.manifested),
    converted: String(d.files.converted),
    failed: String(d.files.failed),
    quarantined: String(d.files.quarantined),
    pendingBytes: `${formatBytes(d.pending.bytes)} / ${formatBytes(d.pending.thresholdBytes)}`,
    oldestPending: d.pending.oldestAgeSeconds === null ? '-' : formatSeconds(d.pending.oldestAgeSeconds),
    next: nextText(d),
    manifests: formatCounts(d.manifests.byStatus),
    lock: lockWord(d),
    lockDetail: lockDetail(d),
  };
}

function lockWord({ lock }: Pick<DateStatus, 'lock'>): string {
  if (!lock || lock.state === 'free') return 'free';
  return lock.state === 'held' ? `held (${formatSeconds(lock.expiresInSeconds)} left)` : 'expired';
}

function lockDetail({ lock }: Pick<DateStatus, 'lock'>): string {
  if (!lock || lock.state === 'free') return 'free';
  if (lock.state === 'expired')
    return `expired ${formatSeconds(-(lock.expiresInSeconds ?? 0))} ago (token ${lock.token}, ${lock.owner ?? 'no owner'})`;
  return `held by ${lock.owner ?? '?'} (token ${lock.token}, expires in ${formatSeconds(lock.expiresInSeconds)})`;
}

function nextText(status: Pick<DateStatus, 'pending'>): string {
  if (status.pending.files === 0) return '-';
  return status.pending.due ? `due (${status.pending.due})` : `waits (${status.pending.files}/${status.pending.thresholdFiles} files)`;
}
