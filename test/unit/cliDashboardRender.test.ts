import { describe, expect, it } from 'vitest';
import { cumulative } from '../../dashboard/dashboardSnapshot';
import { axisMaximum, barChart, lineChart } from '../../dashboard/svgCharts';

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
