import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoTrackingStore } from '../../handlers/adapters/dynamoTrackingStore';
import { executionArnOf } from '../../handlers/adapters/sfnOrchestrator';
import { flushDates } from '../../operator/operations/flushDates';
import { generateUploads } from '../../operator/operations/generateUploads';
import { redriveFailed, redriveManifest } from '../../operator/operations/redriveManifests';
import { traceFile } from '../../operator/operations/traceFile';
import { unlockDate } from '../../operator/operations/unlockDate';
import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import { type BatcherFixture, batcherFixture, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';
import { completeOnlyManifest, fixtureTarget } from '../support/operatorTarget';

/**
 * The operator commands' services against the emulator, each on its own table and buckets (no Spark:
 * executions are started in moto and not run). The whole path with Glue is test/e2e/cli.test.ts.
 */

function targetOf(fx: BatcherFixture): PipelineTarget {
  return fixtureTarget(fx);
}

function storeAt(fx: BatcherFixture, at: Date, leaseSeconds = 300): DynamoTrackingStore {
  return new DynamoTrackingStore(fx.clients.dynamo, {
    tableName: fx.config.tableName,
    ttlDays: 7,
    lockLeaseSeconds: leaseSeconds,
    now: () => at,
  });
}

async function failedManifest(fx: BatcherFixture): Promise<{ id: string; name: string }> {
  await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
  const manifest = (await fx.itemsOf(TODAY)).find((i) => String(i.file_key).startsWith('MANIFEST#'))!;
  // What the state machine's MarkFailed leaves after a failed Glue run.
  await fx.clients.dynamo.send(
    new UpdateCommand({
      TableName: fx.config.tableName,
      Key: { date_prefix: TODAY, file_key: manifest.file_key },
      UpdateExpression: 'SET #s = :f, error_message = :e',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':f': 'failed', ':e': 'States.TaskFailed: boom' },
    }),
  );
  return { id: String(manifest.manifest_id), name: String(manifest.file_key).slice('MANIFEST#'.length) };
}

describe('unlock', () => {
  it('frees an expired lease by ending it, never by deleting it: the fencing token keeps growing', async () => {
    // Prepare: a holder took the lock an hour ago and died
    const fx = await batcherFixture();
    const target = targetOf(fx);
    const now = new Date();
    const stale = await storeAt(fx, new Date(now.getTime() - 3_600_000)).acquireLock(TODAY, 'crashed-worker');

    // Act
    const outcome = await unlockDate(target, TODAY, { force: false, now: () => now });
    const next = await storeAt(fx, now).acquireLock(TODAY, 'next-worker');
    target.close();

    // Assert
    expect(outcome).toMatchObject({ outcome: 'released', before: { state: 'expired', owner: 'crashed-worker', token: stale!.token } });
    expect(next?.token).toBe(stale!.token + 1);
  });

  it('refuses a running lease unless forced, says an already free lock is free, and a never-taken one is not found', async () => {
    // Prepare
    const fx = await batcherFixture();
    const target = targetOf(fx);
    const now = new Date();
    await storeAt(fx, now).acquireLock(TODAY, 'live-worker');

    // Act
    const refused = unlockDate(target, TODAY, { force: false, now: () => now });
    await expect(refused).rejects.toMatchObject({
      name: 'RefusedError',
      exitCode: 5,
      message: expect.stringContaining('held by live-worker'),
    });
    const forced = await unlockDate(target, TODAY, { force: true, now: () => now });
    const again = await unlockDate(target, TODAY, { force: false, now: () => now });
    const never = unlockDate(target, '2026-11-01', { force: false, now: () => now });

    // Assert
    expect(forced.outcome).toBe('released');
    expect(again.outcome).toBe('already-free');
    await expect(never).rejects.toMatchObject({ name: 'NotFoundError', exitCode: 4 });
    target.close();
  });
});

describe('redrive', () => {
  it('starts a new execution named <manifest id>-redrive-1 with the same input, and moves the record back to pending', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    const target = targetOf(fx);
    const manifest = await failedManifest(fx);

    // Act
    const outcome = await redriveManifest(target, manifest.id, { force: false, now: () => new Date() });

    // Assert
    expect(outcome).toMatchObject({ status: 'started', executionName: `${manifest.id}-redrive-1` });
    const first = await fx.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(fx.config.stateMachineArn, manifest.id) }),
    );
    const redrive = await fx.clients.sfn.send(new DescribeExecutionCommand({ executionArn: outcome.executionArn! }));
    expect(JSON.parse(redrive.input!)).toEqual(JSON.parse(first.input!));
    const record = (await fx.itemsOf(TODAY)).find((i) => i.file_key === `MANIFEST#${manifest.name}`);
    expect(record).toMatchObject({ status: 'pending', redrive_count: 1 });
    await expect(redriveManifest(target, manifest.id, { force: false, now: () => new Date() })).rejects.toMatchObject({
      name: 'RefusedError',
      exitCode: 5,
    });
    target.close();
  });

  it('starts one execution per failure when two operators redrive at once', async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    const target = targetOf(fx);
    await failedManifest(fx);

    // Act
    const [a, b] = await Promise.all([redriveFailed(target, { now: () => new Date() }), redriveFailed(target, { now: () => new Date() })]);

    // Assert
    expect([...a, ...b].filter((o) => o.status === 'started')).toHaveLength(1);
    expect((await fx.executions()).filter((name) => name.includes('-redrive-'))).toHaveLength(1);
    target.close();
  });
});

