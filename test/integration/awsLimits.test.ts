import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BatchWriteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { TABLE_KEYS } from '../../contracts/trackingSchema';
import { type AwsLimits, dynamoItemBytes, enforceAwsLimits } from '../../local/awsLimits';
import { createLocalClients } from '../../local/localClients';
import { createLocalResources, loadStackConfig } from '../../local/resources';

async function limited(limits: Partial<AwsLimits> = {}) {
  const loaded = await loadStackConfig();
  const clients = createLocalClients(inject('emulatorEndpoint'), loaded.region);
  const resources = await createLocalResources(clients, loaded, `l${randomUUID().slice(0, 8)}`);
  enforceAwsLimits(clients, TABLE_KEYS, limits);
  return { clients, resources };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  );

describe('dynamoItemBytes', () => {
  it('counts attribute names and values as DynamoDB does', () => {
    // Arrange: names and strings are UTF-8 bytes; a number is about one byte per two digits plus one
    const item = { date_prefix: '2026-11-30', file_key: 'é', size_bytes: 12345, ok: true };

    // Act
    const bytes = dynamoItemBytes(item);

    // Assert: 11+10, 8+2, 10+(3+1), 2+1
    expect(bytes).toBe(21 + 10 + 14 + 3);
  });
});

describe('AWS limits in the local world', () => {
  it('refuses a sort key over 1,024 bytes and a transaction of more than 100 items, as DynamoDB does', async () => {
    // Arrange
    const { clients, resources } = await limited();
    const item = (fileKey: string) => ({ date_prefix: '2026-11-30', file_key: fileKey });

    // Act
    const longKey = await refusal(clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: item('k'.repeat(1025)) })));
    const atLimit = await refusal(clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: item('k'.repeat(1024)) })));
    const tooMany = await refusal(
      clients.dynamo.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: resources.tableName, Item: item(`f${i}`) } })),
        }),
      ),
    );
    const tooBig = await refusal(
      clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { ...item('big'), body: 'x'.repeat(400 * 1024) } })),
    );

    // Assert
    expect(longKey).toMatchObject({ name: 'ValidationException', status: 400, message: expect.stringContaining('1024 bytes') });
    expect(atLimit).toBeNull();
    expect(tooMany).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('less than or equal to 100') });
    expect(tooBig).toMatchObject({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
  });

  it('refuses a BatchWriteItem of more than 25 requests or with two on the same item, as DynamoDB does', async () => {
    // Arrange
    const { clients, resources } = await limited();
    const put = (fileKey: string, n = 0) => ({ PutRequest: { Item: { date_prefix: '2026-11-30', file_key: fileKey, n } } });
    const batch = (requests: ReturnType<typeof put>[]) =>
      refusal(clients.dynamo.send(new BatchWriteCommand({ RequestItems: { [resources.tableName]: requests } })));

    // Act
    const tooMany = await batch(Array.from({ length: 26 }, (_, i) => put(`f${i}`)));
    const twice = await batch([put('same', 1), put('same', 2)]);
    const atLimit = await batch(Array.from({ length: 25 }, (_, i) => put(`f${i}`)));

    // Assert
    expect(tooMany).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('less than or equal to 25') });
    expect(twice).toMatchObject({ name: 'ValidationException', message: 'Provided list of item keys contains duplicates' });
    expect(atLimit).toBeNull();
  });

  it('refuses a Kinesis partition key over 256 characters and a Step Functions name over 80', async () => {
    // Arrange
    const { clients, resources } = await limited();

    // Act
    const longKey = await refusal(
      clients.kinesis.send(
        new PutRecordCommand({ StreamName: resources.streamName, PartitionKey: 'k'.repeat(257), Data: Buffer.from('{}') }),
      ),
    );
    const fits = await refusal(
      clients.kinesis.send(
        new PutRecordCommand({ StreamName: resources.streamName, PartitionKey: 'k'.repeat(256), Data: Buffer.from('{}') }),
      ),
    );
    const longName = await refusal(
      clients.sfn.send(new StartExecutionCommand({ stateMachineArn: resources.stateMachineArn, name: 'n'.repeat(81), input: '{}' })),
    );
    const badName = await refusal(
      clients.sfn.send(new StartExecutionCommand({ stateMachineArn: resources.stateMachineArn, name: 'a/b', input: '{}' })),
    );

    // Assert
    expect(longKey).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('256') });
    expect(fits).toBeNull();
    expect(longName).toMatchObject({ name: 'InvalidName', status: 400 });
    expect(badName).toMatchObject({ name: 'InvalidName' });
  });

  it('refuses a CopyObject whose source is over the single-copy limit (lowered here from 5 GiB)', async () => {
    // Arrange
    const { clients, resources } = await limited({ s3CopyObjectBytes: 10 });
    const bucket = resources.inputBucket;
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small key+1.ndjson', Body: '0123456789' }));
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large.ndjson', Body: '0123456789A' }));

    // Act
    const small = await refusal(
      clients.s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'copy-small', CopySource: `${bucket}/${encodeURIComponent('small key+1.ndjson')}` }),
      ),
    );
    const large = await refusal(
      clients.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy-large', CopySource: `${bucket}/large.ndjson` })),
    );

    // Assert
    expect(small).toBeNull();
    expect(large).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('maximum allowable size for a copy source: 10'),
    });
  });
});
