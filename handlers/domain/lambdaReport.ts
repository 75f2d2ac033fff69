import { reportStamp } from './dates';

/**
 * The batcher's and sweeper's metadata report, one per invocation, in the manifest bucket under
 * logs/lambda/. Field names follow the seed's report; the extra sections make a run explainable alone.
 */

export interface ReportManifest {
  manifest_path: string;
  manifest_id: string;
  date_prefix: string;
  file_count: number;
  total_bytes: number;
  step_function_execution_arn: string;
  reason: string;
  resumed: boolean;
}

export interface LambdaReport {
  execution_info: {
    request_id: string;
    function_name: string;
    memory_limit_mb: number;
    execution_time_ms: number;
    trigger: 'kinesis' | 'schedule' | 'command';
  };
  processing_summary: {
    records_received: number;
    files_processed: number;
    files_registered: number;
    bytes_registered: number;
    duplicate_events: number;
    files_quarantined: number;
    events_skipped: number;
    manifests_created: number;
    manifests_resumed: number;
    failed_records: number;
    lock_conflicts: number;
    status: 'success' | 'partial_failure' | 'error';
  };
  manifests: ReportManifest[];
  quarantined: { key: string; reason: string; detail: string }[];
  skipped: { reason: string; detail: string }[];
  dates: { date_prefix: string; outcome: string; pending_files: number; pending_bytes: number }[];
  errors: { stage: string; message: string; date_prefix?: string }[];
  timestamp: string;
}

export function lambdaReportKey(at: Date, requestId: string): string {
  const hex = requestId
    .replace(/[^0-9a-f]/gi, '')
    .toLowerCase()
    .padEnd(8, '0')
    .slice(0, 8);
  return `logs/lambda/${reportStamp(at)}-${hex}-0001.json`;
}
