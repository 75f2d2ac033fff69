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
  it('decodes an EventBridge Object Created event, URL-decoding the key', () => {
    expect(decodeRecord(event(), expected)).toEqual({
      kind: 'object',
      event: {
        bucket: 'in-bucket',
        key: 'pipeline/input/2026-11-22-a b+.ndjson',
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
    ['a key with broken URL encoding', event({ key: 'pipeline/input/2026-11-22-%E0%A4%A.ndjson' }), 'malformed-key'],
  ])('skips %s with a reason', (_label, data, reason) => {
    expect(decodeRecord(data, expected)).toMatchObject({ kind: 'skip', reason });
  });
});
