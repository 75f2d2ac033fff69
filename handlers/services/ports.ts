import type { MetricName } from '../../contracts/metrics';
import type { ExecutionInput, Manifest, ManifestFile } from '../domain/manifest';
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

/** A file item as the registration and the planner read it (the date partition's public contract). */
export interface FileRecord {
  key: string;
  status: 'pending' | 'manifested';
  sizeBytes: number;
  createdAt: string;
  etag?: string;
  manifestName?: string;
}

/** A PENDING marker as read from one of its date's marker partitions (contracts/trackingSchema.ts). */
export interface PendingMarker extends TrackedFile {
  /** The partition key it was read from: a shard, or the date's own partition for a legacy marker. */
  partition: string;
  /** When its registration wrote it; absent on legacy markers (written with their file item, in one transaction). */
  registeredAt?: string;
}

/** What a conditional put of a file item found: it wrote the item, or one was there already (as it was). */
export type FilePutOutcome = { created: true } | { created: false; existing: FileRecord };

/** Counters added to a date's window; `oldestPendingAt` is kept if the window has an age already. */
export interface WindowDelta {
  count: number;
  bytes: number;
  oldestPendingAt?: string;
}

/**
 * The tracking table as a set of atomic operations: each method is one conditional write, one transaction, or
 * one (strongly consistent) read. The multi-step protocols over them (registration, the pending listing,
 * marking) live in the services (registerFiles, listPending, markManifested), so the in-memory model runs the
 * same protocol and an interleaving test can stop or reorder it between any two steps.
 */
export interface TrackingStore {
  /** Puts the PENDING markers of `files` in their shard partitions (unconditional: a marker is rewritten as is). */
  putPendingMarkers(date: string, files: TrackedFile[], registeredAt: string): Promise<void>;
  /** Adds to the window's counters (negative to give back); creates the window if the date has none. */
  addToWindow(date: string, delta: WindowDelta): Promise<void>;
  /** Puts the file item, pending, only if the key has none; otherwise reports the existing item. */
  putFileItem(date: string, file: TrackedFile): Promise<FilePutOutcome>;
  /**
   * Makes the file item describe `file`'s content (another ETag) if it still is `existing`: a pending item takes
   * the new ETag and size; a manifested one goes back to pending for a later manifest. False: it moved on.
   */
  replaceFileVersion(date: string, file: TrackedFile, existing: FileRecord): Promise<boolean>;
  getFileItem(date: string, key: string): Promise<FileRecord | null>;
  /** The file items of `keys` that exist (strongly consistent). */
  readFileItems(date: string, keys: string[]): Promise<Map<string, FileRecord>>;
  /** Every marker in one partition (strongly consistent). */
  queryMarkers(partition: string): Promise<PendingMarker[]>;
  /** Deletes a marker if it still holds `etag` (any marker when undefined); false if absent or changed. */
  removeMarker(partition: string, key: string, etag: string | undefined): Promise<boolean>;
  /** Marks one file manifested in `manifest` if pending with the manifest's ETag, or marked by it already. */
  markFileManifested(manifest: Manifest, file: ManifestFile): Promise<'marked' | 'conflict'>;
  /**
   * A manifest file whose key now holds other content (replaceFileVersion) is not marked: the Glue job excludes
   * it, and the new version stays pending for a later manifest. When the new version replaced a still-pending
   * one, the manifest's commit took the file out of the window's counters, so they are given back, once
   * (`recounted_for`). False when the file is not such a new version.
   */
  leaveNewVersionPending(manifest: Manifest, file: ManifestFile): Promise<boolean>;
  getWindow(date: string): Promise<WindowState>;
  listWindows(): Promise<WindowState[]>;
  acquireLock(date: string, owner: string): Promise<Lease | null>;
  releaseLock(lease: Lease): Promise<void>;
  /**
   * The commit point of a manifest, fenced by the lease: record + window counters + open-manifest mark. The age
   * moves to `oldestPendingAt` only while the count is `countSeen` (read before the listing); else it is kept.
   */
  commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null; countSeen?: number },
  ): Promise<CommitOutcome>;
  /**
   * Repairs the window's oldest-pending time from the pending set just read; fenced by the lease. Given
   * `countSeen` (the count read before the markers were listed), it repairs only while the count is still that:
   * a registration since then has counted itself and may hold older files than the listing saw. With nothing
   * pending, the age goes and the counters are reset to 0 (without `countSeen`: only if the count is 0).
   */
  setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null, countSeen?: number): Promise<CommitOutcome>;
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
