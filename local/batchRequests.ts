import type { InitializeHandlerOutput, MetadataBearer } from '@smithy/types';
import type { CommandCall } from './clientMiddleware';
import type { Item, WriteTarget } from './dynamoBilling';

/**
 * DynamoDB's batch requests item by item: BatchWriteItem and BatchGetItem are not atomic, each of their
 * items is served (or not) on its own partition, and what is not served comes back in `UnprocessedItems` /
 * `UnprocessedKeys` while the request succeeds
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). The throttling
 * model (local/throttling.ts) uses these to send the emulator only the items it admits and to answer the
 * others as unprocessed, as DynamoDB does.
 */

type Result = InitializeHandlerOutput<MetadataBearer>;

const BATCH_COMMANDS = ['BatchWriteItemCommand', 'BatchGetItemCommand'] as const;

export const isBatch = (commandName: string) => (BATCH_COMMANDS as readonly string[]).includes(commandName);

/** One item of a batch: its table, its place in the table's list, and what it does to the item. */
export interface BatchEntry extends WriteTarget {
  position: number;
  kind: 'put' | 'delete' | 'check';
}

type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
type KeysAndAttributes = { Keys?: Item[] } & Record<string, unknown>;

/**
 * The items of a batch, in order. A read is a `check` (it names a key and writes nothing); a write is a put
 * or a delete (BatchWriteItem has no updates and no conditions).
 */
export function batchEntries(call: CommandCall): BatchEntry[] {
  const requested = (call.input.RequestItems as Record<string, unknown> | undefined) ?? {};
  if (call.commandName === 'BatchWriteItemCommand')
    return Object.entries(requested as Record<string, WriteRequest[]>).flatMap(([table, writes]) =>
      writes.flatMap((write, position): BatchEntry[] => {
        if (write.PutRequest) return [{ table, position, key: write.PutRequest.Item, written: write.PutRequest.Item, kind: 'put' }];
        if (write.DeleteRequest) return [{ table, position, key: write.DeleteRequest.Key, kind: 'delete' }];
        return [];
      }),
    );
  return Object.entries(requested as Record<string, KeysAndAttributes>).flatMap(([table, request]) =>
    (request.Keys ?? []).map((key, position): BatchEntry => ({ table, position, key, kind: 'check' })),
  );
}

/**
 * `RequestItems` with only the entries `keep` holds, by table and position. It works on the SDK's input and on
 * the JSON sent on the wire alike: both list a table's items in the same order.
 */
export function keepEntries(
  commandName: string,
  requestItems: Record<string, unknown>,
  keep: ReadonlySet<string>,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [table, request] of Object.entries(requestItems)) {
    const held = (_: unknown, position: number) => keep.has(entryName(table, position));
    if (commandName === 'BatchWriteItemCommand') {
      const writes = (request as unknown[]).filter(held);
      if (writes.length > 0) kept[table] = writes;
    } else {
      const keys = ((request as KeysAndAttributes).Keys ?? []).filter(held);
      if (keys.length > 0) kept[table] = { ...(request as KeysAndAttributes), Keys: keys };
    }
  }
  return kept;
}

export const entryName = (table: string, position: number) => `${table}\u0000${position}`;

export class BatchBodyError extends Error {
  constructor(
    readonly commandName: string,
    readonly bodyType: string,
  ) {
    super(`cannot send part of a ${commandName}: its serialized body is a ${bodyType}, not DynamoDB's JSON text or bytes`);
    this.name = 'BatchBodyError';
  }
}

/**
 * Sends the batch with only the entries in `keep`: both the command's input (which middleware further in
 * reads) and the serialized JSON body (which is sent) are cut to them, and put back afterwards, since the
 * SDK's retry loop sends the same request object again.
 */
export async function sendOnly(call: CommandCall, keep: ReadonlySet<string>, proceed: () => Promise<Result>): Promise<Result> {
  const request = call.request;
  const body: unknown = request?.body;
  // The SDK serializes DynamoDB's JSON as text or, in recent versions, as UTF-8 bytes; what is sent keeps its kind.
  const bytes = body instanceof Uint8Array;
  if (!request || !(bytes || typeof body === 'string')) throw new BatchBodyError(call.commandName, typeof body);
  const input = call.input.RequestItems as Record<string, unknown>;
  const length = request.headers['content-length'];
  const wire = JSON.parse(bytes ? new TextDecoder().decode(body) : String(body)) as { RequestItems: Record<string, unknown> };
  const cut = JSON.stringify({ ...wire, RequestItems: keepEntries(call.commandName, wire.RequestItems, keep) });
  call.input.RequestItems = keepEntries(call.commandName, input, keep);
  request.body = bytes ? new TextEncoder().encode(cut) : cut;
  if (length !== undefined) request.headers['content-length'] = String(Buffer.byteLength(cut));
  try {
    return await proceed();
  } finally {
    call.input.RequestItems = input;
    request.body = body;
    if (length !== undefined) request.headers['content-length'] = length;
  }
}

/**
 * The answer DynamoDB gives when it did not serve `refused`: they join whatever the emulator left
 * unprocessed, as the caller wrote them in `requested` (a write request, or the table's keys with its read
 * options), so the caller can send `UnprocessedItems` / `UnprocessedKeys` back as they are. `requested` is
 * the caller's own RequestItems: a DynamoDB document client marshals the input before it is sent and
 * unmarshals the output before a finalizeRequest middleware sees it, so the items answered must be in the
 * caller's form, not the marshalled one sent. A table none of whose keys was read still answers an empty
 * list of items, as for keys that exist nowhere.
 */
export function withUnprocessed(
  commandName: string,
  requested: Record<string, unknown>,
  output: Record<string, unknown>,
  refused: readonly BatchEntry[],
): Record<string, unknown> {
  if (commandName === 'BatchWriteItemCommand') {
    const unprocessed = { ...((output.UnprocessedItems as Record<string, unknown[]> | undefined) ?? {}) };
    for (const entry of refused)
      unprocessed[entry.table] = [...(unprocessed[entry.table] ?? []), (requested[entry.table] as unknown[])[entry.position]];
    return { ...output, UnprocessedItems: unprocessed };
  }
  const unprocessed = { ...((output.UnprocessedKeys as Record<string, KeysAndAttributes> | undefined) ?? {}) };
  for (const entry of refused) {
    const { Keys: all = [], ...options } = requested[entry.table] as KeysAndAttributes;
    const keys = unprocessed[entry.table]?.Keys ?? [];
    unprocessed[entry.table] = { ...options, Keys: [...keys, all[entry.position] as Item] };
  }
  const responses = { ...((output.Responses as Record<string, Item[]> | undefined) ?? {}) };
  for (const table of Object.keys(requested)) responses[table] ??= [];
  return { ...output, Responses: responses, UnprocessedKeys: unprocessed };
}
