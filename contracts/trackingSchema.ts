/**
 * The tracking table's schema, in one place: the key attributes, the `windows` index, the TTL attribute,
 * the item kinds and their sort keys, the statuses, and the one classifier every reader uses. The Pulumi
 * table, the emulator's CreateTable, the batcher's adapter, the state machine and the operator commands
 * all take their names from here, so a reader and a writer cannot drift apart.
 *
 * Every item of a date lives in the partition `date_prefix = <date>`, except its PENDING markers (below);
 * its sort key `file_key` says its kind. The item format is what operators query by hand and what the seed
 * pipeline wrote, so these names are a public format: changing one is a data migration, not a refactor.
 *
 *   <input key>         a tracked file (`status` pending -> manifested): written once (a conditional put)
 *                       and updated once, the only per-file writes on the date's partition (docs/scale.md)
 *   PENDING#<key>       one marker per pending file, in `date_prefix = PENDING#<date>#<shard>` (legacy
 *                       ones in the date's own partition), so the date's pending set is a few strongly
 *                       consistent queries that never read manifested files; `registered_at` says when
 *                       its registration wrote it (the planner finishes one left without its file item)
 *   MANIFEST#<name>     one per manifest (`status` pending -> processing -> completed | failed)
 *   LOCK#<date>         the date's lease with its fencing token
 *   QUARANTINE#<key>    what was quarantined and why
 *   WINDOW              the date's counters, also listed through the `windows` index
 *   RECONCILE#<date>    where the sweeper's bounded reconcile of the date's input listing goes on from
 *
 * DynamoDB refuses a sort key over 1,024 bytes (https://docs.aws.amazon.com/amazondynamodb/latest/
 * developerguide/Constraints.html#limits-partition-sort-keys) and S3 keys reach 1,024 bytes, so a PENDING# or
 * QUARANTINE# key that would be longer holds `sha256:<hex of the object key>` instead (`LONG_KEY_MARK`), and the item
 * carries the object key in `source_key`. Keys up to 1,013 bytes keep the format above unchanged.
 */

import { createHash } from 'node:crypto';

/** The table's primary key: partition (HASH) and sort (RANGE) attribute names. */
export const TABLE_KEYS = { hash: 'date_prefix', range: 'file_key' } as const;

export type TableKey = { [K in (typeof TABLE_KEYS)[keyof typeof TABLE_KEYS]]: string };

/** The primary key of the item with sort key `sortKey` under `date`. */
export function tableKey(date: string, sortKey: string): TableKey {
  return { [TABLE_KEYS.hash]: date, [TABLE_KEYS.range]: sortKey };
}

/**
 * DynamoDB deletes items some time after the epoch second in this attribute (within a few days:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html). Only finished items
 * carry it: a completed MANIFEST record and a QUARANTINE record. File items (the dedup record of each key and
 * its content), PENDING markers, WINDOW and LOCK items and MANIFEST records still pending, processing or
 * failed (to be redriven) carry none, so nothing a date still needs can expire.
 */
export const TTL_ATTRIBUTE = 'ttl';

/**
 * The epoch second a MANIFEST record is written with, copied into `ttl` by the state machine's MarkCompleted
 * (Amazon States Language has no clock in epoch seconds, and a failed manifest must not expire before a redrive).
 */
export const TTL_ON_COMPLETION_ATTRIBUTE = 'ttl_on_completion';

/**
 * The capacity of the Glue run a MANIFEST record's execution started, as the state machine's MarkProcessing
 * writes it (handlers/orchestration/stateMachineDefinition.ts): the run's worker type, workers and execution
 * class, sized from the manifest's bytes. A record written before runs were sized has none of them.
 */
export const MANIFEST_CAPACITY_ATTRIBUTES = {
  workerType: 'worker_type',
  numberOfWorkers: 'number_of_workers',
  executionClass: 'execution_class',
} as const;

/** Quarantined objects whose name carries no date are recorded under this partition. */
export const UNDATED_PARTITION = 'undated';

/** The `WINDOW` item's sort key; also the one `window_pk` value, so the index lists every date's window. */
export const WINDOW_KEY = 'WINDOW';

/**
 * The sweeper lists open dates through this index without scanning the table: only WINDOW items carry
 * `window_pk`, all with the same value, so the index is sparse and one Query reads every window.
 */
