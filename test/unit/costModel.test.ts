import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRIC_CATALOGUE, METRIC_NAMES } from '../../contracts/metrics';
import { LIST_PRICES, PRICE_SOURCES } from '../../contracts/prices';
import { parseStackConfig, type StackConfig } from '../../contracts/stackConfig';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { RECONCILE_MAX_OBJECTS } from '../../handlers/sweeper';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { loadStackConfig } from '../../local/resources';
import { batcherInvocationsPerMonth, estimateMonthlyCost, manifestsPerDay } from '../../operator/cost/costModel';
import { firehoseCost, firehoseIngestUsd, packedBilledBytes } from '../../operator/cost/firehoseCost';
import { happyPathTransitions, StateMachineWalkError } from '../../operator/cost/happyPathTransitions';
import { USAGE } from '../../operator/cost/measuredUsage';
import { SWEEPER_MEMORY_MB } from '../../pulumi/components/sweeper';
import { ALARM_KEYS } from '../../pulumi/observability/alarms';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/**
 * A stack with round numbers: 2 shards kept 48 h, one batch at a time per shard, a 1 GiB batch, batches that
 * never close on age, an hourly sweeper, a 1 GB batcher on arm64.
 */
function roundStack(overrides: Record<string, unknown> = {}): StackConfig {
  return parseStackConfig(
    {
      batching: { maxBatchBytes: GIB, maxBatchFiles: 2000, maxWaitSeconds: 86_400 },
      stream: { mode: 'PROVISIONED', shardCount: 2, retentionHours: 48 },
      batcher: {
        memoryMb: 1024,
        batchSize: 100,
        maximumBatchingWindowSeconds: 10,
        parallelizationFactor: 1,
        maximumRecordAgeSeconds: 172_800,
      },
      sweeper: { everyMinutes: 60, stuckProcessingMinutes: 240 },
      glue: { workerType: 'G.1X', numberOfWorkers: 2, minWorkers: 2, executionClass: 'STANDARD' },
      tracking: { ttlDays: 30, pointInTimeRecovery: true },
      observability: { logRetentionDays: 14, stateMachineLogLevel: 'ERROR' },
      storage: { forceDestroy: true, manifestsExpiryDays: 90, logsExpiryDays: 90 },
      lambda: { architecture: 'arm64' },
      ...overrides,
    },
    'round',
  );
}

// 2,400 files a day of 1 MiB over a 730-hour month: 2,400 x 730 / 24 = 73,000 files, 73,000 MiB.
const FILES = 73_000;
const VOLUME = { filesPerDay: 2400, fileMb: 1 };
// 2,400 MiB a day in batches of at most 1 GiB: 3 manifests a day of 800 MiB, 3 x 730 / 24 = 91.25 a month.
const MANIFESTS = 91.25;
// An hourly sweeper: 730 sweeps.
const SWEEPS = 730;

