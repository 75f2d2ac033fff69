import { describe, expect, it } from 'vitest';
import { assessFiles, countStates } from '../../local/fileProgress';
import { buildSummary, renderSummaryTable } from '../../local/runSummary';
import type { RuntimeStats } from '../../local/runtime';

const IN = 'in-bucket';
const key = (name: string) => `pipeline/input/${name}`;

const items: Record<string, unknown>[] = [
  {
    date_prefix: '2026-01-29',
    file_key: key('2026-01-29-a.ndjson'),
    kind: 'file',
    status: 'manifested',
    file_path: `s3://${IN}/${key('2026-01-29-a.ndjson')}`,
    manifest_name: 'batch-0001-x.json',
  },
  { date_prefix: '2026-01-29', file_key: 'MANIFEST#batch-0001-x.json', status: 'completed', file_count: 1, glue_job_run_id: 'jr_1' },
  {
    date_prefix: '2026-01-30',
    file_key: key('2026-01-30-b.ndjson'),
    kind: 'file',
    status: 'manifested',
    file_path: `s3://${IN}/${key('2026-01-30-b.ndjson')}`,
    manifest_name: 'batch-0001-y.json',
  },
  {
    date_prefix: '2026-01-30',
    file_key: 'MANIFEST#batch-0001-y.json',
    status: 'failed',
    file_count: 1,
    error_message: 'States.TaskFailed: boom',
  },
  {
    date_prefix: '2026-01-30',
    file_key: key('2026-01-30-c.ndjson'),
    kind: 'file',
    status: 'pending',
    file_path: `s3://${IN}/${key('2026-01-30-c.ndjson')}`,
  },
  {
    date_prefix: 'unknown',
    file_key: `QUARANTINE#${key('notes.txt')}`,
    kind: 'quarantine',
    status: 'quarantined',
    reason: 'no-date-prefix',
    source_path: `s3://${IN}/${key('notes.txt')}`,
  },
  { date_prefix: '2026-01-30', file_key: 'WINDOW', pending_count: 1 },
  { file_key: 'no partition key: skipped, not fatal' },
];

const uploaded = ['2026-01-29-a.ndjson', '2026-01-30-b.ndjson', '2026-01-30-c.ndjson', 'notes.txt', '2026-01-30-d.ndjson'].map(
  (name, i) => ({
    key: key(name),
    bytes: 100 * (i + 1),
    records: 10,
    uploadedAt: '2026-01-30T10:00:00Z',
  }),
);

const uploadedKeys = uploaded.map((u) => u.key);

describe('assessFiles', () => {
  it('places every uploaded file by the tracking table: converted, failed, pending, quarantined or not seen yet', () => {
    // Act
    const snapshot = assessFiles(items, uploadedKeys, IN);

    // Assert
    expect(snapshot.files.map((f) => [f.key.slice(15), f.state])).toEqual([
      ['2026-01-29-a.ndjson', 'converted'],
      ['2026-01-30-b.ndjson', 'failed'],
      ['2026-01-30-c.ndjson', 'pending'],
      ['notes.txt', 'quarantined'],
      ['2026-01-30-d.ndjson', 'unseen'],
    ]);
    expect(snapshot.files[3]).toMatchObject({ date: null, quarantineReason: 'no-date-prefix' });
    expect(snapshot.manifests.map((m) => m.status).sort()).toEqual(['completed', 'failed']);
    expect(countStates(snapshot.files)).toMatchObject({ converted: 1, failed: 1, pending: 1, quarantined: 1, unseen: 1 });
  });
});

const runtimeStats: RuntimeStats = {
  batcherInvocations: 2,
  eventsRead: 5,
  eventsDelivered: 6,
  batcherErrors: 1,
  partialFailures: 0,
  retries: 1,
  dlqBatches: 0,
  dlqRecords: 0,
  sweeps: 3,
  executions: 2,
  executionsFailed: 1,
  glueRuns: 2,
  glueRunsFailed: 1,
  glueRunsRefused: 0,
  glueRunsQueued: 0,
  chaosCrashes: 0,
  batcherLogErrors: 1,
  sweeperLogErrors: 0,
  lambdaTimeouts: 1,
  eventsDropped: 2,
  throttle: {
    scale: 10,
    partitionWcuPerSecond: 100,
    partitionRcuPerSecond: 300,
    shardRecordsPerSecond: 100,
    shardBytesPerSecond: 104857.6,
    throttledRequests: 7,
    retries: 5,
    wcuByPartitionKey: { 'tracking#2026-01-30': 812 },
  },
};

