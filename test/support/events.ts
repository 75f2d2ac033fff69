import type { KinesisStreamEvent } from 'aws-lambda';
import { encodeEventKey, type KeyEncoding } from '../../handlers/domain/eventKeys';

/** Factories for what the batcher receives: EventBridge "Object Created" events inside Kinesis records. */

let sequence = 10_000_000n;

export function objectCreated(input: {
  bucket: string;
  key: string;
  size: number;
  etag?: string;
  time?: string;
  /** How the event spells the key; default form, as S3 documents. */
  keyEncoding?: KeyEncoding;
}): Record<string, unknown> {
  return {
    version: '0',
    id: `evt-${sequence}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: input.time ?? '2026-11-22T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${input.bucket}`],
    detail: {
      version: '0',
      bucket: { name: input.bucket },
      object: {
        key: encodeEventKey(input.key, input.keyEncoding ?? 'form'),
        size: input.size,
        etag: input.etag ?? 'etag',
        sequencer: '00',
      },
      reason: 'PutObject',
    },
  };
}

/** A Kinesis batch as Lambda delivers it; each payload is JSON-encoded unless it is already a string. */
export function kinesisEvent(payloads: (Record<string, unknown> | string)[]): KinesisStreamEvent {
  return {
    Records: payloads.map((payload) => {
      sequence += 1n;
      const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
      return {
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequence}`,
        eventName: 'aws:kinesis:record',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test',
        awsRegion: 'us-east-1',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/batcher',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: 'pk',
          sequenceNumber: String(sequence),
          data: Buffer.from(data, 'utf-8').toString('base64'),
          approximateArrivalTimestamp: 1_763_812_800,
        },
      };
    }),
  };
}
