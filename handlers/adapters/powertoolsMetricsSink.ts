import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsSink } from '../services/ports';

export const METRICS_NAMESPACE = 'ndjson-parquet';

/** EMF metrics through Powertools: CloudWatch extracts them from the Lambda's log, no PutMetricData call. */
export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE })) {}

  count(name: string, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }

  bytes(name: string, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Bytes, value);
  }

  flush(): void {
    this.metrics.publishStoredMetrics();
  }
}
