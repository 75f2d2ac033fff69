import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../contracts/stackConfig';
import { mockAssetsModule } from './support/mockAssets';
import { installMocks } from './support/pulumiHarness';
import { rawStackConfig } from './support/stackConfigs';

vi.mock('../../pulumi/assets', (importOriginal) => mockAssetsModule(importOriginal as never));

describe('the program with a bad stack config', () => {
  it('stops before creating anything, naming the bad key', async () => {
    // Arrange
    const dev = rawStackConfig('dev');
    const raw = { ...dev, batcher: { ...(dev.batcher as object), parallelizationFactor: 11 } };
    const resources = await installMocks({ stack: 'dev', region: 'us-east-1', rawConfig: raw });
    // Act
    const attempt = import('../../pulumi/index');
    // Assert
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(
      /invalid configuration for stack "dev":\n {2}ndjson-parquet:pipeline\.batcher\.parallelizationFactor: /,
    );
    expect([...resources.values()].filter((r) => r.type.startsWith('aws:'))).toEqual([]);
  });
});
