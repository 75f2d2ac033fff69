import { describe, expect, it, vi } from 'vitest';
import { documentedCounts } from './support/deployDoc';
import { mockAssetsModule } from './support/mockAssets';
import { runProgram, type StackRun } from './support/pulumiHarness';
import { rawStackConfig } from './support/stackConfigs';
import { T } from './support/stackSuite';

vi.mock('../../pulumi/assets', (importOriginal) => mockAssetsModule(importOriginal as never));

describe('a stack with an ON_DEMAND stream, an alarm e-mail and a custom name prefix', () => {
  let run: StackRun;

  it('builds the stream without a shard count and subscribes the e-mail', async () => {
    // Arrange
    const prod = rawStackConfig('prod');
    const raw = {
      ...prod,
      namePrefix: 'np',
      stream: { mode: 'ON_DEMAND', retentionHours: 48 },
      batcher: { ...(prod.batcher as object), maximumRecordAgeSeconds: 48 * 3600 },
      observability: { ...(prod.observability as object), alarmEmail: 'oncall@example.com' },
    };
    // Act
    run = await runProgram({ stack: 'staging', region: 'eu-west-1', rawConfig: raw, load: () => import('../../pulumi/index') });
    // Assert
    const stream = run.one(T.stream).inputs;
    expect(stream.streamModeDetails).toEqual({ streamMode: 'ON_DEMAND' });
    expect(stream.shardCount).toBeUndefined();
    expect(stream.name).toBe('np-staging-ingest');
    expect(run.one(T.subscription).inputs).toMatchObject({
      protocol: 'email',
      endpoint: 'oncall@example.com',
      topic: run.one(T.topic).state.arn,
    });
    expect(run.outputs.dashboardUrl).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/np-staging',
    );
    expect(run.resources.filter((r) => r.custom)).toHaveLength(documentedCounts().total.prod);
  });
});
