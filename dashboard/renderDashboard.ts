import { MANIFEST_STATUS } from '../contracts/trackingSchema';
import { dateStatusCells } from '../operator/dateStatusCells';
import { formatBytes, formatCapacity, formatNumber, formatSeconds, formatUsd } from '../operator/format';
import { runDpus } from '../operator/operations/reportRows';
import type { DashboardSnapshot } from './dashboardSnapshot';
import { barChart, escapeHtml, lineChart } from './svgCharts';

/**
 * The dashboard page (pure: snapshot in, HTML out). Rows follow a file's path as the CloudWatch dashboard
 * does: arrival (files and bytes over time), batching (per-date progress, pending against thresholds,
 * locks), conversion (manifests by status, Glue run time, compression), and what needs a person
 * (quarantine, rejects, failed manifests), and what the Glue runs cost ($ per run, $/GB per date and in
 * total). The page reloads itself every `refreshSeconds`. Charts and tiles sit on grids that share out
 * the page's whole width, and the charts scale with their cells.
 */

export const COLORS = {
  converted: '#2e7d32',
  converting: '#1e88e5',
  pending: '#f9a825',
  failed: '#c62828',
  quarantined: '#757575',
  bytes: '#6a1b9a',
  rejects: '#ef6c00',
  cost: '#00838f',
} as const;

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2733}
header{background:#1d2733;color:#fff;padding:12px 20px}header h1{font-size:18px;margin:0}header p{margin:4px 0 0;color:#c7cfd8;font-size:12px}
main{padding:16px 20px}section{margin-bottom:18px}h2{font-size:15px;margin:0 0 8px}h2 small{font-weight:400;color:#5b6775}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:10px}.tile{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
.tile b{display:block;font-size:22px}.tile span{color:#5b6775;font-size:12px}.tile.bad b{color:${COLORS.failed}}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}figure.chart{background:#fff;margin:0;padding:8px 10px;border-radius:6px;box-shadow:0 1px 2px #0002;min-width:0}
figure.chart svg{display:block;width:100%;height:auto}
figcaption{font-weight:600;margin-bottom:4px}.grid{stroke:#e3e7eb}.axis{stroke:#8995a2}.tick{font-size:10px;fill:#5b6775}.empty{fill:#8995a2;font-size:13px}
.legend{font-size:11px;color:#5b6775}.key{margin-right:10px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px;border-radius:2px}
section.table{overflow-x:auto}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002;font-size:12px;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #e3e7eb;text-align:right;white-space:nowrap}
th{background:#eef1f4}td:first-child,th:first-child{text-align:left}.state-failed{color:${COLORS.failed};font-weight:600}.state-held{color:${COLORS.converting}}
`;

function tile(label: string, value: string, id: string, bad = false): string {
  return `<div class="tile${bad ? ' bad' : ''}" data-tile="${id}"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

function table(id: string, header: string[], rows: string[][], cellClass: (row: number, col: number) => string = () => ''): string {
  if (rows.length === 0) return `<p data-table="${id}">none</p>`;
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row, i) => `<tr>${row.map((c, j) => `<td class="${cellClass(i, j)}">${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table data-table="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function renderDashboard(snapshot: DashboardSnapshot, options: { refreshSeconds: number }): string {
  const { dates, totals, timeline, glueRuns, lambdaRuns, reports, thresholds } = snapshot;
  const labels = dates.map((d) => d.date);
  const inProgress = dates.map((d) => d.files.manifested - d.files.converted - d.files.failed);
  const manifestStatuses: string[] = Object.values(MANIFEST_STATUS);
  for (const status of Object.keys(totals.manifests)) if (!manifestStatuses.includes(status)) manifestStatuses.push(status);
  const runLabel = (run: (typeof glueRuns)[number]) => run.manifestId ?? run.jobRunId ?? run.key;
  // `2026-01-30-batch-0003-20260130-084800` reads as `01-30 #3` under a bar.
  const shortRun = (label: string) => {
    const m = /^\d{4}-(\d{2}-\d{2})-batch-0*(\d+)-/.exec(label);
    return m ? `${m[1]} #${m[2]}` : label.slice(-8);
  };
  const costByDate = reports.glue.byDate;
  const costDates = Object.keys(costByDate);
  const ranFlex = glueRuns.some((g) => g.executionClass === 'FLEX');
  const estimate = reports.glue.costEstimated ? ' (estimates: run time × DPUs)' : '';
  const failedManifests = dates.flatMap((d) => d.manifests.list.filter((m) => m.status !== MANIFEST_STATUS.completed));

  const charts = [
    barChart({
      id: 'date-progress',
      title: 'Files per date',
      labels,
      stacked: true,
      series: [
        { name: 'converted', color: COLORS.converted, values: dates.map((d) => d.files.converted) },
        { name: 'converting', color: COLORS.converting, values: inProgress },
        { name: 'pending', color: COLORS.pending, values: dates.map((d) => d.files.pending) },
        { name: 'failed', color: COLORS.failed, values: dates.map((d) => d.files.failed) },
        { name: 'quarantined', color: COLORS.quarantined, values: dates.map((d) => d.files.quarantined) },
      ],
    }),
    lineChart({
      id: 'files-over-time',
      title: 'Files tracked and manifests over time (cumulative)',
      series: [
        { name: 'files tracked', color: COLORS.pending, points: timeline.filesTracked },
        { name: 'manifests created', color: COLORS.converting, points: timeline.manifestsCreated },
        { name: 'manifests completed', color: COLORS.converted, points: timeline.manifestsCompleted },
      ],
    }),
    lineChart({
      id: 'bytes-over-time',
      title: 'Bytes tracked over time (cumulative)',
      format: formatBytes,
      series: [{ name: 'bytes tracked', color: COLORS.bytes, points: timeline.bytesTracked }],
    }),
    barChart({
      id: 'manifests-by-status',
      title: 'Manifests by status',
      labels: manifestStatuses,
      series: [{ name: 'manifests', color: COLORS.converting, values: manifestStatuses.map((s) => totals.manifests[s] ?? 0) }],
    }),
    barChart({
      id: 'pending-vs-threshold',
      title: `Pending files per date (batch closes at ${thresholds.maxBatchFiles})`,
      labels,
      series: [
        { name: 'pending files', color: COLORS.pending, values: dates.map((d) => d.files.pending) },
        { name: 'threshold', color: '#cfd8dc', values: dates.map(() => thresholds.maxBatchFiles) },
      ],
    }),
    barChart({
      id: 'glue-duration',
      title: 'Glue run time per manifest (s)',
      labels: glueRuns.map(runLabel),
      shortLabel: shortRun,
      format: (n) => formatNumber(n, 1),
      series: [
        {
          name: 'succeeded',
          color: COLORS.converted,
          values: glueRuns.map((g) => (g.status === 'success' ? (g.durationSeconds ?? 0) : 0)),
        },
        { name: 'failed', color: COLORS.failed, values: glueRuns.map((g) => (g.status !== 'success' ? (g.durationSeconds ?? 0) : 0)) },
      ],
      stacked: true,
    }),
    barChart({
      id: 'glue-compression',
      title: 'Compression ratio per Glue run (NDJSON bytes / Parquet bytes)',
      labels: glueRuns.map(runLabel),
      shortLabel: shortRun,
      format: (n) => formatNumber(n, 1),
      series: [{ name: 'compression ratio', color: COLORS.bytes, values: glueRuns.map((g) => g.compressionRatio ?? 0) }],
    }),
    barChart({
      id: 'glue-cost',
      title: `Glue $ per run${estimate}`,
      labels: glueRuns.map(runLabel),
      shortLabel: shortRun,
      format: (n) => formatUsd(n),
      series: [
        { name: 'succeeded', color: COLORS.cost, values: glueRuns.map((g) => (g.status === 'success' ? (g.usd ?? 0) : 0)) },
        {
          name: 'failed (paid, not converted)',
          color: COLORS.failed,
          values: glueRuns.map((g) => (g.status !== 'success' ? (g.usd ?? 0) : 0)),
        },
      ],
      stacked: true,
    }),
    barChart({
      id: 'glue-cost-per-gb',
      title: `Glue $/GB converted per date (GB = 2^30 bytes)${estimate}`,
      labels: costDates,
      format: (n) => formatUsd(n),
      series: [{ name: '$/GB', color: COLORS.cost, values: costDates.map((d) => costByDate[d]?.usdPerGb ?? 0) }],
    }),
    barChart({
      id: 'glue-capacity',
      title: `Glue capacity per run (DPUs${ranFlex ? ', Flex included' : ''})`,
      labels: glueRuns.map(runLabel),
      shortLabel: shortRun,
      series: [{ name: 'DPUs (workers × DPU per worker)', color: COLORS.converting, values: glueRuns.map((g) => runDpus(g) ?? 0) }],
    }),
    barChart({
      id: 'quarantine-rejects',
      title: 'Quarantined files and rejected lines per date',
      labels,
      series: [
        { name: 'quarantined files', color: COLORS.quarantined, values: dates.map((d) => d.files.quarantined) },
        { name: 'rejected lines', color: COLORS.rejects, values: dates.map((d) => snapshot.rejectsByDate[d.date] ?? 0) },
      ],
    }),
    lineChart({
      id: 'batcher-invocations',
      title: 'Batcher and sweeper runs: files per run',
      series: [
        {
          name: 'files processed',
          color: COLORS.converting,
          points: lambdaRuns.flatMap((l) => (l.at ? [{ x: Date.parse(l.at), y: l.filesProcessed }] : [])),
        },
        {
          name: 'manifests created',
          color: COLORS.converted,
          points: lambdaRuns.flatMap((l) => (l.at ? [{ x: Date.parse(l.at), y: l.manifestsCreated }] : [])),
        },
      ],
    }),
  ];

  const dateRows = dates.map(dateStatusCells).map((c) => {
    const cost = costByDate[c.date];
    return [
      c.date,
      c.files,
      c.pending,
      c.converted,
      c.failed,
      c.quarantined,
      c.pendingBytes,
      c.oldestPending,
      c.manifests,
      c.lock,
      formatUsd(cost?.usd, cost?.estimated),
      formatUsd(cost?.usdPerGb, cost?.estimated),
    ];
  });
  const glueRows = glueRuns
    .slice(-12)
    .reverse()
    .map((g) => [
      g.at?.slice(0, 19).replace('T', ' ') ?? '-',
      g.manifestId ?? '-',
      g.status ?? '-',
      formatNumber(g.rowsWritten),
      formatNumber(g.rejected),
      formatBytes(g.inputBytes),
      formatBytes(g.outputBytes),
      g.compressionRatio === null ? '-' : `${formatNumber(g.compressionRatio, 2)}x`,
      formatSeconds(g.durationSeconds),
      formatCapacity(g),
      formatNumber(g.dpuSeconds),
      formatUsd(g.usd, g.estimated ?? false),
    ]);
  const attentionRows = failedManifests.map((m) => [
    m.date,
    m.name,
    m.status,
    String(m.fileCount),
    m.updatedAt ?? '-',
    (m.errorMessage ?? '').slice(0, 100),
  ]);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${options.refreshSeconds}">
<title>ndjson-parquet — ${escapeHtml(snapshot.target)}</title><style>${STYLE}</style></head>
<body><header><h1>ndjson-parquet</h1><p>${escapeHtml(snapshot.target)} · ${escapeHtml(snapshot.at.slice(0, 19).replace('T', ' '))} UTC · batches close at ${thresholds.maxBatchFiles} files or ${escapeHtml(formatBytes(thresholds.maxBatchBytes))}, max wait ${escapeHtml(formatSeconds(thresholds.maxWaitSeconds))} · refreshes every ${options.refreshSeconds} s</p></header>
<main>
<section class="tiles">
${tile('files tracked', formatNumber(totals.files), 'files')}
${tile('pending', `${formatNumber(totals.pending)} (${formatBytes(totals.pendingBytes)})`, 'pending')}
${tile('converted', formatNumber(totals.converted), 'converted')}
${tile('manifests', formatNumber(Object.values(totals.manifests).reduce((s, n) => s + n, 0)), 'manifests')}
${tile('manifests failed', formatNumber(totals.manifests.failed ?? 0), 'manifests-failed', (totals.manifests.failed ?? 0) > 0)}
${tile('quarantined', formatNumber(totals.quarantined), 'quarantined', totals.quarantined > 0)}
${tile('rejected lines', formatNumber(totals.rejectedLines), 'rejected', totals.rejectedLines > 0)}
${tile('locks held', formatNumber(totals.locksHeld), 'locks')}
${tile('Glue runs', `${formatNumber(reports.glue.runs)} (${formatSeconds(reports.glue.durationSeconds.avg)} avg)`, 'glue-runs')}
${tile('compression', reports.glue.compressionRatio === null ? '-' : `${formatNumber(reports.glue.compressionRatio, 1)}x`, 'compression')}
${tile(`Glue cost${reports.glue.costEstimated ? ' (estimated)' : ''}`, formatUsd(reports.glue.usd, reports.glue.costEstimated), 'glue-usd')}
${tile('Glue $/GB converted', formatUsd(reports.glue.usdPerGb, reports.glue.costEstimated), 'usd-per-gb')}
</section>
<section class="charts">${charts.join('\n')}</section>
<section class="table"><h2>Dates</h2>${table('dates', ['date', 'files', 'pending', 'converted', 'failed', 'quarantined', 'pending bytes', 'oldest pending', 'manifests', 'lock', 'Glue $', '$/GB'], dateRows, (_, col) => (col === 9 ? 'state-held' : ''))}</section>
<section class="table"><h2>Recent Glue runs <small>~ estimated from the job's run time × DPUs; $ at the stack's DPU-hour price</small></h2>${table('glue-runs', ['finished', 'manifest', 'status', 'rows', 'rejected', 'in', 'out', 'ratio', 'time', 'capacity', 'DPU-s', '$'], glueRows)}</section>
<section class="table"><h2>Manifests not completed</h2>${table('attention', ['date', 'manifest', 'status', 'files', 'updated', 'error'], attentionRows, (row, col) => (col === 2 && attentionRows[row]?.[2] === 'failed' ? 'state-failed' : ''))}</section>
</main></body></html>
`;
}
