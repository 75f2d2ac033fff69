import { randomUUID } from 'node:crypto';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createLocalClients } from '../../local/localClients';
import { firstFailedPosition, ShardPoller, type ShardPollerOptions } from '../../local/shardPoller';

const REGION = 'us-east-1';
const pollers: ShardPoller[] = [];

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

interface Delivery {
  event: KinesisStreamEvent;
  context: Context;
}

type Behaviour = (event: KinesisStreamEvent, call: number) => KinesisStreamBatchResponse | undefined;

/** A stream with `shards` shards, its records put in order, and a poller driving `behaviour`. */
async function harness(
  payloads: { key: string; data: string }[],
  behaviour: Behaviour,
  options: Partial<ShardPollerOptions> = {},
  shards = 1,
) {
  const clients = createLocalClients(inject('emulatorEndpoint'), REGION);
  const streamName = `poller-${randomUUID().slice(0, 8)}`;
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  const summary = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const sequences: string[] = [];
  for (const payload of payloads) {
    const put = await clients.kinesis.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: payload.key, Data: Buffer.from(payload.data) }),
    );
    sequences.push(put.SequenceNumber!);
  }
  const deliveries: Delivery[] = [];
  const deadLetters: string[] = [];
  const poller = new ShardPoller({
    kinesis: clients.kinesis,
    streamName,
    streamArn: summary.StreamDescriptionSummary!.StreamARN!,
    region: REGION,
    handler: async (event, context) => {
      deliveries.push({ event, context });
      return behaviour(event, deliveries.length);
    },
    lambda: { functionName: 'batcher-test', memoryMb: 512, timeoutSeconds: 120, region: REGION, account: '123456789012' },
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/batcher-test',
    batchSize: 100,
    batchingWindowMs: 0,
    maximumRetryAttempts: 3,
    bisectOnError: true,
    parallelization: 1,
    deadLetters: { send: async (body: string) => void deadLetters.push(body) },
    pollIntervalMs: 20,
    ...options,
  });
  pollers.push(poller);
  const since = Date.now();
  await poller.start();
  await poller.drain(20_000, since);
  const dlq = deadLetters.map((body) => JSON.parse(body));
  return { deliveries, sequences, poller, dlq, streamArn: summary.StreamDescriptionSummary!.StreamARN! };
}

const data = (delivery: Delivery) => delivery.event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));

