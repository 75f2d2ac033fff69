import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { pendingKey, tableKey } from '../../contracts/trackingSchema';
import { flushDate } from '../../handlers/services/flushDate';
import { ORPHAN_GRACE_SECONDS } from '../../handlers/services/listPending';
import type { TrackedFile } from '../../handlers/services/ports';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

const key = (n: number) => `pipeline/input/${fileName(TODAY, n)}`;

function tracked(fx: Awaited<ReturnType<typeof batcherFixture>>, n: number, etag: string): TrackedFile {
  return { date: TODAY, key: key(n), bucket: fx.config.inputBucket, sizeBytes: 8, createdAt: fx.clock.now.toISOString(), etag };
}

describe('PENDING markers in their shard partitions', () => {
  it('plans and removes a legacy marker (the date partition, written before the sharding) like a sharded one', async () => {
    // Prepare: file 1 as the code before the sharding registered it, in one transaction: its file item, its
    // marker in the date's own partition, the window; file 2 registered by today's batcher
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const db = fx.clients.dynamo;
    const table = fx.config.tableName;
    const createdAt = fx.clock.now.toISOString();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...tableKey(TODAY, key(1)),
          kind: 'file',
          status: 'pending',
          file_path: `s3://in/${key(1)}`,
          size_bytes: 8,
          etag: 'e1',
          created_at: createdAt,
        },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...tableKey(TODAY, pendingKey(key(1))),
          kind: 'pending',
          bucket: fx.config.inputBucket,
          source_key: key(1),
          size_bytes: 8,
          etag: 'e1',
          created_at: createdAt,
        },
      }),
    );
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: tableKey(TODAY, 'WINDOW'),
        UpdateExpression: 'SET pending_count = :one, pending_bytes = :b, oldest_pending_at = :at, manifest_seq = :zero, window_pk = :w',
        ExpressionAttributeValues: { ':one': 1, ':b': 8, ':at': createdAt, ':zero': 0, ':w': 'WINDOW' },
      }),
    );
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 2))]));

    // Act
    const flush = await flushDate(fx.deps('operator'), TODAY, { force: true });

    // Assert: one manifest with both, both manifested, no marker left in any partition, the window drained
    expect(flush.manifests).toHaveLength(1);
    expect(flush.manifests[0]).toMatchObject({ file_count: 2 });
    const items = await fx.itemsOf(TODAY);
    expect(items.filter((i) => i.kind === 'file').map((i) => i.status)).toEqual(['manifested', 'manifested']);
    expect(await fx.markersOf(TODAY)).toEqual([]);
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 0, pending_bytes: 0 });
  });

  it('finishes the registration of a marker left without its file item once the grace is over, and skips a younger one', async () => {
    // Prepare: two registrations stopped after their markers (step 1), one a grace ago, one just now
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const tracking = fx.deps('crashed').tracking;
    const startedAt = fx.clock.now;
    await tracking.putPendingMarkers(TODAY, [tracked(fx, 1, 'e1')], startedAt.toISOString());
    fx.clock.now = new Date(startedAt.getTime() + ORPHAN_GRACE_SECONDS * 1000);
    await tracking.putPendingMarkers(TODAY, [tracked(fx, 2, 'e2')], fx.clock.now.toISOString());

    // Act
    const flush = await flushDate(fx.deps('operator'), TODAY, { force: true });

    // Assert: the old orphan is registered and planned; the young one is left to its registration
    expect(flush.manifests).toHaveLength(1);
    expect(flush.manifests[0]).toMatchObject({ file_count: 1 });
    const files = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file');
    expect(files).toMatchObject([{ file_key: key(1), status: 'manifested', etag: 'e1' }]);
    expect((await fx.markersOf(TODAY)).map((m) => m.source_key)).toEqual([key(2)]);
  });

  it('removes a marker a redelivery wrote again for a file manifested already, and keeps the window at 0', async () => {
    // Prepare: file 1 converted; then a redelivery of its event stopped after rewriting its marker (step 1)
    const fx = await batcherFixture({ maxBatchFiles: 1 });
    const event = await fx.put(fileName(TODAY, 1));
    await fx.invoke(kinesisEvent([event]));
    const [file] = (await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file');
    expect(file).toMatchObject({ status: 'manifested' });
    await fx.deps('crashed').tracking.putPendingMarkers(TODAY, [tracked(fx, 1, String(file?.etag))], fx.clock.now.toISOString());
    expect(await fx.markersOf(TODAY)).toHaveLength(1);

    // Act
    const flush = await flushDate(fx.deps('operator'), TODAY, { force: true });

    // Assert
    expect(flush.manifests).toEqual([]);
    expect(await fx.markersOf(TODAY)).toEqual([]);
    expect((await fx.itemsOf(TODAY)).find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 0 });
  });
});
