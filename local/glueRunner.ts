import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ContextError } from '../contracts/contextError';
import { venvBin } from './emulator';
import { PROJECT_ROOT } from './projectRoot';

/**
 * Glue, locally: the real job script run by `glue/local_worker.py`, one long-lived Python process holding
 * one Spark session (JVM start-up is paid once, not per run). Protocol, one JSON object per line:
 *   stdin  {"id": "<run id>", "args": {"--JOB_NAME": ..., ...}, "fault": {...optional}}
 *   stdout {"id", "status": "SUCCEEDED" | "FAILED", "job_run_id", "report_key", "error", "files_excluded", "dpu_seconds", "input_bytes"}
 * Runs are sequential (one Spark). Beyond MaxConcurrentRuns a run waits its turn when job run queuing is
 * on, as the stack configures the job; with queuing off it is refused with the error Glue gives, so the
 * state machine's Retry on Glue.ConcurrentRunsExceededException can be exercised too.
 */

export interface GlueWorkerResponse {
  id: string;
  status: 'SUCCEEDED' | 'FAILED';
  job_run_id?: string;
  report_key?: string | null;
  error?: string | null;
  /** Input files the run excluded (changed or deleted since the manifest was built). */
  files_excluded?: number;
  /** The run's billed DPU-seconds as the job estimated them (null when it had no capacity or price to go by). */
  dpu_seconds?: number | null;
  /** Bytes of the manifest's inputs a successful run converted. */
  input_bytes?: number | null;
}

/** The capacity StartJobRun was given for the run (WorkerType, NumberOfWorkers, ExecutionClass); locally it runs on the one Spark. */
export interface GlueRunCapacity {
  WorkerType?: string;
  NumberOfWorkers?: number;
  ExecutionClass?: string;
}

export interface GlueRunFault {
  fail_after_files?: number;
  [key: string]: unknown;
}

export interface GlueJobRun {
  Id: string;
  JobName: string;
  JobRunState: 'SUCCEEDED' | 'FAILED';
  Arguments: Record<string, string>;
  StartedOn: string;
  CompletedOn: string;
  ExecutionTime: number;
  WorkerType?: string;
  NumberOfWorkers?: number;
  ExecutionClass?: string;
  ErrorMessage?: string;
  ReportKey?: string;
}

export interface GlueRunnerOptions {
  jobName: string;
  defaultArguments: Record<string, string>;
  maxConcurrentRuns: number;
  /** The stack sets `jobRunQueuingEnabled`: runs beyond MaxConcurrentRuns queue instead of failing. */
  jobRunQueuing?: boolean;
  env: Record<string, string>;
  logPath: string;
  python?: string;
  script?: string;
  /** Called once a run's request is with the worker, i.e. the run is in progress there. */
  onRunStart?: (run: GlueRunStart) => void;
  /**
   * Called with a run's excluded inputs: on AWS the job publishes them as InputsChanged itself; the local
   * worker has no CloudWatch to publish to, so the runtime counts them into the run's metrics.
   */
  onInputsExcluded?: (count: number) => void;
  /** Called with a run's GlueDpuSeconds and GlueInputBytes, which the job publishes itself on AWS, for the same reason. */
  onRunCost?: (cost: { dpuSeconds: number; inputBytes: number }) => void;
}

export interface GlueRunStart {
  jobRunId: string;
  arguments: Record<string, string>;
  /** The worker process running it: the one long-lived Python process, shared by every run. */
  workerPid: number;
}

/** Error names match what the Step Functions Glue integration raises, so Retry/Catch select them. */
export class GlueConcurrentRunsExceededError extends Error {
  override readonly name = 'Glue.ConcurrentRunsExceededException';
  constructor(
    readonly jobName: string,
    readonly maxConcurrentRuns: number,
  ) {
    super(`Concurrent runs exceeded for ${jobName}: MaxConcurrentRuns is ${maxConcurrentRuns}`);
  }
}

export class GlueWorkerError extends ContextError {
  override readonly name = 'GlueWorkerError';
}

export const GLUE_WORKER_SCRIPT = join(PROJECT_ROOT, 'glue', 'local_worker.py');

export function newJobRunId(): string {
  return `jr_${randomBytes(32).toString('hex')}`;
}

interface PendingRun {
  resolve: (response: GlueWorkerResponse) => void;
  reject: (error: Error) => void;
}

export class LocalGlueRunner {
  private child?: ChildProcessWithoutNullStreams;
  private log?: WriteStream;
  private readonly pending = new Map<string, PendingRun>();
  private queue: Promise<unknown> = Promise.resolve();
  private active = 0;
  private stopping = false;
  readonly stats = { runs: 0, succeeded: 0, failed: 0, refused: 0, queued: 0, busyMs: 0 };

  constructor(private readonly options: GlueRunnerOptions) {}

