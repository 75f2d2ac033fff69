import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_CATALOGUE, METRICS_NAMESPACE, type MetricName } from '../../contracts/metrics';
import type { MetricsSink } from '../services/ports';

/** EMF metrics through Powertools: CloudWatch extracts them from the Lambda's log, no PutMetricData call. */
export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE })) {}

  add(name: MetricName, value: number): void {
    this.metrics.addMetric(name, MetricUnit[METRIC_CATALOGUE[name].unit], value);
  }

  flush(): void {
    this.metrics.publishStoredMetrics();
  }
}
