import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC_CATALOGUE, METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE_DIMENSION } from '../../contracts/metrics';
import { PowertoolsMetricsSink } from '../../handlers/adapters/powertoolsMetricsSink';

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

describe('the Powertools metrics sink', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes every catalogued metric as EMF under the namespace, with its catalogue unit and the service dimension alone', () => {
    // Arrange: the Lambda environment the stack sets (pulumi/components/lambdaFunction.ts)
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'np-dev');
    // Dev mode would print nothing.
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const sink = new PowertoolsMetricsSink();

    // Act
    for (const name of METRIC_NAMES) sink.add(name, 3);
    sink.flush();

    // Assert
    const documents = lines.map((line) => JSON.parse(line) as EmfDocument);
    const written = documents.flatMap((doc) => doc._aws.CloudWatchMetrics.map((m) => ({ ...m, doc })));
    expect(written.map((m) => m.Namespace)).toEqual(written.map(() => METRICS_NAMESPACE));
    for (const m of written) {
      expect(m.Dimensions).toEqual([[METRICS_SERVICE_DIMENSION]]);
      expect(m.doc[METRICS_SERVICE_DIMENSION]).toBe('np-dev');
    }
    const units = Object.fromEntries(written.flatMap((m) => m.Metrics.map((metric) => [metric.Name, metric.Unit])));
    expect(units).toEqual(Object.fromEntries(METRIC_NAMES.map((name) => [name, METRIC_CATALOGUE[name].unit])));
  });
});
