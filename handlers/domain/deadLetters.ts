import { z } from 'zod';

/**
 * The two dead-letter messages of the stack, as AWS writes them (pure: no SDK).
 *
 * - The EventBridge rule's DLQ (`<base>-s3-events-dlq`): the body is the event EventBridge could not deliver
 *   to the Kinesis target, unchanged, with the message attributes RULE_ARN, TARGET_ARN, ERROR_CODE and
 *   ERROR_MESSAGE (EventBridge User Guide, "Using dead-letter queues to process undelivered events").
 * - The event source mapping's on-failure destination (`<base>-batcher-dlq`): a JSON invocation record
 *   holding no record data, only where the discarded batch lies on the stream (KinesisBatchInfo: shardId,
 *   start and end sequence numbers, arrival times, batchSize, streamArn) (Lambda Developer Guide, "Retain
 *   discarded batch records for a Kinesis Data Streams event source").
 */

export const INGEST_DLQ_ATTRIBUTES = ['RULE_ARN', 'TARGET_ARN', 'ERROR_CODE', 'ERROR_MESSAGE'] as const;
export type IngestDlqAttributes = Record<(typeof INGEST_DLQ_ATTRIBUTES)[number], string>;

const kinesisBatchInfoSchema = z.object({
  shardId: z.string().min(1),
  startSequenceNumber: z.string().min(1),
  endSequenceNumber: z.string().min(1),
  approximateArrivalOfFirstRecord: z.string(),
  approximateArrivalOfLastRecord: z.string(),
  batchSize: z.number().int().positive(),
  streamArn: z.string().min(1),
});

const onFailureRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number().int(),
  }),
  responseContext: z.object({ statusCode: z.number().int(), executedVersion: z.string(), functionError: z.string().optional() }),
  version: z.string(),
  timestamp: z.string(),
  KinesisBatchInfo: kinesisBatchInfoSchema,
});

export type KinesisBatchInfo = z.infer<typeof kinesisBatchInfoSchema>;
export type OnFailureRecord = z.infer<typeof onFailureRecordSchema>;

/** Sequence numbers are decimal strings of up to 128 bits: compared as integers, not as text. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The invocation record Lambda sends to the on-failure destination of a Kinesis mapping. */
export function onFailureRecord(input: {
  requestId: string;
  functionArn: string;
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  approximateInvokeCount: number;
  functionError: boolean;
  at: Date;
  batch: KinesisBatchInfo;
}): OnFailureRecord {
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    // A function error is reported as `Unhandled`; a batch whose items failed returned 200 with no error.
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(input.functionError ? { functionError: 'Unhandled' } : {}) },
    version: '1.0',
    timestamp: input.at.toISOString(),
    KinesisBatchInfo: input.batch,
  };
}

export type ParsedDeadLetter =
  | { kind: 'ingest'; event: { id: string } & Record<string, unknown>; attributes: Partial<IngestDlqAttributes> }
  | { kind: 'on-failure'; record: OnFailureRecord }
  | { kind: 'unreadable'; detail: string };

/** Reads a message of either queue; anything else is reported, never guessed at. */
export function parseDeadLetter(body: string, attributes: Partial<IngestDlqAttributes> = {}): ParsedDeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unreadable', detail: `message body is not JSON: ${body.slice(0, 80)}` };
  }
  const record = onFailureRecordSchema.safeParse(json);
  if (record.success) return { kind: 'on-failure', record: record.data };
  if (typeof json === 'object' && json !== null && 'detail-type' in json && typeof (json as { id?: unknown }).id === 'string') {
    return { kind: 'ingest', event: json as unknown as { id: string } & Record<string, unknown>, attributes };
  }
  return { kind: 'unreadable', detail: 'message is neither an EventBridge event nor a Kinesis on-failure record' };
}
