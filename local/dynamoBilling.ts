import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { dynamoItemBytes, type KeySchema } from './awsLimits';
import { queryReadUnits, type ReadConsistency, readUnits, writeUnits } from './capacityModel';
import type { CommandCall } from './clientMiddleware';

/**
 * What one DynamoDB request consumes, unit by unit, as DynamoDB bills it, and where each unit lands (the
 * table or index, the partition key, the single item). Shared by the throttling model
 * (local/throttling.ts), which holds partitions and items to their rates, and the capacity accountant
 * (local/capacityAccountant.ts), which reports them (issue 14: WCU per file on a date's partition key).
 *
 * The rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * - item size is the attribute names' UTF-8 bytes plus the values' (local/awsLimits.ts dynamoItemBytes);
 * - a write costs 1 WCU per KB rounded up, sized by the larger of the item before and after it (an update,
 *   a delete, a put over an existing item); a conditional write that fails still consumes, sized the same;
 * - BatchWriteItem bills each put or delete as its own write; unprocessed items consume nothing;
 * - a read costs 1 RCU per 4 KB rounded up (eventual 0.5, strong 1, transactional 2); GetItem and each item
 *   of BatchGetItem are rounded one by one, a Query or Scan page sums the items it reads (whole items, before
 *   any filter or projection) and rounds once; a read of no item still costs the minimum unit;
 * - inside TransactWriteItems / TransactGetItems every item costs twice (prepare and commit:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling),
 *   ConditionCheck included;
 * - a global secondary index is written when the item is in it before or after the write (it carries the
 *   index's keys): one write sized like the table's when the index key stays, a delete plus a put when it
 *   changes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
 *   This table's only index projects ALL attributes, so an index entry is the size of its item. Index
 *   writes are not doubled in a transaction: the index is updated from the committed item.
 *
 * The item images before and after a write come from an ItemSource: against the emulator, a probe client
 * that reads them strongly consistent outside any middleware (not ReturnValues, which would change the
 * request the code sends and its answer, and gives one image only; not a shadow model of the table, which
 * would have to evaluate every UpdateExpression as DynamoDB does). The images are exact as long as no other
 * writer changes the same item between the probe and the write, which holds for one benchmark invocation at
 * a time; under concurrent writers an image may be a neighbour's, off by the size difference of two writes.
 */

export type Item = Record<string, AttributeValue>;

export interface IndexShape {
  name: string;
  hash: string;
  range?: string;
}

/** The tables' primary key and their global secondary indexes (one schema for the local world). */
export interface TableShape {
  table: KeySchema;
  indexes: readonly IndexShape[];
}

/** One billed amount: `units` of read or write capacity on one partition key of a table or index. */
export interface Charge {
  capacity: 'read' | 'write';
  /** The operation as DynamoDB names it: PutItem, TransactWriteItems, Query, … */
  operation: string;
  table: string;
  /** Set when the units land on a global secondary index. */
  index?: string;
  /** The partition key value (of the index, for an index charge). */
  partition: string;
  /** The sort key of the base item the units land on; absent for a Query or Scan page, which reads a range. */
  item?: string;
  units: number;
}

/** An item a write names: what it writes in full (Put), or only its key (Update, Delete, ConditionCheck). */
export interface WriteTarget {
  table: string;
  key: Item;
  written?: Item;
  kind: 'put' | 'update' | 'delete' | 'check';
}

/** Reads whole item images outside the accounting: strongly consistent, never throttled, never billed. */
export interface ItemSource {
  items(table: string, keys: readonly Item[]): Promise<Item[]>;
  /** The items a Query or Scan page read, whole, as if it had no filter, projection or Select. */
  page(operation: 'Query' | 'Scan', input: Record<string, unknown>): Promise<Item[]>;
}

/** A key value as names show it: the string or number itself (the table's keys are strings). */
export const keyText = (value: AttributeValue | undefined) => value?.S ?? value?.N ?? JSON.stringify(value ?? null);

export function keyOf(item: Item, schema: KeySchema): Item {
  const key: Item = {};
  const hash = item[schema.hash];
  if (hash) key[schema.hash] = hash;
  const range = schema.range ? item[schema.range] : undefined;
  if (schema.range && range) key[schema.range] = range;
  return key;
}

