import { isBeforeToday } from './dates';
import type { BatchLimits } from './planner';

/**
 * A date's window: what is pending for it, kept as counters on one tracking-table item so that deciding
 * whether to plan costs one read, whatever the date's backlog.
 */
export interface WindowState {
  date: string;
  pendingCount: number;
  pendingBytes: number;
  /** ISO time of the oldest pending file, or undefined when nothing is known to be pending. */
  oldestPendingAt?: string;
  /** Number of manifests committed for the date so far; the next batch gets sequence + 1. */
  manifestSeq: number;
  /** A manifest committed but not yet fully built (files marked, execution started): resume it first. */
  openManifest?: string;
}

export type DueReason = 'size' | 'count' | 'previous-day' | 'max-wait' | 'open-manifest' | 'forced';

export interface WindowPolicy extends BatchLimits {
  maxWaitSeconds: number;
}

/** Why the date should be planned now, or null if it can wait. */
export function dueReason(window: WindowState, policy: WindowPolicy, now: Date): DueReason | null {
  if (window.openManifest) return 'open-manifest';
  if (window.pendingCount <= 0) return null;
  if (isBeforeToday(window.date, now)) return 'previous-day';
  if (window.pendingBytes >= policy.maxBatchBytes) return 'size';
  if (window.pendingCount >= policy.maxBatchFiles) return 'count';
  if (isOlderThan(window.oldestPendingAt, policy.maxWaitSeconds, now)) return 'max-wait';
  return null;
}

/**
 * Age in seconds of the oldest file still pending after a sweep: the windows as the sweep found them, less
 * the dates it drained (planned with no remainder left). 0 when nothing waits.
 */
export function oldestPendingAgeSeconds(windows: readonly WindowState[], drained: ReadonlySet<string>, now: Date): number {
  let oldest = 0;
  for (const window of windows) {
    if (window.pendingCount <= 0 || !window.oldestPendingAt || drained.has(window.date)) continue;
    oldest = Math.max(oldest, Math.floor((now.getTime() - Date.parse(window.oldestPendingAt)) / 1000));
  }
  return oldest;
}

function isOlderThan(iso: string | undefined, seconds: number, now: Date): boolean {
  if (!iso) return false;
  return now.getTime() - Date.parse(iso) >= seconds * 1000;
}
