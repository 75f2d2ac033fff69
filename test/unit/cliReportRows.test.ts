import { describe, expect, it } from 'vitest';
import { parseSince } from '../../operator/operations/parseSince';
import { reportRow, reportTotals } from '../../operator/operations/reportRows';

const glue = (status: string, input: number, output: number, seconds: number, rejected = 0) => ({
  job_info: { job_run_id: 'jr_1' },
  processing_summary: { status, execution_time_seconds: seconds, compression_ratio: output ? input / output : null, records_processed: 10 },
  records: { read: 10, written: 10 - rejected, rejected },
  bytes: { input, output },
  manifest: { id: '2026-01-30-batch-0001-20260130-084800' },
  date: '2026-01-30',
  timestamp: '2026-01-30T08:50:00+00:00',
});

describe('report rows', () => {
  it('reads the seed fields of a Lambda report and tolerates missing ones', () => {
    // Act
    const row = reportRow('lambda', 'logs/lambda/a.json', {
      execution_info: { request_id: 'r1', execution_time_ms: 1500, trigger: 'kinesis' },
      processing_summary: { files_processed: 4, files_quarantined: 1, manifests_created: 1, status: 'success' },
      errors: [{ stage: 'plan' }],
      timestamp: '2026-01-30T08:48:05.123Z',
    });
    const sparse = reportRow('lambda', 'logs/lambda/b.json', { processing_summary: {} });

    // Assert
    expect(row).toMatchObject({
      kind: 'lambda',
      requestId: 'r1',
      durationSeconds: 1.5,
      filesProcessed: 4,
      filesQuarantined: 1,
      manifestsCreated: 1,
      errors: 1,
    });
    expect(sparse).toMatchObject({ at: null, durationSeconds: null, filesProcessed: 0 });
  });

  it('totals compression and throughput over the successful Glue runs only', () => {
    // Prepare: a failed run (its output discarded) and its successful redrive
    const rows = [
      reportRow('glue', 'k1', glue('failed', 4000, 0, 5)),
      reportRow('glue', 'k2', glue('success', 4000, 1000, 2, 1)),
      reportRow('glue', 'k3', glue('success', 2000, 1000, 2)),
    ];

    // Act
    const totals = reportTotals(rows).glue;

    // Assert
    expect(totals).toMatchObject({
      runs: 3,
      byStatus: { failed: 1, success: 2 },
      inputBytes: 6000,
      outputBytes: 2000,
      compressionRatio: 3,
      rejected: 1,
      rowsWritten: 19,
    });
    expect(totals.rowsPerSecond).toBeCloseTo(19 / 4);
    expect(totals.durationSeconds).toMatchObject({ min: 2, max: 5 });
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-30T12:00:00Z');

  it('takes ages, dates and UTC times', () => {
    // Act / Assert
    expect(parseSince('6h', now).toISOString()).toBe('2026-01-30T06:00:00.000Z');
    expect(parseSince('2d', now).toISOString()).toBe('2026-01-28T12:00:00.000Z');
    expect(parseSince('2026-01-29', now).toISOString()).toBe('2026-01-29T00:00:00.000Z');
    expect(parseSince('2026-01-29T08:30', now).toISOString()).toBe('2026-01-29T08:30:00.000Z');
  });

  it('refuses anything else with a usage error', () => {
    // Act / Assert
    expect(() => parseSince('yesterday', now)).toThrow(expect.objectContaining({ name: 'UsageError', exitCode: 2 }));
    expect(() => parseSince('2026-02-30', now)).toThrow(/--since must be/);
  });
});
