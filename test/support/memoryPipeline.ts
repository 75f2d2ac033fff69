import { pendingPartition, pendingPartitions } from '../../contracts/trackingSchema';
import type { ExecutionInput, Manifest, ManifestFile } from '../../handlers/domain/manifest';
import type { WindowState } from '../../handlers/domain/window';
import type {
  CommitOutcome,
  FilePutOutcome,
  FileRecord,
  Lease,
  ManifestRecord,
  ObjectStore,
  Orchestrator,
  PendingMarker,
  QuarantineRecord,
  TrackedFile,
  TrackingStore,
  WindowDelta,
} from '../../handlers/services/ports';

/**
 * In-memory doubles of the batching ports with the conditional semantics of the adapters
 * (handlers/adapters/dynamoTrackingStore.ts, s3ObjectStore.ts): every method is one atomic step, as one
 * DynamoDB transaction, conditional write or strongly consistent read is, so a scheduler that interleaves the
 * awaited port calls of several actors explores the interleavings the real pipeline can produce (the
 * registration, listing and marking protocols run in the services, over these steps).
 */

interface FileEntry {
  status: 'pending' | 'manifested';
  sizeBytes: number;
  createdAt: string;
  etag?: string;
  manifestName?: string;
  /** The manifest whose version a new version replaced (replaced_manifest). */
  replacedManifest?: string;
  /** The manifest that gave this new version's counts back already (recounted_for). */
  recountedFor?: string;
}

interface LockEntry {
  owner?: string;
  token: number;
  expiresAtMs: number;
}

interface WindowEntry {
  pendingCount: number;
  pendingBytes: number;
  oldestPendingAt?: string;
  manifestSeq?: number;
  openManifest?: string;
}

export class ConditionFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

/**
 * The tracking table's items by partition, as the adapter lays them out: file items under their date, markers
 * under their shard partition (pendingPartition) or, legacy, under their date.
 */
export class MemoryTrackingStore implements TrackingStore {
  readonly files = new Map<string, Map<string, FileEntry>>();
  /** Markers by partition key, then object key. */
  readonly markers = new Map<string, Map<string, PendingMarker>>();
  readonly windows = new Map<string, WindowEntry>();
  readonly locks = new Map<string, LockEntry>();
  readonly manifests = new Map<string, ManifestRecord>();
  /** Order in which file items were first put (an event's createdAt need not follow it). */
  readonly registrationOrder: string[] = [];

  constructor(private readonly options: { now: () => Date; lockLeaseSeconds: number }) {}

  private filesOf(date: string): Map<string, FileEntry> {
    const files = this.files.get(date) ?? new Map<string, FileEntry>();
    this.files.set(date, files);
    return files;
  }

  private markersOf(partition: string): Map<string, PendingMarker> {
    const markers = this.markers.get(partition) ?? new Map<string, PendingMarker>();
    this.markers.set(partition, markers);
    return markers;
  }

  /** The date's markers, in every partition a date's markers may be in. */
  markersOfDate(date: string): PendingMarker[] {
    return pendingPartitions(date).flatMap((p) => [...(this.markers.get(p)?.values() ?? [])]);
  }

  /** The file items of a date that say pending. */
  pendingItems(date: string): { key: string; entry: FileEntry }[] {
    return [...this.filesOf(date).entries()].filter(([, e]) => e.status === 'pending').map(([key, entry]) => ({ key, entry }));
  }

  /** A file registered before the markers were sharded: item and marker in the date's partition (one transaction). */
  seedLegacy(date: string, file: TrackedFile): void {
    this.filesOf(date).set(file.key, record(file));
    this.registrationOrder.push(file.key);
    this.markersOf(date).set(file.key, { ...file, partition: date });
    const window = this.windows.get(date) ?? { pendingCount: 0, pendingBytes: 0 };
    window.pendingCount += 1;
    window.pendingBytes += file.sizeBytes;
    window.oldestPendingAt ??= file.createdAt;
    window.manifestSeq ??= 0;
    this.windows.set(date, window);
  }

  async putPendingMarkers(date: string, files: TrackedFile[], registeredAt: string): Promise<void> {
    for (const file of files) {
      const partition = pendingPartition(date, file.key);
      this.markersOf(partition).set(file.key, { ...file, partition, registeredAt });
    }
  }

  async addToWindow(date: string, delta: WindowDelta): Promise<void> {
    const window = this.windows.get(date) ?? { pendingCount: 0, pendingBytes: 0 };
    window.pendingCount += delta.count;
    window.pendingBytes += delta.bytes;
    if (delta.oldestPendingAt !== undefined) window.oldestPendingAt ??= delta.oldestPendingAt;
    window.manifestSeq ??= 0;
    this.windows.set(date, window);
  }

