import { Command } from 'commander';
import { formatBytes, formatCapacity, formatNumber, formatSeconds, formatUsd } from '../../operator/format';
import { type FileTrace, traceFile } from '../../operator/operations/traceFile';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `trace <file>`: where one file is, from arrival to Parquet (or quarantine). */

interface TraceFlags extends TargetFlags {
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet trace 2026-01-30-test0001-084532-5f0c….ndjson --local   # file first: --local takes an optional DIR
  $ ndjson-parquet trace pipeline/input/2026-01-30-orders.ndjson --stack prod --json
${TARGET_HELP}

Exit codes: 0 found (whatever its state), 2 bad flags, 3 pipeline unreachable, 4 not tracked.`;

export function traceCommand(): Command {
  return addTargetOptions(
    new Command('trace')
      .description(
        "where one file is: tracked or quarantined, its manifest, the execution, its Glue run's capacity and cost, the Parquet folder and files, its rejected lines",
      )
      .argument('<file>', 'file name (2026-01-30-x.ndjson) or object key (pipeline/input/2026-01-30-x.ndjson)')
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: TraceFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        const trace = await traceFile(target, file);
        if (flags.json) printJson(trace);
        else print(renderTrace(trace));
        return 0;
      });
    });
}

function costNote(source: NonNullable<FileTrace['glue']>['run']['costSource']): string {
  if (source === 'glue-job-run') return " (Glue's record of the run)";
  if (source === null) return '';
  return " (estimate: the job's run time × its DPUs)";
}

export function renderTrace(trace: FileTrace): string {
  const out = [`${trace.key}`, `  date:        ${trace.date}`, `  state:       ${trace.state}`];
  if (trace.quarantine) {
    out.push(
      `  quarantined: ${trace.quarantine.reason}${trace.quarantine.detail ? ` (${trace.quarantine.detail})` : ''}`,
      `  moved to:    ${trace.quarantine.path ?? '-'}`,
    );
    return out.join('\n');
  }
  if (trace.file)
    out.push(`  tracked:     ${trace.file.status}, ${formatBytes(trace.file.sizeBytes)}, arrived ${trace.file.createdAt ?? '?'}`);
  if (!trace.manifest) {
    out.push('  manifest:    none yet (waiting for its batch; see `status --date`)');
    return out.join('\n');
  }
  const m = trace.manifest;
  out.push(
    `  manifest:    ${m.name} (${m.status}, ${m.fileCount} files${m.redrives ? `, redriven ${m.redrives}x` : ''})`,
    `               ${m.manifestPath ?? ''}`,
  );
  if (m.errorMessage) out.push(`  error:       ${m.errorMessage.slice(0, 300)}`);
  if (trace.execution) {
    const e = trace.execution;
    out.push(
      `  execution:   ${e.arn ?? '-'}`,
      `               ${e.status}${e.source === 'tracking-table' ? ' (from the MANIFEST record)' : ''}`,
    );
  }
  if (trace.output) {
    out.push(`  parquet:     ${trace.output.folder}`);
    for (const f of trace.output.files) out.push(`               ${f.key.split('/').at(-1)} (${formatBytes(f.sizeBytes)})`);
    if (trace.output.files.length === 0) out.push('               (no files of this manifest yet)');
  }
  if (trace.glue) {
    const g = trace.glue;
    out.push(`  glue report: ${g.reportKey} (${g.status ?? '?'})`);
    const r = g.run;
    out.push(
      `  glue run:    ${r.jobRunId ?? '-'}: ${formatCapacity(r)}, ${formatSeconds(r.durationSeconds)}, ${formatNumber(r.dpuSeconds)} DPU-seconds, ${formatUsd(r.usd, r.estimated ?? false)}${costNote(r.costSource)}`,
    );
    if (g.linesRead !== null) out.push(`  lines:       ${g.linesRead} read, ${g.rowsWritten} written, ${g.linesRejected} rejected`);
    if (g.excluded) {
      out.push(
        `  excluded:    ${g.excluded.reason} since the manifest was built (ETag ${g.excluded.expectedEtag ?? '-'} expected, ${g.excluded.actualEtag ?? 'none'} found)`,
      );
    }
  }
  if (trace.rejects) {
    out.push(`  rejects:     ${trace.rejects.path}${trace.rejects.lines.length === 0 ? ' (none from this file)' : ''}`);
    for (const line of trace.rejects.lines.slice(0, 20))
      out.push(`               line ${line.line_number}: ${line.reason}: ${line.raw_line.slice(0, 80)}`);
    if (trace.rejects.lines.length > 20) out.push(`               ... and ${trace.rejects.lines.length - 20} more`);
  }
  return out.join('\n');
}