describe('the cost model, component by component (hand-computed)', () => {
  const estimate = estimateMonthlyCost(roundStack(), VOLUME, LIST_PRICES);
  const c = estimate.components;

  it('batches a day into the fewest manifests its bounds allow', () => {
    // Assert
    expect(estimate.filesPerMonth).toBeCloseTo(FILES, 6);
    expect(estimate.manifestsPerDay).toBe(3);
    expect(estimate.glueRun.bytes).toBe(800 * MIB);
  });

  it('kinesis (provisioned): shard-hours, extended retention for every shard-hour past 24 h, one PUT unit per event', () => {
    // 2 x 730 shard-hours at $0.015, the same again at $0.02 for 48 h, 73,000 events of 1.2 KB = 73,000 units at $0.014/M
    expect(c.kinesis.usd).toBeCloseTo(1460 * 0.015 + 1460 * 0.02 + 0.073 * 0.014, 9);
  });

  it('kinesis (on-demand): stream-hours, GB in and out at 1 KB rounding, one extra day held', () => {
    // Act
    const onDemand = estimateMonthlyCost(roundStack({ stream: { mode: 'ON_DEMAND', retentionHours: 48 } }), VOLUME, LIST_PRICES);

    // 1.2 KB events round to 2 KB: 73,000 x 2,048 B; 48 h holds one day's GB (a month's over 730/24 days) a second day
    const gb = (FILES * 2048) / GIB;
    expect(onDemand.components.kinesis.usd).toBeCloseTo(730 * 0.04 + gb * 0.08 + gb * 0.04 + (gb / (730 / 24)) * 0.1, 9);
  });

  it('eventbridge: S3 events on the default bus and the schedule are free', () => {
    expect(c.eventbridge.usd).toBe(0);
  });

  it('glue: each 800 MiB run on 2 G.1X is 30 s + 800 / (1 executor x 4 vCPU x 15.31 MB/s) = 43 s, billed 60 s x 2 DPU', () => {
    // Assert
    expect(estimate.glueRun.estimatedSeconds).toBeCloseTo(30 + 800 / (4 * 15.31), 6);
    expect(estimate.glueRun.billedDpuSeconds).toBe(120);
    expect(c.glue.usd).toBeCloseTo(((MANIFESTS * 120) / 3600) * 0.44, 9);

    // Act: Flex is the same DPU-seconds at its price
    const flex = estimateMonthlyCost(
      roundStack({ glue: { numberOfWorkers: 2, minWorkers: 2, executionClass: 'FLEX' } }),
      VOLUME,
      LIST_PRICES,
    );
    expect(flex.components.glue.usd).toBeCloseTo(((MANIFESTS * 120) / 3600) * 0.29, 9);
  });

  it('lambda: one batch per event at this rate, GB-seconds from memory and measured durations, both functions invoked', () => {
    // 2 slots get 73,000 / (730 x 3,600) / 2 = 0.0139 events/s each, fewer than a 10 s window closes: one invocation per event.
    // Batcher: 73,000 x 100 ms fixed + 73,000 x 11.7 ms + 91.25 x 81 ms, at 1 GB. Sweeper: 730 x 1,070 ms at 256 MB.
    const batcherGbSeconds = (FILES * 100 + FILES * 11.7 + MANIFESTS * 81) / 1000;
    const sweeperGbSeconds = (SWEEPS * 1070) / 1000 / 4;
    expect(c.lambda.detail.batcher_invocations).toBeCloseTo(FILES, 6);
    expect(c.lambda.usd).toBeCloseTo((batcherGbSeconds + sweeperGbSeconds) * 0.0000133334 + ((FILES + SWEEPS) / 1e6) * 0.2, 9);

    // Act: x86 prices the same GB-seconds higher
    const x86 = estimateMonthlyCost(roundStack({ lambda: { architecture: 'x86_64' } }), VOLUME, LIST_PRICES);
    expect(x86.components.lambda.usd).toBeCloseTo((batcherGbSeconds + sweeperGbSeconds) * 0.0000166667 + ((FILES + SWEEPS) / 1e6) * 0.2, 9);
  });

  it('lambda: a busy shard fills whole batches instead of one per window', () => {
    // 100 events/s on one slot with batches of 100: one invocation a second, not 100
    const busy = roundStack({ stream: { mode: 'PROVISIONED', shardCount: 1, retentionHours: 24 } });
    expect(batcherInvocationsPerMonth(busy, 100 * 730 * 3600)).toBeCloseTo(730 * 3600, 3);
  });

  it('dynamodb: measured WRU and RRU per file, the sweeper reconciling 5,000 objects an hour, items kept with PITR', () => {
    // Writes: 4.02 WRU per file, 1 per sweep. Reads: 1.08 per file; per sweep 26 plus 5,000 file items of 668 B read
    // as one 4 KB unit per 4 KB. Storage: a month's file items for good, 3 MANIFEST records a day for 30 days; PITR the same.
    const writes = FILES * 4.02 + SWEEPS;
    const reads = FILES * 1.08 + SWEEPS * (26 + (5000 * 668) / 4096);
    const gb = (FILES * 668 + 30 * 3 * 892) / GIB;
    expect(c.dynamodb.usd).toBeCloseTo((writes / 1e6) * 0.625 + (reads / 1e6) * 0.125 + gb * 0.25 + gb * 0.2, 9);
  });

  it("stepfunctions: the definition's happy path once per manifest", () => {
    // SizeGlueRun, its GlueCapacity<n> Pass, MarkProcessing, RunGlue, MarkCompleted.
    const definition = stateMachineDefinition({ tableName: 't', glueJobName: 'g', glueRunRetries: 1, glueSizing: roundStack().glue });
    expect(happyPathTransitions(definition)).toBe(5);
    expect(c.stepfunctions.usd).toBeCloseTo(((MANIFESTS * 5) / 1000) * 0.025, 9);
  });

  it('s3: requests per file, manifest and invocation, the sweeper listing 5 pages, Parquet at 7.45:1 and reports kept 90 days', () => {
    // PUT-class: 8.1 per manifest, 1 report per batcher invocation, 5 LIST pages per sweep. GET-class: 3 per file, 4 per manifest.
    const puts = MANIFESTS * 8.1 + FILES + SWEEPS * 5;
    const gets = FILES * 3 + MANIFESTS * 4;
    const parquetGb = FILES / 1024 / 7.45;
    // 2,400 files and 2,400 invocations a day: manifests 407 B a file, Glue reports 596 B a file, invocation reports 2,758 B.
    const keptGb = (2400 * 407 * 90 + (2400 * 596 + 2400 * 2758) * 90) / GIB;
    expect(c.s3.usd).toBeCloseTo((puts / 1000) * 0.005 + (gets / 1000) * 0.0004 + parquetGb * 0.023 + keptGb * 0.023, 9);
    expect(estimate.inputStorage.usdPerMonthKept).toBeCloseTo((FILES / 1024) * 0.023, 9);
  });

  it("cloudwatch: metrics by the hours they are published, 13 alarms, the dashboard, logs at 14 days' retention", () => {
    // The sweeper's 3 metrics every hour, the batcher's every hour (100 files an hour), Glue's in 3 of 24 hours.
    const glueMetrics = METRIC_NAMES.filter((n) => METRIC_CATALOGUE[n].emittedBy === 'glue').length;
    const metricMonths = 3 + (METRIC_NAMES.length - glueMetrics - 3) + glueMetrics * (3 / 24);
    // Logs: 950 B per batcher invocation, 215 B per manifest, 983 B per sweep, 200 KB per Glue run; none from Step Functions at ERROR.
    const logGb = (FILES * 950 + MANIFESTS * 215 + SWEEPS * 983 + MANIFESTS * 200_000) / GIB;
    const expected = metricMonths * 0.3 + 13 * 0.1 + 3 + logGb * 0.5 + logGb * (14 / (730 / 24)) * 0.03 + (MANIFESTS / 1000) * 0.01;
    expect(c.cloudwatch.usd).toBeCloseTo(expected, 9);
  });

  it('kms: the alarm key, and the stream calling KMS every 5 minutes for each of 2 credentials', () => {
    expect(c.kms.usd).toBeCloseTo(1 + ((2 * 12 * 730) / 10_000) * 0.03, 9);
  });

  it('adds the components into the total and divides by the GB converted', () => {
    const sum = Object.values(c).reduce((s, x) => s + x.usd, 0);
    expect(estimate.totalUsdPerMonth).toBeCloseTo(sum, 9);
    expect(estimate.perGbUsd).toBeCloseTo(sum / (FILES / 1024), 9);
  });
});

