import { Command } from 'commander';
import { formatBytes, formatNumber } from '../../operator/format';
import { datesToGenerate, type GenerateSummary, generateUploads, parseSize } from '../../operator/operations/generateUploads';
import { UsageError } from '../../operator/operatorError';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { ProgressBar } from '../output/progressBar';
import { renderTable } from '../output/renderTable';
import { positiveInt } from './numberOptions';
import { addPaceOptions, type PaceFlags } from './paceOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `generate`: the seed's test-data generator, uploading into the pipeline's input bucket. */

interface GenerateFlags extends TargetFlags, PaceFlags {
  count: number;
  date?: string;
  dates?: string;
  from?: string;
  to?: string;
  size?: string;
  records?: number;
  seed?: string;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet generate --local --count 20                          # 20 files for today (UTC), at once
  $ ndjson-parquet generate --stack dev --count 10 --rate medium --size 1MB
  $ ndjson-parquet generate --stack dev --from 2026-01-01 --to 2026-01-07 --count 50 --seed backfill-jan
  $ ndjson-parquet generate --local --dates 2026-01-29,2026-01-30 --count 5 --delay 2.5
Names follow the seed: <date>-test<NNNN>-<HHMMSS>-<uuid>.ndjson. The same --seed gives the same content.
${TARGET_HELP}

Exit codes: 0 uploaded, 2 bad flags, 3 pipeline unreachable.`;

export function generateCommand(): Command {
  return addTargetOptions(
    addPaceOptions(
      new Command('generate')
        .description('generate dated NDJSON test files (the seed generator) and upload them into the input bucket')
        .option('--count <n>', 'files per date', positiveInt('--count'), 10)
        .option('--date <date>', 'the date in the names (default: today, UTC)')
        .option('--dates <list>', 'several dates, comma-separated')
        .option('--from <date>', 'backfill: first date of a range (inclusive)')
        .option('--to <date>', 'backfill: last date of the range (inclusive, default today)')
        .option('--size <size>', 'target size per file: 100KB, 1.5MB, or a number of MB (default 0.1 MB)')
        .option('--records <n>', 'exactly n records per file (instead of --size)', positiveInt('--records')),
    )
      .option('--seed <seed>', 'seed for reproducible content and names')
      .option('--json', 'print a JSON summary', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: GenerateFlags) => {
      if (flags.size !== undefined && flags.records !== undefined) throw new UsageError('give --size or --records, not both');
      const now = new Date();
      const dates = datesToGenerate(
        {
          ...(flags.date ? { date: flags.date } : {}),
          ...(flags.dates ? { dates: flags.dates } : {}),
          ...(flags.from ? { from: flags.from } : {}),
          ...(flags.to ? { to: flags.to } : {}),
        },
        now,
      );
      const size = flags.records !== undefined ? { records: flags.records } : { targetBytes: parseSize(flags.size ?? '0.1') };
      const seed = flags.seed ?? `${now.toISOString()}:${process.pid}`;
      process.exitCode = await withTarget(flags, async (target) => {
        const bar = new ProgressBar(flags.count * dates.length);
        const summary = await generateUploads(
          target,
          { count: flags.count, dates, size, rate: flags.rate, ...(flags.delay !== undefined ? { delaySeconds: flags.delay } : {}), seed },
          {
            now: () => new Date(),
            onUploaded: (done, _total, bytes) => bar.update(done, `files, ${formatBytes(bytes)}`),
          },
        );
        if (flags.json) printJson(summary);
        else print(renderGenerate(summary));
        return 0;
      });
    });
}

function renderGenerate(summary: GenerateSummary): string {
  const rows = summary.dates.map((d) => [d.date, String(d.files), formatNumber(d.records), formatBytes(d.bytes)]);
  const footer = ['total', String(summary.files), formatNumber(summary.records), formatBytes(summary.bytes)];
  return [
    `uploaded ${summary.files} file(s) to s3://${summary.bucket}/${summary.prefix} in ${(summary.duration_ms / 1000).toFixed(1)} s (rate ${summary.delay_seconds ?? summary.rate}, seed ${summary.seed})`,
    renderTable(['date', 'files', 'records', 'bytes'], rows, { footer }),
  ].join('\n');
}
