import { MANIFEST_STATUS } from '../contracts/trackingSchema';
import { utcDate } from '../handlers/domain/dates';
import type { Random } from '../handlers/domain/generator';
import {
  type ParquetFile,
  parquetFiles,
  readBucket,
  readCatalogTable,
  type StoredObject,
  writeCatalogExport,
  writeExport,
} from './exportRun';
import { assessFiles, countStates, type FileView, type ProgressSnapshot, scanTable } from './fileProgress';
import { type Overwrite, overwriteInputs, writeSuperseded } from './overwriteInputs';
import { readableError } from './readableError';
import { BUCKET_ROLES } from './resources';
import { buildSummary, type RunSummary } from './runSummary';
import { LocalRuntime, type LocalRuntimeOptions, type RuntimeStats } from './runtime';
import type { ExecutionOutcome } from './stepFunctions';
import { type Pace, sourceItems, type UploadedFile, type UploadItem, type UploadSources, uploadItems } from './uploadSources';

/**
 * `ndjson-parquet local`: start the local pipeline, upload the files, wait until every file is converted,
 * quarantined, or (without --flush) left pending only because its date is today and below threshold;
 * then copy what the run produced out of the emulator and summarise it. The verdict is read from the
 * tracking table and the Parquet files, as an operator would check a real run.
 */

export interface LocalRunOptions {
  /** The pipeline's settings (run directory, thresholds, faults); the run adds its own progress hooks. */
  runtime: LocalRuntimeOptions;
  sources: UploadSources;
  /** Input key prefix; default: the stack's inputPrefix. */
  prefix?: string;
  pace: Pace;
  flush: boolean;
  outDir?: string;
  timeoutMs: number;
  redrive?: RedrivePlan;
  /** `--overwrite RATE`: the share of uploaded files put again with other content once registered (local/overwriteInputs.ts). */
  overwriteRate?: number;
  progress: (line: string) => void;
  /** Called once the run has ended, before the pipeline stops (check:iam reads what each role did). */
  beforeStop?: (runtime: LocalRuntime) => Promise<void>;
}

/**
 * What an operator does about manifests whose conversion failed: once every file has settled, redrive
 * them (`run`, which returns lines to report) and wait again, at most `rounds` times.
 */
export interface RedrivePlan {
  rounds: number;
  run: (runtime: LocalRuntime) => Promise<string[]>;
}