describe('Firehose for the same volume (hand-computed)', () => {
  it('packs whole lines into records of at most 1,000 KiB and rounds each record up to 5 KB', () => {
    // 1 MiB of 1,000 B lines: a record of 1,024 lines (1,024,000 B = 200 x 5,120) and one of 24,576 B billed as 25,600
    expect(packedBilledBytes(MIB, 1000)).toEqual({ billedBytes: 1_024_000 + 25_600, records: 2 });
  });

  it('prices ingestion and conversion on the billed GB, and shows what one line per record would cost', () => {
    // Act
    const cost = firehoseCost({ filesPerMonth: FILES, fileBytes: MIB, recordBytes: 1000 }, LIST_PRICES, 0);

    // Assert: 73,000 x 1,049,600 B billed; one line per record: 1,049 lines of 5,120 B each
    const billedGb = (FILES * 1_049_600) / GIB;
    expect(cost.ingestUsd).toBeCloseTo(billedGb * 0.029, 9);
    expect(cost.conversionUsd).toBeCloseTo(billedGb * 0.018, 9);
    expect(cost.roundingOverhead).toBeCloseTo(1_049_600 / MIB - 1, 12);
    expect(cost.naiveOneLinePerRecord.billedGb).toBeCloseTo((FILES * 1049 * 5120) / GIB, 9);
    // Parquet objects of 128 MiB: 73,000 MiB / 7.45 / 128 PUTs
    expect(cost.s3Usd).toBeCloseTo((FILES / 7.45 / 128 / 1000) * 0.005, 12);
  });

  it('bills ingestion by monthly tier: 500 TB at $0.029, the next 1.5 PB at $0.025', () => {
    expect(firehoseIngestUsd(600 * 1024, LIST_PRICES)).toBeCloseTo(500 * 1024 * 0.029 + 100 * 1024 * 0.025, 6);
    expect(firehoseIngestUsd(3 * 1024 * 1024, LIST_PRICES)).toBeCloseTo(500 * 1024 * 0.029 + 1548 * 1024 * 0.025 + 1024 * 1024 * 0.02, 4);
  });
});

