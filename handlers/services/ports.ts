import type { MetricName } from '../../contracts/metrics';
import type { ExecutionInput, Manifest } from '../domain/manifest';
import type { QuarantineReason } from '../domain/names';
import type { PendingFile } from '../domain/planner';
import type { WindowState } from '../domain/window';

/**
 * The ports the batching services need. Adapters in handlers/adapters implement them over the AWS SDK;
 * the services never see an SDK type, so they run the same against AWS, the emulator, or a test double.
 */

export interface TrackedFile extends PendingFile {
  bucket: string;
  etag?: string;
}

export interface RegisterOutcome {
  registered: TrackedFile[];
  duplicates: TrackedFile[];
  /** Keys tracked before, now holding other content (another ETag): registered again as a new version. */
  newVersions?: TrackedFile[];
}

/** A held per-date lock. `token` grows by one at every acquisition: the fencing token. */
export interface Lease {
  date: string;
  owner: string;
  token: number;
  expiresAtMs: number;
}

export interface ManifestRecord {
  date: string;
  name: string;
  status: string;
  manifestPath: string;
  fileCount: number;
  executionArn?: string;
  updatedAt?: string;
}

export interface QuarantineRecord {
  date: string;
  sourceKey: string;
  sourceBucket: string;
  quarantinePath: string;
  reason: QuarantineReason;
  detail: string;
  sizeBytes: number;
}

export type CommitOutcome = 'committed' | 'fenced';

export interface TrackingStore {
  /** Registers files idempotently: a file seen before is reported as a duplicate and counted once. */
  registerFiles(date: string, files: TrackedFile[]): Promise<RegisterOutcome>;
  getWindow(date: string): Promise<WindowState>;
  listWindows(): Promise<WindowState[]>;
  acquireLock(date: string, owner: string): Promise<Lease | null>;
  releaseLock(lease: Lease): Promise<void>;
  listPending(date: string): Promise<TrackedFile[]>;
  /** The commit point of a manifest, fenced by the lease: record + window counters + open-manifest mark. */
  commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null },
  ): Promise<CommitOutcome>;
  /** Repairs the window's oldest-pending time from the pending set just read; fenced by the lease. */
  setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null): Promise<CommitOutcome>;
  /** Marks the manifest's files manifested and drops their pending markers; idempotent. */
  markManifested(manifest: Manifest): Promise<void>;
  /** Records the started execution and clears the date's open-manifest mark; idempotent. */
  finishManifest(manifest: Manifest, executionArn: string): Promise<void>;
  getManifestRecord(date: string, name: string): Promise<ManifestRecord | null>;
  /** MANIFEST records of a date not yet completed or failed. */
  listUnfinishedManifests(date: string): Promise<ManifestRecord[]>;
  /** Writes the QUARANTINE# record once; a redelivery finds it and keeps the first one. */
  recordQuarantine(record: QuarantineRecord): Promise<'recorded' | 'exists'>;
}

export interface ObjectStore {
  /** Writes only if no object has that key; reports an existing object instead of overwriting it. */
  putJsonIfAbsent(bucket: string, key: string, body: unknown): Promise<'created' | 'exists'>;
  putJson(bucket: string, key: string, body: unknown): Promise<void>;
  getJson(bucket: string, key: string): Promise<unknown>;
  /**
   * Copies the object (of `sizeBytes`, as its event announced) to the quarantine bucket with the reason in
   * its metadata, then deletes it. Objects over S3's 5 GiB single-copy limit are copied in parts.
   */
  moveObject(
    from: { bucket: string; key: string; sizeBytes: number },
    to: { bucket: string; key: string },
    metadata: Record<string, string>,
  ): Promise<'moved' | 'source-missing'>;
  exists(bucket: string, key: string): Promise<boolean>;
  /** Size and ETag of an object, or null when it does not exist (any more). */
  head(bucket: string, key: string): Promise<{ sizeBytes: number; etag?: string } | null>;
  delete(bucket: string, key: string): Promise<void>;
}

export interface Orchestrator {
  /** Starts the execution named after the manifest; a repeated start of the same one is not an error. */
  startExecution(name: string, input: ExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

export interface MetricsSink {
  /** Adds `value` to a catalogue metric, in the unit the catalogue gives it. */
  add(name: MetricName, value: number): void;
  flush(): void;
}

export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}
