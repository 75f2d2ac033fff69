import { FILE_STATUS, type FileItem, type PendingItem } from '../contracts/trackingSchema';

/**
 * Which of a date's PENDING markers stand for a file still to be converted (pure). A marker is written before
 * its file item and removed after the file item is marked (the design in docs/scale.md), so a marker can
 * outlive its file's manifesting (stale) or precede its file item (registration in flight, or crashed between
 * the two writes: the planner adopts such an orphan). Only a marker whose file item is manifested with the
 * marker's own ETag is stale; any other marker is a version not yet in a manifest, so it is pending, with the
 * size and arrival time the marker carries. One marker per key and date: a file counts once.
 */
export function pendingFiles(markers: readonly PendingItem[], fileItems: readonly FileItem[]): { pending: PendingItem[]; stale: number } {
  const files = new Map(fileItems.map((f) => [`${f.date}\u0000${f.key}`, f]));
  const byKey = new Map<string, PendingItem>();
  let stale = 0;
  for (const marker of markers) {
    const id = `${marker.date}\u0000${marker.key}`;
    const file = files.get(id);
    if (file?.status === FILE_STATUS.manifested && (file.etag ?? null) === marker.etag) stale += 1;
    else if (!byKey.has(id)) byKey.set(id, marker);
  }
  return { pending: [...byKey.values()], stale };
}
