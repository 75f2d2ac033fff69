import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchBodyError, batchEntries, entryName, keepEntries, sendOnly, withUnprocessed } from '../../local/batchRequests';
import type { CommandCall } from '../../local/clientMiddleware';

const put = (pk: string, sk: string) => ({ PutRequest: { Item: { date_prefix: { S: pk }, file_key: { S: sk }, body: { S: 'x' } } } });
const del = (pk: string, sk: string) => ({ DeleteRequest: { Key: { date_prefix: { S: pk }, file_key: { S: sk } } } });
const key = (pk: string, sk: string) => ({ date_prefix: { S: pk }, file_key: { S: sk } });

function writeCall(): CommandCall {
  return {
    commandName: 'BatchWriteItemCommand',
    input: { RequestItems: { t1: [put('a', '1'), del('a', '2'), put('b', '3')], t2: [del('c', '4')] } },
  };
}

function getCall(): CommandCall {
  return {
    commandName: 'BatchGetItemCommand',
    input: {
      RequestItems: {
        t1: { Keys: [key('a', '1'), key('a', '2')], ConsistentRead: true, ProjectionExpression: 'file_key' },
        t2: { Keys: [key('c', '4')] },
      },
    },
  };
}

describe('batch requests item by item', () => {
  it("lists a batch's items by table and position: puts, deletes, and the keys a read names", () => {
    // Act
    const writes = batchEntries(writeCall());
    const reads = batchEntries(getCall());

    // Assert
    expect(writes.map((e) => [e.table, e.position, e.kind])).toEqual([
      ['t1', 0, 'put'],
      ['t1', 1, 'delete'],
      ['t1', 2, 'put'],
      ['t2', 0, 'delete'],
    ]);
    expect(writes[0]?.written).toEqual(put('a', '1').PutRequest.Item);
    expect(reads.map((e) => [e.table, e.position, e.kind, e.key])).toEqual([
      ['t1', 0, 'check', key('a', '1')],
      ['t1', 1, 'check', key('a', '2')],
      ['t2', 0, 'check', key('c', '4')],
    ]);
  });

  it("keeps a read's options with the keys it keeps, and drops a table left without keys", () => {
    // Arrange
    const call = getCall();

    // Act
    const kept = keepEntries(call.commandName, call.input.RequestItems as Record<string, unknown>, new Set([entryName('t1', 1)]));

    // Assert
    expect(kept).toEqual({ t1: { Keys: [key('a', '2')], ConsistentRead: true, ProjectionExpression: 'file_key' } });
  });

  it('answers refused keys as UnprocessedKeys with their read options, beside what the emulator left', () => {
    // Arrange
    const call = getCall();
    const [first, , other] = batchEntries(call);
    const output = { $metadata: {}, Responses: { t1: [] }, UnprocessedKeys: { t1: { Keys: [key('a', '9')], ConsistentRead: true } } };

    // Act
    const answered = withUnprocessed(
      call.commandName,
      call.input.RequestItems as Record<string, unknown>,
      output,
      [first, other].filter((e) => e !== undefined),
    );

    // Assert
    expect(answered.UnprocessedKeys).toEqual({
      t1: { Keys: [key('a', '9'), key('a', '1')], ConsistentRead: true, ProjectionExpression: 'file_key' },
      t2: { Keys: [key('c', '4')] },
    });
    expect(answered.Responses).toEqual({ t1: [], t2: [] });
  });

  it('answers refused items in the form the caller wrote them, not the marshalled form sent', () => {
    // Arrange: a document client's call: native values as written, AttributeValues as sent
    const sent = writeCall();
    const written = { t1: [{ PutRequest: { Item: { date_prefix: 'a', file_key: '1', body: 'x' } } }, {}, {}], t2: [{}] };
    const [first] = batchEntries(sent);

    // Act
    const answered = withUnprocessed(sent.commandName, written, { $metadata: {}, UnprocessedItems: {} }, first ? [first] : []);

    // Assert
    expect(answered.UnprocessedItems).toEqual({ t1: [{ PutRequest: { Item: { date_prefix: 'a', file_key: '1', body: 'x' } } }] });
  });

  it('sends every item exactly once or answers it unprocessed, whichever items are refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (tables, write) => {
          // Arrange: tables of items, each admitted or not
          const requestItems = Object.fromEntries(
            tables.map((items, t) => [
              `t${t}`,
              write ? items.map((_, i) => put(`p${t}`, `${i}`)) : { Keys: items.map((_, i) => key(`p${t}`, `${i}`)), ConsistentRead: true },
            ]),
          );
          const call: CommandCall = {
            commandName: write ? 'BatchWriteItemCommand' : 'BatchGetItemCommand',
            input: { RequestItems: requestItems },
          };
          const entries = batchEntries(call);
          const admitted = entries.filter((e) => tables[Number(e.table.slice(1))]?.[e.position]);
          const keep = new Set(admitted.map((e) => entryName(e.table, e.position)));

          // Act
          const sent = batchEntries({
            commandName: call.commandName,
            input: { RequestItems: keepEntries(call.commandName, requestItems, keep) },
          });
          const answered = withUnprocessed(
            call.commandName,
            requestItems,
            { $metadata: {} },
            entries.filter((e) => !keep.has(entryName(e.table, e.position))),
          );
          const unprocessed = batchEntries({
            commandName: call.commandName,
            input: { RequestItems: answered.UnprocessedItems ?? answered.UnprocessedKeys },
          });

          // Assert: the sent and the unprocessed items together are the request's, none twice
          const names = (list: typeof entries) => list.map((e) => JSON.stringify([e.table, e.key]));
          expect(names(sent)).toEqual(names(admitted));
          expect([...names(sent), ...names(unprocessed)].sort()).toEqual(names(entries).sort());
        },
      ),
    );
  });

  it('sends the cut body and input to the rest of the chain, then restores both for a retry', async () => {
    // Arrange: the request as the SDK serialized it
    const call = writeCall();
    const original = call.input.RequestItems;
    const body = JSON.stringify({ RequestItems: original });
    call.request = {
      method: 'POST',
      protocol: 'http:',
      hostname: 'h',
      path: '/',
      query: {},
      headers: { 'content-length': String(body.length) },
      body,
    };
    let seen: { body: unknown; length?: string; input: unknown } | undefined;

    // Act
    await sendOnly(call, new Set([entryName('t1', 2)]), async () => {
      seen = { body: call.request?.body, length: call.request?.headers['content-length'], input: call.input.RequestItems };
      return { output: { $metadata: {} }, response: {} };
    });

    // Assert
    const cut = JSON.stringify({ RequestItems: { t1: [put('b', '3')] } });
    expect(seen).toEqual({ body: cut, length: String(Buffer.byteLength(cut)), input: { t1: [put('b', '3')] } });
    expect(call.request.body).toBe(body);
    expect(call.request.headers['content-length']).toBe(String(body.length));
    expect(call.input.RequestItems).toBe(original);
  });

  it('cuts a body serialized as UTF-8 bytes into bytes', async () => {
    // Arrange
    const call = writeCall();
    const body = new TextEncoder().encode(JSON.stringify({ RequestItems: call.input.RequestItems }));
    call.request = { method: 'POST', protocol: 'http:', hostname: 'h', path: '/', query: {}, headers: {}, body };
    let sent: unknown;

    // Act
    await sendOnly(call, new Set([entryName('t2', 0)]), async () => {
      sent = call.request?.body;
      return { output: { $metadata: {} }, response: {} };
    });

    // Assert
    expect(sent).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(new TextDecoder().decode(sent as Uint8Array))).toEqual({ RequestItems: { t2: [del('c', '4')] } });
    expect(call.request.body).toBe(body);
  });

  it('refuses to cut a request whose body is neither JSON text nor bytes', async () => {
    // Arrange
    const call = {
      ...writeCall(),
      request: { method: 'POST', protocol: 'http:', hostname: 'h', path: '/', query: {}, headers: {}, body: { stream: true } },
    };

    // Act / Assert
    await expect(sendOnly(call, new Set(), async () => ({ output: { $metadata: {} }, response: {} }))).rejects.toBeInstanceOf(
      BatchBodyError,
    );
  });
});
