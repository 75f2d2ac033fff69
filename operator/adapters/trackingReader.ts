import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type RawTrackingItem, TABLE_KEYS, tableKey } from '../../contracts/trackingSchema';
import { queryAllPages } from '../../handlers/adapters/queryAllPages';

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

  itemsOfDate(date: string): Promise<RawTrackingItem[]> {
    return queryAllPages(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: `${TABLE_KEYS.hash} = :d`,
      ExpressionAttributeValues: { ':d': date },
      ConsistentRead: true,
    });
  }

  async item(date: string, sortKey: string): Promise<RawTrackingItem | null> {
    const result = await this.db.send(new GetCommand({ TableName: this.tableName, Key: tableKey(date, sortKey), ConsistentRead: true }));
    return (result.Item as RawTrackingItem | undefined) ?? null;
  }
}
