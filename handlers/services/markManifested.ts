import { pendingPartition } from '../../contracts/trackingSchema';
import type { Manifest } from '../domain/manifest';
import type { TrackingStore } from './ports';
import { WRITE_CONCURRENCY } from './registerFiles';
import { forEachLimited } from './resolveEventKeys';

/** A file already belongs to another manifest: the exactly-once invariant would break, so stop loudly. */
export class ManifestOwnershipError extends Error {
  override readonly name = 'ManifestOwnershipError';
  constructor(
    readonly manifest: string,
    readonly date: string,
    readonly key: string,
  ) {
    super(`file ${key} of manifest ${manifest} (date ${date}) is already manifested elsewhere`);
  }
}

/**
 * Marks a committed manifest's files manifested, then drops their markers; idempotent and resumable (the
 * manifest's files are read back from its object). Per file, the item first: a marker without a pending item is
 * stale and harmless, a pending item without a marker would never be planned. The marker goes only if it still
 * holds the manifest's ETag, so a new version's marker survives. Legacy markers (the date's own partition) are
 * removed likewise; one query of that partition says which there are, so the date's partition is not charged a
 * delete per file for markers that are not there.
 */
export async function markManifested(tracking: TrackingStore, manifest: Manifest): Promise<void> {
  const { date } = manifest;
  const legacy = new Set((await tracking.queryMarkers(date)).map((m) => m.key));
  await forEachLimited(manifest.files, WRITE_CONCURRENCY, async (file) => {
    if ((await tracking.markFileManifested(manifest, file)) === 'conflict') {
      if (!(await tracking.leaveNewVersionPending(manifest, file))) throw new ManifestOwnershipError(manifest.name, date, file.key);
      return;
    }
    await tracking.removeMarker(pendingPartition(date, file.key), file.key, file.etag);
    if (legacy.has(file.key)) await tracking.removeMarker(date, file.key, file.etag);
  });
}
