import { Command } from 'commander';
import { formatBytes } from '../../operator/format';
import { flushDates } from '../../operator/operations/flushDates';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { positiveInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `flush --date D`: force a date's remainder out now, whatever its size. */

interface FlushFlags extends TargetFlags {
  date: string[];
  wait: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet flush --local --date 2026-01-30
  $ ndjson-parquet flush --stack prod --date 2026-01-29 --date 2026-01-30
The date's pending files go into manifests now, under the date's lock, exactly as the batcher would
(the sweeper does it by itself after maxWaitSeconds, and for previous days).
${TARGET_HELP}

Exit codes: 0 flushed, 1 the date stayed locked for --wait seconds, 2 bad flags, 3 pipeline unreachable,
4 no files ever tracked for the date.`;

export function flushCommand(): Command {
  return addTargetOptions(
    new Command('flush')
      .description("force a date's pending remainder into manifests now, whatever its size")
      .requiredOption('--date <date>', 'date to flush (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
      .option('--wait <seconds>', "how long to wait for the date's lock if another worker holds it", positiveInt('--wait'), 30)
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: FlushFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        const outcomes = await flushDates(target, flags.date, { waitMs: flags.wait * 1000 });
        if (flags.json) printJson({ target: target.description, flushes: outcomes });
        else {
          const rows = outcomes.flatMap((o) =>
            o.manifests.length === 0
              ? [[o.date, '(nothing pending)', '0', '0 B', '-']]
              : o.manifests.map((m) => [
                  o.date,
                  m.manifest_id,
                  String(m.file_count),
                  formatBytes(m.total_bytes),
                  m.resumed ? 'resumed' : m.reason,
                ]),
          );
          print(
            `${renderTable(['date', 'manifest', 'files', 'bytes', 'why'], rows)}\n${outcomes.reduce((s, o) => s + o.manifests.length, 0)} manifest(s) started`,
          );
        }
        return 0;
      });
    });
}
