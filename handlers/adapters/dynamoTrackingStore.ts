import {
  type CancellationReason,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ContextError } from '../../contracts/contextError';
import {
  FILE_STATUS,
  fileKey,
  ITEM_KIND,
  itemOfKind,
  lockKey,
  MANIFEST_STATUS,
  type ManifestItem,
  manifestKey,
  type PendingItem,
  pendingKey,
  QUARANTINED_STATUS,
  quarantineKey,
  type RawTrackingItem,
  SORT_KEY_PREFIX,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
  TTL_ON_COMPLETION_ATTRIBUTE,
  tableKey,
  WINDOW_KEY,
  WINDOWS_INDEX,
  type WindowItem,
} from '../../contracts/trackingSchema';
import { ttlAfterDays } from '../domain/dates';
import { type Manifest, type ManifestFile, s3Uri } from '../domain/manifest';
import type { WindowState } from '../domain/window';
import type {
  CommitOutcome,
  Lease,
  ManifestRecord,
  QuarantineRecord,
  RegisterOutcome,
  TrackedFile,
  TrackingStore,
} from '../services/ports';
import { queryAllPages } from './queryAllPages';

/**
 * The batcher's and sweeper's side of the tracking table (contracts/trackingSchema.ts). Beside the seed's
 * file and MANIFEST items it keeps a PENDING marker per pending file, a WINDOW of counters and a LOCK per
 * date, and a QUARANTINE record per rejected object.
 */

const { hash: DATE, range: SORT } = TABLE_KEYS;

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** TransactWriteItems takes at most 100 items; a file registration uses two, plus one for the window. */
const FILES_PER_REGISTER_TX = 49;
const FILES_PER_MARK_TX = 50;
const MAX_TX_ATTEMPTS = 8;

export class TrackingStoreError extends ContextError {
  override readonly name = 'TrackingStoreError';
}

/** A file already belongs to another manifest: the exactly-once invariant would break, so stop loudly. */
export class ManifestOwnershipError extends Error {
  override readonly name = 'ManifestOwnershipError';
  constructor(
    readonly manifest: string,
    readonly date: string,
  ) {
    super(`a file of manifest ${manifest} (date ${date}) is already manifested elsewhere`);
  }
}

export interface DynamoTrackingStoreOptions {
  tableName: string;
  ttlDays: number;
  lockLeaseSeconds: number;
  now: () => Date;
  /** Backoff between transaction retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Until when (epoch ms, wall clock) a cancelled transaction may still be tried again. The handlers pass
   * the invocation's deadline less a reserve: a date's partition key throttled at its 1,000 WCU/s pays its
   * debt back within seconds, so waiting it out inside the invocation costs nothing, where giving up after a
   * fixed number of attempts fails the records and spends one of the event source mapping's few retries
   * (dev 5) on load alone; past them, the batch is in the DLQ. Without it, MAX_TX_ATTEMPTS attempts.
   */
  retryDeadline?: number;
}

export class DynamoTrackingStore implements TrackingStore {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: DynamoTrackingStoreOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Waits before the next attempt of a cancelled transaction, or answers false when it should give up. */
  private async backOff(attempt: number): Promise<boolean> {
    const delay = backoffMs(attempt);
    const deadline = this.options.retryDeadline;
    if (deadline === undefined ? attempt >= MAX_TX_ATTEMPTS : Date.now() + delay > deadline) return false;
    await this.sleep(delay);
    return true;
  }

  private get table() {
    return this.options.tableName;
  }

