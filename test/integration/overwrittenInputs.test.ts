import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../../handlers/domain/manifest';
import { listPending } from '../../handlers/services/listPending';
import { markManifested } from '../../handlers/services/markManifested';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

/**
 * Overwritten inputs (README, "Overwritten and deleted inputs"): every content a key held when its event was
 * read is converted once. A re-PUT with other content is a new version, not a duplicate: it is registered
 * again and a later manifest converts it; the manifest that already took the old content keeps it.
 */
describe('an input overwritten after registration', () => {
  it('is registered as a new version once its old content is manifested, and a later manifest converts it', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    const a = fileName(TODAY, 1);
    await fx.invoke(kinesisEvent([await fx.put(a, '{"v":1}\n'), await fx.put(fileName(TODAY, 2))]));
    const first = (await fx.itemsOf(TODAY)).find((i) => i.file_key === `${fx.config.inputPrefix}${a}`)!;
    expect(first).toMatchObject({ status: 'manifested' });

    // Act
    const overwrite = await fx.put(a, '{"v":2}\n{"v":3}\n');
    const registered = await fx.invoke(kinesisEvent([overwrite]));
    const redelivered = await fx.invoke(kinesisEvent([overwrite]));
    await fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 3))]));

    // Assert
    expect(registered.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    const items = await fx.itemsOf(TODAY);
    const now = items.find((i) => i.file_key === `${fx.config.inputPrefix}${a}`)!;
    const newEtag = (overwrite.detail as { object: { etag: string } }).object.etag;
    expect(now).toMatchObject({
      status: 'manifested',
      etag: newEtag,
      replaced_etag: first.etag,
      replaced_manifest: first.manifest_name,
    });
    expect(now.manifest_name).not.toBe(first.manifest_name);
    const manifests = items.filter((i) => String(i.file_key).startsWith('MANIFEST#'));
    expect(manifests.map((m) => m.file_count)).toEqual([2, 2]);
    const second = manifests.find((m) => m.file_key === `MANIFEST#${now.manifest_name}`)!;
    const key = String(second.manifest_path).replace(`s3://${fx.config.manifestBucket}/`, '');
    const body = await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.config.manifestBucket, Key: key }));
    const document = JSON.parse(await body.Body!.transformToString());
    expect(document.metadata.files.find((f: { key: string }) => f.key.endsWith(a))).toMatchObject({ etag: newEtag, size_bytes: 16 });
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 0 });
  });

  it('while still pending takes the new content; a manifest built with the old ETag leaves the new version pending, counted once', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 100 });
    const deps = fx.deps();
    const a = fileName(TODAY, 1);
    await fx.invoke(kinesisEvent([await fx.put(a, '{"v":1}\n')]));
    const planned = (await listPending(deps.tracking, TODAY, deps.now())).pending;
    const overwrite = await fx.put(a, '{"v":2}\n{"v":3}\n');
    const newEtag = (overwrite.detail as { object: { etag: string } }).object.etag;

    // Act: the new version arrives between the plan and the commit of a manifest holding the old one
    const registered = await fx.invoke(kinesisEvent([overwrite]));
    const lease = (await deps.tracking.acquireLock(TODAY, 'holder'))!;
    const manifest = buildManifest({ date: TODAY, seq: 1, at: fx.clock.now, files: planned });
    await deps.tracking.commitManifest(lease, manifest, 's3://m/x.json', { expectedSeq: 0, oldestPendingAt: null });
    await markManifested(deps.tracking, manifest);
    await markManifested(deps.tracking, manifest);

    // Assert
    expect(registered.batchItemFailures).toEqual([]);
    expect(manifest.files[0]!.etag).not.toBe(newEtag);
    const items = await fx.itemsOf(TODAY);
    expect(items.find((i) => i.file_key === `${fx.config.inputPrefix}${a}`)).toMatchObject({
      status: 'pending',
      etag: newEtag,
      size_bytes: 16,
    });
    expect((await listPending(deps.tracking, TODAY, deps.now())).pending).toEqual([
      expect.objectContaining({ etag: newEtag, sizeBytes: 16 }),
    ]);
    const window = items.find((i) => i.file_key === 'WINDOW')!;
    expect(window).toMatchObject({ pending_count: 1, pending_bytes: 16, oldest_pending_at: expect.any(String) });
  });
});