export const WINDOWS_INDEX = { name: 'windows', hash: 'window_pk', range: TABLE_KEYS.hash, hashValue: WINDOW_KEY } as const;

/**
 * The table as DynamoDB's CreateTable takes it (strings only, every key attribute `S`): the stack
 * (pulumi/components/trackingTable.ts) and the local runtime (local/resources.ts) both create it from this,
 * so the emulator's table has the deployed table's keys and index. Encryption, recovery and protection are
 * the stack's alone. On-demand: an idle stack costs nothing, and no capacity to plan per date.
 */
export function trackingTableDefinition() {
  const key = (AttributeName: string, KeyType: 'HASH' | 'RANGE') => ({ AttributeName, KeyType });
  return {
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [TABLE_KEYS.hash, TABLE_KEYS.range, WINDOWS_INDEX.hash].map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S' as const,
    })),
    KeySchema: [key(TABLE_KEYS.hash, 'HASH'), key(TABLE_KEYS.range, 'RANGE')],
    GlobalSecondaryIndexes: [
      {
        IndexName: WINDOWS_INDEX.name,
        KeySchema: [key(WINDOWS_INDEX.hash, 'HASH'), key(WINDOWS_INDEX.range, 'RANGE')],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}

export const ITEM_KIND = {
  file: 'file',
  pending: 'pending',
  window: 'window',
  lock: 'lock',
  manifest: 'manifest',
  quarantine: 'quarantine',
  reconcile: 'reconcile',
} as const;

export type ItemKind = (typeof ITEM_KIND)[keyof typeof ITEM_KIND];

/** Sort-key prefixes of the items that embed a value; begins_with queries over a kind use them. */
export const SORT_KEY_PREFIX = {
  pending: 'PENDING#',
  manifest: 'MANIFEST#',
  lock: 'LOCK#',
  quarantine: 'QUARANTINE#',
  reconcile: 'RECONCILE#',
} as const;

/**
 * A file item's sort key is its object key, so an object key starting with any of these could be taken
 * for another kind of item; such objects are quarantined (`reserved-key`) instead of tracked.
 */
const RESERVED_KEY_PREFIXES: readonly string[] = [...Object.values(SORT_KEY_PREFIX), WINDOW_KEY];

export function isReservedKey(key: string): boolean {
  return RESERVED_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

export class ReservedKeyError extends Error {
  override readonly name = 'ReservedKeyError';
  constructor(readonly key: string) {
    super(`object key "${key}" starts with a tracking-table reserved prefix and cannot be a file item's sort key`);
  }
}

/** A tracked file's sort key: its object key, which must not look like another kind's sort key. */
export function fileKey(key: string): string {
  if (isReservedKey(key)) throw new ReservedKeyError(key);
  return key;
}

/** DynamoDB's limit on a sort key value, in UTF-8 bytes (a longer one is a ValidationException). */
export const SORT_KEY_MAX_BYTES = 1024;

/** What stands for an object key too long to follow its prefix in a sort key; the hash makes it unique. */
export const LONG_KEY_MARK = 'sha256:';

const utf8Bytes = (value: string) => new TextEncoder().encode(value).length;

function prefixedKey(prefix: string, key: string): string {
  const full = `${prefix}${key}`;
  if (utf8Bytes(full) <= SORT_KEY_MAX_BYTES) return full;
  return `${prefix}${LONG_KEY_MARK}${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export function pendingKey(key: string): string {
  return prefixedKey(SORT_KEY_PREFIX.pending, key);
}

/**
 * PENDING markers live outside their date's partition, spread over PENDING_SHARDS partitions of their own
 * (`PENDING#<date>#<shard>`), so that a date's partition takes only its file items' writes (one put and one
 * update per file) and the markers' writes land elsewhere: DynamoDB gives each partition key at most
 * 1,000 WCU/s (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html),
 * and a new date starts cold, before any split for heat. The shard is a stable hash of the object key, so a
 * file's marker is always in the same partition. Markers written before the sharding sit in the date's own
 * partition under the same sort key (LEGACY), and are read and removed there too until none are left.
 */
export const PENDING_SHARDS = 8;

export function pendingShardOf(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest()[0]! % PENDING_SHARDS;
}

/** The partition key (`date_prefix` value) of the shard that holds `key`'s PENDING marker for `date`. */
export function pendingPartition(date: string, key: string): string {
  return pendingShardPartition(date, pendingShardOf(key));
}

export function pendingShardPartition(date: string, shard: number): string {
  return `${SORT_KEY_PREFIX.pending}${date}#${shard}`;
}

/**
 * The date a partition key belongs to: a date's own partition is the date, a marker shard's is the date it
 * names; null for a string that is neither shaped like a shard (`PENDING#<date>#<shard>`) nor anything else.
 */
export function partitionDate(partition: string): { date: string; shard: number | null } | null {
  if (!partition.startsWith(SORT_KEY_PREFIX.pending)) return { date: partition, shard: null };
  const rest = partition.slice(SORT_KEY_PREFIX.pending.length);
  const cut = rest.lastIndexOf('#');
  const shard = Number(rest.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(shard) || shard < 0 || shard >= PENDING_SHARDS || rest.slice(cut + 1) !== String(shard)) return null;
  return { date: rest.slice(0, cut), shard };
}

/** Every partition a date's PENDING markers may be in: its shards, then the date's own (legacy) partition. */
export function pendingPartitions(date: string): string[] {
  return [...Array.from({ length: PENDING_SHARDS }, (_, shard) => pendingShardPartition(date, shard)), date];
}

export function manifestKey(name: string): string {
  return `${SORT_KEY_PREFIX.manifest}${name}`;
}

export function lockKey(date: string): string {
  return `${SORT_KEY_PREFIX.lock}${date}`;
}

export function quarantineKey(key: string): string {
  return prefixedKey(SORT_KEY_PREFIX.quarantine, key);
}

export function reconcileKey(date: string): string {
  return `${SORT_KEY_PREFIX.reconcile}${date}`;
}

export type SortKey =
  | { kind: 'file'; key: string }
  | { kind: 'pending'; key: string }
  | { kind: 'manifest'; name: string }
  | { kind: 'lock'; date: string }
  | { kind: 'quarantine'; key: string }
  | { kind: 'reconcile'; date: string }
  | { kind: 'window' };

/**
 * The kind of item a sort key names and the value it embeds; null for a key in the reserved namespace
 * that no builder makes (`WINDOWS`, say). Only the first prefix counts: a quarantined object's key may
 * itself start with a reserved prefix, which is why it was quarantined.
 */
export function parseSortKey(sortKey: string): SortKey | null {
  const { pending, manifest, lock, quarantine, reconcile } = SORT_KEY_PREFIX;
  if (sortKey.startsWith(pending)) return { kind: 'pending', key: sortKey.slice(pending.length) };
  if (sortKey.startsWith(manifest)) return { kind: 'manifest', name: sortKey.slice(manifest.length) };
  if (sortKey.startsWith(lock)) return { kind: 'lock', date: sortKey.slice(lock.length) };
  if (sortKey.startsWith(quarantine)) return { kind: 'quarantine', key: sortKey.slice(quarantine.length) };
  if (sortKey.startsWith(reconcile)) return { kind: 'reconcile', date: sortKey.slice(reconcile.length) };
  if (sortKey === WINDOW_KEY) return { kind: 'window' };
  if (isReservedKey(sortKey)) return null;
  return { kind: 'file', key: sortKey };
}

/** A file item's status: registered `pending`, then `manifested` once a manifest holds it (never back). */
export const FILE_STATUS = { pending: 'pending', manifested: 'manifested' } as const;
export type FileStatus = (typeof FILE_STATUS)[keyof typeof FILE_STATUS];

/**
 * A MANIFEST item's status: written `pending`, `processing` while its execution runs, then `completed`
 * or `failed`. A redrive moves `failed` back to `pending`; nothing moves `completed`.
 */
export const MANIFEST_STATUS = { pending: 'pending', processing: 'processing', completed: 'completed', failed: 'failed' } as const;
export type ManifestStatus = (typeof MANIFEST_STATUS)[keyof typeof MANIFEST_STATUS];

/** The one status a QUARANTINE item carries, kept beside `kind` for readers of the seed's format. */
export const QUARANTINED_STATUS = 'quarantined';

/** One item as DynamoDB's document client returns it. */
export type RawTrackingItem = Record<string, unknown>;

export interface FileItem {
  kind: 'file';
  date: string;
  key: string;
  status: FileStatus;
  filePath: string;
  sizeBytes: number;
  createdAt: string | null;
  updatedAt: string | null;
  manifestName: string | null;
  manifestId: string | null;
  /** The ETag of the content registered (without quotes); absent on items that never recorded one. */
  etag?: string;
}

export interface PendingItem {
  kind: 'pending';
  date: string;
  key: string;
  bucket: string;
  sizeBytes: number;
  createdAt: string;
  etag: string | null;
}

export interface WindowItem {
  kind: 'window';
  date: string;
  pendingCount: number;
  pendingBytes: number;
  manifestSeq: number;
  oldestPendingAt: string | null;
  openManifest: string | null;
}

export interface LockItem {
  kind: 'lock';
  date: string;
  owner: string | null;
  token: number;
  /** 0 once released; a lease in the past was abandoned by its holder. */
  expiresAtMs: number;
  acquiredAt: string | null;
}

export interface ManifestItem {
  kind: 'manifest';
  date: string;
  name: string;
  status: ManifestStatus;
  id: string | null;
  manifestPath: string | null;
  fileCount: number;
  totalBytes: number;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
  executionArn: string | null;
  glueJobRunId: string | null;
  /** As the state machine recorded it: `<Error>: <Cause>`. */
  errorMessage: string | null;
  attempts: number;
  redrives: number;
  /** The capacity of the Glue run the record's execution started; null on a record written before runs were sized. */
  capacity: ManifestCapacity | null;
}

export interface ManifestCapacity {
  workerType: string;
  numberOfWorkers: number;
  executionClass: string;
}

export interface QuarantineItem {
  kind: 'quarantine';
  date: string;
  key: string;
  reason: string | null;
  detail: string | null;
  quarantinePath: string | null;
  sourcePath: string | null;
  sizeBytes: number;
  createdAt: string | null;
}

/**
 * The sweeper's saved position in one date's input listing: the last key a bounded run got through
 * (ListObjectsV2 `StartAfter`), so a date of 100,000 objects is reconciled over several runs, and
 * `passes`, how many times the whole listing was gone through.
 */
export interface ReconcileItem {
  kind: 'reconcile';
  date: string;
  /** null: the next run starts at the beginning of the date's listing. */
  startAfter: string | null;
  passes: number;
  updatedAt: string | null;
}

/** An item a reader cannot use: it lacks a field its kind needs, or its sort key names no kind. */
export interface UnknownItem {
  kind: 'unknown';
  date: string | null;
  sortKey: string | null;
  problem: string;
}

export type TrackingItem = FileItem | PendingItem | WindowItem | LockItem | ManifestItem | QuarantineItem | ReconcileItem | UnknownItem;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
const isOneOf = <T extends string>(values: Record<string, T>, value: unknown): value is T =>
  typeof value === 'string' && (Object.values(values) as string[]).includes(value);

function manifestCapacity(raw: RawTrackingItem): ManifestCapacity | null {
  const workerType = str(raw[MANIFEST_CAPACITY_ATTRIBUTES.workerType]);
  const executionClass = str(raw[MANIFEST_CAPACITY_ATTRIBUTES.executionClass]);
  const numberOfWorkers = num(raw[MANIFEST_CAPACITY_ATTRIBUTES.numberOfWorkers]);
  if (workerType === null || executionClass === null || numberOfWorkers <= 0) return null;
  return { workerType, numberOfWorkers, executionClass };
}

/**
 * Reads one raw item as its kind. The sort key decides the kind (the `kind` attribute is informational
 * and the seed's items lack it); an item missing a field its kind cannot do without comes back `unknown`,
 * so every reader skips it instead of crashing on it (the seed's KeyError lesson).
 */
export function classifyItem(raw: RawTrackingItem): TrackingItem {
  const partition = str(raw[TABLE_KEYS.hash]);
  const sortKey = str(raw[TABLE_KEYS.range]);
  const unknown = (problem: string): UnknownItem => ({ kind: 'unknown', date: partition, sortKey, problem });
  if (partition === null || sortKey === null) return unknown(`no ${TABLE_KEYS.hash} or ${TABLE_KEYS.range}`);
  const parsed = parseSortKey(sortKey);
  if (!parsed) return unknown('sort key in the reserved namespace names no item kind');
  // A marker shard's partition is not a date: its items are its date's, and nothing but markers lives there.
  const located = partitionDate(partition);
  if (!located) return unknown(`partition ${partition} is neither a date's nor a marker shard's`);
  if (located.shard !== null && parsed.kind !== 'pending') return unknown(`${parsed.kind} item in the marker shard ${partition}`);
  const { date } = located;
  switch (parsed.kind) {
    case 'file': {
      const filePath = str(raw.file_path);
      if (!isOneOf(FILE_STATUS, raw.status) || filePath === null) return unknown('file item without a file status or file_path');
      return {
        kind: 'file',
        date,
        key: parsed.key,
        status: raw.status,
        filePath,
        sizeBytes: num(raw.size_bytes),
        createdAt: str(raw.created_at),
        updatedAt: str(raw.updated_at),
        manifestName: str(raw.manifest_name),
        manifestId: str(raw.manifest_id),
        ...(typeof raw.etag === 'string' ? { etag: raw.etag } : {}),
      };
    }
    case 'pending': {
      const bucket = str(raw.bucket);
      const createdAt = str(raw.created_at);
      if (bucket === null || createdAt === null) return unknown('pending marker without bucket or created_at');
      return {
        kind: 'pending',
        date,
        key: str(raw.source_key) ?? parsed.key,
        bucket,
        sizeBytes: num(raw.size_bytes),
        createdAt,
        etag: str(raw.etag),
      };
    }
    case 'window':
      return {
        kind: 'window',
        date,
        pendingCount: num(raw.pending_count),
        pendingBytes: num(raw.pending_bytes),
        manifestSeq: num(raw.manifest_seq),
        oldestPendingAt: str(raw.oldest_pending_at),
        openManifest: str(raw.open_manifest),
      };
    case 'lock':
      if (parsed.date !== date) return unknown(`lock of ${parsed.date} filed under ${date}`);
      if (typeof raw.expires_at_ms !== 'number') return unknown('lock without expires_at_ms');
      return {
        kind: 'lock',
        date,
        owner: str(raw.owner),
        token: num(raw.token),
        expiresAtMs: raw.expires_at_ms,
        acquiredAt: str(raw.acquired_at),
      };
    case 'manifest':
      if (!isOneOf(MANIFEST_STATUS, raw.status)) return unknown('manifest item without a manifest status');
      return {
        kind: 'manifest',
        date,
        name: parsed.name,
        status: raw.status,
        id: str(raw.manifest_id),
        manifestPath: str(raw.manifest_path),
        fileCount: num(raw.file_count),
        totalBytes: num(raw.total_bytes),
        createdAt: str(raw.created_at),
        updatedAt: str(raw.updated_at),
        completedAt: str(raw.completed_time),
        executionArn: str(raw.execution_arn),
        glueJobRunId: str(raw.glue_job_run_id),
        errorMessage: str(raw.error_message),
        attempts: num(raw.attempts),
        redrives: num(raw.redrive_count),
        capacity: manifestCapacity(raw),
      };
    case 'quarantine':
      return {
        kind: 'quarantine',
        date,
        key: str(raw.source_key) ?? parsed.key,
        reason: str(raw.reason),
        detail: str(raw.reason_detail),
        quarantinePath: str(raw.file_path),
        sourcePath: str(raw.source_path),
        sizeBytes: num(raw.size_bytes),
        createdAt: str(raw.created_at),
      };
    case 'reconcile':
      if (parsed.date !== date) return unknown(`reconcile cursor of ${parsed.date} filed under ${date}`);
      return { kind: 'reconcile', date, startAfter: str(raw.start_after), passes: num(raw.passes), updatedAt: str(raw.updated_at) };
  }
}

/** `raw` read as an item of `kind`; null when there is no item, or it is malformed or of another kind. */
export function itemOfKind<K extends ItemKind>(
  raw: RawTrackingItem | null | undefined,
  kind: K,
): Extract<TrackingItem, { kind: K }> | null {
  if (!raw) return null;
  const item = classifyItem(raw);
  return item.kind === kind ? (item as Extract<TrackingItem, { kind: K }>) : null;
}
