import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { RawTrackingItem } from '../../contracts/trackingSchema';

/** Every item a Query matches: DynamoDB returns at most 1 MB per page, so a date's items may span pages. */
export async function queryAllPages(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<RawTrackingItem[]> {
  const items: RawTrackingItem[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }));
    items.push(...((page.Items ?? []) as RawTrackingItem[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
