import { randomUUID } from 'node:crypto';
import { ProvisionedThroughputExceededException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createClients } from '../../handlers/adapters/clients';
import { aroundCommands } from '../../local/clientMiddleware';
import { createLocalClients } from '../../local/localClients';
import { createLocalResources, loadStackConfig } from '../../local/resources';
import { ThrottleModel } from '../../local/throttling';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

const KB = 1024;

/**
 * A model over fresh clients and resources. Its clock stands still unless `advanceOnThrottle`: then every
 * throttled attempt moves it one second on, so the SDK's next attempt finds the second paid back.
 */
async function throttled(scale: number, advanceOnThrottle = false) {
  const endpoint = inject('emulatorEndpoint');
  const loaded = await loadStackConfig();
  const clients = createLocalClients(endpoint, loaded.region);
  const resources = await createLocalResources(clients, loaded, `th${randomUUID().slice(0, 8)}`);
  const probe = createClients({ endpoint, region: loaded.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  let model: ThrottleModel | undefined;
  const clock = { now: 1_000_000 };
  model = new ThrottleModel({
    scale,
    table: { hash: 'date_prefix', range: 'file_key' },
    indexes: [{ name: 'windows', hash: 'window_pk' }],
    region: loaded.region,
    account: '123456789012',
    probe: probe.dynamoRaw,
    shards: async () => [{ shardId: 'shardId-000000000000', startingHashKey: 0n, endingHashKey: 2n ** 128n - 1n }],
    now: () => clock.now + (advanceOnThrottle ? (model?.stats.throttledRequests ?? 0) * 1000 : 0),
  });
  model.install(clients);
  return { clients, resources, model, clock, probe };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: Record<string, unknown> & { $metadata?: { attempts?: number } }) => ({ ...error, attempts: error.$metadata?.attempts }),
  );

describe('throttling at AWS rates (local --throttle aws)', () => {
  it('bills writes as DynamoDB does: KB rounded up, the larger image of an update, failed conditions, twice in transactions', async () => {
    // Prepare
    const { clients, resources, model } = await throttled(1);
    const table = resources.tableName;
    const partition = `${table}#d1`;

    // Act
    await clients.dynamo.send(new PutCommand({ TableName: table, Item: { date_prefix: 'd1', file_key: 'a', body: 'x'.repeat(2.5 * KB) } }));
    await clients.dynamo.send(
      new UpdateCommand({
        TableName: table,
        Key: { date_prefix: 'd1', file_key: 'a' },
        UpdateExpression: 'SET more = :m',
        ExpressionAttributeValues: { ':m': 'y'.repeat(2 * KB) },
      }),
    );
    await clients.dynamo
      .send(
        new PutCommand({
          TableName: table,
          Item: { date_prefix: 'd1', file_key: 'a' },
          ConditionExpression: 'attribute_not_exists(file_key)',
        }),
      )
      .catch(() => undefined);
    await clients.dynamo.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { date_prefix: 'd1', file_key: 'b', body: 'z'.repeat(1500) } } },
          { Put: { TableName: table, Item: { date_prefix: 'd1', file_key: 'c' } } },
        ],
      }),
    );

    // Assert: put 3, update max(3, 5) = 5, failed conditional put sized by the 5 KB item it met = 5, transaction 2x2 + 2x1 = 6
    expect(model.stats.consumedWcu.get(partition)).toBe(3 + 5 + 5 + 6);
  });

  it("refuses a hot partition key's writes with ProvisionedThroughputExceededException, which the SDK retries, while other keys go on", async () => {
    // Prepare: 10 WCU/s per partition key, on a clock that stands still
    const { clients, resources, model } = await throttled(100);
    const put = (date: string, key: string) =>
      clients.dynamo.send(
        new PutCommand({ TableName: resources.tableName, Item: { date_prefix: date, file_key: key, body: 'x'.repeat(11 * KB) } }),
      );

    // Act
    await put('hot', 'first');
    const hot = await refusal(put('hot', 'second'));
    const cold = await refusal(put('cold', 'first'));
    const transaction = await refusal(
      clients.dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: resources.tableName, Item: { date_prefix: 'other', file_key: 'x' } } },
            { Put: { TableName: resources.tableName, Item: { date_prefix: 'hot', file_key: 'y' } } },
          ],
        }),
      ),
    );

    // Assert: the SDK (maxAttempts 6) tried the hot write six times; a transaction is cancelled, not retried
    expect(hot).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      attempts: 6,
      ThrottlingReasons: [
        { reason: 'TableWriteKeyRangeThroughputExceeded', resource: expect.stringContaining(`table/${resources.tableName}`) },
      ],
    });
    expect(cold).toBeNull();
    expect(transaction).toMatchObject({
      name: 'TransactionCanceledException',
      attempts: 1,
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
    });
    expect(model.stats.throttledRequests).toBe(7);
    expect(model.stats.retries).toBe(5);
  });

  it('lets the SDK succeed on a retry once the partition has capacity again', async () => {
    // Prepare
    const { clients, resources, model } = await throttled(100, true);
    const put = (key: string) =>
      clients.dynamo.send(
        new PutCommand({ TableName: resources.tableName, Item: { date_prefix: 'hot', file_key: key, body: 'x'.repeat(11 * KB) } }),
      );
    await put('first');

    // Act
    const second = await put('second');

    // Assert
    expect(second.$metadata.attempts).toBe(2);
    expect(model.stats).toMatchObject({ throttledRequests: 1, retries: 1 });
  });

  it('serves a BatchWriteItem item by item: those over their partition key come back unprocessed, unbilled, and none served fails the call', async () => {
    // Prepare: 10 WCU/s per partition key on a still clock; 5 KB items cost 5 WCU each
    const { clients, resources, model, probe } = await throttled(100);
    const table = resources.tableName;
    const item = (date: string, key: string) => ({ date_prefix: date, file_key: key, body: 'x'.repeat(5 * KB - 40) });
    const write = (items: Record<string, unknown>[]) =>
      clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));

    // Act: the third hot item finds the first two's 10 WCU taken; the cold one has its own partition
    const partial = await write([item('hot', 'a'), item('hot', 'b'), item('hot', 'c'), item('cold', 'a')]);
    const none = await refusal(write([item('hot', 'd')]));

    // Assert
    expect(partial.UnprocessedItems).toEqual({ [table]: [{ PutRequest: { Item: item('hot', 'c') } }] });
    const stored = async (date: string, key: string) =>
      (await probe.dynamo.send(new GetCommand({ TableName: table, Key: { date_prefix: date, file_key: key }, ConsistentRead: true }))).Item;
    expect(await stored('hot', 'b')).toEqual(item('hot', 'b'));
    expect(await stored('hot', 'c')).toBeUndefined();
    expect(await stored('cold', 'a')).toEqual(item('cold', 'a'));
    expect(model.stats.consumedWcu.get(`${table}#hot`)).toBe(10);
    expect(model.stats.consumedWcu.get(`${table}#cold`)).toBe(5);
    expect(none).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      attempts: 6,
      ThrottlingReasons: [{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: expect.stringContaining(`table/${table}`) }],
    });
    expect(await stored('hot', 'd')).toBeUndefined();
    // one unprocessed item, then the refused one on each of the SDK's six attempts
    expect(model.stats).toMatchObject({ throttledRequests: 7, retries: 5 });
  });

  it('serves a BatchGetItem key by key: those over their partition key come back in UnprocessedKeys with their read options', async () => {
    // Prepare: 3 RCU/s per partition key on a still clock; 5 KB items cost 2 RCU each read strongly
    const { clients, resources, model, probe } = await throttled(1000);
    const table = resources.tableName;
    const key = (date: string, k: string) => ({ date_prefix: date, file_key: k });
    for (const [date, k] of [
      ['hot', 'a'],
      ['hot', 'b'],
      ['hot', 'c'],
      ['cold', 'a'],
    ] as const)
      await probe.dynamo.send(new PutCommand({ TableName: table, Item: { ...key(date, k), body: 'x'.repeat(5 * KB) } }));
    const read = (keys: Record<string, string>[]) =>
      clients.dynamo.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'file_key' } } }),
      );

    // Act
    const partial = await read([key('hot', 'a'), key('hot', 'b'), key('hot', 'c'), key('cold', 'a')]);
    const none = await refusal(read([key('hot', 'c')]));

    // Assert
    expect(partial.Responses?.[table]?.map((i) => `${i.file_key}`).sort()).toEqual(['a', 'a', 'b']);
    expect(partial.UnprocessedKeys).toEqual({
      [table]: { Keys: [key('hot', 'c')], ConsistentRead: true, ProjectionExpression: 'file_key' },
    });
    expect(model.stats.consumedRcu.get(`${table}#hot`)).toBe(4);
    expect(model.stats.consumedRcu.get(`${table}#cold`)).toBe(2);
    expect(none).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      attempts: 6,
      ThrottlingReasons: [{ reason: 'TableReadKeyRangeThroughputExceeded', resource: expect.stringContaining(`table/${table}`) }],
    });
  });

  it('lets a refused batch succeed on the SDK’s retry once its partition has capacity again', async () => {
    // Prepare: 10 WCU/s; every throttled attempt moves the clock a second on
    const { clients, resources, model } = await throttled(100, true);
    const table = resources.tableName;
    const put = (key: string) => ({ PutRequest: { Item: { date_prefix: 'hot', file_key: key, body: 'x'.repeat(11 * KB) } } });
    await clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: [put('first')] } }));

    // Act
    const second = await clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: [put('second')] } }));

    // Assert
    expect(second.$metadata.attempts).toBe(2);
    expect(second.UnprocessedItems).toEqual({});
    expect(model.stats).toMatchObject({ throttledRequests: 1, retries: 1 });
  });

  it('fails PutRecords per record over a shard’s records per second, sending the rest', async () => {
    // Prepare: 10 records/s per shard
    const { clients, resources, model } = await throttled(100);
    const records = Array.from({ length: 12 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`{"n":${i}}`) }));

    // Act
    const result = await clients.kinesis.send(new PutRecordsCommand({ StreamName: resources.streamName, Records: records }));

    // Assert
    expect(result.FailedRecordCount).toBe(2);
    expect(result.Records?.slice(0, 10).every((r) => r.SequenceNumber && !r.ErrorCode)).toBe(true);
    expect(result.Records?.slice(10)).toEqual([
      {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${resources.streamName} under account 123456789012.`,
      },
      {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${resources.streamName} under account 123456789012.`,
      },
    ]);
    expect(model.stats.throttledRequests).toBe(2);
  });
});

