import { describe, expect, it } from 'vitest';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

const manifests = (items: Record<string, unknown>[]) => items.filter((i) => String(i.file_key).startsWith('MANIFEST#'));

describe('sweeper', () => {
  it('flushes a previous-day window nobody writes to any more', async () => {
    // Prepare: two files of today, then midnight UTC passes with no new file for that date
    const fx = await batcherFixture({ maxBatchFiles: 10, maxWaitSeconds: 86_400 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    fx.clock.now = new Date('2026-11-23T00:00:30Z');

    // Act
    const report = await fx.sweep();

    // Assert
    expect(report.manifests.map((m) => [m.date_prefix, m.file_count])).toEqual([[TODAY, 2]]);
  });

  it('is harmless when two sweeps run at once: a due date is planned once', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10, maxWaitSeconds: 60 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2, 3].map((n) => fx.put(fileName(TODAY, n))))));
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);

    // Act
    await Promise.all([fx.sweep(), fx.sweep(), fx.sweep()]);
    await fx.sweep();

    // Assert
    expect(manifests(await fx.itemsOf(TODAY)).map((m) => m.file_count)).toEqual([3]);
  });

  it('reports manifests that have not finished within the stuck bound', async () => {
    // Prepare: a manifest is started, but its execution never reports back
    const fx = await batcherFixture({ maxBatchFiles: 2, stuckProcessingMinutes: 30 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));

    // Act
    const early = await fx.sweep();
    fx.clock.now = new Date(fx.clock.now.getTime() + 31 * 60_000);
    const late = await fx.sweep();

    // Assert
    expect(early.stuck_manifests).toEqual([]);
    expect(late.stuck_manifests).toEqual([
      expect.objectContaining({ date_prefix: TODAY, status: 'pending', manifest: expect.stringMatching(/^batch-0001-/) }),
    ]);
    expect(fx.metrics.get('ManifestsStuck')).toBe(1);
  });

  it('leaves no report when there was nothing to do', async () => {
    // Prepare
    const fx = await batcherFixture();
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const count = async () =>
      (await fx.clients.s3.send(new ListObjectsV2Command({ Bucket: fx.config.manifestBucket, Prefix: 'logs/lambda/' }))).KeyCount ?? 0;
    const before = await count();

    // Act
    await fx.sweep();

    // Assert
    expect(await count()).toBe(before);
  });
});
