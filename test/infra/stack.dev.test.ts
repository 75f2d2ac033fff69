import { describe, expect, it, vi } from 'vitest';
import { sizedCapacity } from '../support/sizeGlueRun';
import { mockAssetsModule } from './support/mockAssets';
import { stackConfig } from './support/stackConfigs';
import { bucketOf, describeStack, fnOf, T, useStack } from './support/stackSuite';

const MiB = 1024 * 1024;

vi.mock('../../pulumi/assets', (importOriginal) => mockAssetsModule(importOriginal as never));

/** The dev stack, deployed against Pulumi mocks from Pulumi.dev.yaml. */
const dev = useStack('dev', () => import('../../pulumi/index'));

describeStack(dev);

describe('dev: what makes it a dev stack', () => {
  it('deploys the generator, allowed only to put objects under the input prefix', () => {
    // Arrange
    const generator = fnOf(dev, 'generator');
    // Act
    const policy = JSON.parse(dev.run.one(T.rolePolicy, `${dev.base}-generator-policy`).inputs.policy);
    // Assert
    expect(generator.inputs.timeout).toBe(900);
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'PutTestFiles')).toEqual({
      Sid: 'PutTestFiles',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [`${bucketOf(dev, 'input').state.arn}/${dev.config.inputPrefix}*`],
    });
    expect(dev.run.outputs.generatorFunctionName).toBe(`${dev.base}-generator`);
  });

  it('lets `pulumi destroy` remove everything: forceDestroy on, nothing protected, no deletion protection', () => {
    // Arrange
    const buckets = dev.run.ofType(T.bucket);
    // Act
    const protectedResources = dev.run.resources.filter((r) => r.protect).map((r) => r.name);
    // Assert
    expect(buckets.every((b) => b.inputs.forceDestroy === true)).toBe(true);
    expect(protectedResources).toEqual([]);
    expect(dev.run.one(T.table).inputs.deletionProtectionEnabled).toBe(false);
  });

  it('uses the small, short-lived dev settings', () => {
    // Arrange
    const cfg = stackConfig('dev');
    // Act
    const stream = dev.run.one(T.stream).inputs;
    // Assert
    expect(cfg.batching).toMatchObject({ maxBatchFiles: 10, maxBatchBytes: 100 * 1024 * 1024 });
    expect(stream).toMatchObject({ shardCount: 1, retentionPeriod: 24 });
    expect(dev.run.one(T.table).inputs.pointInTimeRecovery).toEqual({ enabled: false });
    expect(dev.run.one(T.stateMachine).inputs.loggingConfiguration.level).toBe('ALL');
    expect(dev.run.one(T.glueJob).inputs).toMatchObject({ workerType: 'G.1X', numberOfWorkers: 2 });
    expect(fnOf(dev, 'batcher').inputs.environment.variables.TTL_DAYS).toBe('7');
    expect(dev.run.one(T.alarm, 'iterator-age').inputs.threshold).toBe(900_000);
  });

  it('runs Glue on Flex at the Flex price, every run on its 2 G.1X workers (dev has one tier: minWorkers = numberOfWorkers)', async () => {
    // Arrange
    const definition = JSON.parse(dev.run.one(T.stateMachine).inputs.definition as string);
    const job = dev.run.one(T.glueJob).inputs;
    // Act
    const small = await sizedCapacity(definition, { total_bytes: 10 * MiB });
    const full = await sizedCapacity(definition, { total_bytes: 100 * MiB });
    // Assert
    expect(job.executionClass).toBe('FLEX');
    expect(job.defaultArguments).toMatchObject({ '--execution_class': 'FLEX', '--dpu_hour_usd': '0.29' });
    const flexG1x2 = { worker_type: 'G.1X', number_of_workers: 2, number_of_workers_text: '2', execution_class: 'FLEX' };
    expect(small).toEqual(flexG1x2);
    expect(full).toEqual(flexG1x2);
  });
});
