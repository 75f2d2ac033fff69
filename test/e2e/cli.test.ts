import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNDATED_PARTITION as UNDATED } from '../../contracts/trackingSchema';
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
 * Glue on local Spark), as a user types them, and its dashboard in headless Chromium. The browser test
 * shares this pipeline rather than starting its own: a second Spark runtime costs about 90 s of a 2-core
 * machine's test run.
 *
 * Each test passes alone and in any order: it waits for the state it asserts, and a test that changes the
 * pipeline does so on dates of its own. The pipeline starts with: today's two files waiting below the
 * threshold of 3; yesterday's three (one with a bad line) converted; two days ago's two, whose Glue runs
 * fail until redriven (--fail-glue-for), failed; one undated name quarantined. How many manifests a
 * date's files land in is not fixed: the stream's two lanes (parallelizationFactor 2) can hand them to
 * two concurrent batcher invocations, so one manifest or two are both right, and no test counts on either.
 */

const SCREENSHOT = join(PROJECT_ROOT, '.local', 'dashboard.png');

const today = utcDate(new Date());
const yesterday = addDays(today, -1);
const twoDaysAgo = addDays(today, -2);
/** The dates the tests that change the pipeline use, one each, so no other test sees the change. */
const GENERATE_DATE = addDays(today, -3);
const REDRIVE_DATE = addDays(today, -4);
/** Not before today, so its files wait below the threshold until flushed. */
const FLUSH_DATE = addDays(today, 1);
const BAD_LINE_FILE = `${yesterday}-with-bad-line.ndjson`;

/** `records` lines of one file, each a record the job keeps. */
const ndjson = (file: string, records: number) =>
  Array.from({ length: records }, (_, i) => JSON.stringify({ id: `${file}-${i + 1}`, v: i })).join('\n');

let served: ServedPipeline;
let target: PipelineTarget;
const local = () => ['--local', served.dir];
const json = <T>(run: { stdout: string }) => JSON.parse(run.stdout) as T;
const statusOf = async (date: string): Promise<DateStatus | undefined> =>
  (await collectStatus(target, { now: new Date() })).find((d) => d.date === date);

/** All `files` of the date are in manifests, and every manifest of the date has ended `status`. */
function settledAs(date: DateStatus | undefined, status: 'completed' | 'failed', files: number): date is DateStatus {
  if (!date || date.files.tracked !== files || date.manifests.total === 0) return false;
  const settled = status === 'completed' ? date.files.converted : date.files.failed;
  return settled === files && date.manifests.byStatus[status] === date.manifests.total;
}

/** Waits until `date` has settled as `status` (see settledAs), and returns its status. */
function dateSettled(date: string, status: 'completed' | 'failed', files: number, timeoutMs: number): Promise<DateStatus> {
  return waitFor(
    `the ${files} files of ${date} ${status}`,
    async () => {
      const found = await statusOf(date);
      return settledAs(found, status, files) ? found : undefined;
    },
    timeoutMs,
  );
}

let startingFiles: Promise<void> | undefined;
/** The files the pipeline started with have settled as the comment at the top says; the first run of Spark takes most of it. */
function startingFilesSettled(): Promise<void> {
  startingFiles ??= waitFor(
    'the starting files to settle',
    async () => {
      const dates = new Map((await collectStatus(target, { now: new Date() })).map((d) => [d.date, d]));
      const settled =
        dates.get(today)?.files.pending === 2 &&
        settledAs(dates.get(yesterday), 'completed', 3) &&
        settledAs(dates.get(twoDaysAgo), 'failed', 2) &&
        dates.get(UNDATED)?.files.quarantined === 1;
      return settled ? true : undefined;
    },
    240_000,
  ).then(() => undefined);
  return startingFiles;
}