  /**
   * Sends a transaction, trying again a cancellation that is no failed condition (a conflict with another
   * transaction on the same items, throttling) within the retry budget. A failed condition is the caller's
   * to judge: its cancellation reasons come back (null: the transaction went through).
   */
  private async transact(
    items: TransactItems,
    failure: { message: string; context: Record<string, unknown> },
  ): Promise<CancellationReason[] | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return null;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return reasons;
        if (!(await this.backOff(attempt))) {
          throw new TrackingStoreError(
            failure.message,
            { ...failure.context, codes: reasons.map((r) => r.Code ?? 'None') },
            { cause: error },
          );
        }
      }
    }
  }

  async registerFiles(date: string, files: TrackedFile[]): Promise<RegisterOutcome> {
    const registered: TrackedFile[] = [];
    const duplicates: TrackedFile[] = [];
    const newVersions: TrackedFile[] = [];
    const unique = [...new Map(files.map((f) => [f.key, f])).values()];
    duplicates.push(...files.filter((f, i) => files.findIndex((g) => g.key === f.key) !== i));
    for (let i = 0; i < unique.length; i += FILES_PER_REGISTER_TX) {
      const outcome = await this.registerChunk(date, unique.slice(i, i + FILES_PER_REGISTER_TX));
      registered.push(...outcome.registered);
      duplicates.push(...outcome.duplicates);
      newVersions.push(...(outcome.newVersions ?? []));
    }
    return { registered, duplicates, newVersions };
  }

  private async registerChunk(date: string, chunk: TrackedFile[]): Promise<RegisterOutcome> {
    let candidates = chunk;
    const duplicates: TrackedFile[] = [];
    const newVersions: TrackedFile[] = [];
    while (candidates.length > 0) {
      const now = this.options.now();
      const nowIso = now.toISOString();
      // biome-ignore lint/complexity/useMathMinMax: ISO-8601 strings order as text; Math.min would make them NaN.
      const oldest = candidates.reduce((min, f) => (f.createdAt < min ? f.createdAt : min), candidates[0]!.createdAt);
      const bytes = candidates.reduce((sum, f) => sum + f.sizeBytes, 0);
      const items = candidates.flatMap((file) => [
        {
          Put: {
            TableName: this.table,
            Item: fileItem(date, file, nowIso),
            ConditionExpression: `attribute_not_exists(${SORT})`,
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: pendingItem(date, file),
            ConditionExpression: `attribute_not_exists(${SORT})`,
          },
        },
      ]);
      const windowUpdate = {
        Update: {
          TableName: this.table,
          Key: tableKey(date, WINDOW_KEY),
          UpdateExpression:
            'ADD pending_count :n, pending_bytes :b SET oldest_pending_at = if_not_exists(oldest_pending_at, :oldest), ' +
            'manifest_seq = if_not_exists(manifest_seq, :zero), #wpk = :wpk, kind = :kind, updated_at = :now ' +
            // A window written before TTL was kept off unfinished items carries one: a wedged date must not expire.
            'REMOVE #ttl',
          ExpressionAttributeNames: { '#wpk': WINDOWS_INDEX.hash, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':n': candidates.length,
            ':b': bytes,
            ':oldest': oldest,
            ':zero': 0,
            ':wpk': WINDOWS_INDEX.hashValue,
            ':kind': ITEM_KIND.window,
            ':now': nowIso,
          },
        },
      };
      const reasons = await this.transact([...items, windowUpdate], {
        message: 'could not register files: transaction kept being cancelled',
        context: { date, files: candidates.length },
      });
      if (!reasons) return { registered: candidates, duplicates, newVersions };
      const conditionFailed = new Set<number>();
      reasons.forEach((reason, index) => {
        if (reason.Code === 'ConditionalCheckFailed' && index < items.length) conditionFailed.add(Math.floor(index / 2));
      });
      // The key is tracked already: the same content is a duplicate, other content a new version. The rest go
      // again in one transaction (the window's own condition never fails, so some file's did).
      for (const file of candidates.filter((_, i) => conditionFailed.has(i))) {
        if ((await this.registerNewVersion(date, file)) === 'duplicate') duplicates.push(file);
        else newVersions.push(file);
      }
      candidates = candidates.filter((_, i) => !conditionFailed.has(i));
    }
    return { registered: [], duplicates, newVersions };
  }

  /**
   * A key already tracked, seen with `file`'s ETag. The same ETag is a duplicate (a redelivery, or the same
   * content put again). Another ETag is new content under the key: S3 keeps only the latest object, so the
   * file item always describes the content the key holds now. If the old content is manifested already it
   * stays converted (exactly once per key and content) and the new one is registered pending again, for a
   * later manifest; if it is still pending, its item and marker take the new ETag and size, so the manifest
   * that takes it converts what the key holds. A manifest built with the old ETag in the meantime excludes
   * the file (the Glue job finds another ETag) and `markManifested` leaves the new version pending.
   */
  private async registerNewVersion(date: string, file: TrackedFile): Promise<'duplicate' | 'new-version'> {
    for (;;) {
      const current = (
        await this.db.send(new GetCommand({ TableName: this.table, Key: tableKey(date, fileKey(file.key)), ConsistentRead: true }))
      ).Item;
      const oldEtag = typeof current?.etag === 'string' ? current.etag : null;
      // Without both ETags nothing tells the contents apart: the key's first registration stands.
      if (!current || !file.etag || oldEtag === null || oldEtag === file.etag) return 'duplicate';
      const nowIso = this.options.now().toISOString();
      const wasManifested = current.status === FILE_STATUS.manifested;
      const fileUpdate = {
        Update: {
          TableName: this.table,
          Key: tableKey(date, fileKey(file.key)),
          ConditionExpression: '#status = :was AND etag = :old',
          UpdateExpression: wasManifested
            ? 'SET #status = :pending, etag = :etag, size_bytes = :size, file_size_mb = :mb, created_at = :created, updated_at = :now, ' +
              'replaced_etag = :old, replaced_manifest = manifest_name REMOVE manifest_name, manifest_id'
            : 'SET etag = :etag, size_bytes = :size, file_size_mb = :mb, updated_at = :now, replaced_etag = :old',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':was': wasManifested ? FILE_STATUS.manifested : FILE_STATUS.pending,
            ':old': oldEtag,
            ':etag': file.etag,
            ':size': file.sizeBytes,
            ':mb': sizeMb(file.sizeBytes),
            ':now': nowIso,
            ...(wasManifested ? { ':pending': FILE_STATUS.pending, ':created': file.createdAt } : {}),
          },
        },
      };
      const marker = wasManifested
        ? { Put: { TableName: this.table, Item: pendingItem(date, file), ConditionExpression: `attribute_not_exists(${SORT})` } }
        : {
            Update: {
              TableName: this.table,
              Key: tableKey(date, pendingKey(file.key)),
              ConditionExpression: `attribute_exists(${SORT})`,
              UpdateExpression: 'SET etag = :etag, size_bytes = :size',
              ExpressionAttributeValues: { ':etag': file.etag, ':size': file.sizeBytes },
            },
          };
      const window = {
        Update: {
          TableName: this.table,
          Key: tableKey(date, WINDOW_KEY),
          UpdateExpression: wasManifested
            ? 'ADD pending_count :one, pending_bytes :b SET oldest_pending_at = if_not_exists(oldest_pending_at, :created), updated_at = :now'
            : 'ADD pending_bytes :b SET updated_at = :now',
          ExpressionAttributeValues: {
            ':b': wasManifested ? file.sizeBytes : file.sizeBytes - Number(current.size_bytes ?? 0),
            ':now': nowIso,
            ...(wasManifested ? { ':one': 1, ':created': file.createdAt } : {}),
          },
        },
      };
      const reasons = await this.transact([fileUpdate, marker, window], {
        message: 'could not register a new version: transaction kept being cancelled',
        context: { date, key: file.key },
      });
      if (!reasons) return 'new-version';
      // The item moved on since it was read (manifested, or another version registered): read it again.
    }
  }

  async getWindow(date: string): Promise<WindowState> {
    const result = await this.db.send(new GetCommand({ TableName: this.table, Key: tableKey(date, WINDOW_KEY), ConsistentRead: true }));
    return windowState(date, itemOfKind(result.Item, 'window'));
  }

  async listWindows(): Promise<WindowState[]> {
    const items = await queryAllPages(this.db, {
      TableName: this.table,
      IndexName: WINDOWS_INDEX.name,
      KeyConditionExpression: '#wpk = :w',
      ExpressionAttributeNames: { '#wpk': WINDOWS_INDEX.hash },
      ExpressionAttributeValues: { ':w': WINDOWS_INDEX.hashValue },
    });
    return items.flatMap((raw) => {
      const item = itemOfKind(raw, 'window');
      return item ? [windowState(item.date, item)] : [];
    });
  }

  async acquireLock(date: string, owner: string): Promise<Lease | null> {
    const now = this.options.now();
    const expiresAtMs = now.getTime() + this.options.lockLeaseSeconds * 1000;
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(date, lockKey(date)),
          // The lease is ours if nobody holds one or the last one ran out; the token grows on every
          // acquisition, so a writer that outlived its lease carries a stale token and is fenced out.
          ConditionExpression: 'attribute_not_exists(expires_at_ms) OR expires_at_ms < :now',
          UpdateExpression: 'SET #owner = :owner, expires_at_ms = :exp, acquired_at = :iso, kind = :kind ADD #token :one',
          ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token' },
          ExpressionAttributeValues: {
            ':now': now.getTime(),
            ':owner': owner,
            ':exp': expiresAtMs,
            ':iso': now.toISOString(),
            ':kind': ITEM_KIND.lock,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { date, owner, token: Number(result.Attributes?.token), expiresAtMs };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async releaseLock(lease: Lease): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(lease.date, lockKey(lease.date)),
          ConditionExpression: '#token = :token',
          UpdateExpression: 'SET expires_at_ms = :zero, released_at = :iso REMOVE #owner',
          ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner' },
          ExpressionAttributeValues: { ':token': lease.token, ':zero': 0, ':iso': this.options.now().toISOString() },
        }),
      );
    } catch (error) {
      // Someone took the lock after our lease ran out: releasing theirs would be wrong, and ours is gone.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async listPending(date: string): Promise<TrackedFile[]> {
    const items = await queryAllPages(this.db, {
      TableName: this.table,
      KeyConditionExpression: `${DATE} = :d AND begins_with(${SORT}, :p)`,
      ExpressionAttributeValues: { ':d': date, ':p': SORT_KEY_PREFIX.pending },
      ConsistentRead: true,
    });
    return items.flatMap((raw) => {
      const item = itemOfKind(raw, 'pending');
      return item ? [trackedFileOf(item)] : [];
    });
  }

  async commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null },
  ): Promise<CommitOutcome> {
    // With nothing left pending the age is unknown rather than "now": a file registered meanwhile sets it.
    // The age is removed only if the window's count reaches 0 in the same write: a registration that raced
    // the plan (its `if_not_exists` kept the age) still has one. Otherwise the age is kept as it is, older
    // than any file still pending, so the date is planned early rather than late, and flushDate repairs it.
    if (window.oldestPendingAt === null) {
      const outcome = await this.sendCommit(lease, manifest, manifestPath, window.expectedSeq, 'remove');
      if (outcome === 'committed') return outcome;
    }
    return this.sendCommit(lease, manifest, manifestPath, window.expectedSeq, window.oldestPendingAt ?? 'keep');
  }

  private async sendCommit(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    expectedSeq: number,
    oldest: string | 'remove' | 'keep',
  ): Promise<CommitOutcome> {
    const now = this.options.now();
    const oldestClause = oldest === 'remove' ? ' REMOVE oldest_pending_at' : oldest === 'keep' ? '' : ', oldest_pending_at = :oldest';
    const drainedClause = oldest === 'remove' ? ' AND pending_count = :count' : '';
    const nowIso = now.toISOString();
    const ttl = ttlAfterDays(now, this.options.ttlDays);
    const items: TransactItems = [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: tableKey(manifest.date, lockKey(manifest.date)),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': lease.token },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            ...tableKey(manifest.date, manifestKey(manifest.name)),
            kind: ITEM_KIND.manifest,
            status: MANIFEST_STATUS.pending,
            manifest_id: manifest.id,
            manifest_path: manifestPath,
            file_count: manifest.files.length,
            total_bytes: manifest.totalBytes,
            batch_seq: manifest.seq,
            created_at: nowIso,
            updated_at: nowIso,
            // Not `ttl` yet: a failed manifest must stay until it is redriven; MarkCompleted copies this.
            [TTL_ON_COMPLETION_ATTRIBUTE]: ttl,
          },
          ConditionExpression: `attribute_not_exists(${SORT})`,
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: tableKey(manifest.date, WINDOW_KEY),
          ConditionExpression: `attribute_not_exists(open_manifest) AND manifest_seq = :expected${drainedClause}`,
          UpdateExpression: `ADD pending_count :negCount, pending_bytes :negBytes SET manifest_seq = :seq, open_manifest = :name, updated_at = :now${oldestClause}`,
          ExpressionAttributeValues: {
            ':negCount': -manifest.files.length,
            ':negBytes': -manifest.totalBytes,
            ':expected': expectedSeq,
            ':seq': manifest.seq,
            ':name': manifest.name,
            ...(oldest === 'remove' ? { ':count': manifest.files.length } : {}),
            ...(oldest !== 'remove' && oldest !== 'keep' ? { ':oldest': oldest } : {}),
            ':now': nowIso,
          },
        },
      },
    ];
    const reasons = await this.transact(items, {
      message: 'could not commit manifest: transaction kept being cancelled',
      context: { manifest: manifest.id },
    });
    return reasons ? 'fenced' : 'committed';
  }

  async setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null): Promise<CommitOutcome> {
    const nowIso = this.options.now().toISOString();
    const items: TransactItems = [
      {
        ConditionCheck: {
          TableName: this.table,
          Key: tableKey(date, lockKey(date)),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': lease.token },
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: tableKey(date, WINDOW_KEY),
          // Removing the age is right only while nothing is pending: a registration since the pending set was
          // read has counted itself, and its age (kept by `if_not_exists`) must stay.
          ...(oldestPendingAt
            ? { UpdateExpression: 'SET oldest_pending_at = :oldest, updated_at = :now' }
            : { UpdateExpression: 'SET updated_at = :now REMOVE oldest_pending_at', ConditionExpression: 'pending_count <= :zero' }),
          ExpressionAttributeValues: { ':now': nowIso, ...(oldestPendingAt ? { ':oldest': oldestPendingAt } : { ':zero': 0 }) },
        },
      },
    ];
    const reasons = await this.transact(items, {
      message: 'could not repair the window age: transaction kept being cancelled',
      context: { date },
    });
    // Only the window's condition failed: a file is pending again and keeps its age; nothing to repair.
    return reasons?.[0]?.Code === 'ConditionalCheckFailed' ? 'fenced' : 'committed';
  }

  async markManifested(manifest: Manifest): Promise<void> {
    const nowIso = this.options.now().toISOString();
    for (let i = 0; i < manifest.files.length; i += FILES_PER_MARK_TX) {
      let chunk = manifest.files.slice(i, i + FILES_PER_MARK_TX);
      while (chunk.length > 0) {
        const reasons = await this.transact(
          chunk.flatMap((file) => markItems(this.table, manifest, file, nowIso)),
          { message: 'could not mark manifested: transaction kept being cancelled', context: { manifest: manifest.id } },
        );
        if (!reasons) break;
        const failed = new Set<number>();
        reasons.forEach((reason, index) => {
          if (reason.Code === 'ConditionalCheckFailed') failed.add(Math.floor(index / 2));
        });
        for (const file of chunk.filter((_, j) => failed.has(j))) {
          if (!(await this.leaveNewVersionPending(manifest, file))) throw new ManifestOwnershipError(manifest.name, manifest.date);
        }
        chunk = chunk.filter((_, j) => !failed.has(j));
      }
    }
  }

  /**
   * A manifest file whose key now holds other content (registerNewVersion) is not marked: the Glue job
   * excludes it from this manifest, and the new version stays pending for a later one. When the new version
   * replaced a still-pending one, this manifest's commit took the file out of the window's counters although
   * its marker stays, so they are given back, once (`recounted_for`). False when the file is not a new version.
   */
  private async leaveNewVersionPending(manifest: Manifest, file: ManifestFile): Promise<boolean> {
    const current = (
      await this.db.send(new GetCommand({ TableName: this.table, Key: tableKey(manifest.date, fileKey(file.key)), ConsistentRead: true }))
    ).Item;
    const superseded = current?.status === FILE_STATUS.pending && file.etag !== undefined && current.etag !== file.etag;
    if (!superseded) return false;
    const nowIso = this.options.now().toISOString();
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: tableKey(manifest.date, fileKey(file.key)),
                ConditionExpression:
                  '#status = :pending AND etag <> :etag AND (attribute_not_exists(replaced_manifest) OR replaced_manifest <> :name) ' +
                  'AND (attribute_not_exists(recounted_for) OR recounted_for <> :name)',
                UpdateExpression: 'SET recounted_for = :name',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':pending': FILE_STATUS.pending, ':etag': file.etag, ':name': manifest.name },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: tableKey(manifest.date, WINDOW_KEY),
                UpdateExpression:
                  'ADD pending_count :one, pending_bytes :b SET oldest_pending_at = if_not_exists(oldest_pending_at, :created), updated_at = :now',
                ExpressionAttributeValues: {
                  ':one': 1,
                  ':b': file.sizeBytes,
                  ':created': String(current.created_at ?? nowIso),
                  ':now': nowIso,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Counted back already, or the new version came after this manifest marked the file (counted then).
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (!(error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) throw error;
    }
    return true;
  }

  async finishManifest(manifest: Manifest, executionArn: string): Promise<void> {
    const nowIso = this.options.now().toISOString();
    const context = { manifest: manifest.id };
    await this.updateWithRetry(
      new UpdateCommand({
        TableName: this.table,
        Key: tableKey(manifest.date, manifestKey(manifest.name)),
        ConditionExpression: `attribute_exists(${SORT})`,
        UpdateExpression:
          'SET execution_arn = if_not_exists(execution_arn, :arn), started_at = if_not_exists(started_at, :now), updated_at = :now',
        ExpressionAttributeValues: { ':arn': executionArn, ':now': nowIso },
      }),
      context,
    );
    try {
      await this.updateWithRetry(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(manifest.date, WINDOW_KEY),
          ConditionExpression: 'open_manifest = :name',
          UpdateExpression: 'REMOVE open_manifest SET updated_at = :now',
          ExpressionAttributeValues: { ':name': manifest.name, ':now': nowIso },
        }),
        context,
      );
    } catch (error) {
      // Another worker (a resumer) finished it first.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * A plain write to an item a transaction holds (the WINDOW item, under every registration of its date) is
   * rejected with TransactionConflictException ("there is an ongoing transaction for the item", DynamoDB API
   * reference), which the SDK does not retry; throttling the SDK gave up on is the same kind of wait. Both
   * are tried again within the same budget as the transactions, so a busy date does not fail the flush and
   * leave the next holder to redo the manifest.
   */
  private async updateWithRetry(command: UpdateCommand, context: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(command);
        return;
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (!(await this.backOff(attempt))) {
          throw new TrackingStoreError(
            'update kept conflicting with transactions or being throttled',
            { ...context, error: error.name },
            { cause: error },
          );
        }
      }
    }
  }

  async getManifestRecord(date: string, name: string): Promise<ManifestRecord | null> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: tableKey(date, manifestKey(name)), ConsistentRead: true }),
    );
    return manifestRecordOf(itemOfKind(result.Item, 'manifest'));
  }

  async listUnfinishedManifests(date: string): Promise<ManifestRecord[]> {
    const items = await queryAllPages(this.db, {
      TableName: this.table,
      KeyConditionExpression: `${DATE} = :d AND begins_with(${SORT}, :p)`,
      FilterExpression: '#status IN (:pending, :processing)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':d': date,
        ':p': SORT_KEY_PREFIX.manifest,
        ':pending': MANIFEST_STATUS.pending,
        ':processing': MANIFEST_STATUS.processing,
      },
    });
    return items.flatMap((raw) => {
      const record = manifestRecordOf(itemOfKind(raw, 'manifest'));
      return record ? [record] : [];
    });
  }

  async recordQuarantine(record: QuarantineRecord): Promise<'recorded' | 'exists'> {
    const now = this.options.now();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...tableKey(record.date, quarantineKey(record.sourceKey)),
            kind: ITEM_KIND.quarantine,
            status: QUARANTINED_STATUS,
            reason: record.reason,
            reason_detail: record.detail,
            file_path: record.quarantinePath,
            source_key: record.sourceKey,
            source_path: s3Uri(record.sourceBucket, record.sourceKey),
            size_bytes: record.sizeBytes,
            created_at: now.toISOString(),
            updated_at: now.toISOString(),
            [TTL_ATTRIBUTE]: ttlAfterDays(now, this.options.ttlDays),
          },
          // The first record stands: a redelivered event must not move created_at.
          ConditionExpression: `attribute_not_exists(${TABLE_KEYS.range})`,
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }
}