  private ensureWorker(): ChildProcessWithoutNullStreams {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const python = this.options.python ?? venvBin('python');
    const script = this.options.script ?? GLUE_WORKER_SCRIPT;
    if (!existsSync(script)) throw new GlueWorkerError(`Glue worker ${script} not found`, { logPath: this.options.logPath });
    this.log ??= createWriteStream(this.options.logPath, { flags: 'a' });
    const child = spawn(python, [script], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ...this.options.env,
        PYSPARK_PYTHON: python,
        PYSPARK_DRIVER_PYTHON: python,
        SPARK_LOCAL_IP: '127.0.0.1',
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // The worker (and the JVM it owns, which exits when the worker does) must not outlive this process.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    child.stderr.pipe(this.log, { end: false });
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.on('exit', (code, signal) => {
      const error = new GlueWorkerError(`Glue worker exited (${signal ?? code}) with ${this.pending.size} run(s) in progress`, {
        logPath: this.options.logPath,
      });
      for (const run of this.pending.values()) run.reject(error);
      this.pending.clear();
      if (this.child === child) this.child = undefined;
    });
    child.on('error', (error) => {
      for (const run of this.pending.values())
        run.reject(new GlueWorkerError(`Glue worker could not run: ${error.message}`, { logPath: this.options.logPath }, { cause: error }));
      this.pending.clear();
    });
    this.child = child;
    return child;
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      // Spark or the script printed to stdout: keep it with the rest of the worker's log.
      this.log?.write(`[stdout] ${line}\n`);
      return;
    }
    const response = message as Partial<GlueWorkerResponse>;
    const run = typeof response.id === 'string' ? this.pending.get(response.id) : undefined;
    if (!run) {
      this.log?.write(`[stdout, unmatched] ${line}\n`);
      return;
    }
    this.pending.delete(response.id as string);
    run.resolve(response as GlueWorkerResponse);
  }

  /**
   * One job run, as `glue:startJobRun.sync` sees it: resolves with the final JobRun when it succeeded,
   * rejects with `States.TaskFailed` (the integration's error for a failed run) when it did not.
   */
  async startJobRunSync(runArguments: Record<string, string>, fault?: GlueRunFault, capacity: GlueRunCapacity = {}): Promise<GlueJobRun> {
    if (this.active >= this.options.maxConcurrentRuns && this.options.jobRunQueuing === false) {
      this.stats.refused += 1;
      throw new GlueConcurrentRunsExceededError(this.options.jobName, this.options.maxConcurrentRuns);
    }
    if (this.active >= this.options.maxConcurrentRuns) this.stats.queued += 1;
    this.active += 1;
    try {
      const run = this.queue.then(() => this.runNow(runArguments, fault, capacity));
      this.queue = run.catch(() => undefined);
      return await run;
    } finally {
      this.active -= 1;
    }
  }

  private async runNow(
    runArguments: Record<string, string>,
    fault: GlueRunFault | undefined,
    capacity: GlueRunCapacity,
  ): Promise<GlueJobRun> {
    const id = newJobRunId();
    const args = { ...this.options.defaultArguments, ...runArguments, '--JOB_NAME': this.options.jobName, '--JOB_RUN_ID': id };
    const started = new Date();
    this.stats.runs += 1;
    const response = await new Promise<GlueWorkerResponse>((resolve, reject) => {
      if (this.stopping) return reject(new GlueWorkerError('Glue runner is stopping', { logPath: this.options.logPath }));
      let child: ChildProcessWithoutNullStreams;
      try {
        child = this.ensureWorker();
      } catch (error) {
        return reject(error as Error);
      }
      this.pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, args, ...(fault ? { fault } : {}) })}\n`);
      if (child.pid !== undefined) this.options.onRunStart?.({ jobRunId: id, arguments: runArguments, workerPid: child.pid });
    }).catch((error: Error): GlueWorkerResponse => ({ id, status: 'FAILED', job_run_id: id, error: error.message }));
    const completed = new Date();
    this.stats.busyMs += completed.getTime() - started.getTime();
    if (response.files_excluded) this.options.onInputsExcluded?.(response.files_excluded);
    if (typeof response.dpu_seconds === 'number' || typeof response.input_bytes === 'number')
      this.options.onRunCost?.({ dpuSeconds: response.dpu_seconds ?? 0, inputBytes: response.input_bytes ?? 0 });
    const jobRun: GlueJobRun = {
      Id: response.job_run_id ?? id,
      JobName: this.options.jobName,
      JobRunState: response.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
      Arguments: runArguments,
      StartedOn: started.toISOString(),
      CompletedOn: completed.toISOString(),
      ExecutionTime: Math.round((completed.getTime() - started.getTime()) / 1000),
      ...capacity,
      ...(response.error ? { ErrorMessage: response.error } : {}),
      ...(response.report_key ? { ReportKey: response.report_key } : {}),
    };
    if (jobRun.JobRunState !== 'SUCCEEDED') {
      this.stats.failed += 1;
      throw new GlueJobRunFailedError(jobRun);
    }
    this.stats.succeeded += 1;
    return jobRun;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      clearTimeout(hard);
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}

/** The `.sync` integration fails the task with States.TaskFailed and the JobRun as the cause. */
export class GlueJobRunFailedError extends Error {
  override readonly name = 'States.TaskFailed';
  constructor(readonly jobRun: GlueJobRun) {
    super(JSON.stringify(jobRun));
  }
}
