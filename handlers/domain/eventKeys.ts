/**
 * How an S3 event spells an object key, and how the batcher reads it back.
 *
 * S3's notification documentation says `s3.object.key` is URL-encoded as HTML forms encode
 * (`application/x-www-form-urlencoded`): "red flower.jpg" arrives as "red+flower.jpg", and a literal `+`
 * as `%2B` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 * The EventBridge event of the same write (`detail.object.key`, our path) is documented without a word on
 * encoding (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html), and users report it
 * percent-encoded with a raw `+` and `%20` for a space (aws-solutions-library-samples/
 * guidance-for-medialake-on-aws#21), while S3-compatible stores send keys raw. The three spellings
 * collide: `a+b` is `a b` in one and `a+b` in the others. So the batcher does not guess: it reads every
 * decoding as a candidate and lets S3 say which object the event is about (size and ETag).
 */

export const KEY_ENCODINGS = ['form', 'percent', 'raw'] as const;
export type KeyEncoding = (typeof KEY_ENCODINGS)[number];

/** The only encoding AWS documents for S3 event keys; the local shim's default. */
export const DOCUMENTED_KEY_ENCODING: KeyEncoding = 'form';

/** `encodeURIComponent`, keeping `/` as S3 events keep it (reported: AWS leaves the separators raw). */
function percentEncode(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}

export function encodeEventKey(key: string, encoding: KeyEncoding): string {
  switch (encoding) {
    case 'form':
      return percentEncode(key)
        .replace(/%20/g, '+')
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    case 'percent':
      return percentEncode(key).replace(/%2B/g, '+');
    case 'raw':
      return key;
  }
}

/** Throws URIError when `encoded` is not valid in `encoding` (a stray `%`, a cut UTF-8 sequence). */
export function decodeEventKey(encoded: string, encoding: KeyEncoding): string {
  switch (encoding) {
    case 'form':
      return decodeURIComponent(encoded.replace(/\+/g, ' '));
    case 'percent':
      return decodeURIComponent(encoded);
    case 'raw':
      return encoded;
  }
}

/** Tried in this order, the documented decoding first: the event's own key when several objects match. */
const DECODING_ORDER: readonly KeyEncoding[] = [DOCUMENTED_KEY_ENCODING, 'percent', 'raw'];

/**
 * Every key `encoded` can stand for, without repeats, the documented decoding first. Never empty: the raw
 * reading always exists. One candidate (the usual case: no `+`, `%` or space) needs no lookup.
 */
export function candidateKeys(encoded: string): string[] {
  const keys = new Set<string>();
  for (const encoding of DECODING_ORDER) {
    try {
      keys.add(decodeEventKey(encoded, encoding));
    } catch {
      // Not valid in this encoding, so the event was not written in it.
    }
  }
  return [...keys];
}

/** What the event says the object is; S3 events carry both (`size`, `etag` without quotes). */
export interface AnnouncedObject {
  sizeBytes: number;
  etag?: string;
}

/** A candidate as HeadObject found it; null when there is no such object. */
export type CandidateHead = { sizeBytes: number; etag?: string } | null;

function sameObject(head: CandidateHead, announced: AnnouncedObject): boolean {
  if (!head || head.sizeBytes !== announced.sizeBytes) return false;
  return announced.etag === undefined || normalizeEtag(head.etag) === normalizeEtag(announced.etag);
}

function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
}

/** A candidate whose object has the announced size and ETag, with that object as HeadObject found it. */
export interface MatchingObject {
  key: string;
  head: { sizeBytes: number; etag?: string };
}

/**
 * Every candidate, in `candidateKeys` order, whose object has the announced size and ETag; empty when none
 * has. Then the event names no object we can find (deleted, or overwritten since: the overwrite raises its
 * own event), and taking the nearest would process another file.
 *
 * Several match only when their objects have identical content (`a b` and `a+b`, same size and ETag). The
 * event cannot tell which of them it names, so all are returned: each is a real, complete object that gets
 * its own event too, and registering it early only makes that event a duplicate. Taking one would lose the
 * other for good, since its own event resolves the same way. So every candidate is looked up; the cost falls
 * only on keys with more than one reading (a `+`, `%`, space or non-ASCII character), at most three HEADs.
 */
export async function findMatchingObjects(
  candidates: readonly string[],
  announced: AnnouncedObject,
  head: (key: string) => Promise<CandidateHead>,
): Promise<MatchingObject[]> {
  const matches: MatchingObject[] = [];
  for (const key of candidates) {
    const found = await head(key);
    if (found && sameObject(found, announced)) matches.push({ key, head: found });
  }
  return matches;
}
