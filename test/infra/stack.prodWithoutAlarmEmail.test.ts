import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../contracts/stackConfig';
import { mockAssetsModule } from './support/mockAssets';
import { installMocks } from './support/pulumiHarness';
import { rawStackConfig } from './support/stackConfigs';

vi.mock('../../pulumi/assets', (importOriginal) => mockAssetsModule(importOriginal as never));

describe('the prod program before an alarm address is set', () => {
  it('stops before creating anything, saying how to set observability.alarmEmail', async () => {
    // Arrange: Pulumi.prod.yaml as shipped (no address)
    const resources = await installMocks({ stack: 'prod', region: 'us-east-1', rawConfig: rawStackConfig('prod') });
    // Act
    const attempt = import('../../pulumi/index');
    // Assert
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/ndjson-parquet:pipeline\.observability\.alarmEmail: required for a stack whose data is kept/);
    expect([...resources.values()].filter((r) => r.type.startsWith('aws:'))).toEqual([]);
  });
});
