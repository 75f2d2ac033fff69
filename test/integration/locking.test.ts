import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { buildManifest, manifestObjectKey, s3Uri, toManifestDocument } from '../../handlers/domain/manifest';
import { flushDate } from '../../handlers/services/flushDate';
import { listPending } from '../../handlers/services/listPending';
import { buildAndStartManifest } from '../../handlers/services/manifestBuilder';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

describe('per-date lock with lease and fencing token', () => {
  it('fences out a holder whose lease ran out: its commit writes nothing', async () => {
    // Prepare: A holds the lock, pauses past its lease; B takes the lock
    const fx = await batcherFixture({ maxBatchFiles: 10, lockLeaseSeconds: 60 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2, 3].map((n) => fx.put(fileName(TODAY, n))))));
    const a = fx.deps('holder-a');
    const b = fx.deps('holder-b');
    const leaseA = (await a.tracking.acquireLock(TODAY, 'holder-a'))!;
    const pending = (await listPending(a.tracking, TODAY, a.now())).pending;
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);
    const leaseB = await b.tracking.acquireLock(TODAY, 'holder-b');

    // Act: A wakes up and tries to commit what it planned before the pause
    const manifest = buildManifest({ date: TODAY, seq: 1, at: fx.clock.now, files: pending });
    const outcome = await a.tracking.commitManifest(
      leaseA,
      manifest,
      s3Uri(fx.config.manifestBucket, manifestObjectKey(TODAY, manifest.name)),
      { expectedSeq: 0, oldestPendingAt: null },
    );

    // Assert
    expect(leaseB?.token).toBe(leaseA.token + 1);
    expect(outcome).toBe('fenced');
    const items = await fx.itemsOf(TODAY);
    expect(items.filter((i) => String(i.file_key).startsWith('MANIFEST#'))).toEqual([]);
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 3, manifest_seq: 0 });
  });

  it('lets a batcher fenced before its commit remove the manifest object it wrote, as its role allows', async () => {
    // Prepare: A (the batcher, signing as its role) holds the lock and pauses past its lease; B takes the lock
    const fx = await batcherFixture({ maxBatchFiles: 10, lockLeaseSeconds: 60 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    const a = fx.batcherDeps('holder-a');
    const leaseA = (await a.tracking.acquireLock(TODAY, 'holder-a'))!;
    const pending = (await listPending(a.tracking, TODAY, a.now())).pending;
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);
    await fx.deps('holder-b').tracking.acquireLock(TODAY, 'holder-b');

    // Act: A writes its manifest object, then finds its commit fenced
    const outcome = await buildAndStartManifest(a, leaseA, { files: pending, reason: 'test' }, 1, { oldestPendingAt: null });

    // Assert: the object it wrote is gone, and IAM refused nothing (s3:DeleteObject on manifests/*)
    expect(outcome.status).toBe('fenced');
    const listed = await fx.clients.s3.send(new ListObjectsV2Command({ Bucket: fx.config.manifestBucket, Prefix: 'manifests/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
    expect(fx.iam?.evaluator.denials).toEqual([]);
  });

  it('leaves the manifest another holder committed in the same second when a holder freed by unlock --force is fenced', async () => {
    // Prepare: A holds the lock and has planned files 1-2; an operator frees the lock (unlock --force)
    const fx = await batcherFixture({ maxBatchFiles: 10, lockLeaseSeconds: 60 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    const a = fx.batcherDeps('holder-a');
    const leaseA = (await a.tracking.acquireLock(TODAY, 'holder-a'))!;
    const pending = (await listPending(a.tracking, TODAY, a.now())).pending;
    await fx.deps('operator').tracking.releaseLock(leaseA);
    // B takes the date and builds its manifest in the same second, right after A wrote its object
    let flushB: Awaited<ReturnType<typeof flushDate>> | undefined;
    const objects = a.objects;
    const stalled = {
      ...a,
      objects: Object.assign(Object.create(objects) as typeof objects, {
        putJsonIfAbsent: async (bucket: string, key: string, body: unknown) => {
          const written = await objects.putJsonIfAbsent(bucket, key, body);
          flushB = await flushDate(fx.batcherDeps('holder-b'), TODAY, { force: true });
          return written;
        },
      }),
    };

    // Act: A's commit is fenced
    const outcome = await buildAndStartManifest(stalled, leaseA, { files: pending, reason: 'test' }, 1, { oldestPendingAt: null });

    // Assert: B's committed manifest object is still there for its execution and a redrive; A's is gone
    expect(outcome.status).toBe('fenced');
    const started = flushB?.manifests[0];
    expect(started).toMatchObject({ file_count: 2 });
    const listed = await fx.clients.s3.send(new ListObjectsV2Command({ Bucket: fx.config.manifestBucket, Prefix: 'manifests/' }));
    expect((listed.Contents ?? []).map((o) => s3Uri(fx.config.manifestBucket, o.Key ?? ''))).toEqual([started?.manifest_path]);
  });

  it('keeps the age of a file registered while a commit took every file it had listed', async () => {
    // Prepare: H holds the lock and has listed file 1; file 2 is registered before H commits
    const fx = await batcherFixture({ maxBatchFiles: 10, lockLeaseSeconds: 60 });
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))]));
    const h = fx.batcherDeps('holder-h');
    const lease = (await h.tracking.acquireLock(TODAY, 'holder-h'))!;
    const pending = (await listPending(h.tracking, TODAY, h.now())).pending;
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 2))]));

    // Act: H commits file 1 with nothing left of what it listed
    const outcome = await buildAndStartManifest(h, lease, { files: pending, reason: 'flush' }, 1, { oldestPendingAt: null });

    // Assert: file 2 is pending with an age, so max-wait still plans it
    expect(outcome.status).toBe('started');
    const window = await h.tracking.getWindow(TODAY);
    expect(window.pendingCount).toBe(1);
    expect(window.oldestPendingAt).toBeDefined();
    expect(window.oldestPendingAt! <= (await listPending(h.tracking, TODAY, h.now())).pending[0]!.createdAt).toBe(true);
  });

  it('refuses a second holder while the lease runs, and treats a release after losing the lock as harmless', async () => {
    // Prepare
    const fx = await batcherFixture({ lockLeaseSeconds: 60 });
    const tracking = fx.deps().tracking;
    const first = (await tracking.acquireLock(TODAY, 'a'))!;

    // Act
    const refused = await tracking.acquireLock(TODAY, 'b');
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);
    const second = (await tracking.acquireLock(TODAY, 'b'))!;
    await tracking.releaseLock(first);
    const thirdWhileSecondHolds = await tracking.acquireLock(TODAY, 'c');
    await tracking.releaseLock(second);
    const afterRelease = await tracking.acquireLock(TODAY, 'c');

    // Assert
    expect(refused).toBeNull();
    expect(thirdWhileSecondHolds).toBeNull();
    expect(afterRelease?.token).toBe(second.token + 1);
  });

  it('does not use DynamoDB TTL as lock expiry: lock items carry no ttl attribute', async () => {
    const fx = await batcherFixture();
    await fx.deps().tracking.acquireLock(TODAY, 'a');
    const lock = (await fx.itemsOf(TODAY)).find((i) => i.kind === 'lock');
    expect(lock).toBeDefined();
    expect(lock?.ttl).toBeUndefined();
  });
});

