import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEndpointFile } from '../../local/endpointFile';
import { resolveTarget } from '../../operator/target/resolveTarget';
import { targetFailure } from '../../operator/target/targetFailure';
import { DEV_STACK_OUTPUTS } from '../support/stackOutputs';

const outputs = DEV_STACK_OUTPUTS;

async function outputsFile(content: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cli-target-')), 'outputs.json');
  await writeFile(path, JSON.stringify(content));
  return path;
}

describe('resolveTarget', () => {
  it("names a deployed stack's resources from its saved outputs and its thresholds from Pulumi.<stack>.yaml", async () => {
    // Prepare
    const path = await outputsFile(outputs);

    // Act
    const target = await resolveTarget({ outputs: path, stack: 'prod', region: 'eu-west-1' });
    target.close();

    // Assert
    expect(target).toMatchObject({
      kind: 'aws',
      description: 'stack prod (eu-west-1)',
      region: 'eu-west-1',
      dashboardUrl: outputs.dashboardUrl,
    });
    expect(target.config).toMatchObject({
      tableName: 'np-dev-tracking',
      inputBucket: 'np-dev-input',
      stateMachineArn: outputs.stateMachineArn,
      maxBatchFiles: 2000,
      maxBatchBytes: 1024 ** 3,
    });
  });

  it('names the local resources on a bare emulator endpoint as `local` creates them', async () => {
    // Act
    const target = await resolveTarget({ endpoint: 'http://127.0.0.1:4566/' });
    target.close();

    // Assert
    expect(target).toMatchObject({
      kind: 'local',
      description: 'local pipeline at http://127.0.0.1:4566',
      config: { tableName: 'ndjson-parquet-local-tracking', inputBucket: 'ndjson-parquet-local-input' },
    });
    await expect(resolveTarget({ endpoint: 'not a url' })).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
  });

  it('lets explicit flags override an output, and says which names are missing', async () => {
    // Prepare
    const partial = await outputsFile({ tableName: 't', inputBucketName: 'in-bucket' });

    // Act
    const overridden = await resolveTarget({ outputs: await outputsFile(outputs), table: 'other-table' });
    overridden.close();
    const missing = resolveTarget({ outputs: partial });

    // Assert
    expect(overridden.config.tableName).toBe('other-table');
    await expect(missing).rejects.toThrow(/does not name quarantineBucket \(--quarantine-bucket\), manifestBucket/);
  });

  it('refuses an unknown stack, no target at all, and two targets at once, with their exit codes', async () => {
    // Act / Assert
    await expect(resolveTarget({ stack: 'staging' })).rejects.toMatchObject({
      name: 'TargetError',
      exitCode: 3,
      message: expect.stringContaining('unknown stack "staging"'),
    });
    await expect(resolveTarget({})).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
    await expect(resolveTarget({ stack: 'dev', local: true })).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
  });

  it('reports a missing or stale local endpoint file as an unreachable pipeline', async () => {
    // Prepare: an endpoint file written by a process that is gone
    const dir = await mkdtemp(join(tmpdir(), 'cli-endpoint-'));
    const stale = join(dir, 'stale');
    await writeEndpointFile(join(stale, 'endpoint.json'), {
      version: 1,
      pid: 2 ** 22 + 12345,
      startedAt: '2026-01-30T00:00:00Z',
      emulatorEndpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      stack: 'dev',
      runDir: dir,
      dashboardUrl: null,
      streamName: 's',
      glueJobName: 'g',
      outputPrefix: 'pipeline/output/',
      rejectsPrefix: 'pipeline/rejects/',
      config: {
        ...Object.fromEntries(['tableName', 'inputBucket', 'quarantineBucket', 'manifestBucket', 'outputBucket'].map((k) => [k, 'xyz'])),
        stateMachineArn: 'arn:x',
        inputPrefix: 'p/',
        maxBatchBytes: 1,
        maxBatchFiles: 1,
        maxWaitSeconds: 1,
        lockLeaseSeconds: 1,
        maxFileBytes: 1,
        ttlDays: 1,
        stuckProcessingMinutes: 1,
      } as never,
    });

    // Act / Assert
    await expect(resolveTarget({ local: join(dir, 'nothing-here') })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('start one with `ndjson-parquet local --serve`'),
    });
    await expect(resolveTarget({ local: stale })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('is no longer running'),
    });
  });
});

describe('targetFailure', () => {
  it('turns missing credentials, a missing table and a stopped emulator into readable target errors', () => {
    // Prepare
    const aws = { description: 'stack dev (us-east-1)', kind: 'aws' as const };
    const local = { description: 'local pipeline at http://127.0.0.1:1', kind: 'local' as const };
    const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
      Object.assign(new Error(message), { name, ...extra });

    // Act
    const credentials = targetFailure(named('CredentialsProviderError', 'Could not load credentials from any providers'), aws);
    const table = targetFailure(named('ResourceNotFoundException', 'Requested resource not found'), aws);
    const refused = targetFailure(named('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }), local);
    const other = new Error('something else');

    // Assert
    expect(credentials).toMatchObject({ exitCode: 3, message: expect.stringContaining('no AWS credentials for stack dev') });
    expect(table).toMatchObject({ exitCode: 3, message: expect.stringContaining('is the stack deployed, and is the region right?') });
    expect(refused).toMatchObject({ exitCode: 3, message: expect.stringContaining('is `ndjson-parquet local --serve` still running?') });
    expect(targetFailure(other, aws)).toBe(other);
  });
});
