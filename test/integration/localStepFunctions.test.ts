import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { LocalGlueRunner } from '../../local/glueRunner';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LocalResources, loadStackConfig, localStateMachine } from '../../local/resources';
import { dynamoTaskErrorName, type ExecutionOutcome, LocalStepFunctionsExecutor, withAwsTaskTimeouts } from '../../local/stepFunctions';

/**
 * Glue double: fails manifests whose path ends in bad.json, succeeds otherwise (the real worker runs in e2e).
 * A run of held.json writes started-<run id> beside this script and ends only when the test writes
 * go-<run id> holding its state (SUCCEEDED or FAILED): a run that is still running when the test acts.
 */
const DOUBLE = `
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
held = 0
for line in sys.stdin:
    r = json.loads(line)
    path, run = r["args"]["--manifest_path"], r["args"]["--JOB_RUN_ID"]
    if path.endswith("held.json"):
        held += 1
        with open(os.path.join(here, "started-" + run), "w") as f:
            f.write(str(held))
        go = os.path.join(here, "go-" + run)
        while not os.path.exists(go) or os.path.getsize(go) == 0:
            time.sleep(0.02)
        state = open(go).read().strip()
    else:
        state = "FAILED" if path.endswith("bad.json") else "SUCCEEDED"
    print(json.dumps({"id": r["id"], "status": state, "job_run_id": run, "report_key": None, "error": None if state == "SUCCEEDED" else "no rows"}), flush=True)
`;

/** What the batcher writes aside at commit, for MarkCompleted to make the record's `ttl`. */
const TTL_ON_COMPLETION = 1_900_000_000;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