describe('crash recovery', () => {
  it('completes a manifest committed by a worker that died, with the same id and files', async () => {
    // Prepare: a worker commits manifest 1 and dies before marking files or starting the execution
    const fx = await batcherFixture({ maxBatchFiles: 10, lockLeaseSeconds: 60 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2, 3, 4].map((n) => fx.put(fileName(TODAY, n))))));
    const dead = fx.deps('dead-worker');
    const lease = (await dead.tracking.acquireLock(TODAY, 'dead-worker'))!;
    const pending = (await listPending(dead.tracking, TODAY, dead.now())).pending;
    const manifest = buildManifest({ date: TODAY, seq: 1, at: fx.clock.now, files: pending.slice(0, 3) });
    const key = manifestObjectKey(TODAY, manifest.name);
    await dead.objects.putJsonIfAbsent(fx.config.manifestBucket, key, toManifestDocument(manifest));
    await dead.tracking.commitManifest(lease, manifest, s3Uri(fx.config.manifestBucket, key), {
      expectedSeq: 0,
      oldestPendingAt: pending[3]!.createdAt,
    });

    // Act: the lease runs out; the sweeper finds the half-built manifest
    fx.clock.now = new Date(fx.clock.now.getTime() + 61_000);
    const report = await fx.sweep();

    // Assert
    expect(report.manifests).toEqual([expect.objectContaining({ manifest_id: manifest.id, file_count: 3, resumed: true })]);
    expect(await fx.executions()).toEqual([manifest.id]);
    const items = await fx.itemsOf(TODAY);
    const manifested = items
      .filter((i) => i.kind === 'file' && i.status === 'manifested')
      .map((i) => i.file_key)
      .sort();
    expect(manifested).toEqual(manifest.files.map((f) => f.key).sort());
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 1 });
    expect(items.find((i) => i.file_key === 'WINDOW')?.open_manifest).toBeUndefined();
  });

  it('treats a repeated StartExecution for the same manifest as started', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    const [id] = await fx.executions();
    const record = (await fx.itemsOf(TODAY)).find((i) => String(i.file_key).startsWith('MANIFEST#'))!;
    const input = {
      date_prefix: TODAY,
      file_key: record.file_key,
      manifest_id: id,
      manifest_path: record.manifest_path,
      file_count: 2,
      total_bytes: record.total_bytes,
    };

    // Act
    const again = await fx.deps().orchestrator.startExecution(id!, input as never);

    // Assert
    expect(again.executionArn).toBe(record.execution_arn);
    expect(await fx.executions()).toEqual([id]);
  });

  it('plans nothing twice when two workers flush the same date at once', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 3 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));

    // Act
    const outcomes = await Promise.all([flushDate(fx.deps('x'), TODAY, { force: true }), flushDate(fx.deps('y'), TODAY, { force: true })]);

    // Assert
    expect(outcomes.flatMap((o) => o.manifests).map((m) => m.file_count)).toEqual([2]);
  });
});
