import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnTypeProblem } from '../../contracts/declaredColumns';
import { resourceNames } from '../../contracts/resourceNames';
import {
  CONFIG_KEY,
  CONFIG_NAMESPACE,
  ConfigError,
  longestHealthyRunMinutes,
  parseStackConfig,
  parseStackConfigForDeploy,
  stackConfigSchema,
} from '../../contracts/stackConfig';
import { glueDefaultArguments } from '../../handlers/orchestration/glueArguments';
import { deployedRawStackConfig, rawStackConfig, stackConfig } from './support/stackConfigs';

function configError(raw: unknown, stack = 'dev'): ConfigError {
  try {
    parseStackConfigForDeploy(raw, stack);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('stack config files', () => {
  it.each(['dev', 'prod'] as const)('Pulumi.%s.yaml holds one valid ndjson-parquet:pipeline object (once deployed)', (stack) => {
    // Arrange
    const raw = deployedRawStackConfig(stack);
    // Act
    const parsed = stackConfigSchema.safeParse(raw);
    // Assert
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect(`${CONFIG_NAMESPACE}:${CONFIG_KEY}`).toBe('ndjson-parquet:pipeline');
    expect(resourceNames(stackConfig(stack).namePrefix, stack).base).toBe(`ndjson-parquet-${stack}`);
  });

  it('makes dev and prod differ in thresholds, TTL, shards, workers, log retention, alarms, generator and destroyability', () => {
    // Arrange
    const dev = stackConfig('dev');
    const prod = stackConfig('prod');
    // Act
    const differs = (pick: (c: typeof dev) => unknown) => JSON.stringify(pick(dev)) !== JSON.stringify(pick(prod));
    // Assert
    expect({
      batchBytes: differs((c) => c.batching.maxBatchBytes),
      batchFiles: differs((c) => c.batching.maxBatchFiles),
      ttlDays: differs((c) => c.tracking.ttlDays),
      shards: differs((c) => c.stream.shardCount),
      glueWorkers: differs((c) => c.glue.numberOfWorkers),
      logRetention: differs((c) => c.observability.logRetentionDays),
      iteratorAlarm: differs((c) => c.observability.iteratorAgeAlarmSeconds),
      stateMachineLogs: differs((c) => c.observability.stateMachineLogLevel),
      generator: differs((c) => c.generator.enabled),
      forceDestroy: differs((c) => c.storage.forceDestroy),
      expiries: differs((c) => c.storage.quarantineExpiryDays),
    }).toEqual({
      batchBytes: true,
      batchFiles: true,
      ttlDays: true,
      shards: true,
      glueWorkers: true,
      logRetention: true,
      iteratorAlarm: true,
      stateMachineLogs: true,
      generator: true,
      forceDestroy: true,
      expiries: true,
    });
    expect(dev.generator.enabled && dev.storage.forceDestroy).toBe(true);
    expect(prod.generator.enabled || prod.storage.forceDestroy).toBe(false);
    // Both keep the stream 24 h: the sweeper's reconcile recovers what expires (docs/cost.md).
    expect([dev.stream.retentionHours, prod.stream.retentionHours]).toEqual([24, 24]);
  });
});

describe('settings that only hold together', () => {
  it('refuses Pulumi.prod.yaml as shipped until an alarm destination is set: prod alarms must reach a person', () => {
    // Arrange
    const raw = rawStackConfig('prod');
    // Act
    const error = configError(raw, 'prod');
    // Assert
    expect(error.issues.map((i) => i.key)).toEqual(['ndjson-parquet:pipeline.observability.alarmEmail']);
    expect(error.message).toContain("pulumi config set --path 'ndjson-parquet:pipeline.observability.alarmEmail'");
  });

  it('lets a disposable stack (storage.forceDestroy true) deploy without an alarm destination', () => {
    // Arrange
    const raw = rawStackConfig('dev');
    // Act
    const parsed = parseStackConfigForDeploy(raw, 'dev');
    // Assert
    expect(parsed.storage.forceDestroy).toBe(true);
    expect(parsed.observability.alarmEmail).toBeUndefined();
  });

  it('reads Pulumi.prod.yaml as shipped for tools that only read its settings (the operator CLI)', () => {
    // Arrange
    const raw = rawStackConfig('prod');
    // Act
    const parsed = parseStackConfig(raw, 'prod');
    // Assert
    expect(parsed.observability.alarmEmail).toBeUndefined();
  });

  it.each([
    ['dev', 60, 30, 1],
    ['prod', 180, 120, 2],
  ] as const)(
    'refuses the old %s stuck bound (%i min), shorter than %i-minute Glue runs with %i retries',
    (stack, oldBound, timeout, retries) => {
      // Arrange
      const raw = deployedRawStackConfig(stack);
      const old = { ...raw, sweeper: { ...(raw.sweeper as object), stuckProcessingMinutes: oldBound } };
      // Act
      const error = configError(old, stack);
      // Assert
      expect(stackConfig(stack).glue).toMatchObject({ timeoutMinutes: timeout, maxRetries: retries });
      expect(error.issues.map((i) => i.key)).toEqual(['ndjson-parquet:pipeline.sweeper.stuckProcessingMinutes']);
      expect(error.message).toContain(`raise it to at least ${longestHealthyRunMinutes({ timeoutMinutes: timeout, maxRetries: retries })}`);
    },
  );

  it.each(['dev', 'prod'] as const)(
    'gives %s a stuck bound no healthy run reaches: every attempt timing out, the retry waits and a queue wait',
    (stack) => {
      // Arrange
      const config = stackConfig(stack);
      // Act
      const healthy = longestHealthyRunMinutes(config.glue);
      // Assert
      const attempts = 1 + config.glue.maxRetries;
      expect(healthy).toBeGreaterThan(attempts * config.glue.timeoutMinutes);
      expect(config.sweeper.stuckProcessingMinutes).toBeGreaterThanOrEqual(healthy);
    },
  );

  it('counts the retry waits of the state machine: 1, 2, 4 ... minutes between runs', () => {
    // Arrange
    const glue = { timeoutMinutes: 10, maxRetries: 3 };
    // Act
    const healthy = longestHealthyRunMinutes(glue);
    // Assert
    expect(healthy).toBe(4 * 10 + (1 + 2 + 4) + 10);
  });
});

describe('a bad config value fails with a message naming its key', () => {
  it('names the full key path of a wrong type', () => {
    // Arrange
    const raw = { ...rawStackConfig('dev'), stream: { mode: 'PROVISIONED', shardCount: 'two', retentionHours: 24 } };
    // Act
    const error = configError(raw);
    // Assert
    expect(error.message).toContain('invalid configuration for stack "dev"');
    expect(error.message).toContain('ndjson-parquet:pipeline.stream.shardCount');
    expect(error.issues.map((i) => i.key)).toEqual(['ndjson-parquet:pipeline.stream.shardCount']);
    expect(error.stackName).toBe('dev');
  });

  it('names an out-of-range value and an unknown key', () => {
    // Arrange
    const raw = { ...deployedRawStackConfig('prod'), observability: { logRetentionDays: 8 }, storage: { forceDestroy: false, typo: 1 } };
    // Act
    const error = configError(raw, 'prod');
    // Assert
    const keys = error.issues.map((i) => i.key);
    expect(keys).toContain('ndjson-parquet:pipeline.observability.logRetentionDays');
    expect(error.message).toMatch(/ndjson-parquet:pipeline\.storage.*typo/);
  });

  it.each([
    [
      'a stream retention the batcher never reads',
      { stream: { retentionHours: 168 }, batcher: { maximumRecordAgeSeconds: 86_400 } },
      'ndjson-parquet:pipeline.stream.retentionHours',
      'lower it to 24 or raise maximumRecordAgeSeconds',
    ],
    ['a streaming-only Glue worker type', { glue: { workerType: 'G.025X' } }, 'ndjson-parquet:pipeline.glue.workerType', 'G.1X'],
  ])('rejects %s', (_what, change, key, hint) => {
    // Arrange
    const raw = { ...rawStackConfig('dev'), ...change };
    // Act
    const error = configError(raw, 'dev');
    // Assert
    expect(error.issues.map((i) => i.key)).toEqual([key]);
    expect(error.message).toContain(hint);
  });

  it('rejects an alarm e-mail that is not an address, and a log level that does not exist', () => {
    // Arrange
    const raw = { ...rawStackConfig('prod'), observability: { alarmEmail: 'oncall' }, lambda: { logLevel: 'LOUD' } };
    // Act
    const error = configError(raw, 'prod');
    // Assert
    expect(error.issues.map((i) => i.key).sort()).toEqual([
      'ndjson-parquet:pipeline.lambda.logLevel',
      'ndjson-parquet:pipeline.observability.alarmEmail',
    ]);
  });
});

describe('schema.columns (declared column types)', () => {
  it('takes every declarable type and passes the map to the job as --declared_columns', () => {
    // Arrange
    const columns = {
      items_viewed: 'bigint',
      shipped_at: 'timestamp',
      sent_ms: 'timestamp(epoch_ms)',
      sent_s: 'timestamp(epoch_s)',
      amount: 'decimal(12,2)',
      day: 'date',
      ok: 'boolean',
      score: 'double',
      name: 'string',
      extra: 'json',
    };
    const raw = { ...deployedRawStackConfig('dev'), schema: { columns } };
    // Act
    const config = parseStackConfigForDeploy(raw, 'dev');
    const args = glueDefaultArguments(config, { outputBucket: 'out', manifestBucket: 'man' }, { database: 'db', table: 't' });
    // Assert
    expect(config.schema.columns).toEqual(columns);
    expect(JSON.parse(args['--declared_columns'] ?? '')).toEqual(columns);
    expect(args['--declared_columns']).not.toContain(' ');
  });

  it('declares nothing when the key is absent', () => {
    // Arrange
    const raw = deployedRawStackConfig('prod');
    // Act
    const config = parseStackConfigForDeploy(raw, 'prod');
    // Assert
    expect(config.schema.columns).toEqual({});
    expect(
      glueDefaultArguments(config, { outputBucket: 'o', manifestBucket: 'm' }, { database: 'db', table: 't' })['--declared_columns'],
    ).toBe('{}');
  });

  it.each([
    ['an unknown type', { amount: 'money' }, 'amount', 'unknown type "money"'],
    ['a precision beyond 38', { amount: 'decimal(39,2)' }, 'amount', 'precision must be 1 to 38'],
    ['a precision of 0', { amount: 'decimal(0,0)' }, 'amount', 'precision must be 1 to 38'],
    ['a scale beyond the precision', { amount: 'decimal(4,5)' }, 'amount', 'scale must be 0 to the precision'],
    ['an epoch unit that does not exist', { sent: 'timestamp(epoch_us)' }, 'sent', 'unknown type'],
    ['a name that cannot be a column', { 'order-id': 'bigint' }, 'order-id', 'cannot be a column'],
    ['a bookkeeping column', { _source_line: 'bigint' }, '_source_line', 'the pipeline writes itself'],
    ['two spellings of one column', { Amount: 'double', amount: 'double' }, 'amount', 'one column to Athena'],
  ])('rejects %s, naming the key', (_what, columns, field, hint) => {
    // Arrange
    const raw = { ...deployedRawStackConfig('dev'), schema: { columns } };
    // Act
    const error = configError(raw, 'dev');
    // Assert
    expect(error.issues.map((i) => i.key)).toEqual([`ndjson-parquet:pipeline.schema.columns.${field}`]);
    expect(error.message).toContain(hint);
  });

  it('accepts decimal(p,s) exactly when 1 <= p <= 38 and 0 <= s <= p', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (precision, scale) => {
        // Arrange
        const type = `decimal(${precision},${scale})`;
        // Act
        const problem = columnTypeProblem(type);
        // Assert
        expect(problem === undefined).toBe(precision >= 1 && precision <= 38 && scale <= precision);
      }),
    );
  });
});
