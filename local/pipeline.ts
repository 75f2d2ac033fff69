import { join } from 'node:path';
import { utcDate } from '../handlers/domain/dates';
import { seededRandom } from '../handlers/domain/generator';
import type { BatchingSettings } from '../handlers/runtimeConfig';
import { parquetFiles, readBucket, type StoredObject, writeExport } from './exportRun';
import { assessFiles, countStates, type FileView, type ProgressSnapshot, scanTable } from './fileProgress';
import { readableError } from './readableError';
import { BUCKET_ROLES } from './resources';
import { buildSummary, type RunSummary } from './runSummary';
import { LocalRuntime } from './runtime';
import {
  directoryItems,
  generatedItems,
  type LocalGenerateSpec,
  type Pace,
  type UploadedFile,
  type UploadItem,
  uploadItems,
} from './uploadSources';

/**
 * `ndjson-parquet local`: start the local pipeline, upload the files, wait until every file is converted,
 * quarantined, or (without --flush) left pending only because its date is today and below threshold;
 * then copy what the run produced out of the emulator and summarise it. The verdict is read from the
 * tracking table and the Parquet files, as an operator would check a real run.
 */

export interface LocalRunOptions {
  runDir: string;
  generate?: LocalGenerateSpec;
  inputDir?: string;
  /** Input key prefix; default: the stack's inputPrefix. */
  prefix?: string;
  pace: Pace;
  flush: boolean;
  outDir?: string;
  timeoutMs: number;
  duplicates?: number;
  concurrency?: number;
  reorder?: boolean;
  chaosRate?: number;
  /** The Glue runs of these dates' manifests fail until redriven (local/glueFaultPlan.ts). */
  failGlueForDates?: string[];
  thresholds?: Partial<BatchingSettings>;
  batchingWindowMs?: number;
  sweepIntervalMs?: number;
  emulatorEndpoint?: string;
  glueWorker?: { python?: string; script?: string };
  /**
   * What an operator does about manifests whose conversion failed: once every file has settled, redrive
   * them (`run`, which returns lines to report) and wait again, at most `rounds` times.
   */
  redrive?: { rounds: number; run: (runtime: LocalRuntime) => Promise<string[]> };
  progress: (line: string) => void;
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

export async function runLocal(options: LocalRunOptions): Promise<RunSummary> {
  const started = Date.now();
  const items: UploadItem[] = [];
  let random = seededRandom(options.generate?.seed ?? `${started}`);
  if (options.generate) {
    const generated = generatedItems(options.generate, new Date(started));
    items.push(...generated.items);
    random = generated.random;
  }
  if (options.inputDir) items.push(...(await directoryItems(options.inputDir)));
  if (items.length === 0) throw new LocalRunError('nothing to upload: give --generate N and/or --input DIR');

  const say = options.progress;
  say(`starting the local pipeline (moto, shard poller, sweeper, Step Functions executor, Glue worker); logs in ${options.runDir}`);
  const runtime = await LocalRuntime.start({
    runDir: options.runDir,
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    ...(options.batchingWindowMs !== undefined ? { batchingWindowMs: options.batchingWindowMs } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.duplicates ? { duplicates: options.duplicates } : {}),
    ...(options.reorder ? { reorder: options.reorder } : {}),
    ...(options.chaosRate ? { chaosRate: options.chaosRate } : {}),
    ...(options.failGlueForDates?.length ? { failGlueForDates: options.failGlueForDates } : {}),
    ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    ...(options.emulatorEndpoint ? { emulatorEndpoint: options.emulatorEndpoint } : {}),
    ...(options.glueWorker ? { glueWorker: options.glueWorker } : {}),
    onExecutionStart: (execution) =>
      say(`conversion: execution ${execution.name} started (${execution.running} running; Glue runs one at a time)`),
    onExecution: (outcome) =>
      say(
        `execution ${outcome.name}: ${outcome.status}${outcome.error ? ` (${outcome.error}: ${outcome.cause})` : ''} in ${(outcome.durationMs / 1000).toFixed(1)} s`,
      ),
  });

  const problems: string[] = [];
  let uploaded: UploadedFile[] = [];
  let snapshot: ProgressSnapshot = { files: [], manifests: [], items: [] };
  let status: RunSummary['status'] = 'succeeded';
  let message = '';
  const marks = { uploadStart: Date.now(), uploadEnd: 0, batchingEnd: 0 };
  try {
    const prefix = options.prefix ?? runtime.config.inputPrefix;
    const deadline = started + options.timeoutMs;
    say(
      `upload: ${items.length} file(s) to s3://${runtime.resources.inputBucket}/${prefix} at rate ${options.pace.delaySeconds !== undefined ? `${options.pace.delaySeconds} s` : options.pace.rate}`,
    );
    let lastSaid = 0;
    uploaded = await uploadItems(
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
    marks.uploadEnd = Date.now();

    await runtime.poller.drain(Math.max(1000, deadline - Date.now()), marks.uploadEnd);
    say(
      `batching: stream drained, ${runtime.poller.stats.invocations} batcher invocation(s) for ${runtime.poller.stats.recordsRead} event(s)`,
    );

    const keys = uploaded.map((f) => f.key);
    const inputBucket = runtime.resources.inputBucket;
    const look = async () => assessFiles(await scanTable(runtime.clients.dynamo, runtime.resources.tableName), keys, inputBucket);

    if (options.flush) {
      snapshot = await look();
      const dates = [...new Set(snapshot.files.filter((f) => f.state === 'pending' && f.date).map((f) => f.date as string))].sort();
      for (const date of dates) {
        const outcome = await runtime.flush(date, Math.max(1000, deadline - Date.now()));
        say(`flush ${date}: ${outcome.manifests.length} manifest(s), ${outcome.remainderFiles} file(s) left`);
      }
    }
    marks.batchingEnd = Date.now();

    const lastLines = new Map<string, string>();
    let redrives = 0;
    for (;;) {
      const since = Date.now();
      const failure = runtime.poller.failure ?? runtime.executor.failure;
      if (failure) throw failure;
      snapshot = await look();
      const today = utcDate(new Date());
      for (const [date, line] of progressLines(snapshot.files)) {
        if (lastLines.get(date) === line) continue;
        say(line);
        lastLines.set(date, line);
      }
      const dlq = runtime.poller.stats.dlqBatches;
      if (dlq > 0 && runtime.poller.isIdleSince(marks.uploadEnd)) {
        const unseen = snapshot.files.filter((f) => f.state === 'unseen').length;
        if (snapshot.files.every((f) => isSettled(f, today, options.flush) || f.state === 'unseen') && runtime.executor.inFlight === 0) {
          problems.push(
            `${runtime.poller.stats.dlqRecords} event(s) in ${dlq} batch(es) went to the DLQ (${join(options.runDir, 'dlq.ndjson')}); ${unseen} file(s) never registered`,
          );
          break;
        }
      }
      if (Date.now() > deadline) {
        const counts = countStates(snapshot.files);
        problems.push(
          `timed out after ${Math.round(options.timeoutMs / 1000)} s: ${Object.entries(counts)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ')}`,
        );
        break;
      }
      if (snapshot.files.every((f) => isSettled(f, today, options.flush))) {
        // Settled files and an executor that found nothing new since this round began: nothing is left to run.
        await sleep(300);
        if (!runtime.executor.isIdleSince(since)) continue;
        const failed = snapshot.manifests.filter((m) => m.status === 'failed').length;
        if (failed === 0 || !options.redrive || redrives >= options.redrive.rounds) break;
        redrives += 1;
        say(`redrive ${redrives}/${options.redrive.rounds}: ${failed} failed manifest(s)`);
        // The claim moves each manifest back to pending before its execution starts, so the next round
        // sees its files unsettled and waits for the new execution.
        for (const line of await options.redrive.run(runtime)) say(line);
        continue;
      }
      await sleep(500);
    }
  } catch (error) {
    problems.push(`${(error as Error).name}: ${(error as Error).message}`);
  }

  const finished = Date.now();
  let objects: StoredObject[] = [];
  try {
    for (const role of BUCKET_ROLES) objects.push(...(await readBucket(runtime.clients.s3, role, runtime.resources.buckets[role])));
    snapshot = assessFiles(
      await scanTable(runtime.clients.dynamo, runtime.resources.tableName),
      uploaded.map((f) => f.key),
      runtime.resources.inputBucket,
    );
    if (options.outDir) await writeExport(options.outDir, objects, snapshot.items);
  } catch (error) {
    problems.push(`collecting the run's output failed: ${(error as Error).message}`);
    objects = objects.filter((o) => o.role !== 'output' || o.key.endsWith('.parquet'));
  }
  const parquet = (() => {
    try {
      return parquetFiles(objects);
    } catch (error) {
      problems.push((error as Error).message);
      return [];
    }
  })();

  const failedManifests = snapshot.manifests.filter((m) => m.status === 'failed');
  for (const manifest of failedManifests)
    problems.push(`manifest ${manifest.date}/${manifest.name} failed: ${readableError(manifest.errorMessage)}`);
  // A failed execution whose manifest a redrive then completed is history, not a problem.
  const completed = new Set(
    snapshot.manifests.filter((m) => m.status === 'completed').map((m) => `${m.date}-${m.name.replace(/\.json$/, '')}`),
  );
  const redriven = (name: string) => completed.has(name.replace(/-redrive-\d+$/, ''));
  for (const outcome of runtime.executor.outcomes.filter(
    (o) => o.status === 'FAILED' && !redriven(o.name) && !failedManifests.some((m) => o.name.endsWith(m.name.replace(/\.json$/, ''))),
  )) {
    problems.push(`execution ${outcome.name} failed: ${outcome.error}: ${outcome.cause}`);
  }
  for (const failure of runtime.sweeper.failures) problems.push(`sweeper run failed at ${failure.at}: ${failure.message}`);
  const executions = runtime.executor.outcomes;
  const runtimeStats = runtime.stats;
  await runtime.stop();

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
    runDir: options.runDir,
    outDir: options.outDir ?? null,
    uploaded,
    files: snapshot.files,
    manifests: snapshot.manifests,
    parquet,
    pendingWhy: (file) => (file.date === utcDate(new Date()) ? 'today, below the batch threshold' : 'not yet manifested'),
    wallMs: {
      upload: (marks.uploadEnd || finished) - marks.uploadStart,
      batching: (marks.batchingEnd || finished) - marks.uploadStart,
      conversion: executions.length > 0 ? lastExecution - firstExecution : 0,
      total: finished - started,
    },
    runtime: runtimeStats,
    problems,
  });
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
