import {
  type AttributeValue,
  type CancellationReason,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
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
  pendingPartition,
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
  FilePutOutcome,
  FileRecord,
  Lease,
  ManifestRecord,
  PendingMarker,
  QuarantineRecord,
  TrackedFile,
  TrackingStore,
  WindowDelta,
} from '../services/ports';
import { queryAllPages } from './queryAllPages';

/**
 * The batcher's and sweeper's side of the tracking table (contracts/trackingSchema.ts). Beside the seed's
 * file and MANIFEST items it keeps a PENDING marker per pending file, a WINDOW of counters and a LOCK per
 * date, and a QUARANTINE record per rejected object.
 */

const { hash: DATE, range: SORT } = TABLE_KEYS;

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys (DynamoDB API reference). */
const BATCH_WRITE_ITEMS = 25;
const BATCH_GET_KEYS = 100;
const MAX_TX_ATTEMPTS = 8;

/** When a marker's registration wrote it: the planner finishes a registration that stopped only after a grace. */
const MARKER_REGISTERED_AT = 'registered_at';

export class TrackingStoreError extends ContextError {
  override readonly name = 'TrackingStoreError';
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

  /**
   * BatchWriteItem, 25 puts a request: it takes no condition, and a marker rewritten with the same content is
   * the same marker. Items it could not write (throttling) come back as UnprocessedItems and are sent again
   * with backoff, within the same budget as every other write
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
   */
  async putPendingMarkers(date: string, files: TrackedFile[], registeredAt: string): Promise<void> {
    const requests = files.map((file) => ({ PutRequest: { Item: pendingItem(date, file, registeredAt) } }));
    for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
      let batch = requests.slice(i, i + BATCH_WRITE_ITEMS);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const result = await this.withRetry(() => this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: batch } })), {
          date,
          markers: batch.length,
        });
        batch = (result.UnprocessedItems?.[this.table] ?? []) as typeof batch;
        if (batch.length > 0 && !(await this.backOff(attempt))) {
          throw new TrackingStoreError('could not put pending markers: the batch kept coming back unprocessed', {
            date,
            unprocessed: batch.length,
          });
        }
      }
    }
  }

  /** One plain update of the date's WINDOW: a transaction would bill it twice and hold the hot item longer. */
  async addToWindow(date: string, delta: WindowDelta): Promise<void> {
    const nowIso = this.options.now().toISOString();
    const age = delta.oldestPendingAt === undefined ? '' : 'oldest_pending_at = if_not_exists(oldest_pending_at, :oldest), ';
    await this.updateWithRetry(
      new UpdateCommand({
        TableName: this.table,
        Key: tableKey(date, WINDOW_KEY),
        UpdateExpression:
          `ADD pending_count :n, pending_bytes :b SET ${age}` +
          'manifest_seq = if_not_exists(manifest_seq, :zero), #wpk = :wpk, kind = :kind, updated_at = :now ' +
          // A window written before TTL was kept off unfinished items carries one: a wedged date must not expire.
          'REMOVE #ttl',
        ExpressionAttributeNames: { '#wpk': WINDOWS_INDEX.hash, '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':n': delta.count,
          ':b': delta.bytes,
          ...(delta.oldestPendingAt === undefined ? {} : { ':oldest': delta.oldestPendingAt }),
          ':zero': 0,
          ':wpk': WINDOWS_INDEX.hashValue,
          ':kind': ITEM_KIND.window,
          ':now': nowIso,
        },
      }),
      { date },
    );
  }

  /**
   * A plain conditional PutItem (1 WCU for an item up to 1 KB; twice that inside a transaction:
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html). On a failed
   * condition, ReturnValuesOnConditionCheckFailure ALL_OLD returns the item there, so a duplicate or a new
   * version is told without a read
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure).
   */
  async putFileItem(date: string, file: TrackedFile): Promise<FilePutOutcome> {
    try {
      await this.withRetry(
        () =>
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: fileItem(date, file, this.options.now().toISOString()),
              ConditionExpression: `attribute_not_exists(${SORT})`,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        { date, key: file.key },
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = error.Item ? fileRecordOf(file.key, unmarshalled(error.Item)) : await this.getFileItem(date, file.key);
      if (!existing) throw new TrackingStoreError('file item refused a put but cannot be read', { date, key: file.key }, { cause: error });
      return { created: false, existing };
    }
  }

  async replaceFileVersion(date: string, file: TrackedFile, existing: FileRecord): Promise<boolean> {
    const wasManifested = existing.status === FILE_STATUS.manifested;
    try {
      await this.updateWithRetry(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(date, fileKey(file.key)),
          ConditionExpression: `#status = :was AND ${existing.etag === undefined ? 'attribute_not_exists(etag)' : 'etag = :old'}`,
          UpdateExpression: wasManifested
            ? 'SET #status = :pending, etag = :etag, size_bytes = :size, file_size_mb = :mb, created_at = :created, updated_at = :now, ' +
              'replaced_etag = :old, replaced_manifest = manifest_name REMOVE manifest_name, manifest_id'
            : 'SET etag = :etag, size_bytes = :size, file_size_mb = :mb, updated_at = :now, replaced_etag = :old',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':was': existing.status,
            ':old': existing.etag ?? '',
            ':etag': file.etag,
            ':size': file.sizeBytes,
            ':mb': sizeMb(file.sizeBytes),
            ':now': this.options.now().toISOString(),
            ...(wasManifested ? { ':pending': FILE_STATUS.pending, ':created': file.createdAt } : {}),
          },
        }),
        { date, key: file.key },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getFileItem(date: string, key: string): Promise<FileRecord | null> {
    const result = await this.withRetry(
      () => this.db.send(new GetCommand({ TableName: this.table, Key: tableKey(date, fileKey(key)), ConsistentRead: true })),
      { date, key },
    );
    return result.Item ? fileRecordOf(key, result.Item) : null;
  }

  /**
   * BatchGetItem, strongly consistent, 100 keys a request (file items are under 1 KB, far below its 16 MB);
   * UnprocessedKeys are asked again with backoff
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
   */
  async readFileItems(date: string, keys: string[]): Promise<Map<string, FileRecord>> {
    const found = new Map<string, FileRecord>();
    const bySortKey = new Map(keys.map((key) => [fileKey(key), key]));
    const all = [...bySortKey.keys()].map((sortKey) => tableKey(date, sortKey));
    for (let i = 0; i < all.length; i += BATCH_GET_KEYS) {
      let batch: Record<string, unknown>[] = all.slice(i, i + BATCH_GET_KEYS);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const result = await this.withRetry(
          () => this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: batch, ConsistentRead: true } } })),
          { date, keys: batch.length },
        );
        for (const raw of result.Responses?.[this.table] ?? []) {
          const key = bySortKey.get(String(raw[SORT]));
          if (key !== undefined) {
            const record = fileRecordOf(key, raw);
            if (record) found.set(key, record);
          }
        }
        batch = result.UnprocessedKeys?.[this.table]?.Keys ?? [];
        if (batch.length > 0 && !(await this.backOff(attempt))) {
          throw new TrackingStoreError('could not read file items: keys kept coming back unprocessed', { date, unprocessed: batch.length });
        }
      }
    }
    return found;
  }

  async queryMarkers(partition: string): Promise<PendingMarker[]> {
    const items = await this.withRetry(
      () =>
        queryAllPages(this.db, {
          TableName: this.table,
          KeyConditionExpression: `${DATE} = :d AND begins_with(${SORT}, :p)`,
          ExpressionAttributeValues: { ':d': partition, ':p': SORT_KEY_PREFIX.pending },
          ConsistentRead: true,
        }),
      { partition },
    );
    return items.flatMap((raw) => {
      const item = itemOfKind(raw, 'pending');
      if (!item) return [];
      const registeredAt = typeof raw[MARKER_REGISTERED_AT] === 'string' ? raw[MARKER_REGISTERED_AT] : undefined;
      return [{ ...trackedFileOf(item), partition, ...(registeredAt ? { registeredAt } : {}) }];
    });
  }

  async removeMarker(partition: string, key: string, etag: string | undefined): Promise<boolean> {
    try {
      await this.withRetry(
        () =>
          this.db.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { [DATE]: partition, [SORT]: pendingKey(key) },
              ...(etag === undefined
                ? {}
                : {
                    ConditionExpression: `attribute_exists(${SORT}) AND (attribute_not_exists(etag) OR etag = :etag)`,
                    ExpressionAttributeValues: { ':etag': etag },
                  }),
            }),
          ),
        { partition, key },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
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
      // The LOCK item is in every manifest commit (its fencing check), so a plain write to it can meet
      // TransactionConflictException while a commit is in flight: retried like the other plain writes.
      const result = await this.withRetry(
        () =>
          this.db.send(
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
          ),
        { date, lock: 'acquire' },
      );
      return { date, owner, token: Number(result.Attributes?.token), expiresAtMs };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async releaseLock(lease: Lease): Promise<void> {
    try {
      await this.updateWithRetry(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(lease.date, lockKey(lease.date)),
          ConditionExpression: '#token = :token',
          UpdateExpression: 'SET expires_at_ms = :zero, released_at = :iso REMOVE #owner',
          ExpressionAttributeNames: { '#token': 'token', '#owner': 'owner' },
          ExpressionAttributeValues: { ':token': lease.token, ':zero': 0, ':iso': this.options.now().toISOString() },
        }),
        { date: lease.date, lock: 'release' },
      );
    } catch (error) {
      // Someone took the lock after our lease ran out: releasing theirs would be wrong, and ours is gone.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async commitManifest(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    window: { expectedSeq: number; oldestPendingAt: string | null; countSeen?: number },
  ): Promise<CommitOutcome> {
    // With nothing left pending the age is unknown rather than "now": a file registered meanwhile sets it.
    // The age is removed only if the window's count reaches 0 in the same write: a registration that raced
    // the plan (its `if_not_exists` kept the age) still has one. Otherwise the age is kept as it is, older
    // than any file still pending, so the date is planned early rather than late, and flushDate repairs it.
    // The age moves to a younger file only if no registration counted itself since the planner read the count
    // (`countSeen`, before listing): the listing reads the marker partitions one after the other, so a
    // registration running meanwhile may be seen in part, and its unseen files may be older than what was seen.
    const target = window.oldestPendingAt ?? 'remove';
    if (target !== 'remove' && window.countSeen === undefined)
      return this.sendCommit(lease, manifest, manifestPath, window.expectedSeq, target);
    const outcome = await this.sendCommit(lease, manifest, manifestPath, window.expectedSeq, target, window.countSeen);
    if (outcome === 'committed') return outcome;
    return this.sendCommit(lease, manifest, manifestPath, window.expectedSeq, 'keep');
  }

  private async sendCommit(
    lease: Lease,
    manifest: Manifest,
    manifestPath: string,
    expectedSeq: number,
    oldest: string | 'remove' | 'keep',
    countSeen?: number,
  ): Promise<CommitOutcome> {
    const now = this.options.now();
    const oldestClause = oldest === 'remove' ? ' REMOVE oldest_pending_at' : oldest === 'keep' ? '' : ', oldest_pending_at = :oldest';
    const moved = oldest !== 'remove' && oldest !== 'keep' && countSeen !== undefined;
    const drainedClause = oldest === 'remove' ? ' AND pending_count = :count' : moved ? ' AND pending_count = :seen' : '';
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
            ...(moved ? { ':seen': countSeen } : {}),
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

  async setOldestPending(lease: Lease, date: string, oldestPendingAt: string | null, countSeen?: number): Promise<CommitOutcome> {
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
          // With the count the planner read before listing, the counters go back to 0 as well: a registration that
          // stopped after counting itself (or before giving a duplicate's count back) left them too high.
          ...(oldestPendingAt
            ? {
                UpdateExpression: 'SET oldest_pending_at = :oldest, updated_at = :now',
                ...(countSeen === undefined ? {} : { ConditionExpression: 'pending_count = :seen' }),
              }
            : countSeen === undefined
              ? { UpdateExpression: 'SET updated_at = :now REMOVE oldest_pending_at', ConditionExpression: 'pending_count <= :zero' }
              : {
                  UpdateExpression: 'SET updated_at = :now, pending_count = :zero, pending_bytes = :zero REMOVE oldest_pending_at',
                  ConditionExpression: 'pending_count = :seen',
                }),
          ExpressionAttributeValues: {
            ':now': nowIso,
            ...(oldestPendingAt ? { ':oldest': oldestPendingAt } : { ':zero': 0 }),
            ...(countSeen !== undefined ? { ':seen': countSeen } : {}),
          },
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

  /** One plain conditional UpdateItem (1 WCU): marking is per file, the commit before it one transaction. */
  async markFileManifested(manifest: Manifest, file: ManifestFile): Promise<'marked' | 'conflict'> {
    const sameContent = file.etag === undefined ? '' : ' AND (attribute_not_exists(etag) OR etag = :etag)';
    try {
      await this.updateWithRetry(
        new UpdateCommand({
          TableName: this.table,
          Key: tableKey(manifest.date, fileKey(file.key)),
          ConditionExpression: `attribute_exists(${SORT}) AND ((#status = :pending${sameContent}) OR manifest_name = :name)`,
          UpdateExpression: 'SET #status = :manifested, manifest_name = :name, manifest_id = :id, updated_at = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': FILE_STATUS.pending,
            ':manifested': FILE_STATUS.manifested,
            ':name': manifest.name,
            ':id': manifest.id,
            ':now': this.options.now().toISOString(),
            ...(file.etag === undefined ? {} : { ':etag': file.etag }),
          },
        }),
        { manifest: manifest.id, key: file.key },
      );
      return 'marked';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'conflict';
      throw error;
    }
  }

  /** Rare (a new version raced its manifest), so the item and the window change in one transaction. */
  async leaveNewVersionPending(manifest: Manifest, file: ManifestFile): Promise<boolean> {
    const current = await this.getFileItem(manifest.date, file.key);
    const superseded = current?.status === FILE_STATUS.pending && file.etag !== undefined && current.etag !== file.etag;
    if (!superseded) return false;
    const nowIso = this.options.now().toISOString();
    // A failed condition: counted back already, or the new version came after this manifest marked the file
    // (counted then). Either way nothing to give back.
    await this.transact(
      [
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
              ':created': current.createdAt,
              ':now': nowIso,
            },
          },
        },
      ],
      { message: 'could not give a new version its counts back: transaction kept being cancelled', context: { manifest: manifest.id } },
    );
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
   * A plain write to an item a transaction holds (the WINDOW item, under a manifest's commit) is rejected with
   * TransactionConflictException ("there is an ongoing transaction for the item", DynamoDB API reference), which
   * the SDK does not retry; throttling the SDK gave up on (a date's partition past its 1,000 WCU/s,
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html) is the same
   * kind of wait. Both are tried again within the same budget as the transactions, so a busy date neither fails
   * the records nor the flush.
   */
  private async withRetry<T>(send: () => Promise<T>, context: Record<string, unknown>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (!(await this.backOff(attempt))) {
          throw new TrackingStoreError(
            'request kept conflicting with transactions or being throttled',
            { ...context, error: error.name },
            { cause: error },
          );
        }
      }
    }
  }

  private async updateWithRetry(command: UpdateCommand, context: Record<string, unknown>): Promise<void> {
    await this.withRetry(() => this.db.send(command), context);
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

/** A marker in its shard partition; `registered_at` tells the planner when its registration began. */
function pendingItem(date: string, file: TrackedFile, registeredAt: string): RawTrackingItem {
  return {
    [DATE]: pendingPartition(date, file.key),
    [SORT]: pendingKey(file.key),
    kind: ITEM_KIND.pending,
    bucket: file.bucket,
    source_key: file.key,
    size_bytes: file.sizeBytes,
    ...(file.etag ? { etag: file.etag } : {}),
    created_at: file.createdAt,
    [MARKER_REGISTERED_AT]: registeredAt,
  };
}

function fileRecordOf(key: string, raw: RawTrackingItem): FileRecord | null {
  const item = itemOfKind(raw, 'file');
  if (!item) return null;
  return {
    key,
    status: item.status,
    sizeBytes: item.sizeBytes,
    createdAt: item.createdAt ?? item.updatedAt ?? '',
    ...(item.etag !== undefined ? { etag: item.etag } : {}),
    ...(item.manifestName !== null ? { manifestName: item.manifestName } : {}),
  };
}

/**
 * The item a failed condition returns (ALL_OLD) comes in DynamoDB's typed form: the document client converts
 * answers, not errors. File items hold strings and numbers only.
 */
function unmarshalled(item: Record<string, AttributeValue>): RawTrackingItem {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, value.S ?? (value.N !== undefined ? Number(value.N) : undefined)]),
  );
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
