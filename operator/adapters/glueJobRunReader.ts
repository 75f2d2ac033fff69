import { EntityNotFoundException, GetJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { JobRunFigures } from '../../handlers/orchestration/glueRunCost';

/**
 * Glue's own record of a job run (GetJobRun), for what it really cost: its DPUSeconds (set for Flex and
 * auto-scaling runs), ExecutionTime and capacity. https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRun.html
 * and https://docs.aws.amazon.com/glue/latest/webapi/API_JobRun.html. Glue keeps a job's run history for
 * 365 days; an older run, or one of a job that was deleted, is not found.
 */

export interface JobRunReader {
  /** The run's figures, or null when Glue has no such run (any more). */
  jobRun(jobName: string, runId: string): Promise<JobRunFigures | null>;
}

const orNull = <T>(value: T | undefined): T | null => value ?? null;

export class GlueJobRunReader implements JobRunReader {
  constructor(private readonly glue: GlueClient) {}

  async jobRun(jobName: string, runId: string): Promise<JobRunFigures | null> {
    try {
      const { JobRun: run } = await this.glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      if (!run) return null;
      return {
        dpuSeconds: orNull(run.DPUSeconds),
        executionTimeSeconds: orNull(run.ExecutionTime),
        workerType: orNull(run.WorkerType),
        numberOfWorkers: orNull(run.NumberOfWorkers),
        executionClass: orNull(run.ExecutionClass),
        maxCapacity: orNull(run.MaxCapacity),
      };
    } catch (error) {
      if (error instanceof EntityNotFoundException) return null;
      throw error;
    }
  }
}