/** One item's identity across tables: `table#partition#sort`. */
export function itemId(table: string, item: Item, schema: KeySchema): string {
  return `${table}#${keyText(item[schema.hash])}#${schema.range ? keyText(item[schema.range]) : ''}`;
}

export function isConditionFailure(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  if (name === 'ConditionalCheckFailedException') return true;
  if (name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return false;
}

type Operation = Record<string, Record<string, unknown> | undefined>;

export function transactTargets(input: Record<string, unknown>): WriteTarget[] {
  const operations = (input.TransactItems as Operation[] | undefined) ?? [];
  return operations.flatMap((operation): WriteTarget[] => {
    if (operation.Put)
      return [
        { table: String(operation.Put.TableName), key: operation.Put.Item as Item, written: operation.Put.Item as Item, kind: 'put' },
      ];
    if (operation.Update) return [{ table: String(operation.Update.TableName), key: operation.Update.Key as Item, kind: 'update' }];
    if (operation.Delete) return [{ table: String(operation.Delete.TableName), key: operation.Delete.Key as Item, kind: 'delete' }];
    if (operation.ConditionCheck)
      return [{ table: String(operation.ConditionCheck.TableName), key: operation.ConditionCheck.Key as Item, kind: 'check' }];
    return [];
  });
}

type WriteRequests = Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>;

function batchWriteTargets(requests: WriteRequests | undefined): WriteTarget[] {
  return Object.entries(requests ?? {}).flatMap(([table, writes]) =>
    writes.flatMap((write): WriteTarget[] => {
      if (write.PutRequest) return [{ table, key: write.PutRequest.Item, written: write.PutRequest.Item, kind: 'put' }];
      if (write.DeleteRequest) return [{ table, key: write.DeleteRequest.Key, kind: 'delete' }];
      return [];
    }),
  );
}

/** The items a write request names, and whether it is a transaction; null for a request that writes nothing. */
export function writeTargets(call: CommandCall): { targets: WriteTarget[]; transactional: boolean } | null {
  const { commandName, input } = call;
  switch (commandName) {
    case 'PutItemCommand':
      return {
        targets: [{ table: String(input.TableName), key: input.Item as Item, written: input.Item as Item, kind: 'put' }],
        transactional: false,
      };
    case 'UpdateItemCommand':
      return { targets: [{ table: String(input.TableName), key: input.Key as Item, kind: 'update' }], transactional: false };
    case 'DeleteItemCommand':
      return { targets: [{ table: String(input.TableName), key: input.Key as Item, kind: 'delete' }], transactional: false };
    case 'TransactWriteItemsCommand':
      return { targets: transactTargets(input), transactional: true };
    case 'BatchWriteItemCommand':
      return { targets: batchWriteTargets(input.RequestItems as WriteRequests), transactional: false };
    default:
      return null;
  }
}

/** The current images of the targets' items, by itemId. */
export async function currentImages(source: ItemSource, schema: KeySchema, targets: readonly WriteTarget[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const byTable = new Map<string, Item[]>();
  for (const t of targets) byTable.set(t.table, [...(byTable.get(t.table) ?? []), keyOf(t.key, schema)]);
  for (const [table, keys] of byTable) for (const item of await source.items(table, keys)) found.set(itemId(table, item, schema), item);
  return found;
}

const bytesOf = (item: Item | undefined) => (item ? dynamoItemBytes(item) : 0);

/** The index entry an item image has: its index key, or none when the item lacks one of the index's keys. */
function indexEntry(index: IndexShape, image: Item | undefined): string | null {
  const hash = image?.[index.hash];
  if (!hash) return null;
  if (!index.range) return keyText(hash);
  const range = image?.[index.range];
  return range ? `${keyText(hash)}\u0000${keyText(range)}` : null;
}

/**
 * The units a write consumed, item by item. `before` and `after` hold the images read around it; after a
 * condition failure nothing was written (`failed`), and the units are sized on the image before and what a
 * put would have written.
 */
export function writeCharges(
  shape: TableShape,
  operation: string,
  targets: readonly WriteTarget[],
  before: ReadonlyMap<string, Item>,
  after: ReadonlyMap<string, Item>,
  outcome: { transactional: boolean; failed: boolean },
): Charge[] {
  const charges: Charge[] = [];
  for (const target of targets) {
    const id = itemId(target.table, target.key, shape.table);
    const old = before.get(id);
    const next = target.kind === 'put' ? target.written : target.kind === 'update' && !outcome.failed ? after.get(id) : undefined;
    const sortKey = shape.table.range ? keyText(target.key[shape.table.range]) : '';
    charges.push({
      capacity: 'write',
      operation,
      table: target.table,
      partition: keyText(target.key[shape.table.hash]),
      item: sortKey,
      units: writeUnits(Math.max(bytesOf(old), bytesOf(next)), outcome.transactional),
    });
    if (outcome.failed || target.kind === 'check') continue;
    const written = target.kind === 'delete' ? undefined : next;
    for (const index of shape.indexes) {
      const from = indexEntry(index, old);
      const to = indexEntry(index, written);
      const charge = (image: Item, bytes: number) =>
        charges.push({
          capacity: 'write',
          operation,
          table: target.table,
          index: index.name,
          partition: keyText(image[index.hash]),
          item: sortKey,
          units: writeUnits(bytes),
        });
      if (from !== null && from === to && old && written) charge(written, Math.max(bytesOf(old), bytesOf(written)));
      else {
        if (from !== null && old) charge(old, bytesOf(old));
        if (to !== null && written) charge(written, bytesOf(written));
      }
    }
  }
  return charges;
}

const consistencyOf = (input: Record<string, unknown>): ReadConsistency => (input.ConsistentRead ? 'strong' : 'eventual');

/** The partition key value a Query names: `<name> = :value` in its KeyConditionExpression. */
export function queriedPartition(input: Record<string, unknown>, hash: string): AttributeValue | undefined {
  const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const values = (input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined) ?? {};
  const condition = String(input.KeyConditionExpression ?? '');
  for (const match of condition.matchAll(/([#\w.]+)\s*=\s*(:\w+)/g)) {
    const [, name = '', placeholder = ''] = match;
    if ((names[name] ?? name) === hash) return values[placeholder];
  }
  return undefined;
}

/** Whole images of the keys a read returned, when a projection left only some of their attributes. */
async function wholeItems(source: ItemSource, schema: KeySchema, table: string, input: Record<string, unknown>, found: Item[]) {
  if (!input.ProjectionExpression || found.length === 0) return found;
  return source.items(
    table,
    found.map((item) => keyOf(item, schema)),
  );
}

type KeysAndAttributes = { Keys?: Item[]; ConsistentRead?: boolean; ProjectionExpression?: string };

/** The units a read consumed, given what it answered (`output`). */
export async function readCharges(
  shape: TableShape,
  source: ItemSource,
  call: CommandCall,
  output: Record<string, unknown>,
): Promise<Charge[]> {
  const { commandName, input } = call;
  const schema = shape.table;
  const sortOf = (item: Item) => (schema.range ? keyText(item[schema.range]) : '');
  const single = (operation: string, table: string, key: Item, item: Item | undefined, consistency: ReadConsistency): Charge => ({
    capacity: 'read',
    operation,
    table,
    partition: keyText(key[schema.hash]),
    item: sortOf(key),
    units: readUnits(bytesOf(item), consistency),
  });
  switch (commandName) {
    case 'GetItemCommand': {
      const table = String(input.TableName);
      const key = input.Key as Item;
      const found = output.Item ? await wholeItems(source, schema, table, input, [output.Item as Item]) : [];
      return [single('GetItem', table, key, found[0], consistencyOf(input))];
    }
    case 'BatchGetItemCommand': {
      const requested = (input.RequestItems as Record<string, KeysAndAttributes> | undefined) ?? {};
      const unprocessed = (output.UnprocessedKeys as Record<string, KeysAndAttributes> | undefined) ?? {};
      const responses = (output.Responses as Record<string, Item[]> | undefined) ?? {};
      const charges: Charge[] = [];
      for (const [table, request] of Object.entries(requested)) {
        const skipped = new Set((unprocessed[table]?.Keys ?? []).map((k) => itemId(table, k, schema)));
        const found = await wholeItems(source, schema, table, request as Record<string, unknown>, responses[table] ?? []);
        const byId = new Map(found.map((item) => [itemId(table, item, schema), item]));
        for (const key of request.Keys ?? []) {
          const id = itemId(table, key, schema);
          if (skipped.has(id)) continue;
          charges.push(single('BatchGetItem', table, key, byId.get(id), request.ConsistentRead ? 'strong' : 'eventual'));
        }
      }
      return charges;
    }
    case 'TransactGetItemsCommand': {
      const gets = (input.TransactItems as { Get?: { TableName: string; Key: Item; ProjectionExpression?: string } }[] | undefined) ?? [];
      const responses = (output.Responses as { Item?: Item }[] | undefined) ?? [];
      const charges: Charge[] = [];
      for (const [i, { Get }] of gets.entries()) {
        if (!Get) continue;
        const answered = responses[i]?.Item;
        const found = answered ? await wholeItems(source, schema, Get.TableName, Get, [answered]) : [];
        charges.push(single('TransactGetItems', Get.TableName, Get.Key, found[0], 'transactional'));
      }
      return charges;
    }
    case 'QueryCommand':
    case 'ScanCommand': {
      const operation = commandName === 'QueryCommand' ? 'Query' : 'Scan';
      const table = String(input.TableName);
      const indexName = input.IndexName as string | undefined;
      const narrowed = input.ProjectionExpression || input.FilterExpression || input.Select;
      const items = narrowed ? await source.page(operation, input) : ((output.Items as Item[] | undefined) ?? []);
      const index = indexName ? shape.indexes.find((i) => i.name === indexName) : undefined;
      const hash = index ? index.hash : schema.hash;
      const value = operation === 'Query' ? queriedPartition(input, hash) : undefined;
      return [
        {
          capacity: 'read',
          operation,
          table,
          ...(indexName ? { index: indexName } : {}),
          // A Scan reads across partitions; its units are not any one partition key's.
          partition: value ? keyText(value) : '*',
          units: queryReadUnits(items.map(bytesOf), consistencyOf(input)),
        },
      ];
    }
    default:
      return [];
  }
}

/** Only the names and values an expression uses: DynamoDB refuses a request that defines unused ones. */
function usedBy(expressions: readonly string[], input: Record<string, unknown>) {
  const text = expressions.join(' ');
  const pick = (map: unknown) =>
    Object.fromEntries(
      Object.entries((map as Record<string, unknown> | undefined) ?? {}).filter(([name]) => new RegExp(`${name}\\b`).test(text)),
    );
  const names = pick(input.ExpressionAttributeNames);
  const values = pick(input.ExpressionAttributeValues);
  return {
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names as Record<string, string> } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values as Record<string, AttributeValue> } : {}),
  };
}

/** An ItemSource over a client that no middleware of the accounting or the throttling is installed on. */
export function probeItemSource(probe: DynamoDBClient): ItemSource {
  return {
    async items(table, keys) {
      const found: Item[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
          [table]: { Keys: keys.slice(i, i + 100), ConsistentRead: true },
        };
        while (request && Object.keys(request).length > 0) {
          const page = await probe.send(new BatchGetItemCommand({ RequestItems: request }));
          found.push(...((page.Responses?.[table] ?? []) as Item[]));
          request = page.UnprocessedKeys as typeof request;
        }
      }
      return found;
    },
    async page(operation, input) {
      // The same page (same start key and Limit, which DynamoDB applies before a filter) with every item whole.
      const keyCondition = typeof input.KeyConditionExpression === 'string' ? [input.KeyConditionExpression] : [];
      const common = {
        TableName: String(input.TableName),
        ...(input.IndexName ? { IndexName: String(input.IndexName) } : {}),
        ...(input.ExclusiveStartKey ? { ExclusiveStartKey: input.ExclusiveStartKey as Item } : {}),
        ...(input.Limit ? { Limit: Number(input.Limit) } : {}),
        ...(input.ConsistentRead ? { ConsistentRead: true } : {}),
        ...usedBy(keyCondition, input),
      };
      const page =
        operation === 'Query'
          ? await probe.send(
              new QueryCommand({
                ...common,
                KeyConditionExpression: keyCondition[0],
                ...(input.ScanIndexForward === false ? { ScanIndexForward: false } : {}),
              }),
            )
          : await probe.send(new ScanCommand(common));
      return (page.Items ?? []) as Item[];
    },
  };
}
