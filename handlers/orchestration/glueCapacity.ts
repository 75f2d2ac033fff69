import type { StackConfig } from '../../contracts/stackConfig';

/**
 * How big a Glue run each manifest gets. Pure: the state machine definition compiles the rule into a
 * Choice on the execution's `total_bytes` (so every path that starts an execution, including a redrive,
 * gets the same capacity), the cost model prices it, and the reports show it.
 *
 * The rule: a run's time is a fixed overhead plus its bytes over the executors' throughput (Glue gives one
 * worker to the driver, the others run one executor each with all of the worker's vCPUs), and Glue bills
 * every worker for max(60 s, run time). Among minWorkers..numberOfWorkers, a run takes the fewest workers
 * that finish within glue.targetRunSeconds and hold its input in their executors' memory (the fewest is the
 * cheapest: more workers only add overhead and driver time), or all of them if none does.
 */

export type GlueWorkerType = StackConfig['glue']['workerType'];
export type GlueExecutionClass = StackConfig['glue']['executionClass'];

/** Glue's worker types for Spark jobs: DPUs billed per worker and the vCPUs the executor gets. */
export const GLUE_WORKERS: Record<GlueWorkerType, { dpu: number; vcpu: number; memoryGb: number }> = {
  'G.1X': { dpu: 1, vcpu: 4, memoryGb: 16 },
  'G.2X': { dpu: 2, vcpu: 8, memoryGb: 32 },
  'G.4X': { dpu: 4, vcpu: 16, memoryGb: 64 },
  'G.8X': { dpu: 8, vcpu: 32, memoryGb: 128 },
};

/**
 * The throughput the sizing rule assumes, from `npm run bench:glue` (docs/benchmarks.md): the job's own code
 * path on a table's first manifest, the slower of its two cases (30.62 MB/s on 2 vCPU, 2026-11-22), so a
 * run is sized for the schema work too. The overhead is the run's time that does not grow with its bytes:
 * Glue's start of the Spark application and the job's fixed steps (arguments, manifest, registry, commit,
 * report). The first deployment should confirm both against GetJobRun's ExecutionTime (docs/cost.md).
 */
export const GLUE_THROUGHPUT = {
  mbPerSecondPerVcpu: 15.31,
  overheadSeconds: 30,
  /**
   * The most input one executor is given, as a share of its worker's memory: the job caches the parsed
   * input (glue/ndjson_parquet/parse.py), and Spark keeps its cache in the unified memory region, 60% of the
   * executor heap, which is itself less than the worker's memory.
   */
  inputShareOfExecutorMemory: 0.25,
  measured: 'bench:glue 2026-11-22, first manifest of a table, 512 MB on 2 vCPU',
} as const;

/** Glue bills a Spark job run per second with a one-minute minimum (Glue 2.0 and later). */
export const GLUE_MINIMUM_BILLED_SECONDS = 60;

export interface GlueCapacity {
  workerType: GlueWorkerType;
  numberOfWorkers: number;
  executionClass: GlueExecutionClass;
}

/** The part of the stack's glue config the rule reads. */
export type GlueSizing = Pick<StackConfig['glue'], 'workerType' | 'numberOfWorkers' | 'minWorkers' | 'executionClass' | 'targetRunSeconds'>;

const MB = 1024 * 1024;

/** The run's estimated time in seconds on this many workers of this type. */
export function estimateRunSeconds(totalBytes: number, workerType: GlueWorkerType, numberOfWorkers: number): number {
  const executors = Math.max(1, numberOfWorkers - 1);
  const mbPerSecond = executors * GLUE_WORKERS[workerType].vcpu * GLUE_THROUGHPUT.mbPerSecondPerVcpu;
  return GLUE_THROUGHPUT.overheadSeconds + totalBytes / MB / mbPerSecond;
}

/** DPU-seconds Glue bills for a run of this capacity that took runSeconds (1-minute minimum, whole seconds). */
export function billedDpuSeconds(capacity: Pick<GlueCapacity, 'workerType' | 'numberOfWorkers'>, runSeconds: number): number {
  const billed = Math.max(GLUE_MINIMUM_BILLED_SECONDS, Math.ceil(runSeconds));
  return billed * capacity.numberOfWorkers * GLUE_WORKERS[capacity.workerType].dpu;
}

/** The capacity of the run for a manifest of totalBytes: the first tier that holds it. */
export function glueRunCapacity(totalBytes: number, glue: GlueSizing): GlueCapacity {
  const tiers = glueCapacityTiers(glue);
  const tier = tiers.find((t) => t.upToBytes === undefined || totalBytes <= t.upToBytes) ?? tiers.at(-1);
  if (!tier) throw new RangeError('no Glue capacity tier: glue.minWorkers exceeds glue.numberOfWorkers');
  return tier.capacity;
}

export interface GlueCapacityTier {
  /** The largest manifest (bytes) this tier runs; undefined for the last tier, which takes the rest. */
  upToBytes: number | undefined;
  capacity: GlueCapacity;
}

/**
 * The rule as ordered byte ranges, one per worker count it can choose: what the state machine's Choice
 * compiles. A manifest of b bytes falls in the first tier with b <= upToBytes, and gets exactly
 * glueRunCapacity(b).
 */
export function glueCapacityTiers(glue: GlueSizing): GlueCapacityTier[] {
  const tiers: GlueCapacityTier[] = [];
  for (let n = glue.minWorkers; n <= glue.numberOfWorkers; n++) {
    const capacity: GlueCapacity = { workerType: glue.workerType, numberOfWorkers: n, executionClass: glue.executionClass };
    if (n === glue.numberOfWorkers) {
      tiers.push({ upToBytes: undefined, capacity });
      break;
    }
    const executors = n - 1;
    const worker = GLUE_WORKERS[glue.workerType];
    const inTime =
      (glue.targetRunSeconds - GLUE_THROUGHPUT.overheadSeconds) * executors * worker.vcpu * GLUE_THROUGHPUT.mbPerSecondPerVcpu * MB;
    const inMemory = executors * worker.memoryGb * GLUE_THROUGHPUT.inputShareOfExecutorMemory * 1024 * MB;
    const upToBytes = Math.floor(Math.min(inTime, inMemory));
    // A worker count the rule never picks (its range is empty) gets no tier.
    if (upToBytes < 0) continue;
    if (tiers.length > 0 && upToBytes <= (tiers.at(-1)?.upToBytes ?? -1)) continue;
    tiers.push({ upToBytes, capacity });
  }
  return tiers;
}
