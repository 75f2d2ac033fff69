import {
  classifyItem,
  FILE_STATUS,
  type FileItem,
  type LockItem,
  MANIFEST_STATUS,
  type ManifestItem,
  type ManifestStatus,
  type RawTrackingItem,
} from '../../contracts/trackingSchema';
import { manifestIdOf } from '../../handlers/domain/manifest';
import { type DueReason, dueReason, type WindowPolicy } from '../../handlers/domain/window';
import { readableError } from '../../local/readableError';

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
  files: { tracked: number; pending: number; manifested: number; converted: number; failed: number; quarantined: number };
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
  manifests: { total: number; byStatus: Record<string, number>; list: ManifestView[] };
  lock: LockView | null;
  quarantined: QuarantineView[];
  fileList: FileItem[];
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
  const files: FileItem[] = [];
  const quarantined: QuarantineView[] = [];
  let lock: LockView | null = null;
  let openManifest: string | undefined;
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
        openManifest = item.openManifest ?? undefined;
        break;
      case 'file':
        files.push(item);
        break;
      // A pending marker duplicates its file item, which is the one counted.
      case 'pending':
      case 'unknown':
        break;
    }
  }
  const pendingFiles = files.filter((f) => f.status === FILE_STATUS.pending);
  const oldestAt = pendingFiles.reduce<string | null>((min, f) => (f.createdAt && (!min || f.createdAt < min) ? f.createdAt : min), null);
  const pendingBytes = pendingFiles.reduce((sum, f) => sum + f.sizeBytes, 0);
  const manifestOf = (f: FileItem) => (f.manifestName ? manifests.get(f.manifestName) : undefined);
  const converted = files.filter((f) => manifestOf(f)?.status === MANIFEST_STATUS.completed);
  const failed = files.filter((f) => manifestOf(f)?.status === MANIFEST_STATUS.failed);
  const byStatus: Record<string, number> = {};
  for (const manifest of manifests.values()) byStatus[manifest.status] = (byStatus[manifest.status] ?? 0) + 1;
  const window = {
    date,
    pendingCount: pendingFiles.length,
    pendingBytes,
    manifestSeq: manifests.size,
    ...(oldestAt ? { oldestPendingAt: oldestAt } : {}),
    ...(openManifest ? { openManifest } : {}),
  };
  return {
    date,
    files: {
      tracked: files.length,
      pending: pendingFiles.length,
      manifested: files.length - pendingFiles.length,
      converted: converted.length,
      failed: failed.length,
      quarantined: quarantined.length,
    },
    bytes: {
      tracked: files.reduce((s, f) => s + f.sizeBytes, 0),
      pending: pendingBytes,
      converted: converted.reduce((s, f) => s + f.sizeBytes, 0),
    },
    pending: {
      files: pendingFiles.length,
      bytes: pendingBytes,
      thresholdFiles: policy.maxBatchFiles,
      thresholdBytes: policy.maxBatchBytes,
      oldestAt,
      oldestAgeSeconds: oldestAt ? Math.max(0, Math.round((now.getTime() - Date.parse(oldestAt)) / 1000)) : null,
      due: dueReason(window, policy, now),
    },
    manifests: { total: manifests.size, byStatus, list: [...manifests.values()].sort((a, b) => a.name.localeCompare(b.name)) },
    lock,
    quarantined,
    fileList: files,
  };
}
