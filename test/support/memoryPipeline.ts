import type { ExecutionInput, Manifest } from '../../handlers/domain/manifest';
import type { WindowState } from '../../handlers/domain/window';
import type {
  CommitOutcome,
  Lease,
  ManifestRecord,
  ObjectStore,
  Orchestrator,
  QuarantineRecord,
  RegisterOutcome,
  TrackedFile,
  TrackingStore,
} from '../../handlers/services/ports';

/**
 * In-memory doubles of the batching ports with the conditional semantics of the adapters
 * (handlers/adapters/dynamoTrackingStore.ts, s3ObjectStore.ts): every method is one atomic step, as one
 * DynamoDB transaction or conditional write is, so a scheduler that interleaves the awaited port calls of
 * several actors explores the interleavings the real pipeline can produce.
 */

interface FileEntry {
  status: 'pending' | 'manifested';
  manifestName?: string;
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

export class MemoryTrackingStore implements TrackingStore {
  readonly files = new Map<string, Map<string, FileEntry>>();
  readonly pending = new Map<string, Map<string, TrackedFile>>();
  readonly windows = new Map<string, WindowEntry>();
  readonly locks = new Map<string, LockEntry>();
  readonly manifests = new Map<string, ManifestRecord>();
  /** Order in which files were registered (an event's createdAt need not follow it). */
  readonly registrationOrder: string[] = [];

  constructor(private readonly options: { now: () => Date; lockLeaseSeconds: number }) {}

  private filesOf(date: string): Map<string, FileEntry> {
    const files = this.files.get(date) ?? new Map<string, FileEntry>();
    this.files.set(date, files);
    return files;
  }

  private pendingOf(date: string): Map<string, TrackedFile> {
    const pending = this.pending.get(date) ?? new Map<string, TrackedFile>();
    this.pending.set(date, pending);
    return pending;
  }

  async registerFiles(date: string, files: TrackedFile[]): Promise<RegisterOutcome> {
    const known = this.filesOf(date);
    const registered: TrackedFile[] = [];
    const duplicates: TrackedFile[] = [];
    for (const file of files) {
      if (known.has(file.key) || registered.some((f) => f.key === file.key)) duplicates.push(file);
      else registered.push(file);
    }
    if (registered.length === 0) return { registered, duplicates };
    for (const file of registered) {
      known.set(file.key, { status: 'pending' });
      this.registrationOrder.push(file.key);
      this.pendingOf(date).set(file.key, { ...file });
    }
    const window = this.windows.get(date) ?? { pendingCount: 0, pendingBytes: 0 };
    window.pendingCount += registered.length;
    window.pendingBytes += registered.reduce((sum, f) => sum + f.sizeBytes, 0);
    // biome-ignore lint/complexity/useMathMinMax: ISO-8601 strings order as text.
    const oldest = registered.reduce((min, f) => (f.createdAt < min ? f.createdAt : min), registered[0]!.createdAt);
    window.oldestPendingAt ??= oldest;
    window.manifestSeq ??= 0;
    this.windows.set(date, window);
    return { registered, duplicates };
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

  async listPending(date: string): Promise<TrackedFile[]> {
    return [...this.pendingOf(date).values()].map((f) => ({ ...f }));
  }

  async commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null },
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
    if (window.oldestPendingAt) current.oldestPendingAt = window.oldestPendingAt;
    else if (drained) delete current.oldestPendingAt;
    return 'committed';
  }

  async setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null): Promise<CommitOutcome> {
    if (this.locks.get(date)?.token !== lease.token) return 'fenced';
    const window = this.windows.get(date) ?? { pendingCount: 0, pendingBytes: 0 };
    if (oldestPendingAt) window.oldestPendingAt = oldestPendingAt;
    else if (window.pendingCount <= 0) delete window.oldestPendingAt;
    this.windows.set(date, window);
    return 'committed';
  }

  async markManifested(manifest: Manifest): Promise<void> {
    const files = this.filesOf(manifest.date);
    for (const file of manifest.files) {
      const entry = files.get(file.key);
      if (!entry || !(entry.status === 'pending' || entry.manifestName === manifest.name)) {
        throw new Error(`a file of manifest ${manifest.name} (date ${manifest.date}) is already manifested elsewhere`);
      }
    }
    for (const file of manifest.files) {
      this.pendingOf(manifest.date).delete(file.key);
      files.set(file.key, { status: 'manifested', manifestName: manifest.name });
    }
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
