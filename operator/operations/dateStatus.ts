import {
  classifyItem,
  type FileItem,
  type LockItem,
  MANIFEST_STATUS,
  type ManifestItem,
  type ManifestStatus,
  type PendingItem,
  type RawTrackingItem,
  type WindowItem,
} from '../../contracts/trackingSchema';
import { manifestIdOf } from '../../handlers/domain/manifest';
import { type DueReason, dueReason, type WindowPolicy } from '../../handlers/domain/window';
import { readableError } from '../../local/readableError';
import { pendingFiles } from '../pendingFiles';

/**
 * What one date's tracking items say (pure): files pending / manifested / converted / failed /
 * quarantined, pending bytes against the thresholds, the oldest pending file's age, manifests by status
 * and the date's lock. Items are read through contracts/trackingSchema's classifier, which `local` and
 * `trace` use too; items that lack the fields a view needs are skipped (the seed's KeyError lesson).
 */

export interface ManifestView {
  date: string;
  name: string;
  id: string;
  status: ManifestStatus;
  fileCount: number;
  totalBytes: number;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
  manifestPath: string | null;
  executionArn: string | null;
  glueJobRunId: string | null;
  errorMessage: string | null;
  attempts: number;
  redrives: number;
}

export interface LockView {
  owner: string | null;
  token: number;
  expiresAt: string | null;
  /** `held`: the lease runs; `expired`: a holder stopped without releasing; `free`: released. */
  state: 'held' | 'expired' | 'free';
  expiresInSeconds: number | null;
  acquiredAt: string | null;
}

export interface QuarantineView {
  key: string;
  reason: string;
  sizeBytes: number;
  createdAt: string | null;
}

export interface DateStatus {
  date: string;
  /**
   * Counted from the date's MANIFEST records (`file_count`, `total_bytes`, by status) and its pending markers,
   * never from its file items: `manifested` is every file version a manifest holds (a file overwritten after
   * its manifest counts once per version converted), `converting` those whose manifest is pending or processing.
   */
  files: {
    tracked: number;
    pending: number;
    manifested: number;
    converted: number;
    failed: number;
    quarantined: number;
    converting: number;
  };
  bytes: { tracked: number; pending: number; converted: number };
  pending: {
    files: number;
    bytes: number;
    thresholdFiles: number;
    thresholdBytes: number;
    oldestAt: string | null;
    oldestAgeSeconds: number | null;
    /** Why the batcher or sweeper will plan the date now, or null when it waits for more files. */
    due: DueReason | null;
  };
  manifests: {
    total: number;
    byStatus: Record<string, number>;
    list: ManifestView[];
    /**
     * Manifests the date made (its WINDOW's `manifest_seq`) whose records are gone: a completed record expires
     * `ttlDays` after completion, and its files leave the counts above with it.
     */
    expired: number;
  };
  lock: LockView | null;
  quarantined: QuarantineView[];
  /**
   * When the date's files came, for the dashboard's timeline (not in `status --json`): each pending file at
   * its arrival, each manifest's files at the manifest's creation (their own arrival is on their file items,
   * which a status never reads in bulk).
   */
  arrivals: Arrival[];
}

export interface Arrival {
  at: string | null;
  files: number;
  bytes: number;
}

export function manifestView(item: ManifestItem): ManifestView {
  return {
    date: item.date,
    name: item.name,
    id: item.id ?? manifestIdOf(item.date, item.name),
    status: item.status,
    fileCount: item.fileCount,
    totalBytes: item.totalBytes,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    completedAt: item.completedAt,
    manifestPath: item.manifestPath,
    executionArn: item.executionArn,
    glueJobRunId: item.glueJobRunId,
    // A Glue failure is recorded as `States.TaskFailed: <JobRun JSON>`; a person wants its ErrorMessage.
    errorMessage: item.errorMessage === null ? null : readableError(item.errorMessage),
    attempts: item.attempts,
    redrives: item.redrives,
  };
}

