import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { aroundCommands } from '../../local/clientMiddleware';
import { InvocationDeadlines, LambdaTimeoutError } from '../../local/invocationDeadline';
import { type InvocationOutcome, ShardPoller } from '../../local/shardPoller';
import { batcherFixture, fileName, TODAY } from '../support/batcherFixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a Lambda invocation killed at its timeout', () => {
  it('ends with "Task timed out", cannot write after its deadline, and its batch is redelivered and registered exactly once', async () => {
    // Prepare: the first invocation's first file-item put is held until the invocation has been killed (after
    // its markers and its window count were written)
    const fx = await batcherFixture({ maxBatchFiles: 100 });
    const deadlines = new InvocationDeadlines();
    let held = false;
    const own = fx.handlerClients.batcher;
    aroundCommands([own.dynamoRaw], { name: 'holdFirstTransaction', step: 'initialize' }, async ({ commandName }, proceed) => {
      if (commandName === 'PutItemCommand' && !held) {
        held = true;
        while (deadlines.stats.timeouts === 0) await sleep(20);
      }
      return proceed();
    });
    deadlines.install(own.dynamoRaw, own.s3, own.sfn);
    const names = Array.from({ length: 5 }, (_, i) => fileName(TODAY, i + 1));
    for (const name of names) {
      const event = await fx.put(name);
      await fx.clients.kinesis.send(
        new PutRecordCommand({
          StreamName: fx.resources.streamName,
          PartitionKey: String(event.id),
          Data: Buffer.from(JSON.stringify(event)),
        }),
      );
    }
    const outcomes: InvocationOutcome[] = [];
    let calls = 0;
    const poller = new ShardPoller({
      kinesis: fx.clients.kinesis,
      streamName: fx.resources.streamName,
      streamArn: fx.resources.streamArn,
      region: 'us-east-1',
      // The first invocation runs under a 1 s timeout, the redelivery under the stack's 120 s.
      handler: (event) => {
        calls += 1;
        return deadlines.run(calls === 1 ? 1 : 120, () => fx.invoke(event));
      },
      lambda: { functionName: 'batcher-test', memoryMb: 512, timeoutSeconds: 120, region: 'us-east-1', account: '123456789012' },
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/batcher-test',
      batchSize: 100,
      batchingWindowMs: 0,
      maximumRetryAttempts: 3,
      bisectOnError: false,
      parallelization: 1,
      deadLetters: { send: async () => {} },
      pollIntervalMs: 20,
      onInvocation: (outcome) => outcomes.push(outcome),
    });

    // Act
    const since = Date.now();
    await poller.start();
    try {
      await poller.drain(60_000, since);
      // The killed invocation resumes once its held call is released; give it the time to try that call.
      for (let waited = 0; deadlines.stats.refusedCalls === 0 && waited < 10_000; waited += 20) await sleep(20);
    } finally {
      await poller.stop();
    }

    // Assert: killed as Lambda kills, its held write refused, then the whole batch went again and succeeded
    expect(outcomes[0]).toMatchObject({ result: 'error', records: 5 });
    expect(outcomes[0]?.error).toBeInstanceOf(LambdaTimeoutError);
    expect(outcomes[0]?.error?.message).toBe('Task timed out after 1.00 seconds');
    expect(outcomes.at(-1)).toMatchObject({ result: 'ok', records: 5 });
    expect(deadlines.stats.timeouts).toBe(1);
    expect(deadlines.stats.refusedCalls).toBeGreaterThanOrEqual(1);
    expect(poller.stats.dlqBatches).toBe(0);
    const items = await fx.itemsOf(TODAY);
    const files = items.filter((i) => i.kind === 'file').map((i) => i.file_key);
    expect(files.sort()).toEqual(names.map((n) => `pipeline/input/${n}`).sort());
    expect(await fx.markersOf(TODAY)).toHaveLength(5);
    // The killed invocation counted its 5 files and put 4 of them; the redelivery counted 5 and gave back the 4
    // duplicates' counts: one too many, which is safe (the window is only a trigger; a flush that finds nothing
    // pending sets it back to 0), where one too few could drop the age of a pending file.
    expect(items.find((i) => i.file_key === 'WINDOW')).toMatchObject({ pending_count: 6 });
  });
});
