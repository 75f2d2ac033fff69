import { pendingPartitions } from '../../contracts/trackingSchema';
import type { FileRecord, PendingMarker, TrackedFile, TrackingStore } from './ports';
import { sameContent, settleRegistration } from './registerFiles';

/**
 * How long a marker may wait for its file item before the planner finishes its registration: longer than a
 * Lambda invocation can run (15 minutes, https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html),
 * so the registration that wrote it is over (crashed, timed out, or its records failed) rather than in flight.
 */
export const ORPHAN_GRACE_SECONDS = 900;

export interface PendingListing {
  /** The files pending, as their file items describe them: what a manifest may take. */
  pending: TrackedFile[];
  /**
   * Files whose registration is between its marker and its file item (or a new version's): not to be planned
   * yet, but their age counts, since they will be pending in a moment.
   */
  inFlight: TrackedFile[];
}

/**
 * A date's pending set: the markers of every partition the date's markers may be in (its shards and its own,
 * where legacy markers are), each validated against its file item, read strongly consistent. A file is pending
 * iff its item says pending with the marker's content. A marker whose file was converted is stale and removed;
 * one whose registration stopped before its file item (an orphan), or before a new version replaced the item,
 * is finished here once older than ORPHAN_GRACE_SECONDS, and skipped until then.
 */
export async function listPending(tracking: TrackingStore, date: string, now: Date): Promise<PendingListing> {
  const markers: PendingMarker[] = [];
  for (const partition of pendingPartitions(date)) markers.push(...(await tracking.queryMarkers(partition)));
  if (markers.length === 0) return { pending: [], inFlight: [] };
  const items = await tracking.readFileItems(date, [...new Set(markers.map((m) => m.key))]);
  const pending = new Map<string, TrackedFile>();
  const inFlight: TrackedFile[] = [];
  const adopt: PendingMarker[] = [];
  for (const marker of markers) {
    const item = items.get(marker.key);
    const legacy = marker.partition === date;
    if (item && sameContent(item, marker)) {
      if (item.status === 'pending') pending.set(marker.key, pendingFile(date, item, marker));
      else await tracking.removeMarker(marker.partition, marker.key, marker.etag);
    } else if (legacy && item) {
      // Legacy markers were written with their file item in one transaction: one of other content is an old version's.
      await tracking.removeMarker(marker.partition, marker.key, marker.etag);
    } else if (legacy || isAbandoned(marker, now)) {
      adopt.push(marker);
    } else {
      inFlight.push(trackedFileOf(date, marker));
    }
  }
  if (adopt.length > 0) {
    const settled = await settleRegistration(
      tracking,
      date,
      adopt.map((m) => trackedFileOf(date, m)),
      now,
    );
    for (const file of [...settled.registered, ...settled.newVersions]) pending.set(file.key, file);
    // Registered by someone else meanwhile: pending, most likely, but read at the next flush; its age counts now.
    inFlight.push(...settled.duplicates);
  }
  return { pending: [...pending.values()], inFlight };
}

function isAbandoned(marker: PendingMarker, now: Date): boolean {
  return marker.registeredAt === undefined || now.getTime() - Date.parse(marker.registeredAt) >= ORPHAN_GRACE_SECONDS * 1000;
}

function pendingFile(date: string, item: FileRecord, marker: PendingMarker): TrackedFile {
  return {
    date,
    key: item.key,
    bucket: marker.bucket,
    sizeBytes: item.sizeBytes,
    createdAt: item.createdAt,
    ...(item.etag !== undefined ? { etag: item.etag } : marker.etag !== undefined ? { etag: marker.etag } : {}),
  };
}

function trackedFileOf(date: string, marker: PendingMarker): TrackedFile {
  return {
    date,
    key: marker.key,
    bucket: marker.bucket,
    sizeBytes: marker.sizeBytes,
    createdAt: marker.createdAt,
    ...(marker.etag !== undefined ? { etag: marker.etag } : {}),
  };
}
