/**
 * `npm run -s check:iam`: least privilege proven by use. One local run with IAM enforced takes every path
 * the pipeline has (normal ingest and conversion, chaos crashes and redeliveries, duplicate events,
 * quarantine of an undated, a wrongly named and a too-large file, Glue rejects of lines that are not JSON,
 * a failed manifest and its redrive, operator flush and unlock, the sweeper's reconcile of objects whose
 * events were lost, the generator), then prints per role the
 * grants of its policy (pulumi/policies) against the ones a path was allowed by. A grant nothing used must
 * carry a reason in its builder (`*_UNUSED_LOCALLY`). Progress goes to stderr; stdout is the table and,
 * as its last line, JSON: {"roles": {<role>: {"granted", "used", "unused"}}, "unjustified"}.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { utcDate } from '../handlers/domain/dates';
import { runGenerator } from '../handlers/generator';
import { type GrantReport, grantReport, usedButJustified } from '../local/iam/grantUsage';
import { LOCAL_ROLES, UNUSED_LOCALLY } from '../local/iam/roles';
import { runLocal } from '../local/pipeline';
import type { LocalRuntime } from '../local/runtime';
import { redriveFailed } from '../operator/operations/redriveManifests';
import { unlockDate } from '../operator/operations/unlockDate';
import { runtimeTarget } from '../operator/target/resolveTarget';

const DAY_MS = 86_400_000;
const MAX_FILE_BYTES = 32 * 1024;

const say = (line: string) => process.stderr.write(`[check:iam ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Files the generator does not make: each takes a path of its own. */
async function pathInputs(dir: string, date: string): Promise<string[]> {
  const line = (n: number) => `${JSON.stringify({ id: n, event: 'check-iam', at: `${date}T00:00:00Z` })}\n`;
  const files: Record<string, string> = {
    'notes-without-a-date.ndjson': line(1),
    [`${date}-wrongly-named.csv`]: line(2),
    [`${date}-too-large-000001.ndjson`]: Array.from({ length: 600 }, (_, n) => line(n)).join(''),
    [`${date}-not-ndjson-000001.ndjson`]: `${line(3)}this line is not JSON\n{"truncated": \n${line(4)}`,
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return Object.keys(files);
}

/**
 * The sweeper's flush: two more files of today stay pending below maxBatchFiles, and a sweep forced for
 * today (what the schedule does once they are older than maxWaitSeconds) plans them and starts the execution.
 */
async function sweeperFlush(runtime: LocalRuntime, date: string): Promise<void> {
  // A sweep can find nothing to plan: a lock a chaos crash left (held until its 15 s lease ends), or files a
  // batcher flushed first. Until the sweeper itself has started an execution, wait and try again, with two
  // new files when the last ones were taken by someone else.
  const sweeperStarted = () => runtime.iam.evaluator.usage().get('sweeper')?.has('states:StartExecution') ?? false;
  const deadline = Date.now() + 120_000;
  for (let round = 0; !sweeperStarted() && Date.now() < deadline; round++) {
    const since = Date.now();
    for (const n of [1, 2]) {
      const key = `${runtime.config.inputPrefix}${date}-swept-${round}-${String(n).padStart(6, '0')}.ndjson`;
      await runtime.uploader.send(new PutObjectCommand({ Bucket: runtime.resources.inputBucket, Key: key, Body: '{"swept":true}\n' }));
    }
    await runtime.poller.drain(60_000, since);
    for (let attempt = 0; attempt < 6 && !sweeperStarted(); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 5_000));
      await runtime.sweeper.runOnce([date]);
    }
  }
  await runtime.executor.whenIdle();
  say(
    `sweeper flush of ${date}: ${sweeperStarted() ? 'planned by the sweeper' : 'NOT planned by the sweeper'}, ${runtime.sweeper.failures.length} failed sweep(s)`,
  );
}

/**
 * The sweeper's reconcile: two objects written with no Object Created event (the setup identity's client
 * carries no shim), one well named and one misnamed, which the next sweeps list, register and quarantine
 * once they are older than the reconcile's grace.
 */
async function lostEvents(runtime: LocalRuntime, date: string): Promise<void> {
  const before = runtime.metrics.get('ObjectsReconciled');
  for (const name of [`${date}-lost-000001.ndjson`, `${date}-lost-notes.txt`])
    await runtime.clients.s3.send(
      new PutObjectCommand({ Bucket: runtime.resources.inputBucket, Key: `${runtime.config.inputPrefix}${name}`, Body: '{"lost":true}\n' }),
    );
  const deadline = Date.now() + 60_000;
  while (runtime.metrics.get('ObjectsReconciled') - before < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await runtime.sweeper.runOnce();
  }
  say(`sweeper reconcile: ${runtime.metrics.get('ObjectsReconciled') - before} object(s) with no event found`);
}