  async putFileItem(date: string, file: TrackedFile): Promise<FilePutOutcome> {
    const files = this.filesOf(date);
    const existing = files.get(file.key);
    if (existing) return { created: false, existing: fileRecord(file.key, existing) };
    files.set(file.key, record(file));
    this.registrationOrder.push(file.key);
    return { created: true };
  }

  async replaceFileVersion(date: string, file: TrackedFile, existing: FileRecord): Promise<boolean> {
    const current = this.filesOf(date).get(file.key);
    if (!current || current.status !== existing.status || current.etag !== existing.etag) return false;
    if (current.status === 'manifested') {
      this.filesOf(date).set(file.key, { ...record(file), ...(current.manifestName ? { replacedManifest: current.manifestName } : {}) });
    } else {
      current.etag = file.etag;
      current.sizeBytes = file.sizeBytes;
    }
    return true;
  }

  async getFileItem(date: string, key: string): Promise<FileRecord | null> {
    const entry = this.filesOf(date).get(key);
    return entry ? fileRecord(key, entry) : null;
  }

  async readFileItems(date: string, keys: string[]): Promise<Map<string, FileRecord>> {
    const found = new Map<string, FileRecord>();
    for (const key of keys) {
      const entry = this.filesOf(date).get(key);
      if (entry) found.set(key, fileRecord(key, entry));
    }
    return found;
  }

  async queryMarkers(partition: string): Promise<PendingMarker[]> {
    return [...(this.markers.get(partition)?.values() ?? [])].map((m) => ({ ...m }));
  }

  async removeMarker(partition: string, key: string, etag: string | undefined): Promise<boolean> {
    const marker = this.markers.get(partition)?.get(key);
    if (!marker || (etag !== undefined && marker.etag !== undefined && marker.etag !== etag)) return false;
    this.markers.get(partition)?.delete(key);
    return true;
  }

  async markFileManifested(manifest: Manifest, file: ManifestFile): Promise<'marked' | 'conflict'> {
    const entry = this.filesOf(manifest.date).get(file.key);
    const sameContent = file.etag === undefined || entry?.etag === undefined || entry.etag === file.etag;
    if (!entry || !((entry.status === 'pending' && sameContent) || entry.manifestName === manifest.name)) return 'conflict';
    entry.status = 'manifested';
    entry.manifestName = manifest.name;
    return 'marked';
  }

  async leaveNewVersionPending(manifest: Manifest, file: ManifestFile): Promise<boolean> {
    const entry = this.filesOf(manifest.date).get(file.key);
    const superseded = entry?.status === 'pending' && file.etag !== undefined && entry.etag !== file.etag;
    if (!superseded) return false;
    if (entry.replacedManifest !== manifest.name && entry.recountedFor !== manifest.name) {
      entry.recountedFor = manifest.name;
      await this.addToWindow(manifest.date, { count: 1, bytes: file.sizeBytes, oldestPendingAt: entry.createdAt });
    }
    return true;
  }

  async getWindow(date: string): Promise<WindowState> {
    return windowState(date, this.windows.get(date));
  }

  async listWindows(): Promise<WindowState[]> {
    return [...this.windows.entries()].map(([date, w]) => windowState(date, w));
  }

  async acquireLock(date: string, owner: string): Promise<Lease | null> {
    const now = this.options.now().getTime();
    const lock = this.locks.get(date);
    if (lock && !(lock.expiresAtMs < now)) return null;
    const token = (lock?.token ?? 0) + 1;
    const expiresAtMs = now + this.options.lockLeaseSeconds * 1000;
    this.locks.set(date, { owner, token, expiresAtMs });
    return { date, owner, token, expiresAtMs };
  }

  async releaseLock(lease: Lease): Promise<void> {
    const lock = this.locks.get(lease.date);
    if (lock?.token !== lease.token) return;
    this.locks.set(lease.date, { token: lock.token, expiresAtMs: 0 });
  }