describe('ShardPoller', () => {
  it('delivers records shaped as Lambda delivers Kinesis records, with a Lambda-like context', async () => {
    // Prepare
    const payloads = [1, 2, 3].map((n) => ({ key: `key-${n}`, data: `{"n":${n}}` }));

    // Act
    const { deliveries, sequences, streamArn } = await harness(payloads, () => ({ batchItemFailures: [] }));

    // Assert
    expect(deliveries).toHaveLength(1);
    const [first] = deliveries[0]!.event.Records;
    expect(first).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'key-1',
        sequenceNumber: sequences[0],
        data: Buffer.from('{"n":1}').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequences[0]}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/batcher-test',
      awsRegion: REGION,
      eventSourceARN: streamArn,
    });
    expect(first!.kinesis.approximateArrivalTimestamp).toBeGreaterThan(1e9);
    expect(first!.kinesis.approximateArrivalTimestamp).toBeLessThan(1e11);
    expect(data(deliveries[0]!)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    const context = deliveries[0]!.context;
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context).toMatchObject({
      functionName: 'batcher-test',
      memoryLimitInMB: '512',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:batcher-test',
    });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(100_000);
  });

  it('closes batches at batchSize', async () => {
    // Prepare
    const payloads = Array.from({ length: 7 }, (_, n) => ({ key: 'k', data: String(n) }));

    // Act
    const { deliveries } = await harness(payloads, () => undefined, { batchSize: 3 });

    // Assert
    expect(deliveries.map((d) => d.event.Records.length)).toEqual([3, 3, 1]);
  });

  it('checkpoints before the lowest failed item and redelivers from there', async () => {
    // Prepare
    const payloads = [1, 2, 3, 4, 5].map((n) => ({ key: 'k', data: String(n) }));
    const behaviour: Behaviour = (event, call) =>
      call === 1
        ? {
            batchItemFailures: [
              { itemIdentifier: event.Records[3]!.kinesis.sequenceNumber },
              { itemIdentifier: event.Records[2]!.kinesis.sequenceNumber },
            ],
          }
        : { batchItemFailures: [] };

    // Act
    const { deliveries, poller } = await harness(payloads, behaviour);

    // Assert
    expect(deliveries.map(data)).toEqual([
      ['1', '2', '3', '4', '5'],
      ['3', '4', '5'],
    ]);
    expect(poller.stats).toMatchObject({ partialFailures: 1, retries: 1, dlqBatches: 0 });
  });

  it('redelivers the whole batch when a failure names a record that is not in it', () => {
    // Prepare
    const batch = ['1', '2'].map((sequenceNumber) => ({ record: { kinesis: { sequenceNumber } } }) as never);

    // Act
    const unknown = firstFailedPosition(batch, { batchItemFailures: [{ itemIdentifier: '9' }] });
    const empty = firstFailedPosition(batch, { batchItemFailures: [{ itemIdentifier: '' }] });
    const none = firstFailedPosition(batch, undefined);

    // Assert
    expect([unknown, empty, none]).toEqual([0, 0, 2]);
  });

  it('bisects a batch whose invocation throws, isolates the poison record and sends it to the DLQ', async () => {
    // Prepare
    const payloads = ['a', 'b', 'poison', 'c'].map((d) => ({ key: 'k', data: d }));
    const behaviour: Behaviour = (event) => {
      if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'poison')) throw new Error('cannot parse');
      return undefined;
    };

    // Act
    const { deliveries, poller, dlq, sequences, streamArn } = await harness(payloads, behaviour, { maximumRetryAttempts: 2 });

    // Assert
    const delivered = deliveries.map(data);
    expect(delivered[0]).toEqual(['a', 'b', 'poison', 'c']);
    expect(delivered[1]).toEqual(['a', 'b']);
    expect(delivered.at(-1)).toEqual(['c']);
    expect(dlq).toHaveLength(1);
    // Lambda's invocation record: where the poison record lies on the stream, not the record itself.
    expect(dlq[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'Unhandled' },
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: sequences[2],
        endSequenceNumber: sequences[2],
        batchSize: 1,
        streamArn,
      },
    });
    expect(dlq[0]).not.toHaveProperty('records');
    expect(poller.stats).toMatchObject({ dlqBatches: 1, dlqRecords: 1 });
  });

  it('delivers every record N times with --duplicates, some copies in the same batch and some later', async () => {
    // Prepare
    const payloads = [1, 2, 3, 4].map((n) => ({ key: `k${n}`, data: String(n) }));

    // Act
    const { deliveries } = await harness(payloads, () => undefined, { duplicates: 3 });

    // Assert
    const all = deliveries.flatMap(data).sort();
    expect(all).toEqual(['1', '1', '1', '2', '2', '2', '3', '3', '3', '4', '4', '4']);
    expect(deliveries.length).toBeGreaterThan(1);
    expect(new Set(data(deliveries[0]!)).size).toBeLessThan(data(deliveries[0]!).length);
  });

  it('keeps each partition key in order across parallel lanes', async () => {
    // Prepare
    const payloads = Array.from({ length: 40 }, (_, n) => ({ key: `key-${n % 5}`, data: `${n % 5}:${n}` }));

    // Act
    const { deliveries } = await harness(payloads, () => undefined, { parallelization: 3, batchSize: 4 });

    // Assert
    const seen = new Map<string, number[]>();
    for (const line of deliveries.flatMap(data)) {
      const [key, n] = line.split(':');
      seen.set(key!, [...(seen.get(key!) ?? []), Number(n)]);
    }
    expect([...seen.values()].flat()).toHaveLength(40);
    for (const order of seen.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('reads every shard of a multi-shard stream', async () => {
    // Prepare
    const payloads = Array.from({ length: 20 }, (_, n) => ({ key: `spread-${n}`, data: String(n) }));

    // Act
    const { deliveries } = await harness(payloads, () => undefined, {}, 2);

    // Assert
    expect(new Set(deliveries.flatMap((d) => d.event.Records.map((r) => r.eventID.split(':')[0]))).size).toBe(2);
    expect(deliveries.flatMap(data).sort((a, b) => Number(a) - Number(b))).toEqual(payloads.map((p) => p.data));
  });
});
