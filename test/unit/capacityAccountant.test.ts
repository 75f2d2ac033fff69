import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_KEYS, WINDOW_KEY, WINDOWS_INDEX } from '../../contracts/trackingSchema';
import { dynamoItemBytes } from '../../local/awsLimits';
import { CapacityAccountant, chargedItem, totalUnits, unitsBy } from '../../local/capacityAccountant';
import { type Item, type ItemSource, itemId } from '../../local/dynamoBilling';

const TABLE = 'tracking';
const DATE = '2026-01-01';
const SHAPE = { table: TABLE_KEYS, indexes: [{ name: WINDOWS_INDEX.name, hash: WINDOWS_INDEX.hash, range: WINDOWS_INDEX.range }] };

/**
 * An item of exactly `bytes` bytes as DynamoDB sizes it: `date_prefix` (11) + the date (10), `file_key` (8)
 * + the key, `payload` (7) + as many characters as make up the rest.
 */
function itemOf(key: string, bytes: number, extra: Item = {}): Item {
  const base: Item = { date_prefix: { S: DATE }, file_key: { S: key }, ...extra, payload: { S: '' } };
  const padding = bytes - dynamoItemBytes(base);
  if (padding < 0) throw new RangeError(`an item of ${bytes} bytes cannot hold its keys`);
  return { ...base, payload: { S: 'x'.repeat(padding) } };
}

const keyOf = (key: string): Item => ({ date_prefix: { S: DATE }, file_key: { S: key } });

/** A table in memory: the accountant reads its images; each request's effect is the test's `apply`. */
function world(items: Item[] = []) {
  const table = new Map(items.map((item) => [itemId(TABLE, item, TABLE_KEYS), item]));
  const pages: Item[][] = [];
  const source: ItemSource = {
    items: async (name, keys) =>
      keys.flatMap((k): Item[] => {
        const found = table.get(itemId(name, k, TABLE_KEYS));
        return found ? [found] : [];
      }),
    page: async () => pages.shift() ?? [],
  };
  const accountant = new CapacityAccountant(SHAPE, source);
  const send = (commandName: string, input: Record<string, unknown>, apply: () => Record<string, unknown> = () => ({})) =>
    accountant.send({ commandName, input: { TableName: TABLE, ...input } }, async () => ({
      output: { $metadata: {}, ...apply() },
      response: {},
    }));
  /** Writes `item` and answers as a write without ReturnValues does: nothing. */
  const put = (item: Item) => {
    table.set(itemId(TABLE, item, TABLE_KEYS), item);
    return {};
  };
  return { accountant, send, put, pages };
}

