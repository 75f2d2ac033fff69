import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  classifyItem,
  lockKey,
  pendingPartitions,
  type RawTrackingItem,
  SORT_KEY_PREFIX,
  TABLE_KEYS,
  type TableKey,
  tableKey,
  WINDOW_KEY,
} from '../../contracts/trackingSchema';
import { queryAllPages } from '../../handlers/adapters/queryAllPages';
import { OperationFailedError } from '../operatorError';

/**
 * The read side the operator commands need beyond the batcher's TrackingStore port, raw, for the operations
 * to read through contracts/trackingSchema's classifier. Strongly consistent, so a status read right after a
 * flush or an unlock shows its effect.
 *
 * A date's file items are never read in bulk: a prod date holds 100,000+ of them, and a Query of the date's
 * partition would read (and bill) every one. A file item's sort key is its object key, which may sort
 * anywhere among the other kinds' keys, so the few kinds are read by their own sort-key prefixes
 * (begins_with in the key condition, so DynamoDB reads only that range:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html), and the
 * one-of items (WINDOW, LOCK#) by key.
 */

/** BatchGetItem takes at most 100 keys (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
const BATCH_GET_MAX_KEYS = 100;
/** How many times keys DynamoDB left unprocessed (throttling, 16 MB answer cap) are asked for again. */
const UNPROCESSED_ROUNDS = 8;

export class TrackingReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * What a date's status is made of, O(pending + manifests + quarantines) items: the date's MANIFEST# and
   * QUARANTINE# records, its WINDOW and LOCK#, its PENDING markers from every partition they may be in (its
   * shards and, written before the sharding, its own), and the file item of each marker, by key, so that a
   * stale marker (its file already manifested) is told from a pending file.
   */
  async itemsForStatus(date: string): Promise<RawTrackingItem[]> {
    const [manifests, quarantines, singles, ...markerPages] = await Promise.all([
      this.withPrefix(date, SORT_KEY_PREFIX.manifest),
      this.withPrefix(date, SORT_KEY_PREFIX.quarantine),
      this.items([tableKey(date, WINDOW_KEY), tableKey(date, lockKey(date))]),
      ...this.markerQueries(date),
    ]);
    const markers = markerPages.flat();
    const fileKeys = markers.flatMap((raw) => {
      const marker = classifyItem(raw);
      return marker.kind === 'pending' ? [tableKey(marker.date, marker.key)] : [];
    });
    return [...manifests, ...quarantines, ...singles, ...markers, ...(await this.items(fileKeys))];
  }

  /** A date's PENDING markers and QUARANTINE# records: where a bare file name is looked for without its prefix. */
  async markersAndQuarantines(date: string): Promise<RawTrackingItem[]> {
    const pages = await Promise.all([this.withPrefix(date, SORT_KEY_PREFIX.quarantine), ...this.markerQueries(date)]);
    return pages.flat();
  }

  async item(date: string, sortKey: string): Promise<RawTrackingItem | null> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: tableKey(date, sortKey), ConsistentRead: true }));
    return (result.Item as RawTrackingItem | undefined) ?? null;
  }

  /** The items of `keys` that exist, by strongly consistent BatchGetItem, 100 keys a request. */
  async items(keys: readonly TableKey[]): Promise<RawTrackingItem[]> {
    const unique = [...new Map(keys.map((k) => [`${k[TABLE_KEYS.hash]}\u0000${k[TABLE_KEYS.range]}`, k])).values()];
    const chunks: TableKey[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX_KEYS) chunks.push(unique.slice(i, i + BATCH_GET_MAX_KEYS));
    const found = await Promise.all(chunks.map((chunk) => this.batchGet(chunk)));
    return found.flat();
  }

  private async batchGet(keys: TableKey[]): Promise<RawTrackingItem[]> {
    const found: RawTrackingItem[] = [];
    let asked: Record<string, unknown>[] = keys;
    for (let round = 0; asked.length > 0; round += 1) {
      if (round === UNPROCESSED_ROUNDS)
        throw new OperationFailedError(
          `DynamoDB left ${asked.length} key(s) of ${this.tableName} unread after ${round} BatchGetItem rounds`,
        );
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const result = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: asked, ConsistentRead: true } } }));
      found.push(...((result.Responses?.[this.tableName] ?? []) as RawTrackingItem[]));
      asked = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  }

  /** One Query per partition a date's markers may be in; in the date's own partition, only its PENDING# range. */
  private markerQueries(date: string): Promise<RawTrackingItem[]>[] {
    return pendingPartitions(date).map((partition) => this.withPrefix(partition, SORT_KEY_PREFIX.pending));
  }

  private withPrefix(partition: string, prefix: string): Promise<RawTrackingItem[]> {
    return queryAllPages(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.hash, '#sk': TABLE_KEYS.range },
      ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
      ConsistentRead: true,
    });
  }
}
