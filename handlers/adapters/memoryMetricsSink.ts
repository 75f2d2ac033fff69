import type { MetricName } from '../../contracts/metrics';
import type { MetricsSink } from '../services/ports';

/** Totals in memory, whatever the unit: the local runtime's sink, and what tests assert on. */
export class MemoryMetricsSink implements MetricsSink {
  readonly totals = new Map<MetricName, number>();

  add(name: MetricName, value: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }

  flush(): void {}

  get(name: MetricName): number {
    return this.totals.get(name) ?? 0;
  }
}