type Typed = { S?: string; N?: string };
const native = (item: Record<string, Typed>) =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? Number(value.N)]));

describe('a batcher invocation under a throttled date', () => {
  it('waits out throttled file-item puts and unprocessed marker batches beyond the fixed attempts, within its time, instead of failing the records', async () => {
    // Prepare: the date's file-item puts are throttled nine times in a row, one more than a fixed budget of
    // attempts would sit through, and the marker batches come back unprocessed three times (as BatchWriteItem
    // answers a throttled partition); the invocation has a minute left
    const fx = await batcherFixture();
    let throttled = 0;
    let unprocessed = 0;
    aroundCommands(
      [fx.handlerClients.batcher.dynamoRaw],
      { name: 'throttleDate', step: 'finalizeRequest' },
      async ({ commandName, input }, proceed) => {
        if (commandName === 'BatchWriteItemCommand' && unprocessed < 3) {
          unprocessed += 1;
          // Below the document client's unmarshalling (deserialize step), so the items are given back as it would.
          const requests = Object.values(input.RequestItems as Record<string, { PutRequest: { Item: Record<string, Typed> } }[]>)[0]!;
          const UnprocessedItems = { [fx.config.tableName]: requests.map((r) => ({ PutRequest: { Item: native(r.PutRequest.Item) } })) };
          return { output: { UnprocessedItems, $metadata: { httpStatusCode: 200 } }, response: {} };
        }
        if (commandName !== 'PutItemCommand' || throttled >= 9) return proceed();
        throttled += 1;
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded.',
          $metadata: { httpStatusCode: 400 },
        });
      },
    );
    const events = await Promise.all([1, 2, 3].map((n) => fx.put(fileName(TODAY, n))));

    // Act
    const result = await fx.invoke(kinesisEvent(events));

    // Assert: no record failed (none spends an event source mapping retry), every file registered once
    expect(throttled).toBe(9);
    expect(unprocessed).toBe(3);
    expect(result.batchItemFailures).toEqual([]);
    expect(await fx.markersOf(TODAY)).toHaveLength(3);
    const items = await fx.itemsOf(TODAY);
    expect(items.filter((i) => i.kind === 'file').map((f) => f.status)).toEqual(['pending', 'pending', 'pending']);
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 3 });
  });
});

