import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../handlers/domain/s3Event';

const expected = { bucket: 'in-bucket', prefix: 'pipeline/input/' };
const event = (over: { bucket?: string; key?: string; detailType?: string; source?: string } = {}) =>
  JSON.stringify({
    version: '0',
    'detail-type': over.detailType ?? 'Object Created',
    source: over.source ?? 'aws.s3',
    time: '2026-11-22T10:00:00Z',
    detail: {
      bucket: { name: over.bucket ?? 'in-bucket' },
      object: { key: over.key ?? 'pipeline/input/2026-11-22-a+b%2B.ndjson', size: 12, etag: 'abc' },
    },
  });

describe('decodeRecord', () => {
  it('decodes an EventBridge Object Created event with every reading of its key, the documented one first', () => {
    expect(decodeRecord(event(), expected)).toEqual({
      kind: 'object',
      event: {
        bucket: 'in-bucket',
        key: 'pipeline/input/2026-11-22-a b+.ndjson',
        keyCandidates: [
          'pipeline/input/2026-11-22-a b+.ndjson',
          'pipeline/input/2026-11-22-a+b+.ndjson',
          'pipeline/input/2026-11-22-a+b%2B.ndjson',
        ],
        sizeBytes: 12,
        etag: 'abc',
        createdAt: '2026-11-22T10:00:00.000Z',
      },
    });
  });

  it.each([
    ['not JSON', '{oops', 'not-json'],
    ['JSON that is no event', '{"hello":1}', 'not-an-event'],
    ['another kind of event', event({ detailType: 'Object Deleted' }), 'not-object-created'],
    ['an event of another bucket', event({ bucket: 'elsewhere' }), 'other-bucket'],
    ['a key outside the input prefix', event({ key: 'other/2026-11-22-x.ndjson' }), 'outside-prefix'],
  ])('skips %s with a reason', (_label, data, reason) => {
    expect(decodeRecord(data, expected)).toMatchObject({ kind: 'skip', reason });
  });

  // An event as S3 sends it to EventBridge (the shape of the AWS documentation's example).
  const awsEvent = (sourceIp: string) => ({
    version: '0',
    id: 'f5f1e65c-dc3a-93ca-6c1e-b1647eac7963',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-22T10:00:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::in-bucket'],
    detail: {
      version: '0',
      bucket: { name: 'in-bucket' },
      object: {
        key: 'pipeline/input/2026-11-22-x.ndjson',
        size: 184662,
        etag: '4e68adba0abe2dc8653dc3354e14c01d',
        sequencer: '006408CAD69598B05E',
      },
      'request-id': '57H08PA84AB1JZW0',
      requester: '123456789012',
      'source-ip-address': sourceIp,
      reason: 'PutObject',
    },
  });

  it('decodes what the Powertools S3 EventBridge schema accepts', () => {
    const event = awsEvent('34.252.34.74');
    expect(S3EventNotificationEventBridgeSchema.safeParse(event).success).toBe(true);
    expect(decodeRecord(JSON.stringify(event), expected)).toMatchObject({ kind: 'object', event: { key: event.detail.object.key } });
  });

  it('decodes uploads made over IPv6, whose source address a stricter schema could refuse', () => {
    expect(decodeRecord(JSON.stringify(awsEvent('2001:db8::1')), expected)).toMatchObject({ kind: 'object' });
  });
});
