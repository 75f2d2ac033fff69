import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  FILE_STATUS,
  lockKey,
  MANIFEST_STATUS,
  manifestKey,
  pendingKey,
  pendingPartition,
  quarantineKey,
  type RawTrackingItem,
  tableKey,
  WINDOW_KEY,
} from '../../contracts/trackingSchema';
import { collectSnapshot } from '../../dashboard/dashboardSnapshot';
import { countItemReads } from '../../local/itemReadCounter';
import { collectStatus } from '../../operator/operations/collectStatus';
import { traceFile } from '../../operator/operations/traceFile';
import { type BatcherFixture, batcherFixture, TODAY } from '../support/batcherFixture';
import { fixtureTarget } from '../support/operatorTarget';

/**
 * What reading a date costs: `status --date D` (collectStatus), the dashboard and `trace` read a number of
 * items that grows with the date's pending files and manifests, never with its manifested files.
 */

const FILES_PER_MANIFEST = 1_000;
const CREATED = '2026-11-22T08:00:00.000Z';
const BATCH_WRITE_MAX_ITEMS = 25;
const WRITERS = 16;

const inputKey = (n: number) => `pipeline/input/${TODAY}-file-${String(n).padStart(6, '0')}.ndjson`;

function fileItem(n: number, status: string, extra: Record<string, unknown> = {}): RawTrackingItem {
  const key = inputKey(n);
  return {
    ...tableKey(TODAY, key),
    kind: 'file',
    status,
    file_path: `s3://in/${key}`,
    size_bytes: 1_000,
    etag: `etag-${n}`,
    created_at: CREATED,
    ...extra,
  };
}

function marker(n: number, partition: string, etag = `etag-${n}`): RawTrackingItem {
  const key = inputKey(n);
  return { ...tableKey(partition, pendingKey(key)), kind: 'pending', bucket: 'in', size_bytes: 1_000, created_at: CREATED, etag };
}

/**
 * A date as the pipeline leaves it at scale: `manifested` files in completed manifests of FILES_PER_MANIFEST,
 * 3 pending files with their markers in their shards, one pending file whose marker predates the sharding
 * (in the date's own partition), one stale marker (its file already manifested), a held lock and a quarantine.
 */
function dateItems(manifested: number): RawTrackingItem[] {
  const manifests = Math.ceil(manifested / FILES_PER_MANIFEST);
  const items: RawTrackingItem[] = [];
  for (let n = 0; n < manifested; n += 1) {
    const name = `batch-${String(Math.floor(n / FILES_PER_MANIFEST) + 1).padStart(4, '0')}-x.json`;
    items.push(fileItem(n, FILE_STATUS.manifested, { manifest_name: name }));
  }
  for (let m = 1; m <= manifests; m += 1) {
    const files = Math.min(FILES_PER_MANIFEST, manifested - (m - 1) * FILES_PER_MANIFEST);
    items.push({
      ...tableKey(TODAY, manifestKey(`batch-${String(m).padStart(4, '0')}-x.json`)),
      status: MANIFEST_STATUS.completed,
      file_count: files,
      total_bytes: files * 1_000,
      created_at: CREATED,
      completed_time: CREATED,
    });
  }
  const pending = [manifested, manifested + 1, manifested + 2];
  for (const n of pending) items.push(fileItem(n, FILE_STATUS.pending), marker(n, pendingPartition(TODAY, inputKey(n))));
  const legacy = manifested + 3;
  items.push(fileItem(legacy, FILE_STATUS.pending), marker(legacy, TODAY));
  items.push(marker(0, pendingPartition(TODAY, inputKey(0))));
  items.push(
    {
      ...tableKey(TODAY, WINDOW_KEY),
      window_pk: WINDOW_KEY,
      pending_count: 4,
      pending_bytes: 4_000,
      manifest_seq: manifests,
      oldest_pending_at: CREATED,
    },
    { ...tableKey(TODAY, lockKey(TODAY)), owner: 'worker', token: 3, expires_at_ms: 0 },
    { ...tableKey(TODAY, quarantineKey(`pipeline/input/${TODAY}-notes.txt`)), reason: 'wrong-extension', size_bytes: 3 },
  );
  return items;
}

