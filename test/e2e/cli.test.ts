import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../dashboard/dashboardSnapshot';
import { DynamoTrackingStore } from '../../handlers/adapters/dynamoTrackingStore';
import { addDays, utcDate } from '../../handlers/domain/dates';
import { parquetFiles, readBucket } from '../../local/exportRun';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { collectStatus } from '../../operator/operations/collectStatus';
import type { DateStatus } from '../../operator/operations/dateStatus';
import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import { resolveTarget } from '../../operator/target/resolveTarget';
import { headlessChromium } from './support/headlessChromium';
import { runCli, type ServedPipeline, servePipeline, waitFor } from './support/servedPipeline';

/**
 * Every operator command against one running `local --serve` pipeline (real batcher, sweeper, ASL and
 * Glue on local Spark), as a user types them, and its dashboard in headless Chromium. The pipeline holds:
 * yesterday's files (one with a bad line) converted; today's two files waiting below the threshold of 3;
 * one undated name quarantined; and the files `generate` adds for two days ago, whose Glue runs fail
 * until redriven (--fail-glue-for). The browser test shares this pipeline rather than starting its own:
 * a second Spark runtime costs about 90 s of a 2-core machine's test run.
 */

export const SCREENSHOT = join(PROJECT_ROOT, '.local', 'dashboard.png');

const today = utcDate(new Date());
const yesterday = addDays(today, -1);
const twoDaysAgo = addDays(today, -2);
const BAD_LINE_FILE = `${yesterday}-with-bad-line.ndjson`;

let served: ServedPipeline;
let target: PipelineTarget;
const local = () => ['--local', served.dir];
const json = <T>(run: { stdout: string }) => JSON.parse(run.stdout) as T;
const statusOf = async (date: string): Promise<DateStatus | undefined> =>
  (await collectStatus(target, { now: new Date() })).find((d) => d.date === date);

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
  const input = join(dir, 'input');
  await mkdir(input);
  await writeFile(join(input, 'notes.ndjson'), '{"a":1}\n');
  await writeFile(join(input, BAD_LINE_FILE), '{"id":"x1","v":1}\nnot json at all\n{"id":"x2","v":2}\n');
  served = await servePipeline(dir, [
    '--generate',
    '4',
    '--dates',
    '2',
    '--records',
    '20',
    '--seed',
    'cli-e2e',
    '--input',
    input,
    '--max-batch-files',
    '3',
    '--fail-glue-for',
    twoDaysAgo,
  ]);
  target = await resolveTarget({ local: dir });
}, 90_000);

afterAll(async () => {
  target?.close();
  await served?.stop();
  expect(existsSync(served.endpointFile), 'the endpoint file goes with the served pipeline').toBe(false);
});

