import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createBatcherHandler } from '../../handlers/batcher';
import { utcDate } from '../../handlers/domain/dates';
import { silentLog } from '../../handlers/services/deps';
import { usedStatements } from '../../local/iam/grantUsage';
import { localRolePolicies, type RolePolicies, UNUSED_LOCALLY } from '../../local/iam/roles';
import { LOCAL_ACCOUNT, loadStackConfig } from '../../local/resources';
import { ShardPoller } from '../../local/shardPoller';
import { type BatcherFixture, batcherFixture, context, fileName, kinesisEvent, TODAY } from '../support/batcherFixture';

/**
 * Least privilege, the other way round: every statement of the batcher's and the sweeper's policies that a
 * local path uses is needed by that path. Each case removes one statement, runs the path that uses it with
 * the handlers calling AWS as their roles (the IAM proxy, local/iam), and sees the path fail with an
 * AccessDenied naming the action and the resource; with the shipped policies the same path succeeds.
 */

type Role = 'batcher' | 'sweeper';

interface Outcome {
  /** What the path's caller sees go wrong: an error, failed records, a failed flush. Empty when it worked. */
  failures: string[];
}

interface Scenario {
  /** The action and the resource (a prefix of the ARN) the refusal must name. */
  denied: (fx: BatcherFixture) => { action: string; resource: string };
  run: (fx: BatcherFixture) => Promise<Outcome>;
  settings?: Parameters<typeof batcherFixture>[0];
}

const failedRecords = (response: KinesisStreamBatchResponse | undefined) =>
  (response?.batchItemFailures ?? []).map((f) => `record ${f.itemIdentifier} failed`);

const caught = async (run: () => Promise<unknown>): Promise<string[]> => {
  try {
    const result = await run();
    return failedRecords(result as KinesisStreamBatchResponse | undefined);
  } catch (error) {
    return [`${(error as Error).name}: ${(error as Error).message}`];
  }
};

/** One dated file through the batcher; with maxBatchFiles 1 it is manifested and its execution started. */
async function ingestAndFlush(fx: BatcherFixture): Promise<Outcome> {
  const failures = await caught(async () => fx.invoke(kinesisEvent([await fx.put(fileName(TODAY, 1))])));
  if (fx.metrics.get('FlushFailures') > 0) failures.push('flush failed');
  if ((await fx.executions()).length === 0) failures.push('no execution started');
  return { failures };
}

/** Two files pending below the threshold (ingested as the shipped batcher would), then a forced sweep. */
async function sweepFlush(fx: BatcherFixture): Promise<Outcome> {
  // Ingested by a batcher with the setup identity: these cases change only the sweeper's policy.
  const batcher = createBatcherHandler({
    config: fx.config,
    clients: fx.clients,
    metrics: fx.metrics,
    log: silentLog,
    now: () => fx.clock.now,
  });
  for (const n of [1, 2]) await batcher(kinesisEvent([await fx.put(fileName(TODAY, n))]), context());
  const failures = await caught(() => fx.sweep([TODAY]));
  if (fx.metrics.get('FlushFailures') > 0) failures.push('flush failed');
  if ((await fx.executions()).length === 0) failures.push('no execution started');
  return { failures };
}

/**
 * An object whose event was lost (put with no event), found by the sweeper's own reconcile: the clock is an
 * hour past the upload, so the object is older than the reconcile's grace and its date is a recent one.
 */
async function reconcileSweep(fx: BatcherFixture, name: (date: string) => string): Promise<Outcome> {
  fx.clock.now = new Date(Date.now() + 3_600_000);
  await fx.put(name(utcDate(fx.clock.now)));
  const failures: string[] = [];
  try {
    const report = await fx.sweep();
    failures.push(...report.errors.map((e) => `${e.stage}: ${e.message}`));
  } catch (error) {
    failures.push(`${(error as Error).name}: ${(error as Error).message}`);
  }
  if (fx.metrics.get('ObjectsReconciled') !== 1) failures.push('the object whose event was lost was not reconciled');
  return { failures };
}

/** Dated, so it is listed with its date, but not .ndjson: the reconcile quarantines it as the batcher would. */
const misnamed = (date: string) => `${date}-notes.txt`;

