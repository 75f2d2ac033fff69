import type { Prices } from '../../contracts/prices';
import { billedDpuSeconds, GLUE_MINIMUM_BILLED_SECONDS, GLUE_WORKERS, type GlueCapacity, type GlueExecutionClass } from './glueCapacity';

/**
 * What a Glue run cost (pure): DPU-seconds priced at the stack's DPU-hour for the run's execution class, and
 * dollars per GB over a set of runs. `reports`, `trace`, the local dashboard and the CloudWatch dashboard
 * all price runs here, so one run shows the same dollars everywhere.
 *
 * Glue bills a Spark run per second of its workers' DPUs with a 1-minute minimum
 * (https://aws.amazon.com/glue/pricing/). Where a figure comes from decides `estimated`: Glue's own record
 * of the run (GetJobRun, https://docs.aws.amazon.com/glue/latest/webapi/API_JobRun.html) is not an
 * estimate; the job's report (its wall time × its capacity) is.
 */

/** The unit of "$/GB": a gibibyte, as AWS's per-GB prices count it. */
export const BYTES_PER_GB = 2 ** 30;

export interface GlueRunCost {
  dpuSeconds: number;
  usd: number;
  /** False only for figures from Glue's record of the run (GetJobRun); run time × capacity is an estimate. */
  estimated: boolean;
}

/** The stack's price of one DPU-hour for runs of this execution class. */
export function dpuHourUsd(executionClass: GlueExecutionClass, prices: Pick<Prices, 'glueDpuHour' | 'glueFlexDpuHour'>): number {
  return executionClass === 'FLEX' ? prices.glueFlexDpuHour : prices.glueDpuHour;
}

/** DPU-seconds priced at the execution class's DPU-hour. */
export function dpuSecondsUsd(dpuSeconds: number, executionClass: GlueExecutionClass, prices: Prices): number {
  return (dpuSeconds / 3600) * dpuHourUsd(executionClass, prices);
}

/** A run's cost from its capacity and how long it ran (the job's wall time): billed as Glue bills it, an estimate. */
export function estimatedRunCost(capacity: GlueCapacity, runSeconds: number, prices: Prices): GlueRunCost {
  const dpuSeconds = billedDpuSeconds(capacity, runSeconds);
  return { dpuSeconds, usd: dpuSecondsUsd(dpuSeconds, capacity.executionClass, prices), estimated: true };
}

/** The fields of Glue's JobRun (GetJobRun) that price a run; null where Glue left one out. */
export interface JobRunFigures {
  /** Set for Flex and auto-scaling runs only: executor time × DPU per worker, summed. */
  dpuSeconds: number | null;
  /** Seconds the run consumed resources; absent while it runs. */
  executionTimeSeconds: number | null;
  workerType: string | null;
  numberOfWorkers: number | null;
  executionClass: string | null;
  /** DPUs of the run: Glue fills it for worker-type runs too (workers × DPU per worker). */
  maxCapacity: number | null;
}

const isKnownWorker = (type: string | null): type is keyof typeof GLUE_WORKERS => type !== null && type in GLUE_WORKERS;

/** The DPUs a run held: its workers × DPU per worker, or Glue's MaxCapacity for a worker type this table does not know. */
function runDpus(run: JobRunFigures): number | null {
  if (isKnownWorker(run.workerType) && run.numberOfWorkers !== null) return run.numberOfWorkers * GLUE_WORKERS[run.workerType].dpu;
  return run.maxCapacity;
}

/**
 * A run's cost from Glue's record: its DPUSeconds where Glue gives them (Flex, auto-scaling), else its
 * ExecutionTime × DPUs with the 1-minute minimum. Null while the run has no ExecutionTime yet, or when
 * neither its workers nor its MaxCapacity say how many DPUs it held.
 */
export function jobRunCost(run: JobRunFigures, prices: Prices): GlueRunCost | null {
  const executionClass: GlueExecutionClass = run.executionClass === 'FLEX' ? 'FLEX' : 'STANDARD';
  let dpuSeconds = run.dpuSeconds;
  if (dpuSeconds === null) {
    const dpus = runDpus(run);
    if (dpus === null || run.executionTimeSeconds === null) return null;
    dpuSeconds = Math.max(GLUE_MINIMUM_BILLED_SECONDS, Math.ceil(run.executionTimeSeconds)) * dpus;
  }
  return { dpuSeconds, usd: dpuSecondsUsd(dpuSeconds, executionClass, prices), estimated: false };
}

/** One run as the $/GB sums see it. */
export interface CostedRun {
  usd: number | null;
  inputBytes: number;
  /** Whether its output stands (the run succeeded): only then do its input bytes count as converted. */
  converted: boolean;
  estimated: boolean;
}

export interface CostPerGb {
  runs: number;
  usd: number;
  /** Input bytes of the runs whose output stands. */
  convertedBytes: number;
  /** usd over convertedBytes in GB of 2^30 bytes; null when nothing was converted. */
  usdPerGb: number | null;
  /** True when any run's dollars are an estimate. */
  estimated: boolean;
  /** Runs whose cost is unknown (no capacity in their report, no Glue record): left out of usd. */
  unpriced: number;
}

/**
 * Dollars per GB converted: what every run cost (a failed run is paid for too, and its redrive converts the
 * same bytes again) over the input bytes of the runs whose output stands.
 */
export function costPerGb(runs: readonly CostedRun[]): CostPerGb {
  const priced = runs.filter((r) => r.usd !== null);
  const usd = priced.reduce((s, r) => s + (r.usd ?? 0), 0);
  const convertedBytes = runs.filter((r) => r.converted).reduce((s, r) => s + r.inputBytes, 0);
  return {
    runs: runs.length,
    usd,
    convertedBytes,
    usdPerGb: convertedBytes > 0 ? usd / (convertedBytes / BYTES_PER_GB) : null,
    estimated: priced.some((r) => r.estimated),
    unpriced: runs.length - priced.length,
  };
}
