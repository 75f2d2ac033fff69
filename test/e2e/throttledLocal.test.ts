import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExactlyOnce } from '../../local/exactlyOnce';
import { runCli } from './support/servedPipeline';

describe('ndjson-parquet local --throttle aws (end to end)', () => {
  it("drives one date's partition key past its capacity, is throttled as AWS throttles, and still converts every record exactly once", {
    timeout: 240_000,
  }, async () => {
    // Prepare: 40 files at once against 10 WCU/s per partition key (AWS's 1,000 / 100): at about 2 WCU a file on
    // the date's key (docs/scale.md), about 5 files/s
    const out = await mkdtemp(join(tmpdir(), 'e2e-throttle-out-'));
    const runDir = await mkdtemp(join(tmpdir(), 'e2e-throttle-run-'));

    // Act
    const flags = 'local --generate 40 --dates 1 --records 10 --seed e2e-throttle --max-batch-files 100 --batching-window 1 --flush';
    const run = await runCli([
      ...`${flags} --throttle aws --throttle-scale 100 --json --timeout 200`.split(' '),
      '--out',
      out,
      '--run-dir',
      runDir,
    ]);

    // Assert
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 40, converted: 40, failed: 0 });
    expect(summary.runtime.dlq_batches).toBe(0);
    expect(summary.throttle).toMatchObject({
      enforced: true,
      scale: 100,
      limits: { dynamodb_partition_wcu_per_s: 10, dynamodb_partition_rcu_per_s: 30 },
    });
    expect(summary.throttle.throttled_requests).toBeGreaterThan(0);
    expect(run.stderr).toContain("throttling at AWS's rates / 100: DynamoDB 10 WCU/s and 30 RCU/s per partition key and per item");
    expect(await checkExactlyOnce(out)).toMatchObject({ exactly_once: true, records_in: 400, rows_out: 400 });
    const [parquet] = (await readdir(join(out, 'output'), { recursive: true })).filter((p) => p.endsWith('.parquet'));
    await copyFile(join(out, 'output', parquet!), join(out, 'output', `${parquet}.copy.parquet`));
    expect(await checkExactlyOnce(out)).toMatchObject({ exactly_once: false, missing: 0 });
  });
});
