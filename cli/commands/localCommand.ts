import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isCalendarDate } from '../../handlers/domain/dates';
import { DOCUMENTED_KEY_ENCODING, KEY_ENCODINGS } from '../../handlers/domain/eventKeys';
import { DEFAULT_SERVE_DIR, ENDPOINT_FILE_NAME } from '../../local/endpointFile';
import type { LocalRunOptions } from '../../local/pipeline';
import type { LocalRuntime } from '../../local/runtime';
import { sourceItems } from '../../local/uploadSources';
import { redriveFailed } from '../../operator/operations/redriveManifests';
import { runtimeTarget } from '../../operator/target/resolveTarget';
import { type LocalFlags, localSettings } from './localSettings';
import { nonNegativeInt, nonNegativeNumber, positiveInt } from './numberOptions';
import { addPaceOptions } from './paceOptions';

/**
 * `ndjson-parquet local`: the whole pipeline on this machine. Progress goes to stderr; stdout carries the
 * final table, or with --json one JSON summary as its last line. Exit 0 only when every file was
 * processed (converted, quarantined, or today's remainder left pending without --flush).
 * With --serve it keeps the pipeline and its dashboard running instead, for the other commands.
 */

/** flushDate stops planning 10 s before its lease ends, so a lease must outlast that margin to plan at all. */
function leaseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 15) throw new InvalidArgumentError('lock lease must be an integer of at least 15 seconds');
  return n;
}

function calendarDate(value: string, previous: string[] = []): string[] {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`${value} is not a real YYYY-MM-DD date`);
  return [...previous, value];
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be an integer 0-65535 (0: any free port)');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('chaos rate must be between 0 and 1');
  return n;
}

function dropRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('drop rate must be at least 0 and below 1');
  return n;
}

function atLeastOne(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError('throttle scale must be a number of at least 1');
  return n;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet local --generate 60 --dates 3 --records 200 --flush --out .demo/out
  $ ndjson-parquet local --input ./samples --rate fast
  $ ndjson-parquet local --generate 200 --flush --throttle aws --throttle-scale 10
  $ ndjson-parquet local --serve --port 8080          # keep it running; then, in another shell:
  $ ndjson-parquet generate --local --count 20 && ndjson-parquet status --local`;

export function localCommand(): Command {
  return addPaceOptions(
    new Command('local')
      .description(
        'run the whole pipeline on this machine (moto, local Step Functions, local Spark) and wait until every file is processed',
      )
      .option('--generate <files>', 'generate this many NDJSON files in the seed format', positiveInt('--generate'))
      .option('--dates <n>', 'spread generated files over today (UTC) and the n-1 days before it', positiveInt('--dates'), 1)
      .option('--records <n>', 'records per generated file', positiveInt('--records'), 100)
      .option('--input <dir>', 'also upload every file of this directory, as named')
      .option('--prefix <prefix>', 'input key prefix (default: the stack inputPrefix, pipeline/input/)'),
  )
    .option('--seed <seed>', 'seed for deterministic generated content')
    .option('--flush', "force today's remainders out at the end so everything is converted", false)
    .option('--out <dir>', 'copy every bucket to DIR/<role>/<key> and the tracking table to DIR/tracking/items.ndjson')
    .option('--json', 'print one JSON summary as the last line of stdout', false)
    .option('--timeout <seconds>', 'give up (exit 1) after this long', positiveInt('--timeout'), 600)
    .option('--duplicates <n>', 'fault: deliver every stream record n times (same and later batches)', positiveInt('--duplicates'))
    .option(
      '--concurrency <p>',
      "fault: concurrent batcher invocations per shard (default: the stack's parallelizationFactor)",
      positiveInt('--concurrency'),
    )
    .option('--reorder', 'fault: shuffle the records of each stream read', false)
    .addOption(
      new Option(
        '--key-encoding <encoding>',
        "how S3 events spell object keys: form (S3's documented a+b%2Bc), percent (a%20b+c, as users report EventBridge's) or raw",
      )
        .choices(KEY_ENCODINGS)
        .default(DOCUMENTED_KEY_ENCODING),
    )
    .option(
      '--drop-events <rate>',
      "fault: this share of Object Created events never reaches the stream (the sweeper's reconcile must find those files)",
      dropRate,
    )
    .option('--overwrite <rate>', 'fault: share of input files uploaded again with other content after their registration', fraction)
    .option('--chaos <rate>', 'fault: injection rate for the batcher (chaos) and share of Glue runs told to fail', fraction)
    .addOption(
      new Option('--throttle <mode>', "DynamoDB and Kinesis throttle at AWS's documented rates (aws) or never (off)")
        .choices(['aws', 'off'])
        .default('off'),
    )
    .option(
      '--throttle-scale <n>',
      "with --throttle aws: divide AWS's rates by n, so this machine's load can exceed them as real load exceeds AWS's",
      atLeastOne,
    )
    .option('--stack-file <path>', 'run this Pulumi.<stack>.yaml-shaped file instead of Pulumi.dev.yaml (e.g. to try schema.columns)')
    .option('--max-batch-files <n>', "override dev's maxBatchFiles", positiveInt('--max-batch-files'))
    .option(
      '--lock-lease <seconds>',
      "override dev's lockLeaseSeconds (a crashed invocation's lock frees after it); at least 15",
      leaseSeconds,
    )
    .option('--batching-window <seconds>', "override dev's MaximumBatchingWindowInSeconds", nonNegativeNumber('--batching-window'))
    .option(
      '--sweep-interval <seconds>',
      'seconds between sweeper runs (the schedule is minutes on AWS)',
      positiveInt('--sweep-interval'),
      5,
    )
    .option('--run-dir <dir>', 'where logs and the DLQ file go (default .local/runs/<timestamp>)')
    .option('--serve', 'keep the pipeline and its dashboard running until interrupted; other commands reach it with --local', false)
    .option('--port <port>', 'with --serve: dashboard port on 127.0.0.1 (0: any free port)', port, 8080)
    .option('--refresh <seconds>', 'with --serve: dashboard page refresh interval', positiveInt('--refresh'), 5)
    .option('--endpoint-file <path>', `with --serve: where to write the endpoint file (default .local/serve/${ENDPOINT_FILE_NAME})`)
    .option('--fail-glue-for <date>', "fault: the Glue runs of this date's manifests fail until redriven (repeatable)", calendarDate)
    .option(
      '--redrive <rounds>',
      'once every file has settled, redrive failed manifests and wait again, up to this many times (default: 3 with --chaos, else 0)',
      nonNegativeInt('--redrive'),
    )
    .option('--no-iam', "debugging only: don't hold each component to its role's policy (IAM is enforced by default)")
    .addHelpText('after', EXAMPLES)
    .action(async (flags: LocalFlags) => {
      const exitCode = flags.serve ? await serveLocalCommand(flags) : await runLocalCommand(flags);
      process.exitCode = exitCode;
    });
}

/** Progress goes to stderr, so stdout carries only the result (a table, or JSON with --json). */
function progressToStderr(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const runStamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function serveLocalCommand(flags: LocalFlags): Promise<number> {
  const stamp = runStamp();
  const settings = localSettings(flags, stamp);
  const endpointFile = resolve(flags.endpointFile ?? join(DEFAULT_SERVE_DIR, ENDPOINT_FILE_NAME));
  const { items, random } = await sourceItems(settings.sources, new Date(), flags.seed ?? stamp);
  progressToStderr(
    `starting the local pipeline (moto, shard poller, sweeper, Step Functions executor, Glue worker); logs in ${settings.runtime.runDir}`,
  );
  // Loaded here, not at the top: every other command starts without the local runtime's modules.
  const [{ serveLocal }, { startDashboardServer }] = await Promise.all([
    import('../../operator/operations/serveLocal'),
    import('../../dashboard/dashboardServer'),
  ]);
  const served = await serveLocal({
    runtime: {
      ...settings.runtime,
      onExecutionStart: (execution) => progressToStderr(`execution ${execution.name} started`),
      onExecution: (outcome) =>
        progressToStderr(`execution ${outcome.name}: ${outcome.status} in ${(outcome.durationMs / 1000).toFixed(1)} s`),
    },
    endpointFile,
    items,
    pace: settings.pace,
    random,
    startDashboard: (target) => startDashboardServer({ target, host: '127.0.0.1', port: flags.port, refreshSeconds: flags.refresh }),
    progress: progressToStderr,
  });
  const lines = [
    `serving the local pipeline (Ctrl-C to stop)`,
    `dashboard:     ${served.endpoint.dashboardUrl ?? '-'}`,
    `endpoint file: ${endpointFile}`,
    `emulator:      ${served.endpoint.emulatorEndpoint}`,
    `try:           ndjson-parquet generate --local --count 10 && ndjson-parquet status --local`,
  ];
  if (flags.json) process.stdout.write(`${JSON.stringify({ endpoint_file: endpointFile, ...served.endpoint })}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
  await served.stopped;
  return 0;
}

