import { describe, expect, it } from 'vitest';
import { registerFiles } from '../../handlers/services/registerFiles';
import { countDynamoRequests } from '../../local/requestCounter';
import { batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

/** Requests for one invocation of 40 new files, on a date that already has `backlog` pending files. */
async function requestsFor(backlog: number) {
  const fx = await batcherFixture({ maxBatchFiles: 100_000, maxBatchBytes: 1024 ** 4 });
  const deps = fx.deps();
  await registerFiles(
    deps.tracking,
    TODAY,
    Array.from({ length: backlog }, (_, i) => ({
      date: TODAY,
      key: `pipeline/input/${TODAY}-old${i}.ndjson`,
      bucket: fx.config.inputBucket,
      sizeBytes: 10,
      createdAt: fx.clock.now.toISOString(),
    })),
    fx.clock.now,
  );
  const events = await Promise.all(Array.from({ length: 40 }, (_, i) => fx.put(fileName(TODAY, i + 1))));
  const counter = countDynamoRequests(fx.handlerClients.batcher.dynamoRaw);
  await fx.invoke(kinesisEvent(events));
  return counter.counts;
}

describe('per-file DynamoDB cost', () => {
  it('does not grow with how many files the date already has', async () => {
    // Act
    const empty = await requestsFor(0);
    const busy = await requestsFor(600);

    // Assert
    expect(busy.requests).toBe(empty.requests);
    expect(busy.byCommand).toEqual(empty.byCommand);
    expect(busy.requests / 40).toBeLessThanOrEqual(1.2);
    // One conditional put per file item; the markers go 25 to a BatchWriteItem; the window is updated once.
    expect(empty.byCommand.PutItemCommand).toBe(40);
    expect(empty.byCommand.BatchWriteItemCommand).toBe(2);
    expect(empty.byCommand.UpdateItemCommand).toBe(1);
    expect(empty.byCommand.TransactWriteItemsCommand ?? 0).toBe(0);
    expect(empty.byCommand.QueryCommand ?? 0).toBe(0);
  });
});
