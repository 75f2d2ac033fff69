import { Command } from 'commander';
import { type RedriveOutcome, redriveFailed, redriveManifest } from '../../operator/operations/redriveManifests';
import { UsageError } from '../../operator/operatorError';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `redrive`: start a new execution for failed manifests. */

interface RedriveFlags extends TargetFlags {
  failed: boolean;
  date?: string;
  force: boolean;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet redrive --local --failed                       # every failed manifest
  $ ndjson-parquet redrive --stack prod --failed --date 2026-01-30
  $ ndjson-parquet redrive 2026-01-30-batch-0003-20260130-084800 --stack prod
Each redrive is a new execution named <manifest id>-redrive-<n>; the Glue job replaces that manifest's
Parquet files, so rows are never duplicated. Watch it with \`status --date\` or \`trace\`.
${TARGET_HELP}

Exit codes: 0 started (or nothing failed), 1 an execution could not start, 2 bad flags, 3 pipeline
unreachable, 4 no such manifest, 5 the manifest has not failed (--force redrives a stuck pending/processing one).`;

export function redriveCommand(): Command {
  return addTargetOptions(
    new Command('redrive')
      .description('re-run failed manifests: a new execution per manifest, replacing its Parquet files')
      .argument('[manifest]', 'manifest id, name (with --date) or path')
      .option('--failed', 'every failed manifest (of --date, or of every date)', false)
      .option('--date <date>', 'the date of a manifest name, or the one date for --failed')
      .option('--force', 'also redrive a manifest stuck in pending/processing', false)
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (manifest: string | undefined, flags: RedriveFlags) => {
      if (!manifest && !flags.failed) throw new UsageError('name a manifest, or give --failed');
      if (manifest && flags.failed) throw new UsageError('give a manifest or --failed, not both');
      process.exitCode = await withTarget(flags, async (target) => {
        const now = () => new Date();
        const outcomes = manifest
          ? [await redriveManifest(target, manifest, { ...(flags.date ? { date: flags.date } : {}), force: flags.force, now })]
          : await redriveFailed(target, { ...(flags.date ? { date: flags.date } : {}), now });
        if (flags.json) printJson({ target: target.description, redrives: outcomes });
        else print(renderRedrives(outcomes));
        return 0;
      });
    });
}

function renderRedrives(outcomes: RedriveOutcome[]): string {
  if (outcomes.length === 0) return 'no failed manifests: nothing to redrive';
  const rows = outcomes.map((o) => [o.date, o.manifestId, o.status, o.executionName ?? o.reason ?? '-']);
  const started = outcomes.filter((o) => o.status === 'started').length;
  return `${renderTable(['date', 'manifest', 'redrive', 'execution'], rows)}\n${started} execution(s) started`;
}
