import { Metric } from '../../contracts/metrics';
import { findCandidate } from '../domain/eventKeys';
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

export type KeyResolution =
  /** `checked`: HeadObject found the object as announced, so it need not be looked up again. */
  | { kind: 'resolved'; event: ObjectCreated; checked: boolean }
  | { kind: 'unresolved'; detail: string }
  | { kind: 'unknown'; message: string };

/**
 * Settles which object each event names. An event whose key decodes one way only is taken as is (no
 * request). One that decodes several ways (`a+b`: a space or a plus?) is matched by HeadObject against
 * the candidates in turn: the object with the event's size and ETag is the one, so a neighbour (`a b` beside
 * `a+b`) is never taken for it. A key no candidate resolves is reported missing (ObjectsMissing, alarmed).
 * A HEAD that failed leaves the answer unknown: the record is retried rather than guessed.
 */
export async function resolveEventKeys(deps: BatchingDeps, events: readonly ObjectCreated[]): Promise<Map<ObjectCreated, KeyResolution>> {
  const resolutions = new Map<ObjectCreated, KeyResolution>();
  const ambiguous: ObjectCreated[] = [];
  for (const event of events) {
    if (event.keyCandidates.length > 1) ambiguous.push(event);
    else resolutions.set(event, { kind: 'resolved', event, checked: false });
  }
  await forEachLimited(ambiguous, HEAD_CONCURRENCY, async (event) => {
    let key: string | null;
    try {
      key = await findCandidate(event.keyCandidates, event, (candidate) => deps.objects.head(event.bucket, candidate));
    } catch (error) {
      resolutions.set(event, { kind: 'unknown', message: describeError(error) });
      return;
    }
    if (key === null) {
      const tried = event.keyCandidates.map((k) => JSON.stringify(k)).join(', ');
      deps.metrics.add(Metric.ObjectsMissing, 1);
      deps.log.warn('no object matches the event; skipped', { candidates: event.keyCandidates, size: event.sizeBytes, etag: event.etag });
      resolutions.set(event, {
        kind: 'unresolved',
        detail: `no object of ${event.sizeBytes} bytes${event.etag ? ` and ETag ${event.etag}` : ''} under any reading of the event's key (${tried}): deleted or overwritten before it was processed`,
      });
      return;
    }
    resolutions.set(event, { kind: 'resolved', event: { ...event, key, keyCandidates: [key] }, checked: true });
  });
  return resolutions;
}