  async commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null; countSeen?: number },
  ): Promise<CommitOutcome> {
    const current = this.windows.get(manifest.date);
    if (
      this.locks.get(manifest.date)?.token !== lease.token ||
      this.manifests.has(`${manifest.date}/${manifest.name}`) ||
      current === undefined ||
      current.openManifest !== undefined ||
      current.manifestSeq !== window.expectedSeq
    ) {
      return 'fenced';
    }
    this.manifests.set(`${manifest.date}/${manifest.name}`, {
      date: manifest.date,
      name: manifest.name,
      status: 'pending',
      manifestPath,
      fileCount: manifest.files.length,
      updatedAt: this.options.now().toISOString(),
    });
    // The age is removed only when the count reaches 0 in the same write; otherwise kept (the adapter's rule).
    const drained = current.pendingCount === manifest.files.length;
    current.pendingCount -= manifest.files.length;
    current.pendingBytes -= manifest.totalBytes;
    current.manifestSeq = manifest.seq;
    current.openManifest = manifest.name;
    const quiet = window.countSeen === undefined || current.pendingCount + manifest.files.length === window.countSeen;
    if (window.oldestPendingAt) {
      if (quiet) current.oldestPendingAt = window.oldestPendingAt;
    } else if (drained) delete current.oldestPendingAt;
    return 'committed';
  }

  async setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null, countSeen?: number): Promise<CommitOutcome> {
    if (this.locks.get(date)?.token !== lease.token) return 'fenced';
    const window = this.windows.get(date) ?? { pendingCount: 0, pendingBytes: 0 };
    if (oldestPendingAt) {
      if (countSeen === undefined || window.pendingCount === countSeen) window.oldestPendingAt = oldestPendingAt;
    } else if (countSeen === undefined ? window.pendingCount <= 0 : window.pendingCount === countSeen) {
      delete window.oldestPendingAt;
      if (countSeen !== undefined) {
        window.pendingCount = 0;
        window.pendingBytes = 0;
      }
    }
    this.windows.set(date, window);
    return 'committed';
  }

  async finishManifest(manifest: Manifest, executionArn: string): Promise<void> {
    const record = this.manifests.get(`${manifest.date}/${manifest.name}`);
    if (!record) throw new ConditionFailed(`no MANIFEST record ${manifest.name}`);
    record.executionArn ??= executionArn;
    const window = this.windows.get(manifest.date);
    if (window?.openManifest === manifest.name) delete window.openManifest;
  }

  async getManifestRecord(date: string, name: string): Promise<ManifestRecord | null> {
    const record = this.manifests.get(`${date}/${name}`);
    return record ? { ...record } : null;
  }

  async listUnfinishedManifests(date: string): Promise<ManifestRecord[]> {
    return [...this.manifests.values()].filter((m) => m.date === date && (m.status === 'pending' || m.status === 'processing'));
  }

  async recordQuarantine(_record: QuarantineRecord): Promise<'recorded' | 'exists'> {
    return 'recorded';
  }
}

function record(file: TrackedFile): FileEntry {
  return { status: 'pending', sizeBytes: file.sizeBytes, createdAt: file.createdAt, ...(file.etag ? { etag: file.etag } : {}) };
}

function fileRecord(key: string, entry: FileEntry): FileRecord {
  return {
    key,
    status: entry.status,
    sizeBytes: entry.sizeBytes,
    createdAt: entry.createdAt,
    ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
    ...(entry.manifestName !== undefined ? { manifestName: entry.manifestName } : {}),
  };
}

function windowState(date: string, w: WindowEntry | undefined): WindowState {
  return {
    date,
    pendingCount: w?.pendingCount ?? 0,
    pendingBytes: w?.pendingBytes ?? 0,
    manifestSeq: w?.manifestSeq ?? 0,
    ...(w?.oldestPendingAt ? { oldestPendingAt: w.oldestPendingAt } : {}),
    ...(w?.openManifest ? { openManifest: w.openManifest } : {}),
  };
}

export class NoSuchKey extends Error {
  override readonly name = 'NoSuchKey';
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  /** Every object ever deleted, to tell "deleted" from "never written". */
  readonly deleted: string[] = [];

  async putJsonIfAbsent(bucket: string, key: string, body: unknown): Promise<'created' | 'exists'> {
    if (this.objects.has(`${bucket}/${key}`)) return 'exists';
    this.objects.set(`${bucket}/${key}`, JSON.stringify(body));
    return 'created';
  }

  async putJson(bucket: string, key: string, body: unknown): Promise<void> {
    this.objects.set(`${bucket}/${key}`, JSON.stringify(body));
  }

  async getJson(bucket: string, key: string): Promise<unknown> {
    const body = this.objects.get(`${bucket}/${key}`);
    if (body === undefined) throw new NoSuchKey(`s3://${bucket}/${key}: The specified key does not exist.`);
    return JSON.parse(body);
  }

  async moveObject(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<'moved' | 'source-missing'> {
    const body = this.objects.get(`${from.bucket}/${from.key}`);
    if (body === undefined) return 'source-missing';
    this.objects.set(`${to.bucket}/${to.key}`, body);
    this.objects.delete(`${from.bucket}/${from.key}`);
    return 'moved';
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    return this.objects.has(`${bucket}/${key}`);
  }

  async head(bucket: string, key: string): Promise<{ sizeBytes: number } | null> {
    const body = this.objects.get(`${bucket}/${key}`);
    return body === undefined ? null : { sizeBytes: body.length };
  }

  async delete(bucket: string, key: string): Promise<void> {
    if (this.objects.delete(`${bucket}/${key}`)) this.deleted.push(`${bucket}/${key}`);
  }
}

export class MemoryOrchestrator implements Orchestrator {
  readonly executions = new Map<string, ExecutionInput>();

  async startExecution(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const alreadyStarted = this.executions.has(name);
    if (!alreadyStarted) this.executions.set(name, input);
    return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:sm:${name}`, alreadyStarted };
  }
}
