import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

const YESTERDAY = '2026-11-21';

const files = (items: Record<string, unknown>[]) => items.filter((i) => i.kind === 'file');
const manifests = (items: Record<string, unknown>[]) => items.filter((i) => String(i.file_key).startsWith('MANIFEST#'));
/** Files per manifest, smallest first. */
const manifestSizes = (items: Record<string, unknown>[]) =>
  manifests(items)
    .map((m) => Number(m.file_count))
    .sort((a, b) => a - b);

describe('batcher against the emulator', () => {
  it('registers files below the thresholds as pending and creates no manifest', async () => {
    // Prepare
    const fx = await batcherFixture();
    const events = await Promise.all([1, 2, 3, 4, 5].map((n) => fx.put(fileName(TODAY, n))));

    // Act
    const response = await fx.invoke(kinesisEvent(events));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const items = await fx.itemsOf(TODAY);
    expect(files(items).map((i) => i.status)).toEqual(Array(5).fill('pending'));
    expect(files(items)[0]).toMatchObject({
      file_path: expect.stringMatching(/^s3:\/\//),
      file_size_mb: expect.any(Number),
      created_at: expect.any(String),
    });
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 5 });
    // Nothing unfinished expires: a wedged date's files, markers and counters stay until they are converted.
    expect(items.filter((i) => 'ttl' in i).map((i) => i.file_key)).toEqual([]);
    expect(manifests(items)).toEqual([]);
    expect(await fx.executions()).toEqual([]);
  });

  it('creates a manifest at the count threshold, in the seed format, and starts its execution', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const events = await Promise.all(Array.from({ length: 10 }, (_, i) => fx.put(fileName(TODAY, i + 1))));

    // Act
    await fx.invoke(kinesisEvent(events));

    // Assert
    const items = await fx.itemsOf(TODAY);
    expect(files(items).every((i) => i.status === 'manifested')).toBe(true);
    const [record] = manifests(items);
    expect(record).not.toHaveProperty('ttl');
    expect(record).toMatchObject({
      status: 'pending',
      ttl_on_completion: expect.any(Number),
      file_count: 10,
      manifest_path: expect.stringMatching(/manifests\/2026-11-22\/batch-0001-\d{8}-\d{6}-t\d+\.json$/),
    });
    const key = String(record!.manifest_path).replace(`s3://${fx.config.manifestBucket}/`, '');
    const body = await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.config.manifestBucket, Key: key }));
    const document = JSON.parse(await body.Body!.transformToString());
    expect(document.fileLocations).toHaveLength(10);
    expect(document.fileLocations[0]).toEqual({
      URIPrefixes: [expect.stringMatching(/^s3:\/\/.+\/pipeline\/input\/2026-11-22-test\d{4}/)],
    });
    expect(document.metadata.date_prefix).toBe(TODAY);
    expect(await fx.executions()).toEqual([record!.manifest_id]);
    expect(fx.metrics.get('ManifestsCreated')).toBe(1);
  });

  it('writes the invocation report under logs/lambda/ with the seed fields', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    const events = await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))));

    // Act
    await fx.invoke(kinesisEvent(events));

    // Assert
    const listed = await fx.clients.s3.send(new ListObjectsV2Command({ Bucket: fx.config.manifestBucket, Prefix: 'logs/lambda/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^logs\/lambda\/2026-11-22-T\d{6}-[0-9a-f]{8}-0001\.json$/);
    const report = JSON.parse(
      await (await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.config.manifestBucket, Key: keys[0] }))).Body!.transformToString(),
    );
    expect(report.execution_info).toMatchObject({ function_name: 'batcher-test', memory_limit_mb: 512 });
    expect(report.processing_summary).toMatchObject({ files_processed: 2, files_registered: 2, manifests_created: 1, status: 'success' });
    expect(report.manifests[0]).toMatchObject({
      date_prefix: TODAY,
      file_count: 2,
      step_function_execution_arn: expect.stringContaining(':execution:'),
    });
  });

  it('sends a remainder of at least half a batch with the full batch, and holds a smaller one', async () => {
    // Prepare
    const big = await batcherFixture({ maxBatchFiles: 10 });
    const small = await batcherFixture({ maxBatchFiles: 10 });
    const bigEvents = await Promise.all(Array.from({ length: 15 }, (_, i) => big.put(fileName(TODAY, i + 1))));
    const smallEvents = await Promise.all(Array.from({ length: 14 }, (_, i) => small.put(fileName(TODAY, i + 1))));

    // Act
    await big.invoke(kinesisEvent(bigEvents));
    await small.invoke(kinesisEvent(smallEvents));

    // Assert
    expect(manifestSizes(await big.itemsOf(TODAY))).toEqual([5, 10]);
    const smallItems = await small.itemsOf(TODAY);
    expect(manifestSizes(smallItems)).toEqual([10]);
    expect(files(smallItems).filter((f) => f.status === 'pending')).toHaveLength(4);
    expect(smallItems.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 4 });
  });

  it('closes batches at the size threshold', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 100, maxBatchBytes: 1000 });
    const events = await Promise.all(Array.from({ length: 5 }, (_, i) => fx.put(fileName(TODAY, i + 1), `${'x'.repeat(299)}\n`)));

    // Act
    await fx.invoke(kinesisEvent(events));

    // Assert: 3 files (900 B) fill a batch; the remaining 600 B are over half a batch and go too
    expect(manifestSizes(await fx.itemsOf(TODAY))).toEqual([2, 3]);
  });

  it('flushes a previous UTC day whatever its size', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const events = await Promise.all([1, 2, 3].map((n) => fx.put(fileName(YESTERDAY, n))));

    // Act
    await fx.invoke(kinesisEvent(events));

    // Assert
    const items = await fx.itemsOf(YESTERDAY);
    expect(manifestSizes(items)).toEqual([3]);
    expect(files(items).every((f) => f.status === 'manifested')).toBe(true);
  });

  it('registers a file once however often its event arrives', async () => {
    // Prepare
    const fx = await batcherFixture();
    const event = await fx.put(fileName(TODAY, 1));

    // Act
    await fx.invoke(kinesisEvent([event, event]));
    await fx.invoke(kinesisEvent([event]));

    // Assert
    const items = await fx.itemsOf(TODAY);
    expect(files(items)).toHaveLength(1);
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 1 });
    expect(fx.metrics.get('FilesTracked')).toBe(1);
    expect(fx.metrics.get('DuplicateEvents')).toBe(2);
  });

  it.each([
    ['myfile.ndjson', 'no-date-prefix'],
    ['20251223-test.ndjson', 'bad-date-format'],
    ['2025-02-30-x.ndjson', 'impossible-date'],
    ['2025-12-23-x.json', 'wrong-extension'],
  ])('quarantines %s with reason %s', async (name, reason) => {
    // Prepare
    const fx = await batcherFixture();
    const event = await fx.put(name);

    // Act
    const response = await fx.invoke(kinesisEvent([event]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const key = `pipeline/input/${name}`;
    const head = await fx.clients.s3.send(new HeadObjectCommand({ Bucket: fx.config.quarantineBucket, Key: key }));
    expect(head.Metadata?.['quarantine-reason']).toBe(reason);
    await expect(fx.clients.s3.send(new HeadObjectCommand({ Bucket: fx.config.inputBucket, Key: key }))).rejects.toThrow();
    const record = (await fx.items()).find((i) => i.file_key === `QUARANTINE#${key}`);
    expect(record).toMatchObject({ status: 'quarantined', reason, file_path: `s3://${fx.config.quarantineBucket}/${key}` });
    expect(fx.metrics.get('FilesQuarantined')).toBe(1);
  });

  it('quarantines a zero-byte object with a valid name', async () => {
    // Prepare
    const fx = await batcherFixture();
    const event = await fx.put(fileName(TODAY, 1), '');

    // Act
    await fx.invoke(kinesisEvent([event]));

    // Assert
    const record = (await fx.itemsOf(TODAY)).find((i) => String(i.file_key).startsWith('QUARANTINE#'));
    expect(record).toMatchObject({ reason: 'empty-object' });
  });

  it('skips records that are not S3 events with a reason, without failing the batch', async () => {
    // Prepare
    const fx = await batcherFixture();
    const valid = await fx.put(fileName(TODAY, 1));

    // Act
    const response = await fx.invoke(kinesisEvent(['not json at all', { 'detail-type': 'Scheduled Event', source: 'aws.events' }, valid]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(fx.metrics.get('EventsSkipped')).toBe(2);
    expect(files(await fx.itemsOf(TODAY))).toHaveLength(1);
  });

  it('lets the sweeper flush a date whose oldest file waited maxWaitSeconds, and an operator force a date', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10, maxWaitSeconds: 300 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));

    // Act
    await fx.sweep();
    const early = manifests(await fx.itemsOf(TODAY));
    fx.clock.now = new Date(fx.clock.now.getTime() + 301_000);
    await fx.sweep();

    // Assert
    expect(early).toEqual([]);
    expect(manifestSizes(await fx.itemsOf(TODAY))).toEqual([2]);
  });
});