describe('lease decisions by an operator whose clock runs fast', () => {
  const FAST = 10 * 60_000;

  it("unlock does not free a lease that is still running by the table's clock", async () => {
    // Prepare: a live worker took the lock just now for 300 s; the operator's clock is 10 minutes ahead
    const fx = await batcherFixture();
    const target = targetOf(fx);
    await storeAt(fx, new Date()).acquireLock(TODAY, 'live-worker');

    // Act
    const refused = unlockDate(target, TODAY, { force: false, now: () => new Date(Date.now() + FAST) });

    // Assert
    await expect(refused).rejects.toMatchObject({ name: 'RefusedError', message: expect.stringContaining('held by live-worker') });
    const lock = (await fx.itemsOf(TODAY)).find((i) => i.kind === 'lock');
    expect(lock).toMatchObject({ owner: 'live-worker' });
    target.close();
  });

  it("flush does not take a lease that is still running by the table's clock", async () => {
    // Prepare: files pending, a live worker holds the date for 300 s; the operator's clock is 10 minutes ahead
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const target = targetOf(fx);
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    const live = await storeAt(fx, new Date()).acquireLock(TODAY, 'live-worker');

    // Act
    const flushed = flushDates(target, [TODAY], { waitMs: 500, now: () => new Date(Date.now() + FAST) });

    // Assert: refused after waiting, the live worker's lease untouched and nothing planned behind its back
    await expect(flushed).rejects.toMatchObject({ name: 'OperationFailedError', message: expect.stringContaining('held by live-worker') });
    const items = await fx.itemsOf(TODAY);
    expect(items.find((i) => i.kind === 'lock')).toMatchObject({ owner: 'live-worker', token: live!.token });
    expect(items.filter((i) => String(i.file_key).startsWith('MANIFEST#'))).toEqual([]);
    target.close();
  });
});

describe('flush', () => {
  it("sends a date's remainder below the threshold into a manifest, and refuses a date never seen", async () => {
    // Prepare
    const fx = await batcherFixture({ maxBatchFiles: 10 });
    const target = targetOf(fx);
    await fx.invoke(kinesisEvent(await Promise.all([1, 2, 3].map((n) => fx.put(fileName(TODAY, n))))));

    // Act
    const [outcome] = await flushDates(target, [TODAY], { waitMs: 5000, now: () => fx.clock.now });
    const unknown = flushDates(target, ['2026-11-02'], { waitMs: 1000 });

    // Assert
    expect(outcome).toMatchObject({ date: TODAY, status: 'planned', remainderFiles: 0 });
    expect(outcome!.manifests.map((m) => m.file_count)).toEqual([3]);
    await expect(unknown).rejects.toMatchObject({ name: 'NotFoundError', exitCode: 4 });
    target.close();
  });
});

describe('generate', () => {
  it('uploads count files per date in the seed format, the same content for the same seed', async () => {
    // Prepare
    const [fx1, fx2] = await Promise.all([batcherFixture(), batcherFixture()]);
    const [t1, t2] = [targetOf(fx1), targetOf(fx2)];
    const at = new Date('2026-11-22T08:45:32Z');
    const spec = { count: 2, dates: ['2026-11-20', '2026-11-21'], size: { records: 5 }, rate: 'immediate' as const, seed: 'same' };

    // Act
    const first = await generateUploads(t1, spec, { now: () => at });
    const second = await generateUploads(t2, spec, { now: () => at });
    const body = async (t: PipelineTarget, key: string) =>
      (await t.clients.s3.send(new GetObjectCommand({ Bucket: t.config.inputBucket, Key: key }))).Body!.transformToString();

    // Assert
    expect(first.dates).toEqual([
      { date: '2026-11-20', files: 2, records: 10, bytes: expect.any(Number) },
      { date: '2026-11-21', files: 2, records: 10, bytes: expect.any(Number) },
    ]);
    expect(first.keys[0]).toMatch(/^pipeline\/input\/2026-11-20-test0001-084532-[0-9a-f-]{36}\.ndjson$/);
    expect(second.keys).toEqual(first.keys);
    expect(await body(t2, second.keys[3]!)).toBe(await body(t1, first.keys[3]!));
    t1.close();
    t2.close();
  });
});

describe('trace', () => {
  it('says a file its Glue run excluded (deleted or overwritten after the manifest was built) is excluded, not converted', async () => {
    // Prepare: a completed manifest of two files whose run report excludes one (deleted before the run)
    const fx = await batcherFixture({ maxBatchFiles: 2 });
    await fx.invoke(kinesisEvent(await Promise.all([1, 2].map((n) => fx.put(fileName(TODAY, n))))));
    const { manifest, completedAt } = await completeOnlyManifest(fx, TODAY);
    const [gone, kept] = [1, 2].map((n) => `s3://${fx.config.inputBucket}/${fx.config.inputPrefix}${fileName(TODAY, n)}`);
    const report = {
      timestamp: completedAt,
      manifest: { id: manifest.manifest_id },
      processing_summary: { status: 'success', files_excluded: 1 },
      files: [{ uri: kept, lines_read: 1, rows_written: 1, lines_rejected: 0 }],
      excluded_files: [{ uri: gone, reason: 'missing', expected_etag: 'abc', actual_etag: null }],
    };
    const reportKey = `logs/glue/${completedAt.slice(0, 10)}-T000000-0000abcd-0001.json`;
    await fx.clients.s3.send(new PutObjectCommand({ Bucket: fx.config.manifestBucket, Key: reportKey, Body: JSON.stringify(report) }));

    // Act
    const excluded = await traceFile(targetOf(fx), fileName(TODAY, 1));
    const converted = await traceFile(targetOf(fx), fileName(TODAY, 2));

    // Assert
    expect(excluded).toMatchObject({
      state: 'excluded',
      glue: { reportKey, excluded: { reason: 'missing', expectedEtag: 'abc', actualEtag: null } },
    });
    expect(converted).toMatchObject({ state: 'converted', glue: { rowsWritten: 1, excluded: null } });
  });
});
