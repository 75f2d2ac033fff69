import { afterEach, describe, expect, it, vi } from 'vitest';
import { program } from '../../cli/program';

async function run(args: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  await program().parseAsync(['node', 'ndjson-parquet', 'cost', ...args]);
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ndjson-parquet cost', () => {
  it("--json's last line holds the totals, per-GB figures and components, prod at 1 TB a day under Firehose", async () => {
    // Act
    const out = await run(['--stack', 'prod', '--files-per-day', '1000000', '--file-mb', '1', '--json']);

    // Assert
    const report = JSON.parse(out.trim().split('\n').at(-1) ?? '');
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['total_usd_per_month', 'firehose_usd_per_month', 'per_gb_usd', 'firehose_per_gb_usd', 'components']),
    );
    expect(Object.keys(report.components).sort()).toEqual(
      ['cloudwatch', 'dynamodb', 'eventbridge', 'glue', 'kinesis', 'kms', 'lambda', 's3', 'sqs', 'stepfunctions'].sort(),
    );
    const sum = Object.values(report.components as Record<string, number>).reduce((s, v) => s + v, 0);
    expect(report.total_usd_per_month).toBeCloseTo(sum, 1);
    expect(report.total_usd_per_month).toBeLessThanOrEqual(report.firehose_usd_per_month);
    expect(report.per_gb_usd).toBeLessThanOrEqual(report.firehose_per_gb_usd);
  });

  it('prints the bill at rest as the total when nothing flows, with no per-GB figure', async () => {
    // Act
    const report = JSON.parse((await run(['--stack', 'dev', '--files-per-day', '0', '--file-mb', '1', '--json'])).trim());

    // Assert
    expect(report.total_usd_per_month).toBe(report.at_rest_usd_per_month);
    expect(report.per_gb_usd).toBeNull();
    expect(report.components.glue).toBe(0);
  });

  it('prints a table of components with the total and Firehose beside it', async () => {
    // Act
    const out = await run(['--stack', 'dev', '--files-per-day', '10000', '--file-mb', '1']);

    // Assert
    expect(out).toMatch(/^kinesis\s+\d+\.\d\d\s+shard hours/m);
    expect(out).toMatch(/^total\s+\d+\.\d\d\s+\$\d\.\d{4} per GB/m);
    expect(out).toContain('Firehose with Parquet conversion, same volume');
    expect(out).toContain('With nothing flowing this stack costs');
  });

  it('refuses an unknown stack as a usage error', async () => {
    await expect(run(['--stack', 'nope', '--files-per-day', '1', '--file-mb', '1'])).rejects.toMatchObject({
      name: 'UsageError',
      exitCode: 2,
    });
  });
});