function isTransient(error: unknown): error is Error {
  return (
    error instanceof TransactionConflictException ||
    error instanceof ProvisionedThroughputExceededException ||
    (error instanceof Error && (error.name === 'ThrottlingException' || error.name === 'RequestLimitExceeded'))
  );
}

function backoffMs(attempt: number): number {
  const cap = Math.min(2000, 25 * 2 ** attempt);
  return Math.floor(Math.random() * cap) + 5;
}

const sizeMb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 1000) / 1000;

/** The two writes that mark one file of a manifest, both on the ETag the manifest holds (see registerNewVersion). */
function markItems(table: string, manifest: Manifest, file: ManifestFile, nowIso: string) {
  const sameContent = file.etag === undefined ? '' : ' AND (attribute_not_exists(etag) OR etag = :etag)';
  const etag = file.etag === undefined ? {} : { ':etag': file.etag };
  return [
    {
      Delete: {
        TableName: table,
        Key: tableKey(manifest.date, pendingKey(file.key)),
        ...(file.etag === undefined
          ? {}
          : { ConditionExpression: 'attribute_not_exists(etag) OR etag = :etag', ExpressionAttributeValues: etag }),
      },
    },
    {
      Update: {
        TableName: table,
        Key: tableKey(manifest.date, fileKey(file.key)),
        ConditionExpression: `attribute_exists(${SORT}) AND ((#status = :pending${sameContent}) OR manifest_name = :name)`,
        UpdateExpression: 'SET #status = :manifested, manifest_name = :name, manifest_id = :id, updated_at = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': FILE_STATUS.pending,
          ':manifested': FILE_STATUS.manifested,
          ':name': manifest.name,
          ':id': manifest.id,
          ':now': nowIso,
          ...etag,
        },
      },
    },
  ];
}

