import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { accountLocalCapacity, totalUnits } from '../../local/capacityAccountant';
import { createLocalClients } from '../../local/localClients';
import { createLocalResources, loadStackConfig } from '../../local/resources';

const KB = 1024;

describe('the capacity accountant against the emulator', () => {
  it('bills a batch write item by item, a WINDOW update on its index too, and a filtered, projected Query on the whole items it read', async () => {
    // Arrange
    const endpoint = inject('emulatorEndpoint');
    const loaded = await loadStackConfig();
    const clients = createLocalClients(endpoint, loaded.region);
    const { tableName: table } = await createLocalResources(clients, loaded, `ca${randomUUID().slice(0, 8)}`);
    const { accountant, close } = accountLocalCapacity(clients.dynamoRaw, endpoint, loaded.region);
    const item = (key: string, status: string) => ({ date_prefix: 'd1', file_key: key, status, body: 'x'.repeat(1.5 * KB) });

    // Act
    await clients.dynamo.send(
      new BatchWriteCommand({
        RequestItems: { [table]: ['a', 'b', 'c'].map((k, i) => ({ PutRequest: { Item: item(k, i === 0 ? 'pending' : 'done') } })) },
      }),
    );
    const batch = accountant.take();
    await clients.dynamo.send(
      new UpdateCommand({
        TableName: table,
        Key: { date_prefix: 'd1', file_key: 'WINDOW' },
        UpdateExpression: 'SET window_pk = :w ADD pending_count :n',
        ExpressionAttributeValues: { ':w': 'WINDOW', ':n': 1 },
      }),
    );
    const window = accountant.take();
    const page = await clients.dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'date_prefix = :d AND begins_with(file_key, :p)',
        FilterExpression: '#s = :pending',
        ProjectionExpression: 'file_key',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': 'd1', ':p': 'a', ':pending': 'pending' },
        ConsistentRead: true,
      }),
    );
    const query = await clients.dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'date_prefix = :d',
        FilterExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': 'd1', ':pending': 'pending' },
        ConsistentRead: true,
      }),
    );
    const reads = accountant.take();
    close();

    // Assert: three 1.5 KB puts are 2 WCU each; the new WINDOW is 1 WCU on the table and 1 on the index
    // partition; the first page read one whole item (1 RCU), the second four (3 x 1.5 KB + WINDOW: 2 RCU)
    expect(batch.map((c) => [c.operation, c.partition, c.units])).toEqual([
      ['BatchWriteItem', 'd1', 2],
      ['BatchWriteItem', 'd1', 2],
      ['BatchWriteItem', 'd1', 2],
    ]);
    expect(window.map((c) => [c.index ?? table, c.partition, c.units])).toEqual([
      [table, 'd1', 1],
      ['windows', 'WINDOW', 1],
    ]);
    expect(page.Items).toEqual([{ file_key: 'a' }]);
    expect(query.Count).toBe(1);
    expect(reads.map((c) => c.units)).toEqual([1, 2]);
    expect(totalUnits(reads, 'write')).toBe(0);
  });
});
