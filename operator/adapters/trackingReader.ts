import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

/**
 * The read side the operator commands need beyond the batcher's TrackingStore port: every item of one
 * date (files, PENDING#, MANIFEST#, QUARANTINE#, WINDOW, LOCK#) and single items by key. Strongly
 * consistent, so a status read right after a flush or an unlock shows its effect.
 */

export type TrackingItem = Record<string, unknown>;

export class TrackingReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async itemsOfDate(date: string): Promise<TrackingItem[]> {
    const items: TrackingItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'date_prefix = :d',
          ExpressionAttributeValues: { ':d': date },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as TrackingItem[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async item(date: string, sortKey: string): Promise<TrackingItem | null> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { date_prefix: date, file_key: sortKey }, ConsistentRead: true }),
    );
    return (result.Item as TrackingItem | undefined) ?? null;
  }
}
