import { describe, expect, it, vi } from 'vitest';
import { sizedCapacity } from '../support/sizeGlueRun';
import { mockAssetsModule } from './support/mockAssets';
import { PROD_ALARM_EMAIL } from './support/stackConfigs';
import { describeStack, fnOf, T, useStack } from './support/stackSuite';

const MiB = 1024 * 1024;

vi.mock('../../pulumi/assets', (importOriginal) => mockAssetsModule(importOriginal as never));

/** The prod stack, deployed against Pulumi mocks from Pulumi.prod.yaml and the alarm address docs/deploy.md has the operator set. */
const prod = useStack('prod', () => import('../../pulumi/index'));

describeStack(prod);

describe('prod: what makes it a prod stack', () => {
  it('does not deploy the generator', () => {
    // Arrange
    const functions = prod.run.ofType(T.fn).map((f) => f.inputs.name);
    // Act
    const generator = functions.filter((name) => String(name).includes('generator'));
    // Assert
    expect(generator).toEqual([]);
    expect(prod.run.outputs.generatorFunctionName).toBeUndefined();
  });

  it('protects its data: no forceDestroy, buckets and table protected, table deletion protection on', () => {
    // Arrange
    const dataBuckets = ['input', 'quarantine', 'manifest', 'output'].map((role) => prod.run.one(T.bucket, `${prod.base}-${role}`));
    // Act
    const protectedNames = prod.run.resources
      .filter((r) => r.protect)
      .map((r) => r.name)
      .sort();
    // Assert
    expect(dataBuckets.map((b) => b.inputs.forceDestroy)).toEqual([false, false, false, false]);
    expect(protectedNames).toEqual(
      [...['input', 'quarantine', 'manifest', 'output'].map((role) => `${prod.base}-${role}`), `${prod.base}-tracking`].sort(),
    );
    expect(prod.run.one(T.table).inputs.deletionProtectionEnabled).toBe(true);
  });

  it('sends its alarms to the address the operator set (prod may not go without one)', () => {
    // Arrange
    const topic = prod.run.one(T.topic);
    // Act
    const subscription = prod.run.one(T.subscription).inputs;
    // Assert
    expect(subscription).toMatchObject({ protocol: 'email', endpoint: PROD_ALARM_EMAIL, topic: topic.state.arn });
  });

  it('uses the larger, longer-lived prod settings', () => {
    // Arrange
    const env = fnOf(prod, 'batcher').inputs.environment.variables;
    // Act
    const stream = prod.run.one(T.stream).inputs;
    // Assert
    expect(env).toMatchObject({ MAX_BATCH_BYTES: String(1024 ** 3), MAX_BATCH_FILES: '2000', TTL_DAYS: '30' });
    expect(stream).toMatchObject({ shardCount: 4, retentionPeriod: 24 });
    expect(prod.run.one(T.table).inputs.pointInTimeRecovery).toEqual({ enabled: true });
    expect(prod.run.one(T.stateMachine).inputs.loggingConfiguration.level).toBe('ERROR');
    expect(prod.run.one(T.glueJob).inputs).toMatchObject({ workerType: 'G.1X', numberOfWorkers: 10, maxRetries: 0 });
    expect(prod.run.one(T.alarm, 'iterator-age').inputs.threshold).toBe(300_000);
    expect(prod.run.one(T.logGroup, `${prod.base}-batcher-logs`).inputs.retentionInDays).toBe(90);
  });

  it('sizes each Glue run from its manifest: a 10 MiB manifest on 2 G.1X workers, a 5 GiB lone file on 3', async () => {
    // Arrange: a full prod batch (1 GiB) still fits 2 workers at bench:glue's throughput (docs/glue.md, Sizing
    // each run), so the large manifest is the largest lone file a manifest can hold (batching.maxFileBytes, 5 GiB).
    const definition = JSON.parse(prod.run.one(T.stateMachine).inputs.definition as string);
    const job = prod.run.one(T.glueJob).inputs;
    // Act
    const small = await sizedCapacity(definition, { total_bytes: 10 * MiB });
    const large = await sizedCapacity(definition, { total_bytes: 5 * 1024 * MiB });
    // Assert
    expect(small).toEqual({ worker_type: 'G.1X', number_of_workers: 2, number_of_workers_text: '2', execution_class: 'STANDARD' });
    expect(large).toEqual({ worker_type: 'G.1X', number_of_workers: 3, number_of_workers_text: '3', execution_class: 'STANDARD' });
    expect(job).toMatchObject({ executionClass: 'STANDARD', workerType: 'G.1X', numberOfWorkers: 10 });
    expect(job.defaultArguments).toMatchObject({ '--execution_class': 'STANDARD', '--dpu_hour_usd': '0.44' });
  });
});
