import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { quarantineKey, TABLE_KEYS } from '../../contracts/trackingSchema';
import { S3ObjectStore } from '../../handlers/adapters/s3ObjectStore';
import { enforceAwsLimits } from '../../local/awsLimits';
import { batcherFixture, kinesisEvent, TODAY } from '../support/batcherFixture';

describe('moving a file into quarantine', () => {
  it('copies an object over the single-copy limit in parts (the limit lowered here from 5 GiB to 10 bytes)', async () => {
    // Arrange: S3 (as the local world enforces it) refuses CopyObject of a source over the limit
    const fx = await batcherFixture();
    // The batcher's own clients: the parts are copied with its role's grants (s3:PutObject on the target).
    enforceAwsLimits(fx.handlerClients.batcher, TABLE_KEYS, { s3CopyObjectBytes: 10 });
    const store = new S3ObjectStore(fx.handlerClients.batcher.s3, { singleCopyMaxBytes: 10 });
    const key = 'pipeline/input/too large.ndjson';
    const body = '{"a":"0123456789"}\n';
    await fx.clients.s3.send(new PutObjectCommand({ Bucket: fx.config.inputBucket, Key: key, Body: body }));

    // Act
    const moved = await store.moveObject(
      { bucket: fx.config.inputBucket, key, sizeBytes: Buffer.byteLength(body) },
      { bucket: fx.config.quarantineBucket, key },
      { 'quarantine-reason': 'too-large' },
    );

    // Assert
    expect(moved).toBe('moved');
    const copy = await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.config.quarantineBucket, Key: key }));
    expect(await copy.Body?.transformToString()).toBe(body);
    expect(copy.Metadata?.['quarantine-reason']).toBe('too-large');
    await expect(fx.clients.s3.send(new HeadObjectCommand({ Bucket: fx.config.inputBucket, Key: key }))).rejects.toThrow();
  });

  it('records a file an earlier attempt moved but crashed before recording, when its event comes again', async () => {
    // Arrange: the object is in quarantine and gone from the input, and no QUARANTINE# record was written
    const fx = await batcherFixture();
    const name = 'no-date-here.ndjson';
    const event = await fx.put(name);
    const key = `pipeline/input/${name}`;
    await fx.clients.s3.send(
      new CopyObjectCommand({ Bucket: fx.config.quarantineBucket, Key: key, CopySource: `${fx.config.inputBucket}/${key}` }),
    );
    await fx.clients.s3.send(new DeleteObjectCommand({ Bucket: fx.config.inputBucket, Key: key }));

    // Act
    const response = await fx.invoke(kinesisEvent([event]));

    // Assert
    expect(response?.batchItemFailures).toEqual([]);
    const record = (await fx.items()).find((i) => i.file_key === quarantineKey(key));
    expect(record).toMatchObject({
      status: 'quarantined',
      reason: 'no-date-prefix',
      file_path: `s3://${fx.config.quarantineBucket}/${key}`,
    });
    expect(fx.metrics.get('ObjectsMissing')).toBe(0);
  });

  it('keeps the first QUARANTINE# record when the same event is delivered again', async () => {
    // Arrange
    const fx = await batcherFixture();
    const event = await fx.put('again-no-date.ndjson');
    await fx.invoke(kinesisEvent([event]));
    const first = (await fx.items()).find((i) => String(i.file_key).startsWith('QUARANTINE#'));
    fx.clock.now = new Date(`${TODAY}T13:00:00Z`);

    // Act
    await fx.invoke(kinesisEvent([event]));

    // Assert
    const records = (await fx.items()).filter((i) => String(i.file_key).startsWith('QUARANTINE#'));
    expect(records).toHaveLength(1);
    expect(records[0]?.created_at).toBe(first?.created_at);
  });
});
