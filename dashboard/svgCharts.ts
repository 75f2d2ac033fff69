/**
 * Small server-side SVG charts (pure: data in, markup out), so the dashboard needs no chart library and
 * no script in the browser. Each chart is a <figure data-chart=ID data-points=N>, N being the number of
 * non-zero data points drawn, which the browser test reads to tell an empty chart from one with data.
 */

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

const WIDTH = 480;
const HEIGHT = 230;
const M = { top: 12, right: 14, bottom: 42, left: 56 };
const PLOT_W = WIDTH - M.left - M.right;
const PLOT_H = HEIGHT - M.top - M.bottom;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The axis maximum: four gridline steps of a round size; whole steps for counts (0 1 2 3 4, never 0.25). */
export function axisMaximum(value: number, whole = false): number {
  const step = niceCeiling(value / 4);
  return 4 * (whole ? Math.max(1, Math.ceil(step)) : step);
}

const allWhole = (values: number[]) => values.every((v) => Number.isInteger(v));

const r = (n: number) => Math.round(n * 10) / 10;

function frame(id: string, title: string, points: number, body: string, legend: { name: string; color: string }[]): string {
  const keys = legend.map((l) => `<span class="key"><i style="background:${l.color}"></i>${escapeHtml(l.name)}</span>`).join('');
  return (
    `<figure class="chart" data-chart="${escapeHtml(id)}" data-points="${points}">` +
    `<figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">${body}</svg>` +
    `<div class="legend">${keys}</div></figure>`
  );
}

function yAxis(max: number, format: (n: number) => string): string {
  let out = '';
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    const y = r(M.top + PLOT_H - (PLOT_H * i) / 4);
    out += `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${y}" y2="${y}" class="grid"/>`;
    out += `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" class="tick">${escapeHtml(format(value))}</text>`;
  }
  return out;
}

function empty(id: string, title: string, legend: { name: string; color: string }[]): string {
  return frame(id, title, 0, `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="empty">no data yet</text>`, legend);
}

/** Bars per label, one bar per series side by side, or stacked. */
export function barChart(input: {
  id: string;
  title: string;
  labels: string[];
  series: BarSeries[];
  stacked?: boolean;
  format?: (n: number) => string;
  shortLabel?: (label: string) => string;
}): string {
  const format = input.format ?? ((n: number) => String(Math.round(n * 100) / 100));
  const legend = input.series.map(({ name, color }) => ({ name, color }));
  const points = input.series.reduce((n, s) => n + s.values.filter((v) => v > 0).length, 0);
  if (input.labels.length === 0 || points === 0) return empty(input.id, input.title, legend);
  const totals = input.labels.map((_, i) =>
    input.stacked
      ? input.series.reduce((s, series) => s + (series.values[i] ?? 0), 0)
      : Math.max(...input.series.map((s) => s.values[i] ?? 0)),
  );
  const max = axisMaximum(Math.max(...totals), allWhole(input.series.flatMap((x) => x.values)));
  const slot = PLOT_W / input.labels.length;
  const groupWidth = Math.min(slot * 0.8, 60);
  const barWidth = input.stacked ? groupWidth : groupWidth / input.series.length;
  let body = yAxis(max, format);
  input.labels.forEach((label, i) => {
    const x0 = M.left + slot * i + (slot - groupWidth) / 2;
    let stackTop = M.top + PLOT_H;
    input.series.forEach((series, s) => {
      const value = series.values[i] ?? 0;
      if (value <= 0) return;
      const h = (PLOT_H * value) / max;
      const x = input.stacked ? x0 : x0 + barWidth * s;
      const y = input.stacked ? stackTop - h : M.top + PLOT_H - h;
      if (input.stacked) stackTop -= h;
      body += `<rect x="${r(x)}" y="${r(y)}" width="${r(Math.max(barWidth - 1, 1))}" height="${r(Math.max(h, 0.5))}" fill="${series.color}" class="bar"><title>${escapeHtml(`${label} — ${series.name}: ${format(value)}`)}</title></rect>`;
    });
    // Long category names are shortened; the full name is in the bar's tooltip.
    const text = (input.shortLabel ?? ((l: string) => (l.length > 12 ? `…${l.slice(-11)}` : l)))(label);
    const every = Math.ceil(input.labels.length / 8);
    if (i % every === 0)
      body += `<text x="${r(x0 + groupWidth / 2)}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">${escapeHtml(text)}</text>`;
  });
  body += `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H}" class="axis"/>`;
  return frame(input.id, input.title, points, body, legend);
}

/** Lines over time (x in epoch ms), with a dot on every point. */
export function lineChart(input: { id: string; title: string; series: LineSeries[]; format?: (n: number) => string }): string {
  const format = input.format ?? ((n: number) => String(Math.round(n * 100) / 100));
  const legend = input.series.map(({ name, color }) => ({ name, color }));
  const all = input.series.flatMap((s) => s.points);
  const points = all.filter((p) => p.y !== 0).length;
  if (all.length === 0 || points === 0) return empty(input.id, input.title, legend);
  const minX = Math.min(...all.map((p) => p.x));
  const maxX = Math.max(...all.map((p) => p.x));
  const spanX = maxX - minX || 1;
  const max = axisMaximum(Math.max(...all.map((p) => p.y)), allWhole(all.map((p) => p.y)));
  const px = (x: number) => r(M.left + (all.length === 1 || maxX === minX ? PLOT_W / 2 : (PLOT_W * (x - minX)) / spanX));
  const py = (y: number) => r(M.top + PLOT_H - (PLOT_H * y) / max);
  let body = yAxis(max, format);
  for (const series of input.series) {
    if (series.points.length === 0) continue;
    const path = series.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)},${py(p.y)}`).join(' ');
    body += `<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2" class="line"/>`;
    for (const p of series.points)
      body += `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="2.5" fill="${series.color}"><title>${escapeHtml(`${new Date(p.x).toISOString().slice(11, 19)} — ${series.name}: ${format(p.y)}`)}</title></circle>`;
  }
  const time = (x: number) =>
    new Date(x)
      .toISOString()
      .slice(spanX > 86_400_000 ? 5 : 11, spanX > 86_400_000 ? 16 : 19)
      .replace('T', ' ');
  const ticks =
    maxX === minX
      ? ([[minX, 'middle']] as const)
      : ([
          [minX, 'start'],
          [minX + spanX / 2, 'middle'],
          [maxX, 'end'],
        ] as const);
  for (const [x, anchor] of ticks) {
    body += `<text x="${px(x)}" y="${M.top + PLOT_H + 14}" text-anchor="${anchor}" class="tick">${escapeHtml(time(x))} UTC</text>`;
  }
  body += `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H}" class="axis"/>`;
  return frame(input.id, input.title, points, body, legend);
}
