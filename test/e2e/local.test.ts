import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../local/resources';
import { runCli } from './support/servedPipeline';

/**
 * The whole pipeline, as a user runs it: `ndjson-parquet local` in a child process (its own moto, shard
 * poller, sweeper, Step Functions executor and Spark worker), then the run's --out copy checked against
 * the invariants: each file in exactly one manifest of its own date, every record in Parquet exactly
 * once, date-only output folders.
 */

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

const dateOf = (key: string) => /(\d{4}-\d{2}-\d{2})-[^/]*$/.exec(key)?.[1];

describe('ndjson-parquet local (end to end)', () => {
  it('turns generated NDJSON over three dates into date-partitioned Parquet, every record exactly once, redriving a date whose Glue runs die mid-write', {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const out = await mkdtemp(join(tmpdir(), 'e2e-out-'));
    const runDir = await mkdtemp(join(tmpdir(), 'e2e-run-'));
    const failing = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

    // Act
    const run = await runCli([
      'local',
      '--generate',
      '24',
      '--dates',
      '3',
      '--records',
      '40',
      '--rate',
      'immediate',
      '--seed',
      'e2e',
      '--batching-window',
      '1',
      '--flush',
      '--fail-glue-for',
      failing,
      '--redrive',
      '1',
      '--out',
      out,
      '--run-dir',
      runDir,
      '--json',
      '--timeout',
      '200',
    ]);

    // Assert
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 24, quarantined: 0, converted: 24, failed: 0, pending: [] });
    // Every component ran with its role's policy from pulumi/policies, and none was refused.
    expect(summary.iam).toMatchObject({ enforced: true, denied: 0 });
    expect(summary.iam.calls_checked).toBeGreaterThan(0);
    expect(summary.dates).toHaveLength(3);

    const inputs = (await filesUnder(join(out, 'input'))).filter((k) => k.endsWith('.ndjson'));
    expect(inputs).toHaveLength(24);

    const manifestKeys = (await filesUnder(join(out, 'manifest'))).filter((k) => k.startsWith('manifests/'));
    const owners = new Map<string, string[]>();
    for (const key of manifestKeys) {
      const manifest = JSON.parse(await readFile(join(out, 'manifest', key), 'utf8'));
      const manifestDate = key.split('/')[1];
      expect(manifest.metadata.date_prefix).toBe(manifestDate);
      for (const location of manifest.fileLocations) {
        const uri: string = location.URIPrefixes[0];
        const inputKey = uri.replace(/^s3:\/\/[^/]+\//, '');
        expect(dateOf(inputKey)).toBe(manifestDate);
        owners.set(inputKey, [...(owners.get(inputKey) ?? []), key]);
      }
    }
    for (const input of inputs) expect(owners.get(input), input).toHaveLength(1);
    expect(owners.size).toBe(24);

    const recordsIn = new Map<string, number>();
    for (const input of inputs) {
      const lines = (await readFile(join(out, 'input', input), 'utf8')).split('\n').filter((l) => l.trim()).length;
      recordsIn.set(dateOf(input)!, (recordsIn.get(dateOf(input)!) ?? 0) + lines);
    }
    const outputs = await filesUnder(join(out, 'output'));
    const parquet = outputs.filter((k) => k.endsWith('.parquet'));
    expect(parquet.length).toBeGreaterThan(0);
    const rowsOut = new Map<string, number>();
    const parquetColumns = new Set<string>();
    for (const key of parquet) {
      const folder = key.split('/').find((part) => part.startsWith('merged-parquet-'));
      expect(folder, key).toMatch(/^merged-parquet-\d{4}-\d{2}-\d{2}$/);
      expect(key.startsWith(`pipeline/output/${folder}/`), key).toBe(true);
      const body = await readFile(join(out, 'output', key));
      const metadata = parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
      const rows = Number(metadata.num_rows);
      for (const child of parquetSchema(metadata).children) parquetColumns.add(child.element.name);
      const date = folder!.slice('merged-parquet-'.length);
      rowsOut.set(date, (rowsOut.get(date) ?? 0) + rows);
    }
    expect(Object.fromEntries(rowsOut)).toEqual(Object.fromEntries(recordsIn));
    // The catalog table (GetTable's answer, as --out writes it) lists every column the Parquet files hold: the
    // stack hard-codes none of the generator's fields, the job's sync added them; `date` is the partition key.
    // Beyond those it holds only the columns Pulumi.dev.yaml declares.
    const catalog = JSON.parse(await readFile(join(out, 'catalog', 'merged_parquet.json'), 'utf8'));
    const catalogColumns = (catalog.Table.StorageDescriptor.Columns as { Name: string }[]).map((c) => c.Name);
    const declared = Object.keys((await loadStackConfig('dev')).config.schema.columns);
    expect(catalog.Table.PartitionKeys.map((c: { Name: string }) => c.Name)).toEqual(['date']);
    expect([...parquetColumns].filter((c) => c !== 'date' && !catalogColumns.includes(c))).toEqual([]);
    expect(catalogColumns.filter((c) => !parquetColumns.has(c) && !declared.includes(c))).toEqual([]);
    expect(parquetColumns.size).toBeGreaterThan(4);
    for (const row of summary.dates) expect(row.rows_written).toBe(row.records_in);

    const tracking = (await readFile(join(out, 'tracking', 'items.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const manifests = tracking.filter((i) => String(i.file_key).startsWith('MANIFEST#'));
    expect(manifests.length).toBe(manifestKeys.length);
    expect(manifests.every((m) => m.status === 'completed')).toBe(true);
    const redriven = manifests.filter((m) => m.date_prefix === failing);
    expect(redriven.length).toBeGreaterThan(0);
    expect(redriven.every((m) => Number(m.redrive_count) === 1)).toBe(true);
    expect(manifests.filter((m) => m.date_prefix !== failing).every((m) => m.redrive_count === undefined)).toBe(true);
    // Each run was sized by the state machine (dev: Flex, 2 G.1X workers), which the MANIFEST record and every
    // Glue report carry, the report with its cost estimated from the run's time at the Flex DPU-hour price.
    const dev = { worker_type: 'G.1X', number_of_workers: 2, execution_class: 'FLEX' };
    for (const m of manifests) expect(m).toMatchObject(dev);
    const reportKeys = (await filesUnder(join(out, 'manifest'))).filter((k) => k.startsWith('logs/glue/'));
    expect(reportKeys.length).toBeGreaterThanOrEqual(manifestKeys.length);
    let dpuSeconds = 0;
    for (const key of reportKeys) {
      const report = JSON.parse(await readFile(join(out, 'manifest', key), 'utf8'));
      expect(report, key).toMatchObject({ ...dev, cost: { estimated: true, basis: 'run time x DPUs, 1-minute minimum' } });
      if (report.processing_summary.status === 'success') expect(report.catalog, key).toMatchObject({ status: 'synced', conflicts: {} });
      const billed = Math.max(60, Math.ceil(report.processing_summary.execution_time_seconds)) * 2;
      expect(Math.abs(report.cost.dpu_seconds - billed), key).toBeLessThanOrEqual(2);
      expect(report.cost.usd, key).toBeCloseTo((report.cost.dpu_seconds / 3600) * 0.29, 6);
      dpuSeconds += report.cost.dpu_seconds;
    }
    // The job's GlueDpuSeconds, counted locally from every run the worker answered.
    expect(summary.metrics.GlueDpuSeconds).toBe(dpuSeconds);
    expect(run.stderr).toContain('upload: 24/24');
    expect(run.stderr).toMatch(/redrive 1\/1: \d+ failed manifest\(s\)/);
  });

  it("without --flush, leaves today's files below the threshold pending, says so, and quarantines bad names from --input", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const input = await mkdtemp(join(tmpdir(), 'e2e-in-'));
    await writeFile(join(input, 'notes.ndjson'), '{"a":1}\n');
    await writeFile(join(input, '20251223-wrong-format.ndjson'), '{"a":1}\n');

    // Act
    const run = await runCli([
      'local',
      '--generate',
      '3',
      '--records',
      '5',
      '--input',
      input,
      '--batching-window',
      '1',
      '--json',
      '--timeout',
      '100',
    ]);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 5, quarantined: 2, converted: 0, manifests: { total: 0 } });
    expect(summary.pending).toHaveLength(3);
    expect(summary.pending.every((p: { why: string }) => p.why === 'today, below the batch threshold')).toBe(true);
    expect(summary.message).toContain('stay pending below the batch threshold');
  });

  it('starts under a Node older than 22 by re-running itself with the project Node', async () => {
    // Prepare: the first `node` on PATH outside node_modules is the system's (20 on these machines).
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.includes('node_modules'))
      .join(delimiter);
    const found = spawnSync('sh', ['-c', 'command -v node'], { env: { ...process.env, PATH: path }, encoding: 'utf8' }).stdout.trim();
    const node = found || process.execPath;

    // Act
    const run = await runCli(['local', '--help'], process.env, node);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('--generate <files>');
  });

  it('refuses a run with nothing to upload', async () => {
    // Act
    const run = await runCli(['local', '--flush']);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --generate N and/or --input DIR');
  });
});
