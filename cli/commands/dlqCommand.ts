import { Command } from 'commander';
import { type DeadLetterReport, deadLetters } from '../../operator/operations/deadLetters';
import type { TargetFlags } from '../../operator/target/targetFlags';
import { print, printJson } from '../output/print';
import { renderTable } from '../output/renderTable';
import { positiveInt } from './numberOptions';
import { addTargetOptions, TARGET_HELP } from './targetOptions';
import { withTarget } from './withTarget';

/** `dlq [--replay]`: the two dead-letter queues, shown and replayed. */

interface DlqFlags extends TargetFlags {
  replay: boolean;
  wait: number;
  json: boolean;
}

const EXAMPLES = `
Examples:
  $ ndjson-parquet dlq --local                    # both queues: count, oldest message, files and dates
  $ ndjson-parquet dlq --stack prod --replay --json
Two queues: the ingest DLQ holds S3 events EventBridge could not put on the stream; the batcher's
on-failure DLQ holds where batches that failed all their retries lie on the stream (shard, sequence range).
--replay puts ingest events back on the stream, re-reads failed batches from the stream while it still
holds them (else it names the \`reconcile --since\` that finds their files) and puts them back too; a message
is deleted only once every file it concerns is tracked (registered or quarantined), so a replay is safe to
run again.
${TARGET_HELP}

Exit codes: 0 shown, or every message replayed and deleted; 1 a replay kept messages (files not tracked
in time, or a batch the stream no longer holds); 2 bad flags; 3 pipeline unreachable.`;

export function dlqCommand(): Command {
  return addTargetOptions(
    new Command('dlq')
      .description('show both dead-letter queues; --replay recovers their files')
      .option('--replay', 'replay every message and delete those whose files are then tracked', false)
      .option('--wait <seconds>', 'with --replay: how long to wait for replayed files to be tracked', positiveInt('--wait'), 60)
      .option('--json', 'print JSON', false),
  )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: DlqFlags) => {
      process.exitCode = await withTarget(flags, async (target) => {
        const report = await deadLetters(target, { replay: flags.replay, waitMs: flags.wait * 1000 });
        if (flags.json) printJson({ target: target.description, ...report });
        else print(renderReport(report));
        return report.replay && report.replay.kept + report.replay.reconcile > 0 ? 1 : 0;
      });
    });
}

function renderReport(report: DeadLetterReport): string {
  const queues = renderTable(
    ['queue', 'name', 'messages', 'oldest', 'files', 'dates'],
    report.queues.map((q) => [q.queue, q.name, String(q.count), q.oldest ?? '-', String(q.files), q.dates.join(',') || '-']),
  );
  const lines = [queues];
  for (const m of report.messages) {
    const where = m.batch
      ? ` ${m.batch.shardId} ${m.batch.startSequenceNumber}..${m.batch.endSequenceNumber}${m.batch.retained ? '' : ' (no longer on the stream)'}`
      : '';
    const files = m.files.map((f) => `${f.key}${f.tracked ? ' (tracked)' : ''}`).join(', ') || '-';
    const outcome = m.outcome ? ` -> ${m.outcome}${m.reason ? `: ${m.reason}` : ''}` : '';
    lines.push(`${m.queue} ${m.messageId}${where}: ${files}${outcome}`);
  }
  if (report.replay)
    lines.push(`replay: ${report.replay.deleted} deleted, ${report.replay.kept} kept, ${report.replay.reconcile} need reconcile`);
  return lines.join('\n');
}
