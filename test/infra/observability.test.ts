import { describe, expect, it } from 'vitest';
import { catalogColumns, catalogDatabaseName, partitionProjectionParameters } from '../../contracts/catalogTable';
import { everyMinutesExpression } from '../../pulumi/components/sweeper';
import { ALARM_KEYS, alarmSpecs } from '../../pulumi/observability/alarms';
import { dashboardBody, glueCostExpressions } from '../../pulumi/observability/dashboard';
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

describe('the Glue cost widgets', () => {
  const body = (overrides: Partial<typeof inputs> = {}) =>
    dashboardBody({ ...inputs, ...overrides, region: 'us-east-1', streamName: 'np-dev-ingest', glueJobName: 'np-dev-glue', alarmArns: [] });
  const costWidgets = (b: ReturnType<typeof dashboardBody>) => b.widgets.filter((w) => String(w.properties.title).startsWith('Glue $'));

  it("price the job's DPU-seconds at the stack's DPU-hour: $ per run over its sample count, $/GB over GlueInputBytes in 2^30 bytes", () => {
    // Act
    const [perRun, perGb, range] = costWidgets(body());
    const standard = costWidgets(body({ glueExecutionClass: 'STANDARD', glueDpuHourUsd: 0.44 }));

    // Assert
    expect(perRun?.properties.metrics).toEqual([
      [{ expression: '(dpus / 3600 * 0.29) / runs', label: '$ per run, hourly average (estimate)', id: 'perRun' }],
      ['ndjson-parquet', 'GlueDpuSeconds', 'service', 'np-dev', { id: 'dpus', stat: 'Sum', visible: false }],
      ['ndjson-parquet', 'GlueDpuSeconds', 'service', 'np-dev', { id: 'runs', stat: 'SampleCount', visible: false }],
    ]);
    expect(perGb?.properties.metrics).toEqual([
      [{ expression: '(dpus / 3600 * 0.29) / (bytes / 1073741824)', label: '$/GB (estimate)', id: 'perGb' }],
      ['ndjson-parquet', 'GlueDpuSeconds', 'service', 'np-dev', { id: 'dpus', stat: 'Sum', visible: false }],
      ['ndjson-parquet', 'GlueInputBytes', 'service', 'np-dev', { id: 'bytes', stat: 'Sum', visible: false }],
    ]);
    expect(range?.properties).toMatchObject({ view: 'singleValue', setPeriodToTimeRange: true });
    for (const w of [perRun, perGb, range]) expect(String(w?.properties.title)).toContain('estimate');
    expect(String(perRun?.properties.title)).toContain('Flex $0.29/DPU-hour');
    expect(String(standard[0]?.properties.title)).toContain('standard $0.44/DPU-hour');
    expect(glueCostExpressions(0.44).usdPerRun).toBe('(dpus / 3600 * 0.44) / runs');
  });

  it('every id an expression names is a metric of its widget', () => {
    for (const widget of costWidgets(body())) {
      // Prepare
      const lines = widget.properties.metrics as (string | Record<string, unknown>)[][];
      const ids = new Set(lines.map((line) => (line.at(-1) as { id?: string }).id));

      // Act
      const named = lines.flatMap((line) => {
        const expression = (line[0] as { expression?: string }).expression;
        return expression ? (expression.match(/[a-z][A-Za-z]*/g) ?? []) : [];
      });

      // Assert
      expect(named.filter((id) => !ids.has(id))).toEqual([]);
    }
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
    expect(catalogColumns({}).map((c) => c.Name)).not.toContain('date');
  });

  it('writes EventBridge rate expressions in singular and plural', () => {
    // Arrange / Act / Assert
    expect(everyMinutesExpression(1)).toBe('rate(1 minute)');
    expect(everyMinutesExpression(5)).toBe('rate(5 minutes)');
  });
});