export function lockView(item: LockItem | null, now: Date): LockView | null {
  if (!item) return null;
  const { expiresAtMs } = item;
  const state: LockView['state'] = expiresAtMs === 0 ? 'free' : expiresAtMs > now.getTime() ? 'held' : 'expired';
  return {
    owner: item.owner,
    token: item.token,
    expiresAt: expiresAtMs > 0 ? new Date(expiresAtMs).toISOString() : null,
    state,
    expiresInSeconds: expiresAtMs > 0 ? Math.round((expiresAtMs - now.getTime()) / 1000) : null,
    acquiredAt: item.acquiredAt,
  };
}

export function dateStatus(date: string, items: readonly RawTrackingItem[], policy: WindowPolicy, now: Date): DateStatus {
  const manifests = new Map<string, ManifestView>();
  const markers: PendingItem[] = [];
  const fileItems: FileItem[] = [];
  const quarantined: QuarantineView[] = [];
  let lock: LockView | null = null;
  let window: WindowItem | null = null;
  for (const raw of items) {
    const item = classifyItem(raw);
    switch (item.kind) {
      case 'manifest':
        manifests.set(item.name, manifestView(item));
        break;
      case 'quarantine':
        quarantined.push({ key: item.key, reason: item.reason ?? 'unknown', sizeBytes: item.sizeBytes, createdAt: item.createdAt });
        break;
      case 'lock':
        lock = lockView(item, now);
        break;
      case 'window':
        window = item;
        break;
      case 'pending':
        markers.push(item);
        break;
      // Read only to tell a stale marker from a pending file: the files a date counts are its manifests' and its markers'.
      case 'file':
        fileItems.push(item);
        break;
      case 'reconcile':
      case 'unknown':
        break;
    }
  }
  const { pending } = pendingFiles(markers, fileItems);
  const oldestAt = pending.reduce<string | null>((min, m) => (!min || m.createdAt < min ? m.createdAt : min), null);
  const pendingBytes = pending.reduce((sum, m) => sum + m.sizeBytes, 0);
  const list = [...manifests.values()].sort((a, b) => a.name.localeCompare(b.name));
  const sum = (statuses: readonly ManifestStatus[], of: (m: ManifestView) => number) =>
    list.filter((m) => statuses.includes(m.status)).reduce((s, m) => s + of(m), 0);
  const all = Object.values(MANIFEST_STATUS);
  const manifested = sum(all, (m) => m.fileCount);
  const byStatus: Record<string, number> = {};
  for (const manifest of list) byStatus[manifest.status] = (byStatus[manifest.status] ?? 0) + 1;
  const windowState = {
    date,
    pendingCount: pending.length,
    pendingBytes,
    manifestSeq: manifests.size,
    ...(oldestAt ? { oldestPendingAt: oldestAt } : {}),
    ...(window?.openManifest ? { openManifest: window.openManifest } : {}),
  };
  return {
    date,
    files: {
      tracked: pending.length + manifested,
      pending: pending.length,
      manifested,
      converted: sum([MANIFEST_STATUS.completed], (m) => m.fileCount),
      failed: sum([MANIFEST_STATUS.failed], (m) => m.fileCount),
      quarantined: quarantined.length,
      converting: sum([MANIFEST_STATUS.pending, MANIFEST_STATUS.processing], (m) => m.fileCount),
    },
    bytes: {
      tracked: pendingBytes + sum(all, (m) => m.totalBytes),
      pending: pendingBytes,
      converted: sum([MANIFEST_STATUS.completed], (m) => m.totalBytes),
    },
    pending: {
      files: pending.length,
      bytes: pendingBytes,
      thresholdFiles: policy.maxBatchFiles,
      thresholdBytes: policy.maxBatchBytes,
      oldestAt,
      oldestAgeSeconds: oldestAt ? Math.max(0, Math.round((now.getTime() - Date.parse(oldestAt)) / 1000)) : null,
      due: dueReason(windowState, policy, now),
    },
    manifests: { total: manifests.size, byStatus, list, expired: Math.max(0, (window?.manifestSeq ?? 0) - manifests.size) },
    lock,
    quarantined,
    arrivals: [
      ...pending.map((m) => ({ at: m.createdAt, files: 1, bytes: m.sizeBytes })),
      ...list.map((m) => ({ at: m.createdAt, files: m.fileCount, bytes: m.totalBytes })),
    ],
  };
}
