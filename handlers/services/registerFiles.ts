import { pendingPartition } from '../../contracts/trackingSchema';
import type { FileRecord, RegisterOutcome, TrackedFile, TrackingStore } from './ports';
import { forEachLimited } from './resolveEventKeys';

/** Writes in flight per invocation: each is one small request, so this hides latency without a burst. */
export const WRITE_CONCURRENCY = 16;

/**
 * Registers files idempotently, a file seen before being a duplicate counted once. The steps, per call and
 * date, each one atomic write (docs/scale.md argues the order and the cost):
 *   1. the PENDING markers, in their shard partitions (so a pending file item always has one);
 *   2. one WINDOW update counting them all and keeping the oldest age (`if_not_exists`);
 *   3. one conditional put per file item, which reports the item already there instead of overwriting it;
 *   4. the counts of the files that were not new given back, and a marker of a file manifested already removed.
 * A crash between two steps leaves a marker without its file item (the planner adopts it after a grace) or a
 * window counted too high (a flush finds the truth): never a pending file without a marker or an age.
 */
export async function registerFiles(tracking: TrackingStore, date: string, files: TrackedFile[], now: Date): Promise<RegisterOutcome> {
  const unique = [...new Map(files.map((f) => [f.key, f])).values()];
  const duplicates = files.filter((f, i) => files.findIndex((g) => g.key === f.key) !== i);
  if (unique.length === 0) return { registered: [], duplicates, newVersions: [] };
  await tracking.putPendingMarkers(date, unique, now.toISOString());
  const settled = await settleRegistration(tracking, date, unique, now);
  return {
    registered: settled.registered,
    duplicates: [...duplicates, ...settled.duplicates],
    newVersions: settled.newVersions,
  };
}

/**
 * Steps 2 to 4 for files whose markers are written: the registration's own, or the planner's adoption of a
 * marker whose registration stopped before its file item was put.
 */
export async function settleRegistration(
  tracking: TrackingStore,
  date: string,
  files: TrackedFile[],
  now: Date,
): Promise<Required<RegisterOutcome>> {
  // biome-ignore lint/complexity/useMathMinMax: ISO-8601 strings order as text; Math.min would make them NaN.
  const oldest = files.reduce((min, f) => (f.createdAt < min ? f.createdAt : min), files[0]!.createdAt);
  await tracking.addToWindow(date, { count: files.length, bytes: sumBytes(files), oldestPendingAt: oldest });
  const outcome: Required<RegisterOutcome> = { registered: [], duplicates: [], newVersions: [] };
  let giveBackCount = 0;
  let giveBackBytes = 0;
  const staleMarkers: TrackedFile[] = [];
  await forEachLimited(files, WRITE_CONCURRENCY, async (file) => {
    const result = await registerOne(tracking, date, file, now);
    if (result.kind === 'registered') {
      outcome.registered.push(file);
      return;
    }
    if (result.kind === 'duplicate') {
      outcome.duplicates.push(file);
      giveBackCount += 1;
      giveBackBytes += file.sizeBytes;
      if (result.existing.status === 'manifested') staleMarkers.push(file);
      return;
    }
    outcome.newVersions.push(file);
    // A pending version was counted when it was registered: the new one takes its place, not a second count.
    if (result.replaced.status === 'pending') {
      giveBackCount += 1;
      giveBackBytes += result.replaced.sizeBytes;
    }
  });
  if (giveBackCount > 0 || giveBackBytes !== 0) await tracking.addToWindow(date, { count: -giveBackCount, bytes: -giveBackBytes });
  // Step 1 wrote these again for a content converted already; on its ETag, so a newer version's marker stays.
  for (const file of staleMarkers) await tracking.removeMarker(pendingPartition(date, file.key), file.key, file.etag);
  return outcome;
}

type OneOutcome = { kind: 'registered' } | { kind: 'duplicate'; existing: FileRecord } | { kind: 'new-version'; replaced: FileRecord };

/**
 * A key tracked already, seen with `file`'s ETag: the same ETag is a duplicate (a redelivery, or the same
 * content put again); another is new content under the key. S3 keeps only the latest object, so the file item
 * always describes the content the key holds now: a manifested version stays converted (exactly once per key
 * and content) and the new one is pending again; a pending one takes the new ETag and size, so the manifest
 * that takes it converts what the key holds. A manifest built with the old ETag meanwhile excludes the file (the
 * Glue job finds another ETag) and marking leaves the new version pending.
 */
async function registerOne(tracking: TrackingStore, date: string, file: TrackedFile, now: Date): Promise<OneOutcome> {
  let put = await tracking.putFileItem(date, file);
  for (;;) {
    if (put.created) return { kind: 'registered' };
    const existing = put.existing;
    if (sameContent(existing, file)) return { kind: 'duplicate', existing };
    if (await tracking.replaceFileVersion(date, file, existing)) {
      // A redelivered event of the converted content may have rewritten the marker with its ETag and removed it
      // as stale since step 1: the pending item must have its marker, so it is written again.
      if (existing.status === 'manifested') await tracking.putPendingMarkers(date, [file], now.toISOString());
      return { kind: 'new-version', replaced: existing };
    }
    // The item moved on since it was read (manifested, or another version registered): read it again.
    const current = await tracking.getFileItem(date, file.key);
    put = current ? { created: false, existing: current } : await tracking.putFileItem(date, file);
  }
}

/** Without both ETags nothing tells the contents apart: the key's first registration stands. */
export function sameContent(item: { etag?: string }, file: { etag?: string }): boolean {
  return item.etag === undefined || file.etag === undefined || item.etag === file.etag;
}

function sumBytes(files: readonly TrackedFile[]): number {
  return files.reduce((sum, f) => sum + f.sizeBytes, 0);
}