const inputObject = (fx: BatcherFixture, name: string) => `arn:aws:s3:::${fx.config.inputBucket}/${fx.config.inputPrefix}${name}`;
const table = (fx: BatcherFixture) => `arn:aws:dynamodb:${fx.resources.region}:${LOCAL_ACCOUNT}:table/${fx.config.tableName}`;
const manifests = (fx: BatcherFixture) => `arn:aws:s3:::${fx.config.manifestBucket}/manifests/`;
const reports = (fx: BatcherFixture) => `arn:aws:s3:::${fx.config.manifestBucket}/logs/lambda/`;

const UNDATED = 'notes-without-a-date.ndjson';

const SCENARIOS: Record<Role, Record<string, Scenario>> = {
  batcher: {
    // An undated file is copied to quarantine (GetObject on the input object) and deleted from the input.
    ReadAndMoveInputObjects: {
      denied: (fx) => ({ action: 's3:GetObject', resource: inputObject(fx, UNDATED) }),
      run: async (fx) => ({ failures: await caught(async () => fx.invoke(kinesisEvent([await fx.put(UNDATED)]))) }),
    },
    // An event whose object is already gone: a 404 (ObjectsMissing, nothing registered) only with s3:ListBucket.
    ListPipelineBuckets: {
      denied: (fx) => ({ action: 's3:ListBucket', resource: `arn:aws:s3:::${fx.config.inputBucket}` }),
      run: async (fx) => {
        const event = await fx.put(fileName(TODAY, 7));
        await fx.clients.s3.send(
          new DeleteObjectCommand({ Bucket: fx.config.inputBucket, Key: `${fx.config.inputPrefix}${fileName(TODAY, 7)}` }),
        );
        const failures = await caught(() => fx.invoke(kinesisEvent([event])));
        if (fx.metrics.get('ObjectsMissing') !== 1) failures.push('the missing object was not reported missing');
        return { failures };
      },
    },
    MoveIntoQuarantine: {
      denied: (fx) => ({
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${fx.config.quarantineBucket}/${fx.config.inputPrefix}${UNDATED}`,
      }),
      run: async (fx) => ({ failures: await caught(async () => fx.invoke(kinesisEvent([await fx.put(UNDATED)]))) }),
    },
    ReadWriteManifests: {
      settings: { maxBatchFiles: 1 },
      denied: (fx) => ({ action: 's3:PutObject', resource: manifests(fx) }),
      run: ingestAndFlush,
    },
    WriteLambdaReports: {
      denied: (fx) => ({ action: 's3:PutObject', resource: reports(fx) }),
      run: ingestAndFlush,
      settings: { maxBatchFiles: 1 },
    },
    TrackingTable: { denied: (fx) => ({ action: 'dynamodb:', resource: table(fx) }), run: ingestAndFlush, settings: { maxBatchFiles: 1 } },
    StartManifestExecutions: {
      settings: { maxBatchFiles: 1 },
      denied: (fx) => ({ action: 'states:StartExecution', resource: fx.config.stateMachineArn }),
      run: ingestAndFlush,
    },
    // The event source mapping reads the stream as the function's role: the local poller does the same.
    ConsumeIngestStream: {
      denied: (fx) => ({ action: 'kinesis:', resource: fx.resources.streamArn }),
      run: async (fx) => {
        const role = fx.iam?.clients('batcher').kinesis;
        if (!role) throw new Error('the fixture runs without IAM');
        let delivered = 0;
        const poller = new ShardPoller({
          kinesis: role,
          streamName: fx.resources.streamName,
          streamArn: fx.resources.streamArn,
          region: fx.resources.region,
          handler: async (event) => {
            delivered += event.Records.length;
            return { batchItemFailures: [] };
          },
          lambda: { functionName: 'batcher', memoryMb: 512, timeoutSeconds: 60, region: fx.resources.region, account: LOCAL_ACCOUNT },
          invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/batcher`,
          batchSize: 10,
          batchingWindowMs: 0,
          maximumRetryAttempts: 0,
          bisectOnError: false,
          parallelization: 1,
          deadLetters: { send: async () => {} },
          pollIntervalMs: 50,
        });
        const failures: string[] = [];
        try {
          await poller.start();
          const since = Date.now();
          await fx.clients.kinesis.send(
            new PutRecordCommand({ StreamName: fx.resources.streamName, PartitionKey: 'k', Data: Buffer.from('{}') }),
          );
          await poller.drain(20_000, since);
          if (delivered !== 1) failures.push(`${delivered} record(s) delivered`);
        } catch (error) {
          failures.push(`${(error as Error).name}: ${(error as Error).message}`);
        } finally {
          await poller.stop();
        }
        return { failures };
      },
    },
  },
  sweeper: {
    ListInputForReconcile: {
      denied: (fx) => ({ action: 's3:ListBucket', resource: `arn:aws:s3:::${fx.config.inputBucket}` }),
      run: (fx) => reconcileSweep(fx, (date) => fileName(date, 1)),
    },
    // Quarantining a reconciled object copies it (GetObject on the input object) and deletes it from the input.
    ReadAndMoveInputObjects: {
      denied: (fx) => ({ action: 's3:GetObject', resource: `arn:aws:s3:::${fx.config.inputBucket}/${fx.config.inputPrefix}` }),
      run: (fx) => reconcileSweep(fx, misnamed),
    },
    MoveIntoQuarantine: {
      denied: (fx) => ({ action: 's3:PutObject', resource: `arn:aws:s3:::${fx.config.quarantineBucket}/${fx.config.inputPrefix}` }),
      run: (fx) => reconcileSweep(fx, misnamed),
    },
    ReadWriteManifests: { denied: (fx) => ({ action: 's3:PutObject', resource: manifests(fx) }), run: sweepFlush },
    WriteLambdaReports: { denied: (fx) => ({ action: 's3:PutObject', resource: reports(fx) }), run: sweepFlush },
    TrackingTable: { denied: (fx) => ({ action: 'dynamodb:Query', resource: table(fx) }), run: sweepFlush },
    StartManifestExecutions: {
      denied: (fx) => ({ action: 'states:StartExecution', resource: fx.config.stateMachineArn }),
      run: sweepFlush,
    },
  },
};