export class LocalRunError extends Error {
  override readonly name = 'LocalRunError';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A file is settled when nothing more will happen to it in this run. */
function isSettled(file: FileView, today: string, flush: boolean): boolean {
  if (file.state === 'quarantined' || file.state === 'converted' || file.state === 'failed') return true;
  return file.state === 'pending' && !flush && file.date === today;
}

/**
 * What the stages learn as the run goes. A stage that throws leaves here what it had learnt, and the
 * summary is built from that: a failed run still reports its uploads, its last snapshot and its timings.
 */
interface RunRecord {
  readonly started: number;
  readonly deadline: number;
  /** Why the run failed, in the order found; the first becomes the summary's message. */
  readonly problems: string[];
  uploaded: UploadedFile[];
  /** Files the --overwrite fault put again, with the content they held before. */
  overwrites: Overwrite[];
  snapshot: ProgressSnapshot;
  /** 0 while a stage has not ended (it threw): the summary then measures it up to the end of the run. */
  readonly marks: { uploadStart: number; uploadEnd: number; batchingEnd: number };
}

export async function runLocal(options: LocalRunOptions): Promise<RunSummary> {
  const started = Date.now();
  const uploads = await plannedUploads(options, started);
  const runtime = await startRuntime(options);
  const record: RunRecord = {
    started,
    deadline: started + options.timeoutMs,
    problems: [],
    uploaded: [],
    overwrites: [],
    snapshot: { files: [], manifests: [], items: [] },
    marks: { uploadStart: Date.now(), uploadEnd: 0, batchingEnd: 0 },
  };
  try {
    await upload(runtime, options, uploads, record);
    if (options.overwriteRate) await overwrite(runtime, options, uploads, record);
    await drainAndFlush(runtime, options, record);
    await settleWithRedrives(runtime, options, record);
  } catch (error) {
    record.problems.push(`${(error as Error).name}: ${(error as Error).message}`);
  }
  const finished = Date.now();
  const parquet = await collectOutput(runtime, options, record);
  recordFailures(runtime, record);
  const stats = runtime.stats;
  const executions = runtime.executor.outcomes;
  const iam = runtime.iam.summary();
  try {
    await options.beforeStop?.(runtime);
  } catch (error) {
    record.problems.push(`${(error as Error).name}: ${(error as Error).message}`);
  }
  await runtime.stop();
  return verdict(options, record, { parquet, stats, iam, metrics: Object.fromEntries(runtime.metrics.totals), executions, finished });
}

async function plannedUploads(options: LocalRunOptions, started: number): Promise<{ items: UploadItem[]; random: Random }> {
  const uploads = await sourceItems(options.sources, new Date(started), `${started}`);
  if (uploads.items.length === 0) throw new LocalRunError('nothing to upload: give --generate N and/or --input DIR');
  return uploads;
}

/** The emulator, the resources from Pulumi.dev.yaml and every stand-in, reporting executions as they go. */
async function startRuntime(options: LocalRunOptions): Promise<LocalRuntime> {
  const say = options.progress;
  say(`starting the local pipeline (moto, shard poller, sweeper, Step Functions executor, Glue worker); logs in ${options.runtime.runDir}`);
  const runtime = await LocalRuntime.start({
    ...options.runtime,
    onExecutionStart: (execution) =>
      say(`conversion: execution ${execution.name} started (${execution.running} running; Glue runs one at a time)`),
    onExecution: (outcome) =>
      say(
        `execution ${outcome.name}: ${outcome.status}${outcome.error ? ` (${outcome.error}: ${outcome.cause})` : ''} in ${(outcome.durationMs / 1000).toFixed(1)} s`,
      ),
  });
  if (runtime.throttle) say(runtime.throttle.describe());
  return runtime;
}

/** Through the runtime's uploader, so every PutObject raises its Object Created event on the stream. */
async function upload(
  runtime: LocalRuntime,
  options: LocalRunOptions,
  uploads: { items: UploadItem[]; random: Random },
  record: RunRecord,
): Promise<void> {
  const say = options.progress;
  const { items, random } = uploads;
  const prefix = options.prefix ?? runtime.config.inputPrefix;
  say(
    `upload: ${items.length} file(s) to s3://${runtime.resources.inputBucket}/${prefix} at rate ${options.pace.delaySeconds !== undefined ? `${options.pace.delaySeconds} s` : options.pace.rate}`,
  );
  let lastSaid = 0;
  record.uploaded = await uploadItems(
    runtime.uploader,
    { bucket: runtime.resources.inputBucket, prefix },
    items,
    options.pace,
    random,
    (_file, index) => {
      if (index + 1 === items.length || Date.now() - lastSaid > 1000) {
        lastSaid = Date.now();
        say(`upload: ${index + 1}/${items.length}`);
      }
    },
  );
  record.marks.uploadEnd = Date.now();
}

/** The --overwrite fault, after the uploads: each chosen file put again once its first content is registered. */
async function overwrite(
  runtime: LocalRuntime,
  options: LocalRunOptions,
  uploads: { items: UploadItem[]; random: Random },
  record: RunRecord,
): Promise<void> {
  const prefix = options.prefix ?? runtime.config.inputPrefix;
  const bodies = new Map(uploads.items.map((item) => [`${prefix}${item.name}`, item.body]));
  record.overwrites = await overwriteInputs(runtime, record.uploaded, bodies, options.overwriteRate ?? 0, uploads.random, record.deadline);
  options.progress(`overwrite: ${record.overwrites.length} file(s) put again with other content after their registration`);
}

/** The stream read to its end; with --flush, every date with pending files then forced out as an operator would. */
async function drainAndFlush(runtime: LocalRuntime, options: LocalRunOptions, record: RunRecord): Promise<void> {
  const say = options.progress;
  await runtime.poller.drain(Math.max(1000, record.deadline - Date.now()), record.marks.uploadEnd);
  say(
    `batching: stream drained, ${runtime.poller.stats.invocations} batcher invocation(s) for ${runtime.poller.stats.recordsRead} event(s)`,
  );
  await awaitReconciled(runtime, options, record);
  if (options.flush) {
    record.snapshot = await assessUploads(runtime, record.uploaded);
    const dates = [...new Set(record.snapshot.files.filter((f) => f.state === 'pending' && f.date).map((f) => f.date as string))].sort();
    for (const date of dates) {
      const outcome = await runtime.flush(date, Math.max(1000, record.deadline - Date.now()));
      say(`flush ${date}: ${outcome.manifests.length} manifest(s), ${outcome.remainderFiles} file(s) left`);
    }
  }
  record.marks.batchingEnd = Date.now();
}

/**
 * With `--drop-events`, the stream never carried some files' events: once they are older than the
 * reconcile's grace, the sweeper lists them and ingests them. The flush waits for that, as it would for a
 * late event, so the dropped files are flushed with the rest instead of waiting for maxWaitSeconds.
 */
async function awaitReconciled(runtime: LocalRuntime, options: LocalRunOptions, record: RunRecord): Promise<void> {
  const dropped = runtime.stats.eventsDropped;
  if (dropped === 0) return;
  options.progress(`reconcile: ${dropped} event(s) dropped; waiting for the sweeper's reconcile to find their files`);
  for (;;) {
    record.snapshot = await assessUploads(runtime, record.uploaded);
    const unseen = record.snapshot.files.filter((f) => f.state === 'unseen').length;
    if (unseen === 0 || Date.now() > record.deadline) break;
    await sleep(500);
  }
  options.progress(`reconcile: the sweeper found ${runtime.metrics.totals.get('ObjectsReconciled') ?? 0} file(s) with no tracking record`);
}

/** Wait until every file settles; while manifests have failed and redrive rounds are left, redrive them and wait again. */
async function settleWithRedrives(runtime: LocalRuntime, options: LocalRunOptions, record: RunRecord): Promise<void> {
  const report = dateProgress(options.progress);
  for (let round = 1; ; round++) {
    if ((await waitUntilSettled(runtime, options, record, report)) === 'stopped') return;
    const failed = record.snapshot.manifests.filter((m) => m.status === MANIFEST_STATUS.failed).length;
    if (failed === 0 || !options.redrive || round > options.redrive.rounds) return;
    await redrive(runtime, options.redrive, round, failed, options.progress);
  }
}

/**
 * Polls the tracking table until every uploaded file is settled and the executor is idle (`settled`), or
 * stops early with a problem recorded (`stopped`): a batch went to the DLQ and nothing else is moving, or
 * the deadline passed. A poller or executor failure is thrown.
 */
async function waitUntilSettled(
  runtime: LocalRuntime,
  options: LocalRunOptions,
  record: RunRecord,
  report: (files: readonly FileView[]) => void,
): Promise<'settled' | 'stopped'> {
  for (;;) {
    const since = Date.now();
    const failure = runtime.poller.failure ?? runtime.executor.failure;
    if (failure) throw failure;
    record.snapshot = await assessUploads(runtime, record.uploaded);
    const files = record.snapshot.files;
    const today = utcDate(new Date());
    report(files);
    const dlq = runtime.poller.stats.dlqBatches;
    if (dlq > 0 && runtime.poller.isIdleSince(record.marks.uploadEnd)) {
      const unseen = files.filter((f) => f.state === 'unseen').length;
      if (files.every((f) => isSettled(f, today, options.flush) || f.state === 'unseen') && runtime.executor.inFlight === 0) {
        record.problems.push(
          `${runtime.poller.stats.dlqRecords} event(s) in ${dlq} batch(es) went to the on-failure DLQ ${runtime.resources.deadLetterQueues.batcher} (\`ndjson-parquet dlq --replay\` recovers them); ${unseen} file(s) never registered`,
        );
        return 'stopped';
      }
    }
    if (Date.now() > record.deadline) {
      const counts = countStates(files);
      record.problems.push(
        `timed out after ${Math.round(options.timeoutMs / 1000)} s: ${Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}`,
      );
      return 'stopped';
    }
    if (files.every((f) => isSettled(f, today, options.flush))) {
      // Settled files and an executor that found nothing new since this round began: nothing is left to run.
      await sleep(300);
      if (runtime.executor.isIdleSince(since)) return 'settled';
      continue;
    }
    await sleep(500);
  }
}

async function redrive(
  runtime: LocalRuntime,
  plan: RedrivePlan,
  round: number,
  failed: number,
  say: (line: string) => void,
): Promise<void> {
  say(`redrive ${round}/${plan.rounds}: ${failed} failed manifest(s)`);
  // The claim moves each manifest back to pending before its execution starts, so the next wait sees
  // its files unsettled and waits for the new execution.
  for (const line of await plan.run(runtime)) say(line);
}

/**
 * Every bucket, the tracking table and the catalog table read back out of the emulator (and copied to --out), and the rows
 * written read from the Parquet footers. What cannot be read is a problem, not a crash: the summary is
 * still built from what was.
 */
async function collectOutput(runtime: LocalRuntime, options: LocalRunOptions, record: RunRecord): Promise<ParquetFile[]> {
  let objects: StoredObject[] = [];
  try {
    for (const role of BUCKET_ROLES) objects.push(...(await readBucket(runtime.clients.s3, role, runtime.resources.buckets[role])));
    record.snapshot = await assessUploads(runtime, record.uploaded);
    if (options.outDir) {
      await writeExport(options.outDir, objects, record.snapshot.items);
      await writeSuperseded(options.outDir, record.overwrites);
      const { catalog } = runtime.resources;
      await writeCatalogExport(options.outDir, catalog.table, await readCatalogTable(runtime.clients.glue, catalog));
    }
  } catch (error) {
    record.problems.push(`collecting the run's output failed: ${(error as Error).message}`);
    objects = objects.filter((o) => o.role !== 'output' || o.key.endsWith('.parquet'));
  }
  try {
    return parquetFiles(objects);
  } catch (error) {
    record.problems.push((error as Error).message);
    return [];
  }
}

/** Failed manifests, failed executions no redrive made good, and failed sweeper runs. */
function recordFailures(runtime: LocalRuntime, record: RunRecord): void {
  const { snapshot, problems } = record;
  const failedManifests = snapshot.manifests.filter((m) => m.status === MANIFEST_STATUS.failed);
  for (const manifest of failedManifests)
    problems.push(`manifest ${manifest.date}/${manifest.name} failed: ${readableError(manifest.errorMessage)}`);
  // A failed execution whose manifest a redrive then completed is history, not a problem.
  const completed = new Set(
    snapshot.manifests.filter((m) => m.status === MANIFEST_STATUS.completed).map((m) => `${m.date}-${m.name.replace(/\.json$/, '')}`),
  );
  const redriven = (name: string) => completed.has(name.replace(/-redrive-\d+$/, ''));
  for (const outcome of runtime.executor.outcomes.filter(
    (o) => o.status === 'FAILED' && !redriven(o.name) && !failedManifests.some((m) => o.name.endsWith(m.name.replace(/\.json$/, ''))),
  )) {
    problems.push(`execution ${outcome.name} failed: ${outcome.error}: ${outcome.cause}`);
  }
  for (const failure of runtime.sweeper.failures) problems.push(`sweeper run failed at ${failure.at}: ${failure.message}`);
  // Every dropped event's file must have been found by the sweeper's reconcile, and nothing else: a file
  // reconciled whose event did arrive would mean the reconcile raced the live pipeline.
  const dropped = runtime.stats.eventsDropped;
  const reconciled = runtime.metrics.totals.get('ObjectsReconciled') ?? 0;
  if (dropped > 0 && reconciled !== dropped)
    problems.push(`${dropped} event(s) were dropped but the sweeper's reconcile found ${reconciled} file(s) (ObjectsReconciled)`);
}

/** Failed when any problem was recorded, the first one being the reason; the timings and counts either way. */
function verdict(
  options: LocalRunOptions,
  record: RunRecord,
  end: {
    parquet: ParquetFile[];
    stats: RuntimeStats;
    iam: RunSummary['iam'];
    metrics: RunSummary['metrics'];
    executions: readonly ExecutionOutcome[];
    finished: number;
  },
): RunSummary {
  const { snapshot, problems, marks } = record;
  const { executions, finished } = end;
  let status: RunSummary['status'] = 'succeeded';
  let message: string;
  if (problems.length > 0) {
    status = 'failed';
    message = problems[0] as string;
  } else {
    const pendingCount = snapshot.files.filter((f) => f.state === 'pending').length;
    message =
      pendingCount > 0
        ? `every file processed; ${pendingCount} file(s) of today stay pending below the batch threshold (use --flush to convert them)`
        : 'every file processed';
  }
  const firstExecution = Math.min(...executions.map((o) => Date.parse(o.startedAt)));
  const lastExecution = Math.max(...executions.map((o) => Date.parse(o.finishedAt)));
  return buildSummary({
    status,
    message,
    runDir: options.runtime.runDir,
    outDir: options.outDir ?? null,
    uploaded: record.uploaded,
    files: snapshot.files,
    manifests: snapshot.manifests,
    parquet: end.parquet,
    pendingWhy: (file) => (file.date === utcDate(new Date()) ? 'today, below the batch threshold' : 'not yet manifested'),
    wallMs: {
      upload: (marks.uploadEnd || finished) - marks.uploadStart,
      batching: (marks.batchingEnd || finished) - marks.uploadStart,
      conversion: executions.length > 0 ? lastExecution - firstExecution : 0,
      total: finished - record.started,
    },
    overwritten: record.overwrites.length,
    runtime: end.stats,
    iam: end.iam,
    metrics: end.metrics,
    problems,
  });
}

async function assessUploads(runtime: LocalRuntime, uploaded: readonly UploadedFile[]): Promise<ProgressSnapshot> {
  return assessFiles(
    await scanTable(runtime.clients.dynamo, runtime.resources.tableName),
    uploaded.map((f) => f.key),
    runtime.resources.inputBucket,
  );
}

/** Says each date's line (`2026-01-30: 8 converted, 2 pending`) when it differs from the last one said. */
function dateProgress(say: (line: string) => void): (files: readonly FileView[]) => void {
  const lastLines = new Map<string, string>();
  return (files) => {
    for (const [date, line] of progressLines(files)) {
      if (lastLines.get(date) === line) continue;
      say(line);
      lastLines.set(date, line);
    }
  };
}

/** One line per date, e.g. `2026-01-30: 8 converted, 2 pending`. */
function progressLines(files: readonly FileView[]): Map<string, string> {
  const byDate = new Map<string, Record<string, number>>();
  for (const file of files) {
    const counts = byDate.get(file.date ?? '(no date)') ?? {};
    counts[file.state] = (counts[file.state] ?? 0) + 1;
    byDate.set(file.date ?? '(no date)', counts);
  }
  const lines = new Map<string, string>();
  for (const [date, counts] of [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.set(
      date,
      `${date}: ${Object.entries(counts)
        .map(([state, n]) => `${n} ${state}`)
        .join(', ')}`,
    );
  }
  return lines;
}
