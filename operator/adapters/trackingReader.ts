import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type RawTrackingItem, TABLE_KEYS, tableKey } from '../../contracts/trackingSchema';

/**
 * The read side the operator commands need beyond the batcher's TrackingStore port: every item of one
 * date and single items by key, raw, for the operations to read through contracts/trackingSchema's
 * classifier. Strongly consistent, so a status read right after a flush or an unlock shows its effect.
 */

export class TrackingReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async itemsOfDate(date: string): Promise<RawTrackingItem[]> {
    const items: RawTrackingItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${TABLE_KEYS.hash} = :d`,
          ExpressionAttributeValues: { ':d': date },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as RawTrackingItem[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async item(date: string, sortKey: string): Promise<RawTrackingItem | null> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: tableKey(date, sortKey), ConsistentRead: true }));
    return (result.Item as RawTrackingItem | undefined) ?? null;
  }
}
