import { randomUUID } from 'node:crypto';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { decodeEventKey } from '../../handlers/domain/eventKeys';
import { partitionKeyOf } from '../../handlers/domain/s3Event';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LocalResources, loadStackConfig } from '../../local/resources';
import { createEventingUploader, objectCreatedEvent } from '../../local/s3EventShim';

async function setup(): Promise<{ clients: LocalClients; resources: LocalResources; uploader: LocalClients['s3'] }> {
  const loaded = await loadStackConfig();
  const clients = createLocalClients(inject('emulatorEndpoint'), loaded.region);
  const resources = await createLocalResources(clients, loaded, `s${randomUUID().slice(0, 8)}`);
  const uploader = createEventingUploader(inject('emulatorEndpoint'), {
    region: loaded.region,
    streamName: resources.streamName,
    inputBucket: resources.inputBucket,
    kinesis: clients.kinesis,
  });
  return { clients, resources, uploader };
}

async function readStream(clients: LocalClients, streamName: string) {
  const shards = await clients.kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const records = [];
  for (const shard of shards.Shards ?? []) {
    const it = await clients.kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const page = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    records.push(...(page.Records ?? []));
  }
  return records.map((r) => ({ partitionKey: r.PartitionKey, event: JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) }));
}

describe('objectCreatedEvent', () => {
  it('has the EventBridge "Object Created" envelope with a URL-encoded key and an unquoted etag', () => {
    // Prepare
    const at = new Date('2026-01-30T08:45:00.123Z');

    // Act
    const event = objectCreatedEvent({
      bucket: 'in-bucket',
      key: 'pipeline/input/2026-01-30-a b+c.ndjson',
      size: 42,
      etag: '"abc123"',
      requestId: 'req-1',
      reason: 'PutObject',
      region: 'us-east-1',
      account: '123456789012',
      at,
    });

    // Assert
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-01-30T08:45:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::in-bucket'],
      detail: {
        version: '0',
        bucket: { name: 'in-bucket' },
        object: {
          key: 'pipeline/input/2026-01-30-a+b%2Bc.ndjson',
          size: 42,
          etag: 'abc123',
          sequencer: expect.stringMatching(/^[0-9A-F]{18,}$/),
        },
        'request-id': 'req-1',
        requester: '123456789012',
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(partitionKeyOf(event)).toBe(event.id);
    // An independent, maintained description of what S3 sends to EventBridge: the local run must send the same.
    expect(S3EventNotificationEventBridgeSchema.safeParse(event).error).toBeUndefined();
  });

  it("gives later writes larger sequencers, and a partition key within Kinesis' 256 characters for a 1,024-byte key", () => {
    // Prepare
    const base = {
      bucket: 'b12',
      size: 1,
      etag: 'e',
      requestId: 'r',
      reason: 'PutObject' as const,
      region: 'us-east-1',
      account: '1',
      at: new Date(),
    };

    // Act
    const first = objectCreatedEvent({ ...base, key: 'k' });
    const second = objectCreatedEvent({ ...base, key: 'k' });
    const long = objectCreatedEvent({ ...base, key: `${'x'.repeat(1017)}.ndjson` });

    // Assert
    expect(BigInt(`0x${second.detail.object.sequencer}`)).toBeGreaterThan(BigInt(`0x${first.detail.object.sequencer}`));
    expect(partitionKeyOf(long)).toBe(long.id);
    expect(partitionKeyOf(long).length).toBeLessThanOrEqual(256);
  });
});

describe('installS3EventShim', () => {
  it('puts one Object Created event per write into the input bucket, keyed by the event id as the rule target does', async () => {
    // Prepare
    const { clients, resources, uploader } = await setup();
    const key = 'pipeline/input/2026-01-30-test0001 copy+1.ndjson';

    // Act
    await uploader.send(new PutObjectCommand({ Bucket: resources.inputBucket, Key: key, Body: '{"a":1}\n{"a":2}\n' }));
    await uploader.send(
      new CopyObjectCommand({
        Bucket: resources.inputBucket,
        Key: `${key}.copy`,
        CopySource: `${resources.inputBucket}/${encodeURIComponent(key)}`,
      }),
    );

    // Assert
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: resources.inputBucket, Key: key }));
    const records = await readStream(clients, resources.streamName);
    expect(records).toHaveLength(2);
    for (const record of records) expect(S3EventNotificationEventBridgeSchema.safeParse(record.event).error).toBeUndefined();
    const [put, copy] = records as [(typeof records)[number], (typeof records)[number]];
    expect(put.partitionKey).toBe(put.event.id);
    expect(decodeEventKey(put.event.detail.object.key, 'form')).toBe(key);
    expect(put.event.detail).toMatchObject({
      bucket: { name: resources.inputBucket },
      object: { size: 16, etag: head.ETag?.replace(/"/g, '') },
      reason: 'PutObject',
    });
    expect(put.event.resources).toEqual([`arn:aws:s3:::${resources.inputBucket}`]);
    expect(copy.event.detail.reason).toBe('CopyObject');
    expect(decodeEventKey(copy.event.detail.object.key, 'form')).toBe(`${key}.copy`);
  });

  it('ignores writes to other buckets', async () => {
    // Prepare
    const { clients, resources, uploader } = await setup();

    // Act
    await uploader.send(new PutObjectCommand({ Bucket: resources.outputBucket, Key: 'x/2026-01-30-a.ndjson', Body: 'x' }));

    // Assert
    expect(await readStream(clients, resources.streamName)).toEqual([]);
  });
});