function fileItem(date: string, file: TrackedFile, nowIso: string): RawTrackingItem {
  return {
    ...tableKey(date, fileKey(file.key)),
    kind: ITEM_KIND.file,
    status: FILE_STATUS.pending,
    file_path: s3Uri(file.bucket, file.key),
    file_size_mb: sizeMb(file.sizeBytes),
    size_bytes: file.sizeBytes,
    ...(file.etag ? { etag: file.etag } : {}),
    created_at: file.createdAt,
    updated_at: nowIso,
  };
}

function pendingItem(date: string, file: TrackedFile): RawTrackingItem {
  return {
    ...tableKey(date, pendingKey(file.key)),
    kind: ITEM_KIND.pending,
    bucket: file.bucket,
    source_key: file.key,
    size_bytes: file.sizeBytes,
    ...(file.etag ? { etag: file.etag } : {}),
    created_at: file.createdAt,
  };
}

function trackedFileOf(item: PendingItem): TrackedFile {
  return {
    date: item.date,
    key: item.key,
    bucket: item.bucket,
    sizeBytes: item.sizeBytes,
    createdAt: item.createdAt,
    ...(item.etag !== null ? { etag: item.etag } : {}),
  };
}

/** The services need a manifest's object to resume it, so a record without manifest_path is skipped. */
function manifestRecordOf(item: ManifestItem | null): ManifestRecord | null {
  if (!item || item.manifestPath === null) return null;
  return {
    date: item.date,
    name: item.name,
    status: item.status,
    manifestPath: item.manifestPath,
    fileCount: item.fileCount,
    ...(item.executionArn !== null ? { executionArn: item.executionArn } : {}),
    ...(item.updatedAt !== null ? { updatedAt: item.updatedAt } : {}),
  };
}

/** A date with no WINDOW item yet has an empty window. */
function windowState(date: string, item: WindowItem | null): WindowState {
  return {
    date,
    pendingCount: item?.pendingCount ?? 0,
    pendingBytes: item?.pendingBytes ?? 0,
    manifestSeq: item?.manifestSeq ?? 0,
    ...(item?.oldestPendingAt ? { oldestPendingAt: item.oldestPendingAt } : {}),
    ...(item?.openManifest ? { openManifest: item.openManifest } : {}),
  };
}
