import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIST_PRICES, pricesSchema } from '../../contracts/prices';
import { stackConfigSchema } from '../../contracts/stackConfig';
import { billedDpuSeconds, GLUE_WORKERS, type GlueWorkerType } from '../../handlers/orchestration/glueCapacity';
import {
  BYTES_PER_GB,
  costPerGb,
  dpuHourUsd,
  estimatedRunCost,
  type JobRunFigures,
  jobRunCost,
} from '../../handlers/orchestration/glueRunCost';

const GiB = 2 ** 30;

const jobRun = (figures: Partial<JobRunFigures>): JobRunFigures => ({
  dpuSeconds: null,
  executionTimeSeconds: null,
  workerType: null,
  numberOfWorkers: null,
  executionClass: null,
  maxCapacity: null,
  ...figures,
});

describe('a Glue run priced', () => {
  it('at the list prices when the stack names none, and at its own where it overrides one', () => {
    // Act
    const none = stackConfigSchema.parse({}).prices;
    const one = stackConfigSchema.parse({ prices: { glueFlexDpuHour: 0.25 } }).prices;

    // Assert
    expect(none).toEqual(LIST_PRICES);
    expect(one).toEqual({ ...LIST_PRICES, glueFlexDpuHour: 0.25 });
  });

  it('at the Flex DPU-hour for Flex runs and the standard one otherwise, overrides included', () => {
    // Prepare
    const negotiated = pricesSchema.parse({ glueDpuHour: 0.4, glueFlexDpuHour: 0.2 });

    // Act / Assert
    expect(dpuHourUsd('FLEX', LIST_PRICES)).toBe(0.29);
    expect(dpuHourUsd('STANDARD', LIST_PRICES)).toBe(0.44);
    expect(dpuHourUsd('FLEX', negotiated)).toBe(0.2);
  });

  it("from the job's run time: whole seconds × workers × DPU per worker, one minute at least, marked estimated", () => {
    // Act
    const flex = estimatedRunCost({ workerType: 'G.1X', numberOfWorkers: 2, executionClass: 'FLEX' }, 74.2, LIST_PRICES);
    const short = estimatedRunCost({ workerType: 'G.2X', numberOfWorkers: 3, executionClass: 'STANDARD' }, 12, LIST_PRICES);

    // Assert: 75 s × 2 × 1 DPU = 150 DPU-s at $0.29/h; 60 s × 3 × 2 DPU = 360 DPU-s at $0.44/h
    expect(flex).toEqual({ dpuSeconds: 150, usd: expect.closeTo(0.0120833, 7), estimated: true });
    expect(short).toEqual({ dpuSeconds: 360, usd: expect.closeTo(0.044, 9), estimated: true });
  });

  it("from Glue's record: DPUSeconds where given, else ExecutionTime × DPUs with the minimum, not estimated", () => {
    // Act
    const flex = jobRunCost(
      jobRun({ dpuSeconds: 131.5, executionTimeSeconds: 80, workerType: 'G.1X', numberOfWorkers: 2, executionClass: 'FLEX' }),
      LIST_PRICES,
    );
    const standard = jobRunCost(
      jobRun({ executionTimeSeconds: 95, workerType: 'G.1X', numberOfWorkers: 5, executionClass: 'STANDARD' }),
      LIST_PRICES,
    );
    const brief = jobRunCost(jobRun({ executionTimeSeconds: 20, workerType: 'G.1X', numberOfWorkers: 5 }), LIST_PRICES);
    const unknownType = jobRun({ executionTimeSeconds: 100, workerType: 'Z.2X', numberOfWorkers: 4, maxCapacity: 8 });
    const running = jobRun({ workerType: 'G.1X', numberOfWorkers: 2 });

    // Assert
    expect(flex).toEqual({ dpuSeconds: 131.5, usd: expect.closeTo((131.5 / 3600) * 0.29, 12), estimated: false });
    // 95 s × 5 DPU = 475 DPU-s; 20 s is billed as 60 s: 300 DPU-s
    expect(standard).toEqual({ dpuSeconds: 475, usd: expect.closeTo(0.0580556, 7), estimated: false });
    expect(brief).toEqual({ dpuSeconds: 300, usd: expect.closeTo(0.0366667, 7), estimated: false });
    expect(jobRunCost(unknownType, LIST_PRICES)?.dpuSeconds).toBe(800);
    expect(jobRunCost(running, LIST_PRICES)).toBeNull();
  });

  it('from ExecutionTime agrees with the sizing rule, and Flex never costs more than standard for the same run', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(GLUE_WORKERS) as GlueWorkerType[])),
        fc.integer({ min: 2, max: 299 }),
        fc.integer({ min: 0, max: 172_800 }),
        (workerType, numberOfWorkers, seconds) => {
          const run = jobRun({ executionTimeSeconds: seconds, workerType, numberOfWorkers });
          const standard = jobRunCost({ ...run, executionClass: 'STANDARD' }, LIST_PRICES)!;
          const flex = jobRunCost({ ...run, executionClass: 'FLEX' }, LIST_PRICES)!;
          expect(standard.dpuSeconds).toBe(billedDpuSeconds({ workerType, numberOfWorkers }, seconds));
          expect(standard.dpuSeconds).toBeGreaterThanOrEqual(60 * numberOfWorkers * GLUE_WORKERS[workerType].dpu);
          expect(flex.usd).toBeLessThanOrEqual(standard.usd);
        },
      ),
    );
  });
});

describe('dollars per GB', () => {
  it("counts every run's dollars over the input of the runs whose output stands, in GB of 2^30 bytes", () => {
    // Prepare: a failed run and its redrive over the same 1 GiB, and a 0.5 GiB run
    const runs = [
      { usd: 0.02, inputBytes: GiB, converted: false, estimated: false },
      { usd: 0.04, inputBytes: GiB, converted: true, estimated: false },
      { usd: 0.03, inputBytes: GiB / 2, converted: true, estimated: true },
      { usd: null, inputBytes: GiB, converted: false, estimated: true },
    ];

    // Act
    const all = costPerGb(runs);
    const real = costPerGb(runs.slice(0, 2));

    // Assert: $0.09 over 1.5 GB
    expect(BYTES_PER_GB).toBe(1_073_741_824);
    expect(all).toEqual({
      runs: 4,
      usd: expect.closeTo(0.09, 12),
      convertedBytes: 1.5 * GiB,
      usdPerGb: expect.closeTo(0.06, 12),
      estimated: true,
      unpriced: 1,
    });
    expect(real).toMatchObject({ usdPerGb: expect.closeTo(0.06, 12), estimated: false, unpriced: 0 });
    expect(costPerGb([]).usdPerGb).toBeNull();
  });
});
