import { describe, expect, it } from 'vitest';
import { LIST_PRICES } from '../../contracts/prices';
import { cumulative, type DashboardSnapshot } from '../../dashboard/dashboardSnapshot';
import { renderDashboard } from '../../dashboard/renderDashboard';
import { axisMaximum, barChart, lineChart } from '../../dashboard/svgCharts';
import { type GlueReportRow, reportRow, reportTotals } from '../../operator/operations/reportRows';

describe('dashboard charts', () => {
  it('draws a bar per non-zero value, stacked, and counts its points', () => {
    // Act
    const svg = barChart({
      id: 'progress',
      title: 'Files <per> date',
      labels: ['2026-01-29', '2026-01-30'],
      stacked: true,
      series: [
        { name: 'done', color: '#0f0', values: [3, 0] },
        { name: 'pending', color: '#fa0', values: [1, 2] },
      ],
    });

    // Assert
    expect(svg).toContain('data-chart="progress" data-points="3"');
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain('Files &lt;per&gt; date');
  });

  it('says "no data yet" rather than drawing empty axes', () => {
    // Act
    const bars = barChart({ id: 'b', title: 'B', labels: ['x'], series: [{ name: 's', color: '#000', values: [0] }] });
    const lines = lineChart({ id: 'l', title: 'L', series: [{ name: 's', color: '#000', points: [] }] });

    // Assert
    for (const svg of [bars, lines]) {
      expect(svg).toContain('data-points="0"');
      expect(svg).toContain('no data yet');
    }
  });

  it('puts gridlines on round numbers, whole ones for small counts', () => {
    // Act / Assert
    expect([3, 4, 5, 19, 0.9].map((v) => axisMaximum(v))).toEqual([4, 4, 8, 20, 1]);
    expect([1, 2, 0.9].map((v) => axisMaximum(v, true))).toEqual([4, 4, 4]);
  });

  it('turns timed events into running totals in at most the given number of steps', () => {
    // Prepare
    const events = Array.from({ length: 1000 }, (_, i) => ({ at: 1_000_000 + i * 1000, value: 1 }));

    // Act
    const points = cumulative(events, 10);

    // Assert
    expect(points.length).toBeLessThanOrEqual(11);
    expect(points.at(-1)).toEqual({ x: expect.any(Number), y: 1000 });
    expect(points.every((p, i) => i === 0 || p.y >= points[i - 1]!.y)).toBe(true);
  });
});

/** A Glue report as the job writes it since runs are priced: `cost` from its run time × DPUs. */
const pricedRun = (manifest: string, date: string, status: string, inputBytes: number, usd: number) =>
  reportRow(
    'glue',
    `logs/glue/${manifest}.json`,
    {
      job_info: { job_name: 'np-dev-glue', job_run_id: `jr_${manifest}` },
      worker_type: 'G.1X',
      number_of_workers: 2,
      execution_class: 'FLEX',
      cost: { dpu_seconds: 120, usd, estimated: true, basis: 'run time x DPUs, 1-minute minimum' },
      processing_summary: { status, execution_time_seconds: 40 },
      bytes: { input: inputBytes, output: inputBytes / 4 },
      manifest: { id: manifest },
      date,
      timestamp: `${date}T08:50:00+00:00`,
    },
    LIST_PRICES,
  ) as GlueReportRow;

function snapshotOf(glueRuns: GlueReportRow[]): DashboardSnapshot {
  return {
    target: 'local pipeline at http://127.0.0.1:1',
    at: '2026-01-31T09:00:00.000Z',
    thresholds: { maxBatchFiles: 3, maxBatchBytes: 100 * 2 ** 20, maxWaitSeconds: 300, lockLeaseSeconds: 300 },
    dates: [],
    totals: {
      files: 0,
      pending: 0,
      pendingBytes: 0,
      converted: 0,
      failed: 0,
      quarantined: 0,
      manifests: {},
      locksHeld: 0,
      rejectedLines: 0,
    },
    timeline: { filesTracked: [], bytesTracked: [], manifestsCreated: [], manifestsCompleted: [] },
    glueRuns,
    lambdaRuns: [],
    reports: reportTotals(glueRuns),
    rejectsByDate: {},
  };
}

describe('the dashboard page', () => {
  it("shows $ per Glue run, $/GB per date and in total, marked as estimates from the job's run time", () => {
    // Prepare: 2026-01-30 a failed run and its redrive over 1 GiB ($0.01 + $0.02); 2026-01-31 one run over 2 GiB ($0.03)
    const runs = [
      pricedRun('2026-01-30-batch-0001-a', '2026-01-30', 'failed', 2 ** 30, 0.01),
      pricedRun('2026-01-30-batch-0001-b', '2026-01-30', 'success', 2 ** 30, 0.02),
      pricedRun('2026-01-31-batch-0001-c', '2026-01-31', 'success', 2 ** 31, 0.03),
    ];

    // Act
    const html = renderDashboard(snapshotOf(runs), { refreshSeconds: 5 });

    // Assert: $0.06 over 3 GB converted
    expect(html).toMatch(/data-tile="glue-usd"><b>~\$0\.0600<\/b><span>Glue cost \(estimated\)/);
    expect(html).toMatch(/data-tile="usd-per-gb"><b>~\$0\.0200<\/b>/);
    expect(html).toContain('data-chart="glue-cost" data-points="3"');
    expect(html).toContain('data-chart="glue-cost-per-gb" data-points="2"');
    expect(html).toContain('data-chart="glue-capacity" data-points="3"');
    // $/GB of 2026-01-30: $0.03 over 1 GiB, the failed run's dollars in, its bytes not
    expect(html).toContain('<title>2026-01-30 — $/GB: $0.0300</title>');
    expect(html).toContain('<td class="">G.1X×2 flex</td><td class="">120</td><td class="">~$0.0300</td>');
  });

  it('shares the whole width out between the charts, tiles and tables, and lets the charts scale with it', () => {
    // Act
    const html = renderDashboard(snapshotOf([]), { refreshSeconds: 5 });

    // Assert
    expect(html).toContain('.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr))');
    expect(html).toContain('figure.chart svg{display:block;width:100%;height:auto}');
    expect(html).toContain('.tiles{display:grid;');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(12);
  });
});
