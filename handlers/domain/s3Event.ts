import { z } from 'zod';
import { candidateKeys } from './eventKeys';

/**
 * The record the batcher receives: an EventBridge "Object Created" event from S3, put on Kinesis by the
 * EventBridge rule's target. Anything else on the stream is skipped with a reason, never retried forever.
 *
 * The schema checks only the fields the pipeline reads. Powertools' S3EventNotificationEventBridgeSchema
 * validates the whole event instead (request-id, requester, and in 2.35.0 an IPv4-only source-ip-address);
 * since a record that fails here is skipped, every stricter check on a field we never read would be a way
 * to drop a real upload silently (one made over IPv6, for instance). The tests hold the two together: what
 * that schema accepts decodes here, and the local shim emits events it accepts.
 */

/**
 * The event field the EventBridge rule's Kinesis target takes as the record's partition key
 * (`partitionKeyPath`): the event's id, unique per event, so events spread over the shards, and 36
 * characters, well within Kinesis' 256. The object key would not do: S3 keys reach 1,024 bytes, a put with
 * a longer partition key fails, and EventBridge sends that event to the rule's dead-letter queue.
 */
export const PARTITION_KEY_PATH = '$.id';

export function partitionKeyOf(event: { id: string }): string {
  return event.id;
}

const objectCreatedSchema = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  time: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

export type SkipReason = 'not-json' | 'not-an-event' | 'not-object-created' | 'other-bucket' | 'outside-prefix';

export interface ObjectCreated {
  bucket: string;
  /** The key the event most likely names (the documented decoding); `keyCandidates[0]`. */
  key: string;
  /**
   * Every decoding of the event's key inside the input prefix (handlers/domain/eventKeys.ts). More than
   * one means the spelling is ambiguous (`a+b`): the batcher asks S3 which one the event is about.
   */
  keyCandidates: string[];
  sizeBytes: number;
  etag?: string;
  /** When S3 created the object (the event's time): a file's age is counted from here. */
  createdAt: string;
}

export type DecodedRecord = { kind: 'object'; event: ObjectCreated } | { kind: 'skip'; reason: SkipReason; detail: string };

export function decodeRecord(data: string, expected: { bucket: string; prefix: string }): DecodedRecord {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { kind: 'skip', reason: 'not-json', detail: `record is not JSON: ${data.slice(0, 80)}` };
  }
  if (typeof json !== 'object' || json === null || !('detail-type' in json)) {
    return { kind: 'skip', reason: 'not-an-event', detail: 'record is not an EventBridge event' };
  }
  const parsed = objectCreatedSchema.safeParse(json);
  if (!parsed.success) {
    const type = String((json as Record<string, unknown>)['detail-type']);
    return { kind: 'skip', reason: 'not-object-created', detail: `event is not an S3 Object Created event (detail-type ${type})` };
  }
  const { detail, time } = parsed.data;
  if (detail.bucket.name !== expected.bucket) {
    return { kind: 'skip', reason: 'other-bucket', detail: `event for bucket ${detail.bucket.name}, not ${expected.bucket}` };
  }
  const candidates = candidateKeys(detail.object.key);
  const inside = candidates.filter((candidate) => candidate.startsWith(expected.prefix));
  if (inside.length === 0) {
    return { kind: 'skip', reason: 'outside-prefix', detail: `key ${candidates[0]} is outside ${expected.prefix}` };
  }
  const createdAt = Number.isNaN(Date.parse(time)) ? new Date(0).toISOString() : new Date(time).toISOString();
  return {
    kind: 'object',
    event: {
      bucket: detail.bucket.name,
      key: inside[0] as string,
      keyCandidates: inside,
      sizeBytes: detail.object.size ?? 0,
      ...(detail.object.etag ? { etag: detail.object.etag } : {}),
      createdAt,
    },
  };
}
