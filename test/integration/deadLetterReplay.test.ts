import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '../../handlers/adapters/sqsDeadLetterQueue';
import { onFailureRecord } from '../../handlers/domain/deadLetters';
import { objectCreatedEvent } from '../../local/s3EventShim';
import { deadLetters } from '../../operator/operations/deadLetters';
import { type BatcherFixture, batcherFixture, fileName, TODAY } from '../support/batcherFixture';
import { fixtureTarget } from '../support/operatorTarget';

/**
 * `dlq` against the emulator's queues, no batcher running: what a replay does with a batch whose records the
 * stream no longer holds, and that it deletes nothing whose files are not tracked. The whole recovery, with
 * the pipeline running, is test/e2e/deadLetters.test.ts.
 */

function targetOf(fx: BatcherFixture) {
  return fixtureTarget(fx, { deadLetterQueues: fx.resources.deadLetterQueues });
}

const batchInfo = (fx: BatcherFixture, start: string, end: string) =>
  onFailureRecord({
    requestId: 'r-1',
    functionArn: `arn:aws:lambda:${fx.resources.region}:123456789012:function:${fx.resources.batcherFunctionName}`,
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 6,
    functionError: true,
    at: new Date('2026-11-22T10:00:05Z'),
    batch: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-11-22T10:00:00.000Z',
      approximateArrivalOfLastRecord: '2026-11-22T10:00:01.000Z',
      batchSize: 1,
      streamArn: fx.resources.streamArn,
    },
  });

/** An Object Created event for the date's file `n`, put on the fixture's stream as EventBridge would. */
async function putObjectCreatedRecord(fx: BatcherFixture, n: number) {
  const key = `${fx.config.inputPrefix}${fileName(TODAY, n)}`;
  const event = objectCreatedEvent({
    bucket: fx.resources.inputBucket,
    key,
    size: 10,
    etag: 'e',
    requestId: 'q',
    reason: 'PutObject',
    region: fx.resources.region,
    account: '123456789012',
    at: new Date(),
  });
  const put = await fx.clients.kinesis.send(
    new PutRecordCommand({ StreamName: fx.resources.streamName, PartitionKey: event.id, Data: Buffer.from(JSON.stringify(event)) }),
  );
  return { key, event, put };
}

describe('dlq', () => {
  it('keeps a failed batch the stream no longer holds and names the reconcile that finds its files', async () => {
    // Prepare: a record on the stream, and an on-failure message for a batch before it (trimmed by retention)
    const fx = await batcherFixture();
    const { put } = await putObjectCreatedRecord(fx, 1);
    const onFailure = new SqsDeadLetterQueue(fx.clients.sqs, fx.resources.deadLetterQueues.batcher);
    const trimmedEnd = (BigInt(put.SequenceNumber!) - 1n).toString();
    await onFailure.send(JSON.stringify(batchInfo(fx, trimmedEnd, trimmedEnd)));
    const target = targetOf(fx);

    // Act
    const report = await deadLetters(target, { replay: true, waitMs: 500, pollMs: 100 });
    const again = await deadLetters(target, { replay: false });
    target.close();

    // Assert
    expect(report.messages).toHaveLength(1);
    expect(report.messages[0]).toMatchObject({
      queue: 'on-failure',
      outcome: 'reconcile',
      batch: { retained: false },
      reconcileSince: '2026-11-22T10:00:00.000Z',
      files: [],
    });
    expect(report.replay).toEqual({ deleted: 0, kept: 0, reconcile: 1 });
    expect(again.queues.find((q) => q.queue === 'on-failure')?.count).toBe(1);
  });

  it('re-reads a retained batch from the stream to name its files, and deletes nothing while they are untracked', async () => {
    // Prepare: the batch's record is on the stream; no batcher runs, so a replay cannot get it tracked
    const fx = await batcherFixture();
    const { key, event, put } = await putObjectCreatedRecord(fx, 2);
    await new SqsDeadLetterQueue(fx.clients.sqs, fx.resources.deadLetterQueues.batcher).send(
      JSON.stringify(batchInfo(fx, put.SequenceNumber!, put.SequenceNumber!)),
    );
    await new SqsDeadLetterQueue(fx.clients.sqs, fx.resources.deadLetterQueues.ingest).send(JSON.stringify(event), {
      RULE_ARN: 'arn:aws:events:us-east-1:123456789012:rule/r',
      TARGET_ARN: fx.resources.streamArn,
      ERROR_CODE: 'THROTTLING',
      ERROR_MESSAGE: 'Rate exceeded',
    });
    const target = targetOf(fx);

    // Act
    const report = await deadLetters(target, { replay: true, waitMs: 500, pollMs: 100 });
    const again = await deadLetters(target, { replay: false });
    target.close();

    // Assert
    expect(report.messages.map((m) => [m.queue, m.files, m.outcome])).toEqual([
      ['ingest', [{ key, date: TODAY, tracked: false }], 'kept'],
      ['on-failure', [{ key, date: TODAY, tracked: false }], 'kept'],
    ]);
    expect(report.messages[0]?.error).toBe('THROTTLING: Rate exceeded');
    expect(again.queues.map((q) => [q.queue, q.count, q.dates])).toEqual([
      ['ingest', 1, [TODAY]],
      ['on-failure', 1, [TODAY]],
    ]);
  });
});
