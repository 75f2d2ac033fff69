import { Metric } from '../../contracts/metrics';
import { findMatchingObjects, type MatchingObject } from '../domain/eventKeys';
import type { ObjectCreated } from '../domain/s3Event';
import type { BatchingDeps } from './deps';
import { describeError } from './describeError';

/** Concurrent HEADs per invocation: enough to hide S3 latency, few enough to stay polite. */
export const HEAD_CONCURRENCY = 16;

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** An object an event resolves to, and the event as read for it. */
export interface ResolvedObject {
  /** The event with the object's own key, and, when `checked`, its own size and ETag as HeadObject gave them. */
  event: ObjectCreated;
  /** HeadObject found the object as announced a moment ago, so it need not be looked up again. */
  checked: boolean;
}

export type KeyResolution =
  | { kind: 'resolved'; objects: ResolvedObject[] }
  | { kind: 'unresolved'; detail: string }
  | { kind: 'unknown'; message: string };

/**
 * Settles which objects each event names. An event whose key decodes one way only is taken as is (no
 * request). One that decodes several ways (`a+b`: a space or a plus?) is matched by HeadObject against
 * every candidate: an object with the event's size and ETag is one it may name, so a neighbour with other
 * content (`a b` beside `a+b`) is never taken for it. When several objects match, they are byte-identical
 * and the event cannot tell them apart: all are resolved, the documented reading first, so none is lost (see
 * `findMatchingObjects`). A key no candidate resolves is reported missing (ObjectsMissing, alarmed). A HEAD
 * that failed leaves the answer unknown: the record is retried rather than guessed.
 */
export async function resolveEventKeys(deps: BatchingDeps, events: readonly ObjectCreated[]): Promise<Map<ObjectCreated, KeyResolution>> {
  const resolutions = new Map<ObjectCreated, KeyResolution>();
  const ambiguous: ObjectCreated[] = [];
  for (const event of events) {
    if (event.keyCandidates.length > 1) ambiguous.push(event);
    else resolutions.set(event, { kind: 'resolved', objects: [{ event, checked: false }] });
  }
  await forEachLimited(ambiguous, HEAD_CONCURRENCY, async (event) => {
    let matches: MatchingObject[];
    try {
      matches = await findMatchingObjects(event.keyCandidates, event, (candidate) => deps.objects.head(event.bucket, candidate));
    } catch (error) {
      resolutions.set(event, { kind: 'unknown', message: describeError(error) });
      return;
    }
    if (matches.length === 0) {
      // An object moved to quarantine (same key) by an earlier delivery of this event: resolving it lets
      // the quarantine path see it there and write its QUARANTINE# record if that delivery crashed first.
      try {
        matches = await findMatchingObjects(event.keyCandidates, event, (candidate) =>
          deps.objects.head(deps.config.quarantineBucket, candidate),
        );
      } catch (error) {
        resolutions.set(event, { kind: 'unknown', message: describeError(error) });
        return;
      }
      if (matches.length > 0) {
        resolutions.set(event, {
          kind: 'resolved',
          objects: matches.map(({ key }) => ({ event: { ...event, key, keyCandidates: [key] }, checked: false })),
        });
        return;
      }
    }
    if (matches.length === 0) {
      const tried = event.keyCandidates.map((k) => JSON.stringify(k)).join(', ');
      deps.metrics.add(Metric.ObjectsMissing, 1);
      deps.log.warn('no object matches the event; skipped', { candidates: event.keyCandidates, size: event.sizeBytes, etag: event.etag });
      resolutions.set(event, {
        kind: 'unresolved',
        detail: `no object of ${event.sizeBytes} bytes${event.etag ? ` and ETag ${event.etag}` : ''} under any reading of the event's key (${tried}): deleted or overwritten before it was processed`,
      });
      return;
    }
    if (matches.length > 1) {
      deps.log.warn('identical objects match the event; each is taken', {
        keys: matches.map((m) => m.key),
        size: event.sizeBytes,
        etag: event.etag,
      });
    }
    resolutions.set(event, {
      kind: 'resolved',
      objects: matches.map(({ key, head }) => ({
        event: { ...event, key, keyCandidates: [key], sizeBytes: head.sizeBytes, ...(head.etag ? { etag: head.etag } : {}) },
        checked: true,
      })),
    });
  });
  return resolutions;
}