describe('a served local pipeline', () => {
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
    const input = join(dir, 'input');
    await mkdir(input);
    await writeFile(join(input, 'notes.ndjson'), '{"a":1}\n');
    await writeFile(join(input, BAD_LINE_FILE), '{"id":"x1","v":1}\nnot json at all\n{"id":"x2","v":2}\n');
    // The redrive and flush tests' dates, uploaded with the rest so their batching and failing runs overlap
    // the first Spark start instead of following it.
    for (const n of [1, 2]) {
      await writeFile(join(input, `${REDRIVE_DATE}-redrive-${n}.ndjson`), ndjson(`redrive-${n}`, 10));
      await writeFile(join(input, `${FLUSH_DATE}-flush-${n}.ndjson`), ndjson(`flush-${n}`, 5));
    }
    served = await servePipeline(dir, [
      '--generate',
      '6',
      '--dates',
      '3',
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
      '--fail-glue-for',
      REDRIVE_DATE,
    ]);
    target = await resolveTarget({ local: dir });
  }, 90_000);

  afterAll(async () => {
    target?.close();
    await served?.stop();
  });

  describe('operator commands that read it', { timeout: 300_000 }, () => {
    it('status shows per date what is pending against the threshold, converted, quarantined and failed, and the locks', async () => {
      // Prepare
      await startingFilesSettled();

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
      expect(byDate.get(today)?.pending.bytes).toBeGreaterThan(0);
      expect(byDate.get(today)?.pending.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(byDate.get(yesterday)).toMatchObject({ files: { tracked: 3, converted: 3, pending: 0 }, lock: { state: 'free' } });
      const failing = byDate.get(twoDaysAgo);
      expect(failing?.files).toMatchObject({ tracked: 2, failed: 2 });
      expect(failing?.manifests.byStatus).toEqual({ failed: failing?.manifests.total });
      expect(byDate.get(UNDATED)).toMatchObject({ files: { quarantined: 1 } });
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('waits (2/3 files)');
      expect(text.stdout).toContain(`manifests of ${today}:`);
    });

    it('trace follows a file to its manifest, Parquet files and rejected lines; a quarantined one to its reason', async () => {
      // Prepare
      await startingFilesSettled();

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
        glue: {
          linesRead: number;
          linesRejected: number;
          run: { workerType: string; dpuSeconds: number; usd: number; estimated: boolean };
        };
        rejects: { lines: { line_number: number; reason: string }[] };
      }>(traced);
      expect(trace).toMatchObject({ state: 'converted', manifest: { status: 'completed' }, glue: { linesRead: 3, linesRejected: 1 } });
      // Its run's capacity and cost, estimated from the report (no GetJobRun locally): at least Glue's minute on two DPUs.
      expect(trace.glue.run).toMatchObject({ workerType: 'G.1X', estimated: true, usd: expect.any(Number) });
      expect(trace.glue.run.dpuSeconds).toBeGreaterThanOrEqual(120);
      expect(trace.output.folder).toMatch(new RegExp(`/pipeline/output/merged-parquet-${yesterday}/$`));
      expect(trace.output.files.length).toBeGreaterThan(0);
      expect(trace.rejects.lines).toEqual([expect.objectContaining({ line_number: 2, reason: 'invalid_json' })]);
      expect(quarantined.stdout).toContain('quarantined: no-date-prefix');
      expect(unknown.code).toBe(4);
      expect(unknown.stderr).toContain('is not tracked');
    });

    it('reports lists and summarises the Lambda and Glue reports', async () => {
      // Prepare
      await startingFilesSettled();
      const failing = await statusOf(twoDaysAgo);

      // Act
      const all = await runCli(['reports', ...local(), '--json']);
      const glue = await runCli(['reports', ...local(), '--kind', 'glue']);
      const future = await runCli(['reports', ...local(), '--since', addDays(today, 2), '--json']);
      const bad = await runCli(['reports', ...local(), '--since', 'last tuesday']);

      // Assert
      expect(all.code, all.stderr).toBe(0);
      const reports = json<{
        reports: { kind: string; date?: string | null; status?: string | null }[];
        totals: {
          lambda: { reports: number; filesQuarantined: number };
          glue: {
            runs: number;
            compressionRatio: number;
            inputBytes: number;
            outputBytes: number;
            rejected: number;
            usd: number;
            usdPerGb: number;
            costEstimated: boolean;
            unpricedRuns: number;
            byDate: Record<string, { usd: number; usdPerGb: number | null }>;
          };
        };
      }>(all);
      expect(reports.totals.lambda.reports).toBeGreaterThan(0);
      expect(reports.totals.lambda.filesQuarantined).toBe(1);
      const failedRuns = reports.reports.filter((r) => r.kind === 'glue' && r.date === twoDaysAgo).map((r) => r.status);
      // Each failed manifest: its run and the ASL's one retry.
      expect(failedRuns).toEqual(Array.from({ length: 2 * (failing?.manifests.total ?? 0) }, () => 'failed'));
      expect(reports.totals.glue.rejected).toBe(1);
      // Over the successful runs. Whether it is above 1 depends on how many manifests these few small files
      // landed in (each Parquet file carries its own footer), so the test checks the arithmetic, not the size.
      const { inputBytes, outputBytes, compressionRatio } = reports.totals.glue;
      expect(inputBytes).toBeGreaterThan(0);
      expect(outputBytes).toBeGreaterThan(0);
      expect(compressionRatio).toBe(Math.round((inputBytes / outputBytes) * 100) / 100);
      // Locally every run is priced from its report (no GetJobRun): an estimate, failed runs included in $.
      const { usd, usdPerGb, costEstimated, unpricedRuns, byDate } = reports.totals.glue;
      expect({ costEstimated, unpricedRuns }).toEqual({ costEstimated: true, unpricedRuns: 0 });
      expect(usd).toBeGreaterThan(0);
      expect(usdPerGb).toBeCloseTo(usd / (inputBytes / 2 ** 30), 9);
      expect(byDate[yesterday]?.usdPerGb).toBeGreaterThan(0);
      expect(byDate[twoDaysAgo]).toMatchObject({ usd: expect.any(Number), usdPerGb: null });
      expect(glue.stdout).toMatch(/cost: ~\$[0-9.]+ for [0-9,]+ DPU-seconds, ~\$[0-9.]+\/GB converted/);
      expect(glue.stdout).toContain('glue: ');
      expect(glue.stdout).not.toContain('lambda (batcher, sweeper)');
      expect(json<{ reports: unknown[] }>(future).reports).toEqual([]);
      expect(bad.code).toBe(2);
    });

    it('dashboard --snapshot writes the page with charts that have data', async () => {
      // Prepare
      await startingFilesSettled();
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

  describe('dashboard in a browser', { timeout: 300_000 }, () => {
    it('shows per-date progress, files and bytes over time, manifests, Glue run time and compression, quarantine and rejects', async () => {
      // Prepare
      await startingFilesSettled();
      // Over every date: the redrive test's date also fails until that test redrives it, whichever runs first.
      const failedManifests = (await collectStatus(target, { now: new Date() })).reduce(
        (n, d) => n + (d.manifests.byStatus.failed ?? 0),
        0,
      );
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
      const dateRows = await page.$$eval('table[data-table="dates"] tbody tr', (rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
      );
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
        'glue-cost',
        'glue-cost-per-gb',
        'glue-capacity',
        'quarantine-rejects',
        'batcher-invocations',
      ]) {
        expect(points[chart], `chart ${chart} has data`).toBeGreaterThan(0);
      }
      expect(tiles).toMatchObject({ quarantined: '1', rejected: '1', 'manifests-failed': String(failedManifests) });
      expect(failedCell).toBe('failed');
      // date, tracked, pending, converted, failed, quarantined
      const row = (date: string) => dateRows.find((cells) => cells[0] === date)?.slice(0, 6);
      expect(row(today)).toEqual([today, '2', '2', '0', '0', '0']);
      expect(row(yesterday)).toEqual([yesterday, '3', '0', '3', '0', '0']);
      expect(row(twoDaysAgo)).toEqual([twoDaysAgo, '2', '0', '0', '2', '0']);
      expect(row(UNDATED)).toEqual([UNDATED, '0', '0', '0', '0', '1']);
      expect(refresh).toBe('5');
      expect(api.totals).toMatchObject({ quarantined: 1, rejectedLines: 1 });
      expect(api.dates.find((d) => d.date === today)?.files).toMatchObject({ tracked: 2, pending: 2 });
    });
  });

  describe('operator commands that change it', { timeout: 480_000 }, () => {
    it('generate uploads count files per date with a progress bar and a summary, and the pipeline tracks them', async () => {
      // Act
      const run = await runCli([
        'generate',
        ...local(),
        '--date',
        GENERATE_DATE,
        '--count',
        '2',
        '--records',
        '10',
        '--seed',
        'e2e-gen',
        '--json',
      ]);
      const tracked = await waitFor(
        'the generated files tracked',
        async () => ((await statusOf(GENERATE_DATE))?.files.tracked === 2 ? true : undefined),
        60_000,
      );

      // Assert
      expect(run.code, run.stderr).toBe(0);
      const summary = json<{ files: number; records: number; dates: { date: string; files: number }[]; keys: string[] }>(run);
      expect(summary).toMatchObject({ files: 2, records: 20, dates: [{ date: GENERATE_DATE, files: 2 }] });
      expect(summary.keys[0]).toMatch(new RegExp(`^pipeline/input/${GENERATE_DATE}-test0001-\\d{6}-[0-9a-f-]{36}\\.ndjson$`));
      expect(run.stderr).toContain('[100%] 2/2 files');
      expect(tracked).toBe(true);
    });

    it('redrive --failed re-runs each failed manifest of a date as <id>-redrive-1, and its rows land once', async () => {
      // Prepare: the two files of a date whose Glue runs fail until redriven, and their manifests failed
      const failed = await dateSettled(REDRIVE_DATE, 'failed', 2, 300_000);

      // Act
      const run = await runCli(['redrive', ...local(), '--failed', '--date', REDRIVE_DATE, '--json']);
      const redriven = await dateSettled(REDRIVE_DATE, 'completed', 2, 150_000);
      const again = await runCli(['redrive', failed.manifests.list[0]?.id ?? '-', ...local()]);

      // Assert
      expect(run.code, run.stderr).toBe(0);
      const ids = failed.manifests.list.map((m) => m.id).sort((a, b) => a.localeCompare(b));
      const redrives = json<{ redrives: { manifestId: string }[] }>(run).redrives.sort((a, b) => a.manifestId.localeCompare(b.manifestId));
      expect(redrives).toEqual(
        ids.map((id) => expect.objectContaining({ manifestId: id, status: 'started', executionName: `${id}-redrive-1` })),
      );
      expect(redriven.manifests.list.map((m) => m.redrives)).toEqual(failed.manifests.list.map(() => 1));
      const rows = parquetFiles(await readBucket(target.clients.s3, 'output', target.config.outputBucket)).filter(
        (p) => p.date === REDRIVE_DATE,
      );
      expect(
        rows.reduce((sum, p) => sum + p.rows, 0),
        'each of the 20 records once, though the failed runs committed files',
      ).toBe(20);
      expect(again.code).toBe(5);
      expect(again.stderr).toContain('completed: nothing to redrive');
    });

    it("flush --date sends a date's remainder out below the threshold", async () => {
      // Prepare: the two files of a date that is not over yet, waiting below the threshold of 3
      await waitFor(
        'the files to wait below the threshold',
        async () => ((await statusOf(FLUSH_DATE))?.files.pending === 2 ? true : undefined),
        60_000,
      );

      // Act
      const run = await runCli(['flush', ...local(), '--date', FLUSH_DATE, '--json']);
      const converted = await dateSettled(FLUSH_DATE, 'completed', 2, 300_000);
      const never = await runCli(['flush', ...local(), '--date', '2020-01-01']);

      // Assert
      expect(run.code, run.stderr).toBe(0);
      expect(json<{ flushes: { manifests: { file_count: number }[] }[] }>(run).flushes[0]?.manifests.map((m) => m.file_count)).toEqual([2]);
      expect(converted.manifests.total).toBe(1);
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
      expect(expired.stdout).toContain(`freed the lock on 2026-01-01 (its lease had expired; owner dead-worker, token ${dead?.token},`);
      expect(live.code).toBe(5);
      expect(live.stderr).toContain('held by live-worker');
      expect(json<{ outcome: string }>(forced).outcome).toBe('released');
      expect(never.code).toBe(4);
      expect(next?.token).toBe((dead?.token ?? Number.NaN) + 1);
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
});
