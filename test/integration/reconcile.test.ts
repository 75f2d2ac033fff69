import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reconcileKey, WINDOW_KEY } from '../../contracts/trackingSchema';
import { DynamoReconcileStore } from '../../handlers/adapters/dynamoReconcileStore';
import { S3InputLister } from '../../handlers/adapters/s3InputLister';
import { utcDate } from '../../handlers/domain/dates';
import { datePrefix } from '../../handlers/domain/reconcile';
import { silentLog } from '../../handlers/services/deps';
import { type ReconcileDeps, scanInput } from '../../handlers/services/reconcileInput';
import { createSweeperHandler } from '../../handlers/sweeper';
import { type BatcherFixture, batcherFixture, context, fileName, kinesisEvent } from '../support/batcherFixture';

/** The setup identity's view, as the `reconcile` command runs it. */
function reconcileDeps(fx: BatcherFixture): ReconcileDeps {
  return {
    ...fx.deps(`reconcile-${randomUUID()}`),
    lister: new S3InputLister(fx.clients.s3),
    reconcile: new DynamoReconcileStore(fx.clients.dynamo, { tableName: fx.config.tableName, ttlDays: 7, now: () => fx.clock.now }),
  };
}

/** An hour after the uploads: every object is past any grace, and its date is one of the recent ones. */
function anHourLater(fx: BatcherFixture): string {
  fx.clock.now = new Date(Date.now() + 3_600_000);
  return utcDate(fx.clock.now);
}

const fileItems = async (fx: BatcherFixture, date: string) =>
  (await fx.itemsOf(date)).filter((i) => String(i.file_key).startsWith(fx.config.inputPrefix));

describe('reconcile', () => {
  it('reports the objects that are in the input bucket with no tracking record, not those whose event arrived', async () => {
    // Arrange
    const fx = await batcherFixture();
    const date = anHourLater(fx);
    await fx.invoke(kinesisEvent([await fx.put(fileName(date, 1))]));
    await fx.put(fileName(date, 2));
    await fx.put(fileName(date, 3));

    // Act
    const scan = await scanInput(reconcileDeps(fx), {
      prefix: datePrefix(fx.config.inputPrefix, date),
      startAfter: null,
      graceSeconds: 60,
      maxObjects: Number.POSITIVE_INFINITY,
      apply: false,
    });

    // Assert
    expect(scan.counts).toEqual({ listed: 3, tracked: 1, quarantined: 0, untracked: 2, tooNew: 0 });
    expect(scan.untracked.map((o) => o.key)).toEqual([2, 3].map((n) => `${fx.config.inputPrefix}${fileName(date, n)}`));
    expect(scan.applied).toBeNull();
    expect(await fileItems(fx, date)).toHaveLength(1);
  });

  it('with apply registers each lost object exactly once, even when two applies run at the same time', async () => {
    // Arrange
    const fx = await batcherFixture({ maxBatchFiles: 100 });
    const date = anHourLater(fx);
    const lost = Array.from({ length: 12 }, (_, i) => fileName(date, i + 1));
    for (const name of lost) await fx.put(name);
    const apply = () =>
      scanInput(reconcileDeps(fx), {
        prefix: datePrefix(fx.config.inputPrefix, date),
        startAfter: null,
        graceSeconds: 60,
        maxObjects: Number.POSITIVE_INFINITY,
        apply: true,
        pageSize: 5,
      });

    // Act
    const [first, second] = await Promise.all([apply(), apply()]);
    const again = await apply();

    // Assert
    const registered = (first?.applied?.registered ?? 0) + (second?.applied?.registered ?? 0);
    expect(registered).toBe(12);
    expect((first?.applied?.failed ?? 0) + (second?.applied?.failed ?? 0)).toBe(0);
    expect(again.counts).toMatchObject({ listed: 12, tracked: 12, untracked: 0 });
    expect(again.applied?.registered).toBe(0);
    expect((await fileItems(fx, date)).map((i) => i.file_key).sort()).toEqual(lost.map((n) => `${fx.config.inputPrefix}${n}`).sort());
    const window = (await fx.itemsOf(date)).find((i) => i.file_key === WINDOW_KEY);
    expect(window?.pending_count).toBe(12);
  });

  it("the sweeper's reconcile goes through a date a bounded slice per run, from the position it saved, and counts what it found", async () => {
    // Arrange
    const fx = await batcherFixture({ maxBatchFiles: 100 });
    const date = anHourLater(fx);
    const keys = Array.from({ length: 10 }, (_, i) => `${fx.config.inputPrefix}${fileName(date, i + 1)}`);
    for (let n = 1; n <= 10; n++) await fx.put(fileName(date, n));
    const sweep = createSweeperHandler({
      config: fx.config,
      clients: fx.handlerClients.sweeper,
      metrics: fx.metrics,
      log: silentLog,
      now: () => fx.clock.now,
      reconcile: { maxObjects: 4, pageSize: 2 },
    });
    const cursor = async () => {
      const item = (await fx.itemsOf(date)).find((i) => i.file_key === reconcileKey(date));
      return item ? { start_after: item.start_after ?? null, passes: item.passes } : null;
    };

    // Act
    const first = await sweep({}, context());
    const afterFirst = {
      reconciled: fx.metrics.get('ObjectsReconciled'),
      tracked: (await fileItems(fx, date)).length,
      cursor: await cursor(),
    };
    await sweep({}, context());
    await sweep({}, context());
    const afterThird = {
      reconciled: fx.metrics.get('ObjectsReconciled'),
      tracked: (await fileItems(fx, date)).length,
      cursor: await cursor(),
    };

    // Assert
    expect(first.errors).toEqual([]);
    expect(afterFirst).toEqual({ reconciled: 4, tracked: 4, cursor: { start_after: keys[3], passes: 0 } });
    expect(afterThird).toEqual({ reconciled: 10, tracked: 10, cursor: { start_after: null, passes: 1 } });
    expect(fx.iam?.evaluator.denials).toEqual([]);
  });
});
