import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { LocalGlueRunner } from '../../local/glueRunner';
import { createLocalClients, type LocalClients } from '../../local/localClients';
import { createLocalResources, type LocalResources, loadStackConfig, localStateMachine } from '../../local/resources';
import { dynamoTaskErrorName, type ExecutionOutcome, LocalStepFunctionsExecutor, withAwsTaskTimeouts } from '../../local/stepFunctions';

/** Glue double: fails manifests whose path ends in bad.json, succeeds otherwise (the real worker runs in e2e). */
const DOUBLE = `
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    bad = r["args"]["--manifest_path"].endswith("bad.json")
    print(json.dumps({"id": r["id"], "status": "FAILED" if bad else "SUCCEEDED", "job_run_id": r["args"]["--JOB_RUN_ID"], "report_key": None, "error": "no rows" if bad else None}), flush=True)
`;

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
  return {
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
          Item: { date_prefix: DATE, file_key: fileKey, kind: 'manifest', status, file_count: 1 },
        }),
      );
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
    async manifest(file) {
      const got = await clients.dynamo.send(
        new GetCommand({ TableName: resources.tableName, Key: { date_prefix: DATE, file_key: `MANIFEST#${file}` } }),
      );
      return got.Item ?? {};
    },
  };
}

describe('LocalStepFunctionsExecutor', () => {
  it('runs a started execution once through the real ASL: processing, Glue, completed', async () => {
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
    });
    expect(String(item.updated_at) >= before).toBe(true);
    expect(item.completed_time).toBe(item.updated_at);
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
    expect(String(item.error_message)).toMatch(/^States\.TaskFailed: \{.*"JobRunState":"FAILED".*"ErrorMessage":"no rows"/);
    expect(h.glue.stats.runs).toBe(2);
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
    const definition = stateMachineDefinition({ tableName: 't', glueJobName: 'g' });

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
