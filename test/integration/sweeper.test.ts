import { describe, expect, it } from 'vitest';
import { pendingAgeAlarmSeconds } from '../../contracts/stackConfig';
import { type BatcherFixture, batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

/** The OldestPendingAgeSeconds one sweep publishes (the memory sink adds up what every sweep published). */
async function sweptAge(fx: BatcherFixture): Promise<number> {
  const before = fx.metrics.get('OldestPendingAgeSeconds');
  await fx.sweep();
  return fx.metrics.get('OldestPendingAgeSeconds') - before;
}

/** Every manifest object write fails: the date's flush fails before any MANIFEST record exists. */
function refuseManifestWrites(fx: BatcherFixture): void {
  for (const s3 of new Set([fx.handlerClients.batcher.s3, fx.handlerClients.sweeper.s3])) refuse(s3);
}

function refuse(s3: BatcherFixture['clients']['s3']): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = String((args.input as { Key?: unknown }).Key ?? '');
      if (context.commandName === 'PutObjectCommand' && key.startsWith('manifests/')) throw new Error('S3 is unavailable (injected)');
      return next(args);
    },
    { step: 'initialize', name: 'refuseManifestWrites' },
  );
}

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

  it('publishes the age of the oldest file it leaves pending, and 0 once the date is drained', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10, maxWaitSeconds: 300 });
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));

    // Act
    fx.clock.now = new Date(fx.clock.now.getTime() + 120_000);
    const waiting = await sweptAge(fx);
    fx.clock.now = new Date(fx.clock.now.getTime() + 200_000);
    const drained = await sweptAge(fx);

    // Assert
    expect(waiting).toBeGreaterThanOrEqual(120);
    expect(waiting).toBeLessThan(130);
    expect(drained).toBe(0);
    expect(manifests(await fx.itemsOf(TODAY)).map((m) => m.file_count)).toEqual([1]);
  });

  it('lets the pending age grow past the alarm bound when a flush keeps failing before any MANIFEST record exists', async () => {
    // Prepare: the dev settings the alarm is derived from; every manifest write fails
    const settings = { maxBatchFiles: 10, maxWaitSeconds: 300, lockLeaseSeconds: 300 };
    const bound = pendingAgeAlarmSeconds({ batching: settings, sweeper: { everyMinutes: 1 } });
    const fx = await batcherFixture(settings);
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
    refuseManifestWrites(fx);

    // Act: one sweep a minute for longer than the bound
    const ages: number[] = [];
    for (let minute = 1; minute * 60 <= bound + 120; minute++) {
      fx.clock.now = new Date(fx.clock.now.getTime() + 60_000);
      ages.push(await sweptAge(fx));
    }

    // Assert
    expect(ages.at(-1)).toBeGreaterThan(bound);
    expect(fx.metrics.get('FlushFailures')).toBeGreaterThan(0);
    expect(fx.metrics.get('ManifestsStuck')).toBe(0);
    expect(manifests(await fx.itemsOf(TODAY))).toEqual([]);
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
