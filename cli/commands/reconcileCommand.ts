import { Command } from 'commander';
import { formatBytes } from '../../operator/format';
import { parseSince } from '../../operator/operations/parseSince';
import { reconcileInput } from '../../operator/operations/reconcileInput';
import { UsageError } from '../../operator/operatorError';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { nonNegativeInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `reconcile [--date D | --since T] [--apply]`: input objects the tracking table has never heard of. */

interface ReconcileFlags extends TargetFlags {
  date?: string;
  since?: string;
  apply: boolean;
  grace: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet reconcile --local                      # today's input listing against the table
  $ ndjson-parquet reconcile --stack prod --date 2026-01-30 --json
  $ ndjson-parquet reconcile --stack prod --since 2d --grace 600 --apply
Lists the input prefix (--date D: keys <inputPrefix>D-..., --since T: the whole prefix, objects written
since T) and reports every object that is neither tracked nor quarantined: its Object Created event was
lost. --apply ingests them through the batcher's own path (naming, size and quarantine rules, conditional
registration), so it is safe beside the live pipeline and when run twice at once. The sweeper does the same
for today and the two days before on every run, a bounded slice at a time (metric ObjectsReconciled).
${TARGET_HELP}

Exit codes: 0 done (with --apply: every untracked object ingested), 1 some could not be ingested,
2 bad flags, 3 pipeline unreachable.`;

export function reconcileCommand(): Command {
  return addTargetOptions(
    new Command('reconcile')
      .description('report (and with --apply ingest) input objects that are neither tracked nor quarantined: lost events')
      .option('--date <date>', "the date whose input objects to check (default: today's, UTC)")
      .option('--since <time>', 'instead of one date: every input object written since a date, a UTC time or an age (30m, 6h, 2d)')
      .option('--apply', 'ingest the untracked objects through the batcher path', false)
      .option(
        '--grace <seconds>',
        'leave out objects written in the last N seconds (their events may still be on their way)',
        nonNegativeInt('--grace'),
        0,
      )
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ReconcileFlags) => {
      if (flags.date && flags.since) throw new UsageError('give --date or --since, not both');
      const now = new Date();
      const since = flags.since ? parseSince(flags.since, now) : undefined;
      process.exitCode = await withTarget(flags, async (target) => {
        const report = await reconcileInput(target, {
          ...(flags.date ? { date: flags.date } : {}),
          ...(since ? { since } : {}),
          apply: flags.apply,
          graceSeconds: flags.grace,
        });
        if (flags.json) printJson({ target: target.description, ...report });
        else {
          const c = report.counts;
          const lines = [
            `${target.description}: s3://${target.config.inputBucket}/${report.scope.prefix}${report.scope.since ? ` since ${report.scope.since}` : ''}`,
            `${c.listed} listed: ${c.tracked} tracked, ${c.quarantined} quarantined, ${c.untracked} untracked, ${c.too_new} too new to judge`,
          ];
          if (report.untracked.length > 0)
            lines.push(
              renderTable(
                ['untracked object', 'size', 'last modified'],
                report.untracked.map((o) => [o.key, formatBytes(o.size_bytes), o.last_modified]),
              ),
            );
          const a = report.applied;
          if (a)
            lines.push(
              `applied: ${a.registered} registered, ${a.quarantined} quarantined, ${a.duplicates} already registered meanwhile, ${a.missing} deleted meanwhile, ${a.failed} failed`,
              ...a.errors.map((e) => `  error: ${e}`),
            );
          print(lines.join('\n'));
        }
        return report.applied && report.applied.failed > 0 ? 1 : 0;
      });
    });
}
