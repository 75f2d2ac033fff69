import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { KEY_ENCODINGS } from '../../handlers/domain/eventKeys';
import { batcherFixture, kinesisEvent, TODAY } from '../support/batcherFixture';

/**
 * S3 documents form encoding for event keys (`a b` -> `a+b`); users report EventBridge's events
 * percent-encoded with a raw `+`, and S3-compatible stores send keys raw. Whatever spelling arrives, the
 * batcher must track the object the event is about, and only that one.
 */
describe('object keys in events, in every encoding', () => {
  const names = [
    ['a space', `${TODAY}-with space.ndjson`],
    ['a plus', `${TODAY}-a+b.ndjson`],
    ['a percent sign', `${TODAY}-100%-done.ndjson`],
    ['an equals sign', `${TODAY}-k=v.ndjson`],
    ['unicode', `${TODAY}-données-ü-日本.ndjson`],
  ] as const;

  it.each(KEY_ENCODINGS.flatMap((encoding) => names.map(([label, name]) => [encoding, label, name] as const)))(
    '%s: tracks a key with %s under its real name',
    async (keyEncoding, _label, name) => {
      // Prepare
      const fx = await batcherFixture();
      const event = await fx.put(name, '{"a":1}\n', { keyEncoding });

      // Act
      const response = await fx.invoke(kinesisEvent([event]));

      // Assert
      expect(response.batchItemFailures).toEqual([]);
      const files = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file');
      expect(files.map((f) => f.file_key)).toEqual([`pipeline/input/${name}`]);
      expect(fx.metrics.get('ObjectsMissing') ?? 0).toBe(0);
    },
  );

  it.each(KEY_ENCODINGS)(
    '%s: with both `a b` and `a+b` present, each event is matched to its own object by size and ETag',
    async (keyEncoding) => {
      // Prepare
      const fx = await batcherFixture();
      const space = await fx.put(`${TODAY}-a b.ndjson`, '{"a":1}\n{"a":2}\n', { keyEncoding });
      const plus = await fx.put(`${TODAY}-a+b.ndjson`, '{"b":1}\n', { keyEncoding });

      // Act
      const response = await fx.invoke(kinesisEvent([space, plus]));

      // Assert
      expect(response.batchItemFailures).toEqual([]);
      const files = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file');
      expect(files.map((f) => [f.file_key, f.size_bytes]).sort()).toEqual([
        [`pipeline/input/${TODAY}-a b.ndjson`, 16],
        [`pipeline/input/${TODAY}-a+b.ndjson`, 8],
      ]);
      expect(fx.metrics.get('DuplicateEvents') ?? 0).toBe(0);
    },
  );

  it('never takes a neighbour: an event no object matches any more is reported missing, with the alarmed metric', async () => {
    // Prepare: the event announces `a+b` as first written; it was overwritten since, and `a b` exists beside it.
    const fx = await batcherFixture();
    await fx.put(`${TODAY}-a b.ndjson`, '{"a":1}\n');
    const stale = await fx.put(`${TODAY}-a+b.ndjson`, '{"b":1}\n', { keyEncoding: 'percent' });
    await fx.clients.s3.send(
      new PutObjectCommand({ Bucket: fx.config.inputBucket, Key: `pipeline/input/${TODAY}-a+b.ndjson`, Body: '{"b":1,"c":2}\n' }),
    );

    // Act
    const response = await fx.invoke(kinesisEvent([stale]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect((await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file')).toEqual([]);
    expect(fx.metrics.get('ObjectsMissing')).toBe(1);
  });
});

describe('byte-identical twins `a b` and `a+b`: the event cannot tell which it names', () => {
  // Percent and raw spell `a+b` as `a+b`, which reads `a b` too; form spells `a b` so. Same content means
  // same size and ETag, so S3 cannot settle it either: every match is registered, each exactly once.
  const names = { space: `${TODAY}-a b.ndjson`, plus: `${TODAY}-a+b.ndjson` } as const;
  const body = '{"same":1}\n';
  const cases = KEY_ENCODINGS.flatMap((encoding) => [
    [encoding, 'a+b', ['plus', 'space']] as const,
    [encoding, 'a b', ['space', 'plus']] as const,
  ]);

  const registeredOnce = async (fx: Awaited<ReturnType<typeof batcherFixture>>) => {
    const items = await fx.itemsOf(TODAY);
    const keys = Object.values(names).map((n) => `pipeline/input/${n}`);
    expect(
      items
        .filter((i) => i.kind === 'file')
        .map((f) => f.file_key)
        .sort(),
    ).toEqual(keys);
    expect(await fx.markersOf(TODAY)).toHaveLength(2);
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 2 });
    expect(fx.metrics.get('FilesTracked')).toBe(2);
    expect(fx.metrics.get('ObjectsMissing') ?? 0).toBe(0);
  };

  it.each(cases)(
    '%s: events in separate invocations, %s first, then both redelivered: both registered once and converted',
    async (keyEncoding, _first, order) => {
      // Prepare
      const fx = await batcherFixture();
      const events = {
        space: await fx.put(names.space, body, { keyEncoding }),
        plus: await fx.put(names.plus, body, { keyEncoding }),
      };
      const [first, second] = order.map((n) => events[n]);

      // Act
      const responses = [
        await fx.invoke(kinesisEvent([first!])),
        await fx.invoke(kinesisEvent([second!])),
        await fx.invoke(kinesisEvent([second!, first!, second!])),
      ];

      // Assert
      for (const response of responses) expect(response.batchItemFailures).toEqual([]);
      await registeredOnce(fx);
      await fx.sweep([TODAY]);
      const files = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file');
      expect(files.map((f) => f.status)).toEqual(['manifested', 'manifested']);
      expect(await fx.executions()).toHaveLength(1);
    },
  );

  it.each(cases)(
    '%s: both events in one batch, %s first: both registered once, neither counted a duplicate',
    async (keyEncoding, _first, order) => {
      // Prepare
      const fx = await batcherFixture();
      const events = {
        space: await fx.put(names.space, body, { keyEncoding }),
        plus: await fx.put(names.plus, body, { keyEncoding }),
      };

      // Act
      const response = await fx.invoke(kinesisEvent(order.map((n) => events[n])));

      // Assert
      expect(response.batchItemFailures).toEqual([]);
      await registeredOnce(fx);
      expect(fx.metrics.get('DuplicateEvents') ?? 0).toBe(0);
    },
  );

  it.each(KEY_ENCODINGS)(
    '%s: the ambiguous event twice in one batch registers both twins and counts one duplicate',
    async (keyEncoding) => {
      // Prepare: form spells `a b` as `a+b`; percent and raw spell `a+b` so.
      const fx = await batcherFixture();
      const space = await fx.put(names.space, body, { keyEncoding });
      const plus = await fx.put(names.plus, body, { keyEncoding });
      const ambiguous = keyEncoding === 'form' ? space : plus;

      // Act
      const response = await fx.invoke(kinesisEvent([ambiguous, ambiguous]));

      // Assert
      expect(response.batchItemFailures).toEqual([]);
      await registeredOnce(fx);
      expect(fx.metrics.get('DuplicateEvents')).toBe(1);
    },
  );
});

describe('byte-identical twins with an invalid name', () => {
  it.each(KEY_ENCODINGS)(
    '%s: both `a b.txt` and `a+b.txt` are quarantined when the event of `a+b.txt` comes first',
    async (keyEncoding) => {
      // Prepare
      const fx = await batcherFixture();
      const plus = await fx.put(`${TODAY}-a+b.txt`, '{"same":1}\n', { keyEncoding });
      const space = await fx.put(`${TODAY}-a b.txt`, '{"same":1}\n', { keyEncoding });

      // Act
      const responses = [await fx.invoke(kinesisEvent([plus])), await fx.invoke(kinesisEvent([space]))];

      // Assert
      for (const response of responses) expect(response.batchItemFailures).toEqual([]);
      const quarantined = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'quarantine').map((i) => i.source_key);
      expect(quarantined.sort()).toEqual([`pipeline/input/${TODAY}-a b.txt`, `pipeline/input/${TODAY}-a+b.txt`]);
    },
  );
});

describe('an ambiguous key already quarantined', () => {
  it.each(KEY_ENCODINGS)(
    '%s: a redelivered event finds the object in quarantine and writes the record a crashed delivery left out',
    async (keyEncoding) => {
      // Prepare: the first delivery quarantined the file; its QUARANTINE# record is lost, as when that
      // invocation crashed between the move and the record
      const fx = await batcherFixture();
      const event = await fx.put(`${TODAY}-a+b c.txt`, '{"a":1}\n', { keyEncoding });
      expect((await fx.invoke(kinesisEvent([event]))).batchItemFailures).toEqual([]);
      const [record] = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'quarantine');
      await fx.clients.dynamo.send(
        new DeleteCommand({ TableName: fx.config.tableName, Key: { date_prefix: TODAY, file_key: record?.file_key } }),
      );

      // Act: the same event again
      const response = await fx.invoke(kinesisEvent([event]));

      // Assert: recorded again, not reported missing
      expect(response.batchItemFailures).toEqual([]);
      const quarantined = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'quarantine').map((i) => i.source_key);
      expect(quarantined).toEqual([`pipeline/input/${TODAY}-a+b c.txt`]);
      expect(fx.metrics.get('ObjectsMissing') ?? 0).toBe(0);
    },
  );
});