/** BatchWriteItem, 25 items a request, WRITERS requests at a time; unprocessed items are sent again. */
async function seed(fx: BatcherFixture, items: readonly RawTrackingItem[]): Promise<number> {
  const started = performance.now();
  const batches: RawTrackingItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_MAX_ITEMS) batches.push(items.slice(i, i + BATCH_WRITE_MAX_ITEMS));
  const writer = async () => {
    for (let batch = batches.pop(); batch; batch = batches.pop()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await fx.clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [fx.config.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[fx.config.tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return performance.now() - started;
}

const seeded = new Map<number, Promise<{ fx: BatcherFixture; seconds: number }>>();

/** One table per size, seeded once for the tests below, which only read it. */
function dateOf(manifested: number): Promise<{ fx: BatcherFixture; seconds: number }> {
  const existing = seeded.get(manifested);
  if (existing) return existing;
  const made = (async () => {
    const fx = await batcherFixture({}, { iam: false });
    return { fx, seconds: (await seed(fx, dateItems(manifested))) / 1000 };
  })();
  seeded.set(manifested, made);
  return made;
}

/** The items `read` reads through the operator's own target over the seeded table. */
async function itemsRead<T>(fx: BatcherFixture, read: (target: ReturnType<typeof fixtureTarget>) => Promise<T>) {
  const target = fixtureTarget(fx);
  const counter = countItemReads(target.clients.dynamo);
  try {
    const result = await read(target);
    return { result, items: counter.reads.items, byCommand: { ...counter.reads.byCommand } };
  } finally {
    target.close();
  }
}

const NOW = new Date(CREATED);

describe('reading a date costs what it shows', () => {
  it('status --date on a date of 100,000 manifested files reads fewer than 1,000 items, as many as on a date of 1,000', async () => {
    // Prepare
    const small = await dateOf(1_000);
    const large = await dateOf(100_000);
    console.info(`seeded 1,000 manifested files in ${small.seconds.toFixed(1)} s, 100,000 in ${large.seconds.toFixed(1)} s`);

    // Act
    const few = await itemsRead(small.fx, (t) => collectStatus(t, { date: TODAY, now: NOW }));
    const many = await itemsRead(large.fx, (t) => collectStatus(t, { date: TODAY, now: NOW }));
    console.info(`status --date read ${few.items} items on 1,000 files, ${many.items} on 100,000`, many.byCommand);

    // Assert
    const [status] = many.result;
    expect(status!.files).toEqual({
      tracked: 100_004,
      pending: 4,
      manifested: 100_000,
      converted: 100_000,
      failed: 0,
      quarantined: 1,
      converting: 0,
    });
    expect(status!.pending).toMatchObject({ files: 4, bytes: 4_000, oldestAt: CREATED });
    expect(status!.manifests).toMatchObject({ total: 100, expired: 0, byStatus: { completed: 100 } });
    expect(status!.lock).toMatchObject({ state: 'free', token: 3 });
    expect(many.items).toBeLessThan(1_000);
    // The 99 manifests the large date has more, and nothing for its 99,000 more files.
    expect(many.items - few.items).toBe(99);
    // Seeding 100,000 items through the emulator takes about 25 s, and its Query walks the whole partition.
  }, 180_000);

  it('the dashboard reads as many items on a date of 20,000 manifested files as on one of 1,000, but for the manifests', async () => {
    // Prepare: the emulator's Query walks the whole partition, so the dashboard is held to growth, not to 100,000
    const small = await dateOf(1_000);
    const medium = await dateOf(20_000);

    // Act
    const few = await itemsRead(small.fx, (t) => collectSnapshot(t, { days: 7, reportLimit: 10, now: NOW }));
    const many = await itemsRead(medium.fx, (t) => collectSnapshot(t, { days: 7, reportLimit: 10, now: NOW }));

    // Assert
    expect(many.result.totals).toMatchObject({ files: 20_004, pending: 4, converted: 20_000, quarantined: 1 });
    expect(many.result.timeline.filesTracked.at(-1)?.y).toBe(20_004);
    expect(many.items - few.items).toBe(19);
    expect(many.items).toBeLessThan(100);
  });

  it('trace of one file reads its file item and its manifest record', async () => {
    // Prepare
    const { fx } = await dateOf(100_000);

    // Act
    const trace = await itemsRead(fx, (t) => traceFile(t, inputKey(54_321)));

    // Assert
    expect(trace.result).toMatchObject({ state: 'converted', manifest: { name: 'batch-0055-x.json' } });
    expect(trace.items).toBe(2);
  });
});
