import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  classifyItem,
  ITEM_KIND,
  itemOfKind,
  type RawTrackingItem,
  type ReconcileItem,
  reconcileKey,
  TABLE_KEYS,
  type TrackingItem,
  TTL_ATTRIBUTE,
  tableKey,
} from '../../contracts/trackingSchema';
import { ttlAfterDays } from '../domain/dates';
import { type ListedObject, trackingLocation } from '../domain/reconcile';
import type { ReconcileStore } from '../services/reconcileInput';
import { queryAllPages } from './queryAllPages';

/** S3 and DynamoDB both order keys by their UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which differs. */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The reconcile's reads and its cursor, over the tracking table.
 *
 * The lookup is billed by what it reads. A page of the listing is a run of consecutive keys, and a file
 * item's sort key is its object key, so one strongly consistent Query `file_key BETWEEN first AND last` in
 * the date's partition reads the page's file items and little else; DynamoDB bills a Query by the summed
 * size of the items read, rounded up to 4 KB, while GetItem and BatchGetItem round each item up to 4 KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html). With file
 * items of about 400 bytes, 1,000 objects cost about 100 RCU this way and 1,000 RCU item by item. Only the
 * objects with no file item (normally none) are then looked up one by one as QUARANTINE# items.
 */
export class DynamoReconcileStore implements ReconcileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly options: { tableName: string; ttlDays: number; now: () => Date },
  ) {}

  async itemsFor(objects: readonly ListedObject[]): Promise<TrackingItem[]> {
    const byPartition = new Map<string, { key: string; location: ReturnType<typeof trackingLocation> }[]>();
    for (const object of objects) {
      const location = trackingLocation(object.key);
      byPartition.set(location.partition, [...(byPartition.get(location.partition) ?? []), { key: object.key, location }]);
    }
    const found: TrackingItem[] = [];
    for (const [partition, entries] of byPartition) {
      const sortKeys = entries.flatMap((e) => (e.location.fileSortKey ? [e.location.fileSortKey] : [])).sort(byUtf8);
      const tracked = new Set<string>();
      if (sortKeys.length > 0) {
        for (const raw of await this.range(partition, sortKeys[0] as string, sortKeys.at(-1) as string)) {
          const item = classifyItem(raw);
          if (item.kind === 'file') {
            tracked.add(item.key);
            found.push(item);
          }
        }
      }
      for (const entry of entries.filter((e) => !tracked.has(e.key))) {
        const result = await this.db.send(
          new GetCommand({
            TableName: this.options.tableName,
            Key: tableKey(partition, entry.location.quarantineSortKey),
            ConsistentRead: true,
          }),
        );
        if (result.Item) found.push(classifyItem(result.Item as RawTrackingItem));
      }
    }
    return found;
  }

  private range(partition: string, first: string, last: string): Promise<RawTrackingItem[]> {
    return queryAllPages(this.db, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.hash, '#sk': TABLE_KEYS.range },
      ExpressionAttributeValues: { ':pk': partition, ':first': first, ':last': last },
      ConsistentRead: true,
    });
  }

  async getCursor(date: string): Promise<ReconcileItem | null> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.options.tableName, Key: tableKey(date, reconcileKey(date)), ConsistentRead: true }),
    );
    return itemOfKind(result.Item as RawTrackingItem | undefined, 'reconcile');
  }

  /**
   * A plain Put: two sweeps at once (a slow one overlapping the next) may each save a position, and the
   * one that loses only makes a later pass list some keys again or pass over some until the next pass.
   */
  async saveCursor(date: string, startAfter: string | null, passes: number): Promise<void> {
    const now = this.options.now();
    await this.db.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...tableKey(date, reconcileKey(date)),
          kind: ITEM_KIND.reconcile,
          ...(startAfter !== null ? { start_after: startAfter } : {}),
          passes,
          updated_at: now.toISOString(),
          [TTL_ATTRIBUTE]: ttlAfterDays(now, this.options.ttlDays),
        },
      }),
    );
  }
}
