import type { MetricsSink } from '../services/ports';

/** Counts in memory: the local runtime's sink, and what tests assert on. */
export class MemoryMetricsSink implements MetricsSink {
  readonly totals = new Map<string, number>();

  count(name: string, value: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }

  bytes(name: string, value: number): void {
    this.count(name, value);
  }

  flush(): void {}

  get(name: string): number {
    return this.totals.get(name) ?? 0;
  }
}
