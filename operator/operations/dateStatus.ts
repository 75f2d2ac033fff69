import { MANIFEST_SK_PREFIX } from '../../handlers/domain/manifest';
import { type DueReason, dueReason, type WindowPolicy } from '../../handlers/domain/window';
import { readableError } from '../../local/readableError';
import type { TrackingItem } from '../adapters/trackingReader';

/**
 * What one date's tracking items say (pure): files pending / manifested / converted / failed /
 * quarantined, pending bytes against the thresholds, the oldest pending file's age, manifests by status
 * and the date's lock. Items that lack the fields a view needs are skipped (the seed's KeyError lesson).
 */

export interface ManifestView {
  date: string;
  name: string;
  id: string;
  status: string;
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

export interface FileView {
  key: string;
  status: 'pending' | 'manifested';
  sizeBytes: number;
  createdAt: string | null;
  manifestName: string | null;
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
  fileList: FileView[];
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);

export function manifestView(date: string, item: TrackingItem): ManifestView | null {
  const sortKey = str(item.file_key);
  const status = str(item.status);
  if (!sortKey?.startsWith(MANIFEST_SK_PREFIX) || !status) return null;
  const name = sortKey.slice(MANIFEST_SK_PREFIX.length);
  return {
    date,
    name,
    id: str(item.manifest_id) ?? `${date}-${name.replace(/\.json$/, '')}`,
    status,
    fileCount: num(item.file_count),
    totalBytes: num(item.total_bytes),
    createdAt: str(item.created_at),
    updatedAt: str(item.updated_at),
    completedAt: str(item.completed_time),
    manifestPath: str(item.manifest_path),
    executionArn: str(item.execution_arn),
    glueJobRunId: str(item.glue_job_run_id),
    // A Glue failure is recorded as `States.TaskFailed: <JobRun JSON>`; a person wants its ErrorMessage.
    errorMessage: str(item.error_message) === null ? null : readableError(str(item.error_message) ?? undefined),
    attempts: num(item.attempts),
    redrives: num(item.redrive_count),
  };
}

export function lockView(item: TrackingItem | null, now: Date): LockView | null {
  if (!item || item.expires_at_ms === undefined) return null;
  const expiresAtMs = num(item.expires_at_ms);
  const state: LockView['state'] = expiresAtMs === 0 ? 'free' : expiresAtMs > now.getTime() ? 'held' : 'expired';
  return {
    owner: str(item.owner),
    token: num(item.token),
    expiresAt: expiresAtMs > 0 ? new Date(expiresAtMs).toISOString() : null,
    state,
    expiresInSeconds: expiresAtMs > 0 ? Math.round((expiresAtMs - now.getTime()) / 1000) : null,
    acquiredAt: str(item.acquired_at),
  };
}

export function dateStatus(date: string, items: readonly TrackingItem[], policy: WindowPolicy, now: Date): DateStatus {
  const manifests = new Map<string, ManifestView>();
  const files: FileView[] = [];
  const quarantined: QuarantineView[] = [];
  let lock: LockView | null = null;
  let openManifest: string | undefined;
  for (const item of items) {
    const sortKey = str(item.file_key);
    if (!sortKey) continue;
    if (sortKey.startsWith(MANIFEST_SK_PREFIX)) {
      const view = manifestView(date, item);
      if (view) manifests.set(view.name, view);
    } else if (sortKey.startsWith('QUARANTINE#')) {
      quarantined.push({
        key: sortKey.slice('QUARANTINE#'.length),
        reason: str(item.reason) ?? 'unknown',
        sizeBytes: num(item.size_bytes),
        createdAt: str(item.created_at),
      });
    } else if (sortKey === `LOCK#${date}`) {
      lock = lockView(item, now);
    } else if (sortKey === 'WINDOW') {
      openManifest = str(item.open_manifest) ?? undefined;
    } else if (sortKey.startsWith('PENDING#')) {
      // The pending marker duplicates its file item; the file item is counted.
    } else {
      const status = str(item.status);
      if ((status !== 'pending' && status !== 'manifested') || !str(item.file_path)) continue;
      files.push({
        key: sortKey,
        status,
        sizeBytes: num(item.size_bytes),
        createdAt: str(item.created_at),
        manifestName: str(item.manifest_name),
      });
    }
  }
  const pendingFiles = files.filter((f) => f.status === 'pending');
  const oldestAt = pendingFiles.reduce<string | null>((min, f) => (f.createdAt && (!min || f.createdAt < min) ? f.createdAt : min), null);
  const pendingBytes = pendingFiles.reduce((sum, f) => sum + f.sizeBytes, 0);
  const manifestOf = (f: FileView) => (f.manifestName ? manifests.get(f.manifestName) : undefined);
  const converted = files.filter((f) => manifestOf(f)?.status === 'completed');
  const failed = files.filter((f) => manifestOf(f)?.status === 'failed');
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