describe('happyPathTransitions', () => {
  it('follows Next through a Choice default and a Pass, ignoring Catch, to the end', () => {
    // Arrange
    const definition = {
      StartAt: 'Mark',
      States: {
        Mark: { Type: 'Task', Next: 'Size', Catch: [{ Next: 'Done' }] },
        Size: { Type: 'Choice', Choices: [{ Next: 'Small' }], Default: 'Large' },
        Small: { Type: 'Pass', Next: 'Run' },
        Large: { Type: 'Pass', Next: 'Run' },
        Run: { Type: 'Task', Next: 'Complete' },
        Complete: { Type: 'Task', End: true },
        Done: { Type: 'Succeed' },
      },
    };

    // Act / Assert: Mark, Size, Large, Run, Complete
    expect(happyPathTransitions(definition)).toBe(5);
  });

  it('refuses a definition whose path loops or leads nowhere', () => {
    expect(() => happyPathTransitions({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'A' } } })).toThrow(StateMachineWalkError);
    expect(() => happyPathTransitions({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } })).toThrow(/does not have/);
  });
});

describe('properties', () => {
  const stacks = ['dev', 'prod'] as const;

  it('never costs less for more files or bigger files, and never less than at rest', async () => {
    const configs = await Promise.all(stacks.map(async (stack) => (await loadStackConfig(stack, PROJECT_ROOT)).config));
    fc.assert(
      fc.property(
        fc.constantFrom(...configs),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.double({ min: 0.01, max: 64, noNaN: true }),
        (config, a, b, fileMb) => {
          const [fewer, more] = a <= b ? [a, b] : [b, a];
          const low = estimateMonthlyCost(config, { filesPerDay: fewer, fileMb });
          const high = estimateMonthlyCost(config, { filesPerDay: more, fileMb });
          const rest = estimateMonthlyCost(config, { filesPerDay: 0, fileMb });
          expect(high.totalUsdPerMonth).toBeGreaterThanOrEqual(low.totalUsdPerMonth - 1e-9);
          expect(low.totalUsdPerMonth).toBeGreaterThanOrEqual(rest.totalUsdPerMonth - 1e-9);
          expect(high.firehose.usdPerMonth).toBeGreaterThanOrEqual(low.firehose.usdPerMonth - 1e-9);
        },
      ),
    );
  });

  it('Firehose bills at least what is sent and at most 5 KB more per record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 * MIB }), fc.integer({ min: 2, max: 200_000 }), (fileBytes, recordBytes) => {
        const { billedBytes, records } = packedBilledBytes(fileBytes, recordBytes);
        expect(billedBytes).toBeGreaterThanOrEqual(fileBytes);
        expect(billedBytes).toBeLessThan(fileBytes + records * 5 * 1024);
      }),
    );
  });

  it('never makes a manifest bigger than the batch bound allows', () => {
    const { batching } = roundStack();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 512 * MIB }), (files, fileBytes) => {
        const perDay = manifestsPerDay(files, fileBytes, batching);
        expect((files * fileBytes) / perDay).toBeLessThanOrEqual(batching.maxBatchBytes);
        expect(files / perDay).toBeLessThanOrEqual(batching.maxBatchFiles);
      }),
    );
  });
});

describe('the figures the model copies from elsewhere', () => {
  it('match their sources', () => {
    expect(USAGE.alarms).toBe(ALARM_KEYS.length);
    expect(USAGE.sweeperMemoryMb).toBe(SWEEPER_MEMORY_MB);
    expect(USAGE.sweeperReconcileMaxObjects).toBe(RECONCILE_MAX_OBJECTS);
  });

  it('docs/cost.md gives every price of the table', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/cost.md'), 'utf8');
    const missing = Object.keys(PRICE_SOURCES).filter((key) => !doc.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
});
