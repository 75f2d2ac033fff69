import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { batcherFixture, kinesisEvent, TODAY } from '../support/batcherFixture';
import { objectCreated } from '../support/events';

describe('batcher input the producer did not intend', () => {
  it.each([
    ['a space', `${TODAY}-with space.ndjson`],
    ['a plus', `${TODAY}-a+b.ndjson`],
    ['unicode', `${TODAY}-données-ü-日本.ndjson`],
    ['a percent sign', `${TODAY}-100%-done.ndjson`],
  ])('tracks a key with %s under its real name (S3 URL-encodes keys in events)', async (_label, name) => {
    // Prepare
    const fx = await batcherFixture();
    const event = await fx.put(name);

    // Act
    const response = await fx.invoke(kinesisEvent([event]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const file = (await fx.itemsOf(TODAY)).find((i) => i.kind === 'file');
    expect(file).toMatchObject({ file_key: `pipeline/input/${name}`, status: 'pending' });
  });

  it('skips, with a metric, an object deleted before it was processed', async () => {
    // Prepare
    const fx = await batcherFixture();
    const event = await fx.put(`${TODAY}-gone.ndjson`);
    await fx.clients.s3.send(new DeleteObjectCommand({ Bucket: fx.config.inputBucket, Key: `pipeline/input/${TODAY}-gone.ndjson` }));

    // Act
    const response = await fx.invoke(kinesisEvent([event]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(fx.metrics.get('ObjectsMissing')).toBe(1);
    expect((await fx.itemsOf(TODAY)).filter((i) => i.kind === 'file')).toEqual([]);
  });

  it('skips an event for another bucket and a key outside the input prefix', async () => {
    // Prepare
    const fx = await batcherFixture();
    const foreign = objectCreated({ bucket: 'someone-elses-bucket', key: `pipeline/input/${TODAY}-x.ndjson`, size: 10 });
    const outside = await fx.put(`${TODAY}-x.ndjson`, '{}\n', { prefix: 'elsewhere/' });

    // Act
    const response = await fx.invoke(kinesisEvent([foreign, outside]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(fx.metrics.get('EventsSkipped')).toBe(2);
    expect(await fx.items()).toEqual([]);
  });

  it('fails only the records it could not register, so just those are redelivered', async () => {
    // Prepare: the table is gone, so registration fails; the non-S3 record is still skipped cleanly
    const fx = await batcherFixture();
    const event = await fx.put(`${TODAY}-x.ndjson`);
    const batch = kinesisEvent(['garbage', event]);
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    await fx.clients.dynamoRaw.send(new DeleteTableCommand({ TableName: fx.config.tableName }));

    // Act
    const response = await fx.invoke(batch);

    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[1]!.kinesis.sequenceNumber }]);
  });
});