describe('object keys of 1,024 bytes, S3 longest', () => {
  // `pipeline/input/<date>-` is 26 bytes; é is 2 bytes in UTF-8.
  const longName = (extension: string) => {
    const room = 1024 - 26 - extension.length;
    return `${TODAY}-${'é'.repeat(Math.floor(room / 2))}${'x'.repeat(room % 2)}${extension}`;
  };

  it('tracks, manifests and quarantines them within DynamoDB key limits', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 1 });
    const valid = longName('.ndjson');
    const invalid = longName('.txt');
    expect([valid, invalid].map((n) => Buffer.byteLength(`pipeline/input/${n}`))).toEqual([1024, 1024]);
    const events = [await fx.put(valid), await fx.put(invalid)];

    // Act
    const response = await fx.invoke(kinesisEvent(events));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const items = await fx.items();
    expect(items.filter((i) => i.kind === 'pending')).toEqual([]);
    expect(items.find((i) => i.kind === 'file')).toMatchObject({ file_key: `pipeline/input/${valid}`, status: 'manifested' });
    expect(items.find((i) => i.kind === 'quarantine')).toMatchObject({
      source_key: `pipeline/input/${invalid}`,
      reason: 'wrong-extension',
    });
    expect(await fx.executions()).toHaveLength(1);
  });
});
