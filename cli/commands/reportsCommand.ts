import { Command, InvalidArgumentError, Option } from 'commander';
import { formatBytes, formatCapacity, formatCounts, formatNumber, formatSeconds, formatUsd } from '../../operator/format';
import { listReports } from '../../operator/operations/listReports';
import { parseSince } from '../../operator/operations/parseSince';
import {
  type GlueReportRow,
  type LambdaReportRow,
  REPORT_KINDS,
  type ReportKind,
  type ReportRow,
  type ReportTotals,
  reportTotals,
} from '../../operator/operations/reportRows';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { positiveInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `reports`: the metadata reports of the batcher/sweeper (logs/lambda) and the Glue job (logs/glue). */

interface ReportsFlags extends TargetFlags {
  since: string;
  kind?: ReportKind;
  limit: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet reports --local
  $ ndjson-parquet reports --stack prod --since 2026-01-30 --kind glue
  $ ndjson-parquet reports --stack dev --since 6h --json | jq '.totals.glue.compressionRatio'
  $ ndjson-parquet reports --stack prod --since 7d --kind glue --json | jq '.totals.glue.usdPerGb'
${TARGET_HELP}

Exit codes: 0 ok (also when there are no reports), 2 bad flags, 3 pipeline unreachable.`;

function kind(value: string): ReportKind {
  if (!(REPORT_KINDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`kind must be one of ${REPORT_KINDS.join(', ')}`);
  return value as ReportKind;
}

export function reportsCommand(): Command {
  return addTargetOptions(
    new Command('reports')
      .description(
        'list and summarise the metadata reports: throughput, compression ratio, rejects, durations, and what each Glue run cost ($ and $/GB)',
      )
      .option('--since <when>', 'reports written since a date, a UTC time or an age (2026-01-30, 2026-01-30T08:00, 6h, 2d)', '24h')
      .addOption(new Option('--kind <kind>', 'only lambda (batcher/sweeper) or glue reports').argParser(kind))
      .option('--limit <n>', 'at most n reports of each kind, the newest', positiveInt('--limit'), 500)
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ReportsFlags) => {
      const now = new Date();
      const since = parseSince(flags.since, now);
      process.exitCode = await withTarget(flags, async (target) => {
        const rows = await listReports(target, { since, kinds: flags.kind ? [flags.kind] : REPORT_KINDS, limit: flags.limit });
        const totals = reportTotals(rows);
        if (flags.json) printJson({ target: target.description, since: since.toISOString(), reports: rows, totals });
        else print(renderReports(rows, totals, since, flags.kind));
        return 0;
      });
    });
}

const time = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');

export function renderReports(rows: ReportRow[], totals: ReportTotals, since: Date, only?: ReportKind): string {
  const out: string[] = [`reports since ${time(since.toISOString())} UTC`];
  const lambda = rows.filter((r): r is LambdaReportRow => r.kind === 'lambda');
  const glue = rows.filter((r): r is GlueReportRow => r.kind === 'glue');
  if (only !== 'glue') {
    out.push('', `lambda (batcher, sweeper): ${lambda.length} report(s)`);
    if (lambda.length > 0) {
      out.push(
        renderTable(
          ['time', 'trigger', 'status', 'files', 'quarantined', 'duplicates', 'manifests', 'duration'],
          lambda.map((r) => [
            time(r.at),
            r.trigger ?? '-',
            r.status ?? '-',
            String(r.filesProcessed),
            String(r.filesQuarantined),
            String(r.duplicateEvents),
            String(r.manifestsCreated),
            formatSeconds(r.durationSeconds),
          ]),
        ),
      );
      const t = totals.lambda;
      out.push(
        `total: ${t.filesProcessed} files, ${t.filesQuarantined} quarantined, ${t.duplicateEvents} duplicate events, ${t.manifestsCreated} manifests; duration avg ${formatSeconds(t.durationSeconds.avg)}, max ${formatSeconds(t.durationSeconds.max)}; ${t.withErrors} with errors`,
      );
    }
  }
  if (only !== 'lambda') {
    out.push('', `glue: ${glue.length} run(s)`);
    if (glue.length > 0) {
      out.push(
        renderTable(
          [
            'time',
            'manifest',
            'status',
            'rows',
            'rejected',
            'excluded',
            'in',
            'out',
            'ratio',
            'duration',
            'rows/s',
            'capacity',
            'DPU-s',
            '$',
          ],
          glue.map((r) => [
            time(r.at),
            r.manifestId ?? '-',
            r.status ?? '-',
            formatNumber(r.rowsWritten),
            formatNumber(r.rejected),
            String(r.filesExcluded),
            formatBytes(r.inputBytes),
            formatBytes(r.outputBytes),
            r.compressionRatio === null ? '-' : formatNumber(r.compressionRatio, 2),
            formatSeconds(r.durationSeconds),
            r.durationSeconds ? formatNumber(r.rowsWritten / r.durationSeconds) : '-',
            formatCapacity(r),
            formatNumber(r.dpuSeconds),
            formatUsd(r.usd, r.estimated ?? false),
          ]),
        ),
      );
      const g = totals.glue;
      out.push(
        `total: ${formatCounts(g.byStatus)}; ${formatNumber(g.rowsWritten)} rows written, ${formatNumber(g.rejected)} rejected; ${formatBytes(g.inputBytes)} NDJSON -> ${formatBytes(g.outputBytes)} Parquet (${g.compressionRatio === null ? '-' : `${formatNumber(g.compressionRatio, 2)}x`})`,
        `durations: min ${formatSeconds(g.durationSeconds.min)}, avg ${formatSeconds(g.durationSeconds.avg)}, max ${formatSeconds(g.durationSeconds.max)}; throughput ${formatNumber(g.rowsPerSecond)} rows/s, ${formatNumber(g.inputMibPerSecond, 2)} MiB/s of input`,
        renderTable(
          ['date', 'runs', 'converted', '$', '$/GB'],
          Object.entries(g.byDate).map(([date, d]) => [
            date,
            String(d.runs),
            formatBytes(d.convertedBytes),
            formatUsd(d.usd, d.estimated),
            formatUsd(d.usdPerGb, d.estimated),
          ]),
        ),
        `cost: ${formatUsd(g.usd, g.costEstimated)} for ${formatNumber(g.dpuSeconds)} DPU-seconds, ${formatUsd(g.usdPerGb, g.costEstimated)}/GB converted (GB = 2^30 bytes; failed runs count in $, only successful runs' input in GB)${g.unpricedRuns > 0 ? `; ${g.unpricedRuns} run(s) without capacity or Glue record left out` : ''}`,
        g.costEstimated
          ? "~ marks an estimate: the job's run time × its workers' DPUs at the stack's DPU-hour price, 1-minute minimum"
          : "$ from Glue's record of each run (GetJobRun: DPUSeconds, else ExecutionTime × DPUs, 1-minute minimum) at the stack's DPU-hour price",
      );
    }
  }
  return out.join('\n');
}