const without =
  (role: Role, sid: string) =>
  (shipped: RolePolicies): RolePolicies => ({
    ...shipped,
    [role]: { ...shipped[role], Statement: shipped[role].Statement.filter((s) => s.Sid !== sid) },
  });

const cases = (['batcher', 'sweeper'] as const).flatMap((role) => Object.keys(SCENARIOS[role]).map((sid) => [role, sid] as const));

describe('each statement of the batcher and the sweeper is needed by the path that uses it', () => {
  it('has a scenario for every statement a local path uses (the builders minus their *_UNUSED_LOCALLY reasons)', async () => {
    // Arrange: the policies the builders make for some local resources
    const loaded = await loadStackConfig('dev');
    const fx = await batcherFixture();
    const policies = localRolePolicies(fx.resources, loaded.config);

    // Act / Assert
    for (const role of ['batcher', 'sweeper'] as const)
      expect(Object.keys(SCENARIOS[role]).sort(), role).toEqual(usedStatements(policies[role], UNUSED_LOCALLY[role]).sort());
  });

  it.each(cases)('%s: the path using %s succeeds with the shipped policy', async (role, sid) => {
    // Arrange
    const scenario = SCENARIOS[role][sid] as Scenario;
    const fx = await batcherFixture(scenario.settings, { iam: {} });

    // Act
    const outcome = await scenario.run(fx).finally(() => fx.close());

    // Assert
    expect(outcome.failures).toEqual([]);
    expect(fx.iam?.evaluator.denials).toEqual([]);
  });

  it.each(cases)('%s: without %s its path fails with AccessDenied naming the action and the resource', async (role, sid) => {
    // Arrange
    const scenario = SCENARIOS[role][sid] as Scenario;
    const fx = await batcherFixture(scenario.settings, { iam: { policies: without(role as Role, sid) } });
    const { action, resource } = scenario.denied(fx);

    // Act
    const outcome = await scenario.run(fx).finally(() => fx.close());

    // Assert
    expect(outcome.failures.length).toBeGreaterThan(0);
    const principal = `assumed-role/${role}/local`;
    expect(
      fx.iam?.evaluator.denials.some(
        (d) => d.includes(principal) && d.includes(`perform: ${action}`) && d.includes(`on resource: ${resource}`),
      ),
    ).toBe(true);
  });
});
