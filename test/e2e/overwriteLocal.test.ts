import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExactlyOnce } from '../../local/exactlyOnce';
import { runCli } from './support/servedPipeline';

describe('ndjson-parquet local --overwrite (end to end)', () => {
  it("converts every overwritten input's current content exactly once, and its replaced content at most once", {
    timeout: 240_000,
  }, async () => {
    // Prepare: small batches, so some files are overwritten after their manifest and some while still pending
    const out = await mkdtemp(join(tmpdir(), 'e2e-overwrite-out-'));
    const runDir = await mkdtemp(join(tmpdir(), 'e2e-overwrite-run-'));

    // Act
    const flags = 'local --generate 12 --dates 1 --records 5 --seed e2e-overwrite --max-batch-files 4 --batching-window 1 --flush';
    const run = await runCli([...`${flags} --overwrite 0.5 --json --timeout 200`.split(' '), '--out', out, '--run-dir', runDir]);

    // Assert
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 12, converted: 12, failed: 0 });
    expect(summary.overwritten).toBeGreaterThan(0);
    // Each overwritten file lost one record: records_in counts the content the keys hold now.
    expect(summary.records_in).toBe(60 - summary.overwritten);
    // Every input a Glue run excluded (its old content was gone when the run read it) is counted as InputsChanged.
    const reports = (await readdir(join(out, 'manifest', 'logs', 'glue'))).filter((name) => name.endsWith('.json'));
    let excluded = 0;
    for (const name of reports) {
      const report = JSON.parse(await readFile(join(out, 'manifest', 'logs', 'glue', name), 'utf8'));
      excluded += (report.excluded_files ?? []).length;
      for (const file of report.excluded_files ?? []) expect(file).toMatchObject({ reason: 'changed', actual_etag: expect.any(String) });
    }
    expect(summary.metrics.InputsChanged ?? 0).toBe(excluded);
    const check = await checkExactlyOnce(out);
    expect(check, JSON.stringify(check)).toMatchObject({
      exactly_once: true,
      records_in: 60 - summary.overwritten,
      missing: 0,
      unexpected: 0,
    });
  });
});