// Under --chaos a manifest can fail on every attempt Step Functions makes (2 runs killed at rate r: r^2);
// the operator's answer is a redrive, which the run then does itself.
const DEFAULT_CHAOS_REDRIVES = 3;

async function redriveLocalFailures(runtime: LocalRuntime): Promise<string[]> {
  const target = runtimeTarget(runtime);
  try {
    const outcomes = await redriveFailed(target, { now: () => new Date() });
    return outcomes.map((o) =>
      o.status === 'started' ? `redrive: ${o.manifestId} started as ${o.executionName}` : `redrive: ${o.manifestId} skipped (${o.reason})`,
    );
  } finally {
    target.close();
  }
}

export async function runLocalCommand(flags: LocalFlags): Promise<number> {
  if (flags.generate === undefined && flags.input === undefined) {
    process.stderr.write('error: give --generate N and/or --input DIR\n');
    return 2;
  }
  const settings = localSettings(flags, runStamp());
  const options: LocalRunOptions = {
    ...settings,
    ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}),
    flush: flags.flush,
    ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}),
    timeoutMs: flags.timeout * 1000,
    ...(flags.overwrite !== undefined ? { overwriteRate: flags.overwrite } : {}),
    redrive: { rounds: flags.redrive ?? (flags.chaos ? DEFAULT_CHAOS_REDRIVES : 0), run: redriveLocalFailures },
    progress: progressToStderr,
  };
  const [{ runLocal }, { renderSummaryTable }] = await Promise.all([import('../../local/pipeline'), import('../../local/runSummary')]);
  const summary = await runLocal(options);
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${renderSummaryTable(summary)}\n`);
  if (summary.status !== 'succeeded') process.stderr.write(`local run failed: ${summary.message}\n`);
  return summary.status === 'succeeded' ? 0 : 1;
}