interface Harness {
  clients: LocalClients;
  resources: LocalResources;
  glue: LocalGlueRunner;
  executor: LocalStepFunctionsExecutor;
  outcomes: ExecutionOutcome[];
  start(name: string, manifestFile: string, status?: string): Promise<string>;
  /** Another execution for a manifest whose record exists (what a redrive starts). */
  startAgain(name: string, manifestFile: string): Promise<string>;
  /** The ids of the held.json runs started so far, oldest first, once there are `count` of them. */
  heldRuns(count: number): Promise<string[]>;
  /** Ends a held run with `state`. */
  release(runId: string, state: 'SUCCEEDED' | 'FAILED'): Promise<void>;
  /** Polls the MANIFEST record until `done` holds for it. */
  manifestWhen(name: string, done: (item: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Every execution started so far has run to its end, and a later poll found nothing more to run. */
  settled(): Promise<void>;
  manifest(name: string): Promise<Record<string, unknown>>;
}

const DATE = '2026-01-30';

async function harness(): Promise<Harness> {
  const loaded = await loadStackConfig();
  const clients = createLocalClients(inject('emulatorEndpoint'), loaded.region);
  const resources = await createLocalResources(clients, loaded, `x${randomUUID().slice(0, 8)}`);
  const dir = await mkdtemp(join(tmpdir(), 'sfn-'));
  await writeFile(join(dir, 'worker.py'), DOUBLE);
  const glue = new LocalGlueRunner({
    jobName: resources.glueJobName,
    defaultArguments: {},
    maxConcurrentRuns: 10,
    env: {},
    logPath: join(dir, 'worker.log'),
    python: 'python3',
    script: join(dir, 'worker.py'),
  });
  const outcomes: ExecutionOutcome[] = [];
  const executor = new LocalStepFunctionsExecutor({
    ...localStateMachine(resources, clients),
    glue,
    pollIntervalMs: 50,
    retryIntervalMs: 10,
    onOutcome: (o) => outcomes.push(o),
  });
  executor.start();
  stops.push(async () => {
    await executor.stop();
    await glue.stop();
  });
  const h: Harness = {
    clients,
    resources,
    glue,
    executor,
    outcomes,
    async start(name, manifestFile, status = 'pending') {
      const fileKey = `MANIFEST#${manifestFile}`;
      await clients.dynamo.send(
        new PutCommand({
          TableName: resources.tableName,
          Item: { date_prefix: DATE, file_key: fileKey, kind: 'manifest', status, file_count: 1, ttl_on_completion: TTL_ON_COMPLETION },
        }),
      );
      return h.startAgain(name, manifestFile);
    },
    async startAgain(name, manifestFile) {
      const fileKey = `MANIFEST#${manifestFile}`;
      const input = {
        date_prefix: DATE,
        file_key: fileKey,
        manifest_id: name,
        manifest_path: `s3://${resources.manifestBucket}/manifests/${DATE}/${manifestFile}`,
        file_count: 1,
        total_bytes: 10,
      };
      const started = await clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: resources.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return started.executionArn!;
    },
    settled: () => executor.whenIdle(),
    async heldRuns(count) {
      for (;;) {
        const started = (await readdir(dir)).filter((f) => f.startsWith('started-'));
        if (started.length >= count) {
          const order = await Promise.all(
            started.map(async (f) => [f.slice('started-'.length), Number(await readFile(join(dir, f), 'utf8'))] as const),
          );
          return order.sort((a, b) => a[1] - b[1]).map(([id]) => id);
        }
        await sleep(20);
      }
    },
    async release(runId, state) {
      await writeFile(join(dir, `go-${runId}`), state);
    },
    async manifestWhen(file, done) {
      for (;;) {
        const item = await h.manifest(file);
        if (done(item)) return item;
        await sleep(20);
      }
    },
    async manifest(file) {
      const got = await clients.dynamo.send(
        new GetCommand({ TableName: resources.tableName, Key: { date_prefix: DATE, file_key: `MANIFEST#${file}` } }),
      );
      return got.Item ?? {};
    },
  };
  return h;
}

describe('LocalStepFunctionsExecutor', () => {
  it('runs a started execution once through the real ASL: sized, processing, Glue, completed', async () => {
    // Prepare
    const h = await harness();
    const before = new Date().toISOString();

    // Act
    const arn = await h.start('2026-01-30-batch-0001-x', 'batch-0001-x.json');
    await h.settled();

    // Assert
    expect(h.outcomes).toHaveLength(1);
    expect(h.outcomes[0]).toMatchObject({ executionArn: arn, status: 'SUCCEEDED' });
    const item = await h.manifest('batch-0001-x.json');
    expect(item).toMatchObject({
      status: 'completed',
      execution_arn: arn,
      attempts: 1,
      glue_job_run_id: expect.stringMatching(/^jr_[0-9a-f]{64}$/),
      // The capacity SizeGlueRun chose for the run, from Pulumi.dev.yaml: Flex, 2 G.1X workers.
      worker_type: 'G.1X',
      number_of_workers: 2,
      execution_class: 'FLEX',
    });
    expect(String(item.updated_at) >= before).toBe(true);
    expect(item.completed_time).toBe(item.updated_at);
    expect(item.ttl).toBe(TTL_ON_COMPLETION);
    expect(h.glue.stats.runs).toBe(1);
  });

  it('retries a failed Glue run once, then records the failure and fails the execution', async () => {
    // Prepare
    const h = await harness();

    // Act
    await h.start('2026-01-30-batch-0002-x', 'bad.json');
    await h.settled();

    // Assert
    expect(h.outcomes[0]).toMatchObject({ status: 'FAILED', error: 'ManifestConversionFailed' });
    const item = await h.manifest('bad.json');
    expect(item.status).toBe('failed');
    // A failed manifest waits for its redrive: it must not expire.
    expect(item).not.toHaveProperty('ttl');
    expect(String(item.error_message)).toMatch(/^States\.TaskFailed: \{.*"JobRunState":"FAILED".*"ErrorMessage":"no rows"/);
    // The run was started on the sized capacity, which its JobRun carries as Glue's does.
    expect(String(item.error_message)).toContain('"WorkerType":"G.1X","NumberOfWorkers":2,"ExecutionClass":"FLEX"');
    expect(h.glue.stats.runs).toBe(2);
  });

  it('lets only the execution that owns the record mark it completed: a stale run finishing late is refused', async () => {
    // Prepare: execution A's run is running when a redrive starts B, whose MarkProcessing takes the record over
    const h = await harness();
    const a = await h.start('2026-01-30-batch-0004-x', 'held.json');
    const [runA] = await h.heldRuns(1);
    const b = await h.startAgain('2026-01-30-batch-0004-x-redrive-1', 'held.json');
    await h.manifestWhen('held.json', (item) => item.execution_arn === b);

    // Act: A's run ends first, then B's
    await h.release(runA!, 'SUCCEEDED');
    const [, runB] = await h.heldRuns(2);
    const whileBRuns = await h.manifest('held.json');
    await h.release(runB!, 'SUCCEEDED');
    await h.settled();

    // Assert
    expect(whileBRuns).toMatchObject({ status: 'processing', execution_arn: b });
    expect(whileBRuns.glue_job_run_id).toBeUndefined();
    expect(await h.manifest('held.json')).toMatchObject({ status: 'completed', execution_arn: b, glue_job_run_id: runB, attempts: 2 });
    expect(h.outcomes.map((o) => [o.executionArn, o.status])).toEqual([
      [a, 'SUCCEEDED'],
      [b, 'SUCCEEDED'],
    ]);
  });

  it('lets a stale run that failed neither mark failed the record the owning run completed', async () => {
    // Prepare: A's first run is running when B takes the record over
    const h = await harness();
    await h.start('2026-01-30-batch-0005-x', 'held.json');
    const [firstA] = await h.heldRuns(1);
    const b = await h.startAgain('2026-01-30-batch-0005-x-redrive-1', 'held.json');
    await h.manifestWhen('held.json', (item) => item.execution_arn === b);

    // Act: A's run fails; B's run (queued before A's retry) succeeds; A's retry fails too
    await h.release(firstA!, 'FAILED');
    const [, runB] = await h.heldRuns(2);
    await h.release(runB!, 'SUCCEEDED');
    await h.manifestWhen('held.json', (item) => item.status === 'completed');
    const [, , retryA] = await h.heldRuns(3);
    await h.release(retryA!, 'FAILED');
    await h.settled();

    // Assert
    const item = await h.manifest('held.json');
    expect(item).toMatchObject({ status: 'completed', execution_arn: b, glue_job_run_id: runB });
    expect(item.error_message).toBeUndefined();
    expect(h.glue.stats.runs).toBe(3);
  });

  it('leaves a completed manifest alone: MarkProcessing fails its condition and the execution ends in AlreadyCompleted', async () => {
    // Prepare
    const h = await harness();

    // Act
    await h.start('2026-01-30-batch-0003-x', 'batch-0003-x.json', 'completed');
    await h.settled();

    // Assert
    expect(h.outcomes[0]).toMatchObject({ status: 'SUCCEEDED' });
    expect(h.glue.stats.runs).toBe(0);
    expect((await h.manifest('batch-0003-x.json')).status).toBe('completed');
  });
});

describe('dynamoTaskErrorName', () => {
  it('prefixes service exceptions with DynamoDB. and maps anything else to the generic integration error', () => {
    // Prepare
    const conditional = new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

    // Act
    const names = [dynamoTaskErrorName(conditional), dynamoTaskErrorName(new Error('socket hang up')), dynamoTaskErrorName(undefined)];

    // Assert
    expect(names).toEqual([
      'DynamoDB.ConditionalCheckFailedException',
      'DynamoDB.AmazonDynamoDBException',
      'DynamoDB.AmazonDynamoDBException',
    ]);
  });
});

describe('withAwsTaskTimeouts', () => {
  it("gives Task states without a timeout a long one (the library's 60 s default is not AWS's) and changes nothing else", () => {
    // Prepare
    const definition = stateMachineDefinition({
      tableName: 't',
      glueJobName: 'g',
      glueRunRetries: 1,
      glueSizing: { workerType: 'G.1X', numberOfWorkers: 10, minWorkers: 2, executionClass: 'STANDARD', targetRunSeconds: 300 },
    });

    // Act
    const adjusted = withAwsTaskTimeouts(definition) as { States: Record<string, Record<string, unknown>> };

    // Assert
    for (const [name, state] of Object.entries(adjusted.States)) {
      const original = (definition as { States: Record<string, Record<string, unknown>> }).States[name]!;
      if (state.Type === 'Task') expect(state.TimeoutSeconds).toBeGreaterThan(86_400);
      const { TimeoutSeconds: _ignored, ...rest } = state;
      expect(rest).toEqual(original);
    }
  });
});