describe('the capacity accountant bills requests as DynamoDB does', () => {
  it('bills a put of a 1,537-byte item 2 WCU on its partition key and item', async () => {
    // Arrange
    const w = world();
    const item = itemOf('a.ndjson', 1537);

    // Act
    await w.send('PutItemCommand', { Item: item }, () => w.put(item));

    // Assert
    expect(w.accountant.take()).toEqual([
      { capacity: 'write', operation: 'PutItem', table: TABLE, partition: DATE, item: 'a.ndjson', units: 2 },
    ]);
  });

  it('sizes an update by the larger image: 500 bytes before, 2,100 after is 3 WCU', async () => {
    // Arrange
    const w = world([itemOf('a.ndjson', 500)]);

    // Act
    await w.send('UpdateItemCommand', { Key: keyOf('a.ndjson'), UpdateExpression: 'SET payload = :p' }, () =>
      w.put(itemOf('a.ndjson', 2100)),
    );

    // Assert
    expect(totalUnits(w.accountant.take(), 'write')).toBe(3);
  });

  it('bills every item of a transaction twice: 3 items under 1 KB are 6 WCU', async () => {
    // Arrange
    const w = world([itemOf('c.ndjson', 300)]);
    const items = [itemOf('a.ndjson', 900), itemOf('b.ndjson', 1000)];

    // Act
    await w.send('TransactWriteItemsCommand', {
      TransactItems: [
        ...items.map((Item) => ({ Put: { TableName: TABLE, Item } })),
        { Delete: { TableName: TABLE, Key: keyOf('c.ndjson') } },
      ],
    });

    // Assert
    const charges = w.accountant.take();
    expect(charges.map((c) => c.units)).toEqual([2, 2, 2]);
    expect(charges.every((c) => c.operation === 'TransactWriteItems')).toBe(true);
  });

  it('bills a write refused by its condition, on the larger of the item there and the one it would have written', async () => {
    // Arrange: a 3,000-byte item already there; the put would have written 100 bytes
    const w = world([itemOf('a.ndjson', 3000)]);
    const refused = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

    // Act
    const sent = w.accountant.send(
      {
        commandName: 'PutItemCommand',
        input: { TableName: TABLE, Item: itemOf('a.ndjson', 100), ConditionExpression: 'attribute_not_exists(file_key)' },
      },
      async () => {
        throw refused;
      },
    );

    // Assert
    await expect(sent).rejects.toBe(refused);
    expect(w.accountant.take()).toEqual([
      { capacity: 'write', operation: 'PutItem', table: TABLE, partition: DATE, item: 'a.ndjson', units: 3 },
    ]);
  });

  it('bills a batch write item by item, and nothing for an unprocessed item', async () => {
    // Arrange: puts of 100 and 1,100 bytes, a delete of a 2,500-byte item, a put DynamoDB leaves unprocessed
    const w = world([itemOf('gone.ndjson', 2500)]);
    const later = itemOf('later.ndjson', 5000);
    const writes = [
      { PutRequest: { Item: itemOf('a.ndjson', 100) } },
      { PutRequest: { Item: itemOf('b.ndjson', 1100) } },
      { DeleteRequest: { Key: keyOf('gone.ndjson') } },
      { PutRequest: { Item: later } },
    ];

    // Act
    await w.send('BatchWriteItemCommand', { RequestItems: { [TABLE]: writes } }, () => ({
      UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: later } }] },
    }));

    // Assert: 1 + 2 + 3
    const charges = w.accountant.take();
    expect(charges.map((c) => [c.item, c.units])).toEqual([
      ['a.ndjson', 1],
      ['b.ndjson', 2],
      ['gone.ndjson', 3],
    ]);
  });

  it('bills a Query page on the sum of its items, rounded once to 4 KB', async () => {
    // Arrange: 3 items of 1,500 bytes, 4,500 bytes in all
    const w = world();
    const items = ['a', 'b', 'c'].map((k) => itemOf(k, 1500));
    const query = {
      KeyConditionExpression: '#pk = :date',
      ExpressionAttributeNames: { '#pk': 'date_prefix' },
      ExpressionAttributeValues: { ':date': { S: DATE } },
    };

    // Act
    await w.send('QueryCommand', { ...query, ConsistentRead: true }, () => ({ Items: items }));
    await w.send('QueryCommand', query, () => ({ Items: items }));

    // Assert: 2 RCU strongly consistent, 1 eventually, on the date's partition and no single item
    expect(w.accountant.take()).toEqual([
      { capacity: 'read', operation: 'Query', table: TABLE, partition: DATE, units: 2 },
      { capacity: 'read', operation: 'Query', table: TABLE, partition: DATE, units: 1 },
    ]);
  });

  it('bills a projected or filtered Query on the whole items it read, not the attributes it returned', async () => {
    // Arrange: the page read 2 items of 3,000 bytes; the filter returned only keys of one
    const w = world();
    w.pages.push([itemOf('a', 3000), itemOf('b', 3000)]);

    // Act
    await w.send(
      'QueryCommand',
      {
        KeyConditionExpression: 'date_prefix = :date',
        FilterExpression: '#s = :pending',
        ProjectionExpression: 'file_key',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':date': { S: DATE }, ':pending': { S: 'pending' } },
        ConsistentRead: true,
      },
      () => ({ Items: [{ file_key: { S: 'a' } }] }),
    );

    // Assert: 6,000 bytes are 2 units
    expect(totalUnits(w.accountant.take(), 'read')).toBe(2);
  });

  it('bills GetItem per item, a missing item at the minimum, and TransactGetItems twice', async () => {
    // Arrange
    const big = itemOf('big', 5000);
    const w = world([big]);

    // Act
    await w.send('GetItemCommand', { Key: keyOf('big'), ConsistentRead: true }, () => ({ Item: big }));
    await w.send('GetItemCommand', { Key: keyOf('none') }, () => ({}));
    await w.send('TransactGetItemsCommand', { TransactItems: [{ Get: { TableName: TABLE, Key: keyOf('big') } }] }, () => ({
      Responses: [{ Item: big }],
    }));

    // Assert: 5,000 bytes are 2 strong units; nothing is half a unit eventually; 2 units twice
    expect(w.accountant.take().map((c) => c.units)).toEqual([2, 0.5, 4]);
  });

  it('writes the WINDOW item on its date partition and the `windows` index partition both', async () => {
    // Arrange: a window of 300 bytes, 1,200 bytes once updated; a second date's window created in a transaction
    const indexKeys = { window_pk: { S: WINDOW_KEY } };
    const w = world([itemOf(WINDOW_KEY, 300, indexKeys)]);
    const otherWindow: Item = { date_prefix: { S: '2026-01-02' }, file_key: { S: WINDOW_KEY }, window_pk: { S: WINDOW_KEY } };

    // Act
    await w.send('UpdateItemCommand', { Key: keyOf(WINDOW_KEY), UpdateExpression: 'ADD pending_count :n' }, () =>
      w.put(itemOf(WINDOW_KEY, 1200, indexKeys)),
    );
    const update = w.accountant.take();
    await w.send('TransactWriteItemsCommand', { TransactItems: [{ Put: { TableName: TABLE, Item: otherWindow } }] });
    const created = w.accountant.take();

    // Assert: 2 WCU on the table and 2 on the index; in a transaction the table's write doubles, the index's does not
    expect(update).toEqual([
      { capacity: 'write', operation: 'UpdateItem', table: TABLE, partition: DATE, item: WINDOW_KEY, units: 2 },
      {
        capacity: 'write',
        operation: 'UpdateItem',
        table: TABLE,
        index: WINDOWS_INDEX.name,
        partition: WINDOW_KEY,
        item: WINDOW_KEY,
        units: 2,
      },
    ]);
    expect(unitsBy(created, (c) => c.index ?? 'table')).toEqual(
      new Map([
        ['table', 2],
        [WINDOWS_INDEX.name, 1],
      ]),
    );
    expect(created.map(chargedItem)).toEqual([`${TABLE}#2026-01-02#${WINDOW_KEY}`, `${TABLE}/windows#${WINDOW_KEY}#${WINDOW_KEY}`]);
  });

  it('does not write the index for an item without its keys, nor for a refused write', async () => {
    // Arrange
    const w = world([itemOf(WINDOW_KEY, 300, { window_pk: { S: WINDOW_KEY } })]);

    // Act
    await w.send('PutItemCommand', { Item: itemOf('file.ndjson', 200) }, () => ({}));
    await w
      .send('UpdateItemCommand', { Key: keyOf(WINDOW_KEY), ConditionExpression: 'attribute_not_exists(file_key)' }, () => {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      })
      .catch(() => undefined);

    // Assert
    expect(w.accountant.take().filter((c) => c.index !== undefined)).toEqual([]);
  });
});