describe('finishing a manifest beside a registration transaction', () => {
  it('retries clearing the open manifest when the WINDOW item is held by a transaction, so the flush succeeds once', async () => {
    // Prepare: the batcher's plain updates of the WINDOW item are rejected three times, as while a registration
    // transaction of the same date holds it
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    let conflicts = 0;
    aroundCommands(
      [fx.handlerClients.batcher.dynamoRaw],
      { name: 'windowInTransaction', step: 'finalizeRequest' },
      async ({ commandName, input }, proceed) => {
        const key = input.Key as { file_key?: { S?: string } } | undefined;
        if (commandName !== 'UpdateItemCommand' || key?.file_key?.S !== 'WINDOW' || conflicts >= 3) return proceed();
        conflicts += 1;
        throw new TransactionConflictException({
          message: 'Transaction is ongoing for the item',
          $metadata: { httpStatusCode: 400 },
        });
      },
    );
    const events = await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))));

    // Act
    const result = await fx.invoke(kinesisEvent(events));

    // Assert: one manifest, started and finished (no open manifest left for the next holder to redo)
    expect(conflicts).toBe(3);
    expect(result.batchItemFailures).toEqual([]);
    expect(await fx.executions()).toHaveLength(1);
    const window = (await fx.itemsOf(TODAY)).find((i) => i.file_key === 'WINDOW');
    expect(window?.open_manifest).toBeUndefined();
    expect(window).toMatchObject({ pending_count: 0, manifest_seq: 1 });
  });
});
