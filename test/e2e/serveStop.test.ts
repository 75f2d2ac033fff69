import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, servePipeline } from './support/servedPipeline';

/**
 * A served pipeline of its own (no uploads), so stopping it touches no other test; in a file of its own so
 * vitest runs it beside the longer e2e files instead of after them.
 */

describe('local --serve, stopped', { timeout: 120_000 }, () => {
  it('removes its endpoint file, so commands say no pipeline is running there', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'cli-e2e-stop-'));
    const pipeline = await servePipeline(dir, []);
    const whileServing = await runCli(['status', '--local', dir, '--json']);

    // Act
    await pipeline.stop();
    const afterwards = await runCli(['status', '--local', dir]);

    // Assert
    expect(whileServing.code, whileServing.stderr).toBe(0);
    expect(existsSync(pipeline.endpointFile)).toBe(false);
    expect(afterwards.code).toBe(3);
    expect(afterwards.stderr).toContain('start one with `ndjson-parquet local --serve`');
  });
});
