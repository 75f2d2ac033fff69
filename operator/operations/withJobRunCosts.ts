import { jobRunCost } from '../../handlers/orchestration/glueRunCost';
import type { PipelineTarget } from '../target/pipelineTarget';
import { type GlueReportRow, type ReportRow, withCost } from './reportRows';

/**
 * On a deployed stack, the Glue rows' costs from Glue's record of each run (GetJobRun) in place of the
 * job's own estimate, and the capacity Glue ran it with. Locally there is no such record (moto's Glue does
 * not run our job), so the rows keep the estimate their report gives. A run Glue no longer knows (history
 * older than 365 days) or that has no ExecutionTime yet keeps its estimate too.
 */

/** GetJobRun calls in flight at once: enough to read a few hundred runs quickly, few enough not to be throttled. */
const CONCURRENT_CALLS = 4;

export async function withJobRunCosts<R extends ReportRow>(target: Pick<PipelineTarget, 'jobRuns' | 'prices'>, rows: R[]): Promise<R[]> {
  const reader = target.jobRuns;
  if (!reader) return rows;
  const out = [...rows];
  const pending = out.flatMap((row, i) => (row.kind === 'glue' && row.jobName && row.jobRunId ? [i] : []));
  const next = async (): Promise<void> => {
    const i = pending.shift();
    if (i === undefined) return;
    const row = out[i] as GlueReportRow;
    const run = await reader.jobRun(row.jobName!, row.jobRunId!);
    const cost = run ? jobRunCost(run, target.prices) : null;
    if (run && cost) {
      out[i] = {
        ...row,
        workerType: run.workerType ?? row.workerType,
        numberOfWorkers: run.numberOfWorkers ?? row.numberOfWorkers,
        executionClass: run.executionClass ?? row.executionClass,
        ...withCost(cost, 'glue-job-run'),
      } as R;
    }
    return next();
  };
  await Promise.all(Array.from({ length: CONCURRENT_CALLS }, next));
  return out;
}
