import { fileKey, isReservedKey, quarantineKey, type TrackingItem, UNDATED_PARTITION } from '../../contracts/trackingSchema';
import { addDays, utcDate } from './dates';
import { DOCUMENTED_KEY_ENCODING, encodeEventKey } from './eventKeys';
import { parseInputKey } from './names';

/**
 * Reconcile: the input bucket compared with the tracking table. An object the pipeline ever saw has a file
 * item (registered) or a QUARANTINE# item (moved out, or its record written); an object with neither lost
 * its event somewhere between S3 and the batcher (EventBridge gave up on the Kinesis target, a batch went
 * to the on-failure destination). Pure: a page of the listing and the items read for it in, a verdict out.
 */

/** One object as ListObjectsV2 returns it. */
export interface ListedObject {
  key: string;
  sizeBytes: number;
  etag?: string;
  /** ISO time S3 last wrote the object. */
  lastModified: string;
}

export type ReconcileState = 'tracked' | 'quarantined' | 'untracked' | 'too-new';

export interface Classified {
  object: ListedObject;
  state: ReconcileState;
}

/** Where the tracking table would hold an object's items: its date partition, its file and quarantine sort keys. */
export interface TrackingLocation {
  partition: string;
  /** null: the key could never be a file item (a reserved prefix), so only a quarantine record counts. */
  fileSortKey: string | null;
  quarantineSortKey: string;
}

/** As the batcher files them: a file under the date of its name; a quarantined one there too, or under `undated`. */
export function trackingLocation(key: string): TrackingLocation {
  const name = parseInputKey(key);
  return {
    partition: name.ok ? name.date : (name.date ?? UNDATED_PARTITION),
    fileSortKey: isReservedKey(key) ? null : fileKey(key),
    quarantineSortKey: quarantineKey(key),
  };
}

/**
 * Each listed object's state. An object modified within `graceSeconds` of `now` is `too-new`: its event
 * may still be on its way (EventBridge, the stream, the batching window), and registering it here would
 * count as "lost" an event that was only late. Items are matched by object key, whatever their partition.
 */
export function classifyObjects(
  objects: readonly ListedObject[],
  items: readonly TrackingItem[],
  options: { now: Date; graceSeconds: number },
): Classified[] {
  // Per key, the contents registered: an ETag, or null where an item kept none (it then vouches for any).
  const tracked = new Map<string, Set<string | null>>();
  const quarantined = new Set<string>();
  for (const item of items) {
    if (item.kind === 'file' || item.kind === 'pending') {
      const etags = tracked.get(item.key) ?? new Set<string | null>();
      etags.add(item.etag ? unquote(item.etag) : null);
      tracked.set(item.key, etags);
    } else if (item.kind === 'quarantine') quarantined.add(item.key);
  }
  // An object overwritten after its registration is tracked under its old ETag only: its current content
  // lost its event if the overwrite's event was lost, so it is untracked until a new version is registered.
  const isTracked = (object: ListedObject): boolean => {
    const etags = tracked.get(object.key);
    if (!etags) return false;
    return !object.etag || etags.has(null) || etags.has(unquote(object.etag));
  };
  const horizon = options.now.getTime() - options.graceSeconds * 1000;
  return objects.map((object) => {
    if (isTracked(object)) return { object, state: 'tracked' };
    if (quarantined.has(object.key)) return { object, state: 'quarantined' };
    const modified = Date.parse(object.lastModified);
    if (Number.isNaN(modified) || modified >= horizon) return { object, state: 'too-new' };
    return { object, state: 'untracked' };
  });
}

const unquote = (etag: string): string => etag.replace(/"/g, '');

export interface ReconcileCounts {
  listed: number;
  tracked: number;
  quarantined: number;
  untracked: number;
  tooNew: number;
}

export function countStates(classified: readonly Classified[]): ReconcileCounts {
  const count = (state: ReconcileState) => classified.filter((c) => c.state === state).length;
  return {
    listed: classified.length,
    tracked: count('tracked'),
    quarantined: count('quarantined'),
    untracked: count('untracked'),
    tooNew: count('too-new'),
  };
}

/**
 * The record the EventBridge rule would have put on the stream for `object`: the same envelope, the key
 * URL-encoded as S3 documents, so the batcher's own decoding, key resolution, naming and size rules apply
 * unchanged. Its time is the object's LastModified, from which the file's age is counted.
 */
export function objectCreatedRecord(bucket: string, object: ListedObject, id: string): string {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    time: new Date(object.lastModified).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key: encodeEventKey(object.key, DOCUMENTED_KEY_ENCODING),
        size: object.sizeBytes,
        ...(object.etag ? { etag: object.etag.replace(/"/g, '') } : {}),
      },
      reason: 'Reconcile',
    },
  });
}

/** The listing prefix of one date: producers name files `<inputPrefix><date>-<name>.ndjson`. */
export function datePrefix(inputPrefix: string, date: string): string {
  return `${inputPrefix}${date}-`;
}

/**
 * The dates the sweeper reconciles on its own, oldest first: today and the two UTC days before it. Lost
 * events are recent (EventBridge retries a target for up to 24 hours before giving up), and producers
 * name most files after the day they upload them; an older date is the operator's `reconcile --date`.
 */
export const RECENT_DAYS = 3;

export function recentDates(now: Date): string[] {
  const today = utcDate(now);
  return Array.from({ length: RECENT_DAYS }, (_, i) => addDays(today, i - (RECENT_DAYS - 1)));
}