/** The operator's paths the run itself does not take, and the generator Lambda, before the pipeline stops. */
async function operatorPaths(runtime: LocalRuntime, date: string): Promise<void> {
  const target = runtimeTarget(runtime);
  try {
    const unlocked = await unlockDate(target, date, { force: true, now: () => new Date() });
    say(`unlock ${date}: ${unlocked.outcome}`);
  } finally {
    target.close();
  }
  const generated = await runGenerator(
    { file_count: 2, target_size_mb: 0.001, ingestion_rate: 'fast', delay_seconds: 0, seed: 'check-iam' },
    {
      s3: runtime.iam.clients('generator').s3,
      bucket: runtime.resources.inputBucket,
      prefix: runtime.config.inputPrefix,
      now: () => new Date(),
      sleep: async () => undefined,
    },
  );
  say(`generator Lambda: ${generated.files_created} file(s) as the generator role`);
}

function renderTable(report: GrantReport): string {
  const lines: string[] = [];
  const row = (cells: string[]) =>
    lines.push(
      cells
        .map((c, i) => c.padEnd([16, 8, 6, 8][i] ?? 0))
        .join(' ')
        .trimEnd(),
    );
  row(['role', 'granted', 'used', 'unused']);
  for (const role of LOCAL_ROLES) {
    const r = report.roles[role];
    row([role, String(r.granted.length), String(r.used.length), String(r.unused.length)]);
  }
  for (const role of LOCAL_ROLES) {
    const r = report.roles[role];
    lines.push('', `${role}:`);
    for (const grant of r.used) lines.push(`  used      ${grant}`);
    for (const { grant, reason } of r.unused) lines.push(`  ${reason ? 'justified' : 'UNUSED   '} ${grant}${reason ? ` (${reason})` : ''}`);
  }
  lines.push('', `unjustified grants: ${report.unjustified}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const started = Date.now();
  const today = utcDate(new Date());
  const yesterday = utcDate(new Date(Date.now() - DAY_MS));
  const dir = await mkdtemp(join(tmpdir(), 'check-iam-'));
  let report: GrantReport | undefined;
  try {
    const inputDir = join(dir, 'input');
    await mkdir(inputDir);
    const extra = await pathInputs(inputDir, yesterday);
    say(
      `paths: 16 generated files over 2 dates, ${extra.join(', ')}; chaos 0.15, every event twice, Glue fails for ${yesterday} until redriven`,
    );
    const summary = await runLocal({
      runtime: {
        runDir: join(dir, 'run'),
        thresholds: { maxBatchFiles: 4, maxFileBytes: MAX_FILE_BYTES, lockLeaseSeconds: 15 },
        batchingWindowMs: 500,
        sweepIntervalMs: 2000,
        pollIntervalMs: 200,
        chaosRate: 0.15,
        duplicates: 2,
        failGlueForDates: [yesterday],
      },
      sources: { generate: { files: 16, dates: 2, recordsPerFile: 20, seed: 'check-iam' }, inputDir },
      pace: { rate: 'immediate' },
      flush: true,
      timeoutMs: 240_000,
      redrive: {
        rounds: 4,
        run: async (runtime) => {
          const target = runtimeTarget(runtime);
          try {
            const outcomes = await redriveFailed(target, { now: () => new Date() });
            return outcomes.map((o) => `redrive: ${o.manifestId} ${o.status}`);
          } finally {
            target.close();
          }
        },
      },
      progress: say,
      beforeStop: async (runtime) => {
        await sweeperFlush(runtime, today);
        await lostEvents(runtime, today);
        await operatorPaths(runtime, today);
        const stats = runtime.stats;
        say(
          `paths taken: ${stats.chaosCrashes} chaos crash(es), ${stats.retries} redelivery(ies), ${stats.glueRunsFailed} failed Glue run(s), ${stats.sweeps} sweep(s), ${stats.executions} execution(s)`,
        );
        report = grantReport(runtime.iam.evaluator.rolePolicies, runtime.iam.evaluator.usage(), UNUSED_LOCALLY);
        const denied = runtime.iam.evaluator.denials;
        if (denied.length > 0) say(`IAM refused ${denied.length} call(s), first: ${denied[0]}`);
      },
    });
    say(`local run ${summary.status}: ${summary.message} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    if (!report) throw new Error('the run ended before the grants were read');
    process.stdout.write(`${renderTable(report)}\n`);
    const stale = usedButJustified(report, UNUSED_LOCALLY);
    for (const grant of stale) say(`a reason says unused, but a path used it: ${grant}`);
    const json = {
      roles: Object.fromEntries(
        LOCAL_ROLES.map((role) => {
          const r = (report as GrantReport).roles[role];
          return [role, { granted: r.granted.length, used: r.used.length, unused: r.unused.map((u) => u.grant) }];
        }),
      ),
      unjustified: report.unjustified,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
    return summary.status === 'succeeded' && report.unjustified === 0 && stale.length === 0 ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
