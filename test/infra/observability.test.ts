import { describe, expect, it } from 'vitest';
import { CATALOG_COLUMNS, catalogDatabaseName, partitionProjectionParameters } from '../../pulumi/components/catalog';
import { everyMinutesExpression } from '../../pulumi/components/sweeper';
import { ALARM_KEYS, alarmSpecs } from '../../pulumi/observability/alarms';
import { dashboardBody } from '../../pulumi/observability/dashboard';
import { OBSERVED_DEV_STACK } from '../support/observabilityInputs';

const inputs = OBSERVED_DEV_STACK;

describe('alarm specs', () => {
  it('alarm on anything above zero except iterator age and pending age, which use the configured seconds', () => {
    // Arrange / Act
    const specs = alarmSpecs(inputs);
    // Assert
    expect(specs.map((s) => s.key)).toEqual([...ALARM_KEYS]);
    for (const s of specs.filter((x) => x.key !== 'iterator-age' && x.key !== 'pending-too-old'))
      expect([s.threshold, s.comparisonOperator]).toEqual([0, 'GreaterThanThreshold']);
    expect(specs.find((s) => s.key === 'iterator-age')?.threshold).toBe(600_000);
    expect(specs.find((s) => s.key === 'pending-too-old')).toMatchObject({
      metricName: 'OldestPendingAgeSeconds',
      statistic: 'Maximum',
      threshold: 720,
      comparisonOperator: 'GreaterThanThreshold',
    });
    for (const s of specs) expect(s.treatMissingData).toBe('notBreaching');
  });
});

describe('dashboard body', () => {
  it('lays widgets out on the 24-column grid without overlaps', () => {
    // Arrange
    const body = dashboardBody({
      ...inputs,
      region: 'us-east-1',
      streamName: 'np-dev-ingest',
      glueJobName: 'np-dev-glue',
      alarmArns: ['arn:a'],
    });
    // Act
    const cells = new Set<string>();
    const overlaps: string[] = [];
    for (const w of body.widgets) {
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          if (cells.has(cell)) overlaps.push(cell);
          cells.add(cell);
        }
      }
    }
    // Assert
    expect(overlaps).toEqual([]);
    for (const w of body.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
    expect(body.widgets.find((w) => w.type === 'alarm')?.properties.alarms).toEqual(['arn:a']);
  });
});

describe('catalog and schedule helpers', () => {
  it('projects one partition per date onto merged-parquet-${date}/', () => {
    // Arrange / Act
    const params = partitionProjectionParameters('out-bucket', 'pipeline/output/');
    // Assert
    expect(params['storage.location.template']).toBe('s3://out-bucket/pipeline/output/merged-parquet-${date}/');
    expect(params['projection.date.interval.unit']).toBe('DAYS');
    expect(catalogDatabaseName('ndjson-parquet-prod')).toBe('ndjson_parquet_prod');
    expect(CATALOG_COLUMNS.map((c) => c.name)).not.toContain('date');
  });

  it('writes EventBridge rate expressions in singular and plural', () => {
    // Arrange / Act / Assert
    expect(everyMinutesExpression(1)).toBe('rate(1 minute)');
    expect(everyMinutesExpression(5)).toBe('rate(5 minutes)');
  });
});