describe('buildSummary', () => {
  it('adds up files, records, rows and bytes per date, and renders a table a person can read', () => {
    // Prepare
    const snapshot = assessFiles(items, uploadedKeys, IN);
    const parquet = [
      { key: 'pipeline/output/merged-parquet-2026-01-29/part-0.parquet', date: '2026-01-29', bytes: 50, rows: 10 },
      { key: 'pipeline/output/merged-parquet-2026-01-30/part-0.parquet', date: '2026-01-30', bytes: 70, rows: 4 },
    ];

    // Act
    const summary = buildSummary({
      status: 'failed',
      message: 'manifest 2026-01-30/batch-0001-y.json failed',
      runDir: '/tmp/run',
      outDir: '/tmp/out',
      uploaded,
      files: snapshot.files,
      manifests: snapshot.manifests,
      parquet,
      pendingWhy: () => 'today, below the batch threshold',
      wallMs: { upload: 1000, batching: 2000, conversion: 3000, total: 6000 },
      runtime: runtimeStats,
      iam: { enforced: true, denied: 2, calls_checked: 40 },
      metrics: { FilesTracked: 3, FilesQuarantined: 1 },
      problems: ['manifest 2026-01-30/batch-0001-y.json failed'],
    });
    const table = renderSummaryTable(summary);

    // Assert
    expect(summary).toMatchObject({
      files_in: 5,
      quarantined: 1,
      converted: 1,
      failed: 1,
      records_in: 40,
      rows_written: 14,
      parquet_files: 2,
      bytes_in: 1500,
      bytes_out: 120,
    });
    expect(summary.manifests).toEqual({ total: 2, by_status: { completed: 1, failed: 1 } });
    expect(summary.metrics).toEqual({ FilesTracked: 3, FilesQuarantined: 1 });
    expect(summary.pending).toEqual([{ key: key('2026-01-30-c.ndjson'), date: '2026-01-30', why: 'today, below the batch threshold' }]);
    expect(summary.dates.map((d) => [d.date, d.files, d.records_in, d.rows_written])).toEqual([
      ['(no date)', 1, 0, 0],
      ['2026-01-29', 1, 10, 10],
      ['2026-01-30', 3, 30, 4],
    ]);
    expect(table).toContain('FAILED: manifest 2026-01-30/batch-0001-y.json failed');
    expect(table).toMatch(/2026-01-29\s+1\s+0\s+0\s+1\s+10\s+10\s+1/);
    expect(table).toContain('output copied to /tmp/out');
    expect(table).toContain("iam: enforced with the stack's policies, 40 calls checked, 2 denied");
  });

  it('prints the runtime counters under the keys scripts read from `local --json`, in their published order', () => {
    // Act
    const summary = buildSummary({
      status: 'succeeded',
      message: 'every file processed',
      runDir: '/tmp/run',
      outDir: null,
      uploaded: [],
      files: [],
      manifests: [],
      parquet: [],
      pendingWhy: () => '',
      wallMs: { upload: 0, batching: 0, conversion: 0, total: 0 },
      runtime: runtimeStats,
      iam: { enforced: true, denied: 0, calls_checked: 7 },
      metrics: {},
      problems: [],
    });

    // Assert
    expect(Object.entries(summary.runtime)).toEqual([
      ['batcher_invocations', 2],
      ['events_read', 5],
      ['events_delivered', 6],
      ['batcher_errors', 1],
      ['partial_failures', 0],
      ['retries', 1],
      ['dlq_batches', 0],
      ['dlq_records', 0],
      ['sweeps', 3],
      ['executions', 2],
      ['executions_failed', 1],
      ['glue_runs', 2],
      ['glue_runs_failed', 1],
      ['glue_runs_refused', 0],
      ['glue_runs_queued', 0],
      ['chaos_crashes', 0],
      ['batcherLogErrors', 1],
      ['sweeperLogErrors', 0],
      ['lambda_timeouts', 1],
      ['events_dropped', 2],
    ]);
    expect(summary.iam).toEqual({ enforced: true, denied: 0, calls_checked: 7 });
    expect(Object.keys(summary.iam)).toEqual(['enforced', 'denied', 'calls_checked']);
    expect(summary.throttle).toEqual({
      enforced: true,
      scale: 10,
      limits: {
        dynamodb_partition_wcu_per_s: 100,
        dynamodb_partition_rcu_per_s: 300,
        kinesis_shard_records_per_s: 100,
        kinesis_shard_bytes_per_s: 104857.6,
      },
      throttled_requests: 7,
      retries: 5,
      wcu_by_partition_key: { 'tracking#2026-01-30': 812 },
    });
  });
});
