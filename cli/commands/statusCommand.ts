import { Command } from 'commander';
import { MANIFEST_STATUS } from '../../contracts/trackingSchema';
import { dateStatusCells } from '../../operator/dateStatusCells';
import { formatBytes, formatSeconds } from '../../operator/format';
import { collectStatus } from '../../operator/operations/collectStatus';
import type { DateStatus } from '../../operator/operations/dateStatus';
import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { positiveInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `status`: per date, where the files stand, what waits and why, manifests by status, locks. */

interface StatusFlags extends TargetFlags {
  date?: string;
  days?: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet status --local                     # every date of the running local pipeline
  $ ndjson-parquet status --stack prod --date 2026-01-30
  $ ndjson-parquet status --stack dev --days 3 --json | jq '.dates[].pending'
${TARGET_HELP}

Exit codes: 0 ok, 2 bad flags, 3 pipeline unreachable, 4 nothing tracked for --date.`;

export function statusCommand(): Command {
  return addTargetOptions(
    new Command('status')
      .description(
        "per date: files pending / manifested / converted / quarantined, pending bytes against the threshold, the oldest pending file's age, manifests by status, locks",
      )
      .option('--date <date>', 'one date (YYYY-MM-DD), with its manifests listed')
      .option('--days <n>', 'only the most recent n dates', positiveInt('--days'))
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: StatusFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        const now = new Date();
        const dates = await collectStatus(target, {
          ...(flags.date ? { date: flags.date } : {}),
          ...(flags.days ? { days: flags.days } : {}),
          now,
        });
        if (flags.json) printJson(statusJson(target, dates, now));
        else print(renderStatus(target, dates, Boolean(flags.date)));
        return 0;
      });
    });
}

function statusJson(target: PipelineTarget, dates: DateStatus[], now: Date) {
  return {
    target: target.description,
    at: now.toISOString(),
    thresholds: {
      max_batch_files: target.config.maxBatchFiles,
      max_batch_bytes: target.config.maxBatchBytes,
      max_wait_seconds: target.config.maxWaitSeconds,
      lock_lease_seconds: target.config.lockLeaseSeconds,
    },
    dates: dates.map(({ arrivals, ...rest }) => rest),
  };
}

export function renderStatus(target: PipelineTarget, dates: DateStatus[], detailed: boolean): string {
  const c = target.config;
  const out = [
    `${target.description}: batches close at ${c.maxBatchFiles} files or ${formatBytes(c.maxBatchBytes)}; max wait ${formatSeconds(c.maxWaitSeconds)}; lock lease ${formatSeconds(c.lockLeaseSeconds)}`,
    '',
  ];
  if (dates.length === 0) return [...out, 'no dates tracked yet'].join('\n');
  const header = [
    'date',
    'files',
    'pending',
    'manifested',
    'converted',
    'failed',
    'quarantined',
    'pending bytes',
    'oldest pending',
    'next',
    'manifests',
    'lock',
  ];
  const rows = dates
    .map(dateStatusCells)
    .map((c) => [
      c.date,
      c.files,
      c.pending,
      c.manifested,
      c.converted,
      c.failed,
      c.quarantined,
      c.pendingBytes,
      c.oldestPending,
      c.next,
      c.manifests,
      c.lockDetail,
    ]);
  out.push(renderTable(header, rows));
  if (detailed) {
    for (const d of dates) {
      out.push('', `manifests of ${d.date}:`);
      if (d.manifests.list.length === 0) out.push('  none');
      else {
        out.push(
          renderTable(
            ['manifest', 'status', 'files', 'bytes', 'created', 'updated', 'redrives'],
            d.manifests.list.map((m) => [
              m.name,
              m.status,
              String(m.fileCount),
              formatBytes(m.totalBytes),
              m.createdAt ?? '-',
              m.updatedAt ?? '-',
              String(m.redrives),
            ]),
          ),
        );
        for (const m of d.manifests.list.filter((x) => x.errorMessage && x.status !== MANIFEST_STATUS.completed))
          out.push(`error of ${m.name}: ${m.errorMessage}`);
      }
      if (d.quarantined.length > 0) {
        out.push('', `quarantined under ${d.date}:`);
        for (const q of d.quarantined) out.push(`  ${q.key} (${q.reason})`);
      }
    }
  }
  return out.join('\n');
}
