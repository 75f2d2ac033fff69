import { describe, expect, it } from 'vitest';
import { renderReports } from '../../cli/commands/reportsCommand';
import { LIST_PRICES } from '../../contracts/prices';
import { parseSince } from '../../operator/operations/parseSince';
import { type GlueReportRow, reportRow, reportTotals } from '../../operator/operations/reportRows';

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
    const row = reportRow(
      'lambda',
      'logs/lambda/a.json',
      {
        execution_info: { request_id: 'r1', execution_time_ms: 1500, trigger: 'kinesis' },
        processing_summary: { files_processed: 4, files_quarantined: 1, manifests_created: 1, status: 'success' },
        errors: [{ stage: 'plan' }],
        timestamp: '2026-01-30T08:48:05.123Z',
      },
      LIST_PRICES,
    );
    const sparse = reportRow('lambda', 'logs/lambda/b.json', { processing_summary: {} }, LIST_PRICES);

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
      reportRow('glue', 'k1', glue('failed', 4000, 0, 5), LIST_PRICES),
      reportRow('glue', 'k2', glue('success', 4000, 1000, 2, 1), LIST_PRICES),
      reportRow('glue', 'k3', glue('success', 2000, 1000, 2), LIST_PRICES),
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

/** A report as the job writes it since runs are sized and priced (glue/ndjson_parquet/report.py). */
const pricedGlue = (date: string, status: string, input: number, cost: { dpu_seconds: number; usd: number }) => ({
  ...glue(status, input, input / 4, 70),
  job_info: { job_name: 'np-dev-glue', job_run_id: `jr_${date}_${status}`, worker_type: 'G.1X', number_of_workers: 2 },
  worker_type: 'G.1X',
  number_of_workers: 2,
  execution_class: 'FLEX',
  cost: { ...cost, estimated: true, basis: 'run time x DPUs, 1-minute minimum' },
  date,
});

describe('what a Glue run cost', () => {
  it("takes the job's own cost and capacity from its report, marked estimated", () => {
    // Act
    const row = reportRow('glue', 'k', pricedGlue('2026-01-30', 'success', 1000, { dpu_seconds: 142, usd: 0.0114 }), LIST_PRICES);

    // Assert
    expect(row).toMatchObject({
      jobName: 'np-dev-glue',
      workerType: 'G.1X',
      numberOfWorkers: 2,
      executionClass: 'FLEX',
      dpuSeconds: 142,
      usd: 0.0114,
      estimated: true,
      costSource: 'job-report',
    });
  });

  it('estimates a report written before the job priced itself from its duration and job_info workers, as a standard run', () => {
    // Prepare: 70 s on G.2X × 3, no execution_class, no cost
    const old = { ...glue('success', 1000, 250, 70), job_info: { job_run_id: 'jr_1', worker_type: 'G.2X', number_of_workers: 3 } };

    // Act
    const row = reportRow('glue', 'k', old, LIST_PRICES);
    const bare = reportRow('glue', 'k', glue('success', 1000, 250, 70), LIST_PRICES);

    // Assert: 70 s × 3 workers × 2 DPU = 420 DPU-s at $0.44/h
    expect(row).toMatchObject({ workerType: 'G.2X', numberOfWorkers: 3, executionClass: null, dpuSeconds: 420, estimated: true });
    expect((row as GlueReportRow).usd).toBeCloseTo(0.0513333, 7);
    expect((row as GlueReportRow).costSource).toBe('report-run-time');
    expect(bare).toMatchObject({ dpuSeconds: null, usd: null, estimated: null, costSource: null });
  });

  it('totals $, DPU-seconds and $/GB per date and overall, failed runs in $ and not in GB', () => {
    // Prepare: 2026-01-30 a failed run and its redrive over 1 GiB; 2026-01-31 one run over 2 GiB
    const GiB = 2 ** 30;
    const rows = [
      reportRow('glue', 'a', pricedGlue('2026-01-30', 'failed', GiB, { dpu_seconds: 120, usd: 0.01 }), LIST_PRICES),
      reportRow('glue', 'b', pricedGlue('2026-01-30', 'success', GiB, { dpu_seconds: 240, usd: 0.02 }), LIST_PRICES),
      reportRow('glue', 'c', pricedGlue('2026-01-31', 'success', 2 * GiB, { dpu_seconds: 480, usd: 0.04 }), LIST_PRICES),
    ];

    // Act
    const totals = reportTotals(rows);
    const text = renderReports(rows, totals, new Date('2026-01-30T00:00:00Z'), 'glue');

    // Assert: $0.07 over 3 GB; per date $0.03 / 1 GB and $0.04 / 2 GB
    expect(totals.glue).toMatchObject({ dpuSeconds: 840, costEstimated: true, unpricedRuns: 0 });
    expect(totals.glue.usd).toBeCloseTo(0.07, 12);
    expect(totals.glue.usdPerGb).toBeCloseTo(0.07 / 3, 12);
    expect(totals.glue.byDate['2026-01-30']).toMatchObject({ runs: 2, convertedBytes: GiB, usdPerGb: expect.closeTo(0.03, 12) });
    expect(totals.glue.byDate['2026-01-31']).toMatchObject({ runs: 1, convertedBytes: 2 * GiB, usdPerGb: expect.closeTo(0.02, 12) });
    expect(text).toContain('G.1X×2 flex');
    expect(text).toContain('~$0.0200');
    expect(text).toMatch(/2026-01-31 +1 +2\.0 GiB +~\$0\.0400 +~\$0\.0200/);
    expect(text).toContain('cost: ~$0.0700 for 840 DPU-seconds, ~$0.0233/GB converted');
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