describe('operator commands against a served local pipeline', { timeout: 180_000 }, () => {
  it('generate uploads count files per date with a progress bar and a summary', async () => {
    // Act
    const run = await runCli([
      'generate',
      ...local(),
      '--date',
      twoDaysAgo,
      '--count',
      '2',
      '--records',
      '10',
      '--seed',
      'e2e-gen',
      '--json',
    ]);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const summary = json<{ files: number; records: number; dates: { date: string; files: number }[]; keys: string[] }>(run);
    expect(summary).toMatchObject({ files: 2, records: 20, dates: [{ date: twoDaysAgo, files: 2 }] });
    expect(summary.keys[0]).toMatch(new RegExp(`^pipeline/input/${twoDaysAgo}-test0001-\\d{6}-[0-9a-f-]{36}\\.ndjson$`));
    expect(run.stderr).toContain('[100%] 2/2 files');
  });

  it('status shows per date what is pending against the threshold, converted, quarantined and failed, and the locks', async () => {
    // Prepare: yesterday converted, two days ago failed (twice: its run and the ASL's one retry)
    await waitFor(
      'yesterday converted and two days ago failed',
      async () => {
        const [done, failed] = [await statusOf(yesterday), await statusOf(twoDaysAgo)];
        return done?.files.converted === 3 && failed?.manifests.byStatus.failed === 1 ? true : undefined;
      },
      150_000,
    );

    // Act
    const run = await runCli(['status', ...local(), '--json']);
    const text = await runCli(['status', ...local(), '--date', today]);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const dates = json<{ thresholds: { max_batch_files: number }; dates: DateStatus[] }>(run);
    expect(dates.thresholds.max_batch_files).toBe(3);
    const byDate = new Map(dates.dates.map((d) => [d.date, d]));
    expect(byDate.get(today)).toMatchObject({
      files: { pending: 2, manifested: 0 },
      pending: { files: 2, thresholdFiles: 3, due: null },
      lock: null,
    });
    expect(byDate.get(today)!.pending.bytes).toBeGreaterThan(0);
    expect(byDate.get(today)!.pending.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(byDate.get(yesterday)).toMatchObject({ files: { tracked: 3, converted: 3, pending: 0 }, lock: { state: 'free' } });
    expect(byDate.get(twoDaysAgo)).toMatchObject({ files: { failed: 2 }, manifests: { byStatus: { failed: 1 } } });
    expect(byDate.get('undated')).toMatchObject({ files: { quarantined: 1 } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('waits (2/3 files)');
    expect(text.stdout).toContain(`manifests of ${today}:`);
  });

  it('trace follows a file to its manifest, Parquet files and rejected lines; a quarantined one to its reason', async () => {
    // Act
    const traced = await runCli(['trace', BAD_LINE_FILE, ...local(), '--json']);
    const quarantined = await runCli(['trace', 'notes.ndjson', ...local()]);
    const unknown = await runCli(['trace', `${today}-never-sent.ndjson`, ...local()]);

    // Assert
    expect(traced.code, traced.stderr).toBe(0);
    const trace = json<{
      state: string;
      manifest: { status: string };
      output: { folder: string; files: unknown[] };
      glue: { linesRead: number; linesRejected: number };
      rejects: { lines: { line_number: number; reason: string }[] };
    }>(traced);
    expect(trace).toMatchObject({ state: 'converted', manifest: { status: 'completed' }, glue: { linesRead: 3, linesRejected: 1 } });
    expect(trace.output.folder).toMatch(new RegExp(`/pipeline/output/merged-parquet-${yesterday}/$`));
    expect(trace.output.files.length).toBeGreaterThan(0);
    expect(trace.rejects.lines).toEqual([expect.objectContaining({ line_number: 2, reason: 'invalid_json' })]);
    expect(quarantined.stdout).toContain('quarantined: no-date-prefix');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('is not tracked');
  });

  it('reports lists and summarises the Lambda and Glue reports', async () => {
    // Act
    const all = await runCli(['reports', ...local(), '--json']);
    const glue = await runCli(['reports', ...local(), '--kind', 'glue']);
    const future = await runCli(['reports', ...local(), '--since', addDays(today, 2), '--json']);
    const bad = await runCli(['reports', ...local(), '--since', 'last tuesday']);

    // Assert
    expect(all.code, all.stderr).toBe(0);
    const reports = json<{
      reports: { kind: string }[];
      totals: {
        lambda: { reports: number; filesQuarantined: number };
        glue: { runs: number; byStatus: Record<string, number>; compressionRatio: number; rejected: number };
      };
    }>(all);
    expect(reports.totals.lambda.reports).toBeGreaterThan(0);
    expect(reports.totals.lambda.filesQuarantined).toBe(1);
    expect(reports.totals.glue).toMatchObject({ byStatus: { failed: 2 }, rejected: 1 });
    expect(reports.totals.glue.compressionRatio).toBeGreaterThan(1);
    expect(glue.stdout).toContain('glue: ');
    expect(glue.stdout).not.toContain('lambda (batcher, sweeper)');
    expect(json<{ reports: unknown[] }>(future).reports).toEqual([]);
    expect(bad.code).toBe(2);
  });
});

describe('dashboard in a browser', { timeout: 60_000 }, () => {
  it('shows per-date progress, files and bytes over time, manifests, Glue run time and compression, quarantine and rejects', async () => {
    // Prepare: the pipeline as the status test left it (pending, converted, failed and quarantined files)
    const browser = await headlessChromium();
    const page = await browser.newPage();

    // Act
    const response = await page.goto(served.dashboardUrl);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const points = Object.fromEntries(
      await page.$$eval('figure.chart', (figures) =>
        figures.map((f) => [f.getAttribute('data-chart'), Number(f.getAttribute('data-points'))]),
      ),
    );
    const tiles = Object.fromEntries(
      await page.$$eval('[data-tile]', (all) => all.map((t) => [t.getAttribute('data-tile'), t.querySelector('b')?.textContent ?? ''])),
    );
    const failedCell = await page.locator('table[data-table="attention"] td.state-failed').first().textContent();
    const dateRows = await page.locator('table[data-table="dates"] tbody tr').count();
    const refresh = await page.locator('meta[http-equiv="refresh"]').getAttribute('content');
    const api = (await (await fetch(`${served.dashboardUrl}api/snapshot`)).json()) as DashboardSnapshot;
    await browser.close();

    // Assert
    expect(new URL(served.dashboardUrl).hostname).toBe('127.0.0.1');
    expect(response?.status()).toBe(200);
    for (const chart of [
      'date-progress',
      'files-over-time',
      'bytes-over-time',
      'manifests-by-status',
      'pending-vs-threshold',
      'glue-duration',
      'glue-compression',
      'quarantine-rejects',
      'batcher-invocations',
    ]) {
      expect(points[chart], `chart ${chart} has data`).toBeGreaterThan(0);
    }
    expect(tiles).toMatchObject({ quarantined: '1', rejected: '1', 'manifests-failed': '1', converted: '3' });
    expect(tiles.pending).toMatch(/^2 \(/);
    expect(failedCell).toBe('failed');
    expect(dateRows).toBe(4);
    expect(refresh).toBe('5');
    expect(api.totals).toMatchObject({ files: 7, pending: 2, converted: 3, failed: 2, quarantined: 1, rejectedLines: 1 });
  });
});

describe('operator commands that change the pipeline', { timeout: 180_000 }, () => {
  it('redrive --failed re-runs the failed manifest as <id>-redrive-1, and its rows land once', async () => {
    // Prepare
    const failed = (await statusOf(twoDaysAgo))!.manifests.list[0]!;

    // Act
    const run = await runCli(['redrive', ...local(), '--failed', '--json']);
    await waitFor(
      'the redriven manifest completed',
      async () => ((await statusOf(twoDaysAgo))?.manifests.byStatus.completed === 1 ? true : undefined),
      120_000,
    );
    const again = await runCli(['redrive', failed.id, ...local()]);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    expect(json<{ redrives: unknown[] }>(run).redrives).toEqual([
      expect.objectContaining({ manifestId: failed.id, status: 'started', executionName: `${failed.id}-redrive-1` }),
    ]);
    const rows = parquetFiles(await readBucket(target.clients.s3, 'output', target.config.outputBucket)).filter(
      (p) => p.date === twoDaysAgo,
    );
    expect(
      rows.reduce((sum, p) => sum + p.rows, 0),
      'each of the 20 records once, though the failed runs committed files',
    ).toBe(20);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('completed: nothing to redrive');
  });

  it("flush --date sends today's remainder out below the threshold", async () => {
    // Act
    const run = await runCli(['flush', ...local(), '--date', today, '--json']);
    const converted = await waitFor(
      "today's files converted",
      async () => ((await statusOf(today))?.files.converted === 2 ? true : undefined),
      120_000,
    );
    const never = await runCli(['flush', ...local(), '--date', '2020-01-01']);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    expect(json<{ flushes: { manifests: { file_count: number }[] }[] }>(run).flushes[0]!.manifests.map((m) => m.file_count)).toEqual([2]);
    expect(converted).toBe(true);
    expect(never.code).toBe(4);
  });

  it('unlock frees an expired lease, refuses a running one unless --force, and keeps the fencing token', async () => {
    // Prepare: a worker that died an hour ago holding 2026-01-01, and a live one holding 2026-01-02
    const store = (at: Date) =>
      new DynamoTrackingStore(target.clients.dynamo, {
        tableName: target.config.tableName,
        ttlDays: 7,
        lockLeaseSeconds: 300,
        now: () => at,
      });
    const dead = await store(new Date(Date.now() - 3_600_000)).acquireLock('2026-01-01', 'dead-worker');
    await store(new Date()).acquireLock('2026-01-02', 'live-worker');

    // Act
    const expired = await runCli(['unlock', ...local(), '--date', '2026-01-01']);
    const live = await runCli(['unlock', ...local(), '--date', '2026-01-02']);
    const forced = await runCli(['unlock', ...local(), '--date', '2026-01-02', '--force', '--json']);
    const never = await runCli(['unlock', ...local(), '--date', '2026-01-03']);
    const next = await store(new Date()).acquireLock('2026-01-01', 'next-worker');

    // Assert
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toContain(`freed the lock on 2026-01-01 (its lease had expired; owner dead-worker, token ${dead!.token},`);
    expect(live.code).toBe(5);
    expect(live.stderr).toContain('held by live-worker');
    expect(json<{ outcome: string }>(forced).outcome).toBe('released');
    expect(never.code).toBe(4);
    expect(next!.token).toBe(dead!.token + 1);
  });

  it('dashboard --snapshot writes the page with charts that have data', async () => {
    // Prepare
    const file = join(served.dir, 'dashboard.html');

    // Act
    const run = await runCli(['dashboard', ...local(), '--snapshot', file]);

    // Assert
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/data-chart="date-progress" data-points="[1-9]/);
    expect(html).toMatch(/data-chart="glue-duration" data-points="[1-9]/);
  });
});

describe('errors say what is wrong, with their exit codes', { timeout: 60_000 }, () => {
  it('unknown stack (3), no target (2), no such date (4), a stopped local pipeline (3)', async () => {
    // Act
    const [unknown, none, noDate, stopped] = await Promise.all([
      runCli(['status', '--stack', 'staging']),
      runCli(['status']),
      runCli(['status', ...local(), '--date', '2030-01-01']),
      runCli(['status', '--local', join(served.dir, 'nothing-here')]),
    ]);

    // Assert
    expect([unknown.code, none.code, noDate.code, stopped.code]).toEqual([3, 2, 4, 3]);
    expect(unknown.stderr).toContain('unknown stack "staging"');
    expect(none.stderr).toContain('say which pipeline');
    expect(noDate.stderr).toContain('nothing is tracked for 2030-01-01');
    expect(stopped.stderr).toContain('local --serve');
  });

  it('a deployed stack without credentials (3), or without the Pulumi CLI to read its outputs (3)', async () => {
    // Prepare: an environment with no credential source at all (no keys, profiles, SSO or instance role)
    const outputs = join(served.dir, 'dev-outputs.json');
    await writeFile(
      outputs,
      JSON.stringify({
        tableName: 't-dev',
        inputBucketName: 'in-dev',
        quarantineBucketName: 'q-dev',
        manifestBucketName: 'm-dev',
        outputBucketName: 'o-dev',
        stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:sm',
      }),
    );
    const bare: NodeJS.ProcessEnv = {
      PATH: '/nonexistent',
      HOME: served.dir,
      AWS_CONFIG_FILE: join(served.dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(served.dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    // Act
    const [noCredentials, noPulumi] = await Promise.all([
      runCli(['status', '--outputs', outputs], bare),
      runCli(['status', '--stack', 'dev'], bare),
    ]);

    // Assert
    expect(noCredentials.code, noCredentials.stderr).toBe(3);
    expect(noCredentials.stderr).toContain('no AWS credentials for stack dev');
    expect(noPulumi.code).toBe(3);
    expect(noPulumi.stderr).toContain('the Pulumi CLI is not installed');
  });
});
