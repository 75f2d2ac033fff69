import { Metric } from '../../contracts/metrics';
import { type LambdaReport, lambdaReportKey } from '../domain/lambdaReport';
import { dueReason } from '../domain/window';
import type { BatchingDeps } from './deps';
import { describeError } from './describeError';
import { type FlushOutcome, flushDate } from './flushDate';
import { type IncomingRecord, ingestRecords } from './ingestRecords';

export interface Invocation {
  requestId: string;
  functionName: string;
  memoryLimitMb: number;
}

export interface BatcherResult {
  failedIds: string[];
  report: LambdaReport;
  reportKey: string;
}

/**
 * One batcher invocation: register what arrived, then plan every touched date that is due. A planning
 * failure does not fail the records (they are safely registered; the sweeper or the next invocation
 * plans the date again), so a poison date cannot stall the shard.
 */
export async function runBatcher(deps: BatchingDeps, records: IncomingRecord[], invocation: Invocation): Promise<BatcherResult> {
  const started = deps.now();
  const ingest = await ingestRecords(deps, records);
  const flushes: FlushOutcome[] = [];
  const errors = [...ingest.errors];

  for (const date of ingest.datesTouched) {
    try {
      const window = await deps.tracking.getWindow(date);
      const reason = dueReason(window, deps.config, deps.now());
      if (!reason) {
        flushes.push({ date, status: 'planned', manifests: [], remainderFiles: window.pendingCount, remainderBytes: window.pendingBytes });
        continue;
      }
      flushes.push(await flushDate(deps, date));
    } catch (error) {
      errors.push({ stage: 'plan', message: describeError(error), date_prefix: date });
      deps.metrics.add(Metric.FlushFailures, 1);
      deps.log.error('planning failed; the date will be planned again', { date, error: describeError(error) });
    }
  }

  const report = assembleReport(deps, invocation, started, records.length, ingest, flushes, errors, 'kinesis');
  const reportKey = lambdaReportKey(started, invocation.requestId);
  await deps.objects.putJson(deps.config.manifestBucket, reportKey, report);
  deps.metrics.flush();
  return { failedIds: ingest.failedIds, report, reportKey };
}

export function assembleReport(
  deps: BatchingDeps,
  invocation: Invocation,
  started: Date,
  recordsReceived: number,
  ingest: Pick<
    Awaited<ReturnType<typeof ingestRecords>>,
    'filesProcessed' | 'registered' | 'bytesRegistered' | 'duplicates' | 'quarantined' | 'skipped' | 'failedIds'
  >,
  flushes: FlushOutcome[],
  errors: LambdaReport['errors'],
  trigger: LambdaReport['execution_info']['trigger'],
): LambdaReport {
  const manifests = flushes.flatMap((f) => f.manifests);
  const status = ingest.failedIds.length > 0 ? 'partial_failure' : errors.length > 0 ? 'partial_failure' : 'success';
  return {
    execution_info: {
      request_id: invocation.requestId,
      function_name: invocation.functionName,
      memory_limit_mb: invocation.memoryLimitMb,
      execution_time_ms: deps.now().getTime() - started.getTime(),
      trigger,
    },
    processing_summary: {
      records_received: recordsReceived,
      files_processed: ingest.filesProcessed,
      files_registered: ingest.registered,
      bytes_registered: ingest.bytesRegistered,
      duplicate_events: ingest.duplicates,
      files_quarantined: ingest.quarantined.length,
      events_skipped: ingest.skipped.length,
      manifests_created: manifests.filter((m) => !m.resumed).length,
      manifests_resumed: manifests.filter((m) => m.resumed).length,
      failed_records: ingest.failedIds.length,
      lock_conflicts: flushes.filter((f) => f.status === 'locked').length,
      status,
    },
    manifests,
    quarantined: ingest.quarantined,
    skipped: ingest.skipped,
    dates: flushes.map((f) => ({
      date_prefix: f.date,
      outcome: f.status,
      pending_files: f.remainderFiles,
      pending_bytes: f.remainderBytes,
    })),
    errors,
    timestamp: deps.now().toISOString(),
  };
}
