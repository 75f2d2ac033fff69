import { type DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { ContextError } from '../contracts/contextError';
import { DYNAMODB_UPDATE_ITEM, GLUE_START_JOB_RUN_SYNC } from '../handlers/orchestration/stateMachineDefinition';
import type { GlueRunCapacity, GlueRunFault, LocalGlueRunner } from './glueRunner';

/**
 * Step Functions, locally. The batcher's StartExecution is a real SDK call that lands in moto; moto keeps
 * the execution (name, input, dedupe of repeated starts) but does not run it. This executor finds each
 * new RUNNING execution and runs it once with aws-local-stepfunctions over the SAME ASL, with the two
 * service integrations the ASL uses routed locally:
 *   arn:aws:states:::dynamodb:updateItem     -> UpdateItem against the emulator with the resolved Parameters
 *   arn:aws:states:::glue:startJobRun.sync   -> the local Glue runner (the real job script)
 * Errors carry the names the real integrations raise (`DynamoDB.<Exception>`, `States.TaskFailed`,
 * `Glue.ConcurrentRunsExceededException`), because aws-local-stepfunctions matches Retry/Catch
 * ErrorEquals against `error.name`.
 *
 * Two differences from the library's defaults are corrected so the ASL behaves as on AWS:
 * - the Context Object: the library fills only Execution.Input/StartTime; the ASL reads `$$.Execution.Id`
 *   and `$$.State.EnteredTime`, so Execution carries moto's ARN and name, and State.EnteredTime is a
 *   getter returning the time it is read. The library spreads the context object shallowly, so the
 *   State object (and its getter) is shared, not copied; JSONPath reads it while resolving a state's
 *   Parameters, i.e. as the state is entered.
 * - Task timeouts: the library fails a Task after 60 s when the state sets no TimeoutSeconds; AWS's
 *   default is 99999999 s. A Glue run (plus its wait behind others on the one local Spark) can take longer,
 *   so Task states without TimeoutSeconds get the longest timeout Node's setTimeout can hold (24.8 days;
 *   a larger delay overflows and fires at once). Nothing else in the ASL is touched.
 */

/** Node's setTimeout limit (2^31 - 1 ms), in whole seconds: the stand-in for AWS's 99999999 s default. */
export const LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

export interface ExecutionOutcome {
  executionArn: string;
  name: string;
  input: Record<string, unknown>;
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error?: string;
  cause?: string;
}

export interface StepFunctionsExecutorOptions {
  sfn: SFNClient;
  dynamo: DynamoDBClient;
  glue: LocalGlueRunner;
  stateMachineArn: string;
  definition: Record<string, unknown>;
  pollIntervalMs?: number;
  /** Pause before each Retry, in ms: the ASL's intervals (30 s for Glue) are for AWS, not a laptop. */
  retryIntervalMs?: number;
  /** Fault injection: the fraction of Glue runs asked to fail after their first file. */
  glueFailureRate?: number;
  /** Fault injection by run: a fault for the Glue run with these arguments, or undefined (see glueFaultPlan.ts). */
  glueFault?: (runArguments: Record<string, string>) => GlueRunFault | undefined;
  random?: () => number;
  /** Checks the state machine role's glue:* grants (local/iam): the .sync integration starts, then polls, the run. */
  authorizeGlue?: (action: 'glue:StartJobRun' | 'glue:GetJobRun') => Promise<void>;
  onStart?: (execution: { executionArn: string; name: string; running: number }) => void;
  onOutcome?: (outcome: ExecutionOutcome) => void;
}

export class StepFunctionsExecutorError extends ContextError {
  override readonly name = 'StepFunctionsExecutorError';
}

/** An SDK error as the Step Functions DynamoDB integration reports it. */
export class DynamoDbTaskError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

export function dynamoTaskErrorName(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  const fault = (error as { $fault?: unknown })?.$fault;
  // Service exceptions keep their name under the DynamoDB. prefix; anything else (network, SDK) is the
  // integration's generic error.
  if (typeof name === 'string' && (fault === 'client' || fault === 'server') && /^[A-Za-z]+$/.test(name)) return `DynamoDB.${name}`;
  return 'DynamoDB.AmazonDynamoDBException';
}

type TaskHandler = (input: unknown) => Promise<unknown>;

export function withAwsTaskTimeouts(definition: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  for (const state of Object.values(copy.States)) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS;
    }
  }
  return copy;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalStepFunctionsExecutor {
  private readonly machine: StateMachine;
  private readonly taskStates: { name: string; resource: string }[] = [];
  private readonly seen = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly random: () => number;
  private loop?: Promise<void>;
  private active = false;
  private fatal?: Error;
  private idleRoundStartedAt = -1;
  private idleWaiters: { since: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  readonly outcomes: ExecutionOutcome[] = [];

  constructor(private readonly options: StepFunctionsExecutorOptions) {
    const states = (options.definition as { States: Record<string, { Type: string; Resource?: string }> }).States;
    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Task') continue;
      if (state.Resource !== DYNAMODB_UPDATE_ITEM && state.Resource !== GLUE_START_JOB_RUN_SYNC) {
        throw new StepFunctionsExecutorError(`state ${name} uses ${state.Resource}, which the local runtime cannot run`, {
          stateMachineArn: options.stateMachineArn,
        });
      }
      this.taskStates.push({ name, resource: state.Resource });
    }
    this.machine = new StateMachine(withAwsTaskTimeouts(options.definition) as never);
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.active = false;
    await this.loop;
    await Promise.all([...this.running]);
    this.rejectIdleWaiters(new StepFunctionsExecutorError('the executor stopped', { stateMachineArn: this.options.stateMachineArn }));
  }

  get failure(): Error | undefined {
    return this.fatal;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** True when a poll that began after `since` found no new execution and none is running. */
  isIdleSince(since: number): boolean {
    return this.idleRoundStartedAt >= since;
  }

  /**
   * Resolves once a poll that began at or after `since` (default: now) found no new execution and none
   * running: every execution started before `since` has run to its end, once. Rejects if the executor
   * stops or fails first.
   */
  whenIdle(since = Date.now()): Promise<void> {
    if (this.isIdleSince(since)) return Promise.resolve();
    if (!this.active) {
      return Promise.reject(
        this.fatal ?? new StepFunctionsExecutorError('the executor is not running', { stateMachineArn: this.options.stateMachineArn }),
      );
    }
    return new Promise((resolve, reject) => this.idleWaiters.push({ since, resolve, reject }));
  }

  private resolveIdleWaiters(): void {
    const ready = this.idleWaiters.filter((w) => this.isIdleSince(w.since));
    this.idleWaiters = this.idleWaiters.filter((w) => !this.isIdleSince(w.since));
    for (const waiter of ready) waiter.resolve();
  }

  private rejectIdleWaiters(error: Error): void {
    for (const waiter of this.idleWaiters.splice(0)) waiter.reject(error);
  }

  private async run(): Promise<void> {
    while (this.active) {
      const roundStartedAt = Date.now();
      let found = 0;
      try {
        found = await this.pollOnce();
      } catch (error) {
        this.fatal = new StepFunctionsExecutorError(
          `listing executions failed: ${(error as Error).message}`,
          { stateMachineArn: this.options.stateMachineArn },
          { cause: error },
        );
        this.active = false;
        this.rejectIdleWaiters(this.fatal);
        return;
      }
      if (found === 0 && this.running.size === 0) {
        this.idleRoundStartedAt = roundStartedAt;
        this.resolveIdleWaiters();
      }
      await sleep(this.options.pollIntervalMs ?? 250);
    }
  }

  private async pollOnce(): Promise<number> {
    let found = 0;
    let nextToken: string | undefined;
    do {
      const page = await this.options.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: this.options.stateMachineArn, statusFilter: 'RUNNING', nextToken }),
      );
      for (const execution of page.executions ?? []) {
        const arn = execution.executionArn;
        if (!arn || this.seen.has(arn)) continue;
        this.seen.add(arn);
        found += 1;
        const described = await this.options.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        const run = this.execute(
          arn,
          described.name ?? execution.name ?? arn,
          described.input ?? '{}',
          described.startDate ?? new Date(),
        ).finally(() => {
          this.running.delete(run);
        });
        this.running.add(run);
        this.options.onStart?.({ executionArn: arn, name: described.name ?? arn, running: this.running.size });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found;
  }

  private async execute(executionArn: string, name: string, rawInput: string, startDate: Date): Promise<void> {
    const started = Date.now();
    const input = JSON.parse(rawInput) as Record<string, unknown>;
    const handlers: Record<string, TaskHandler> = {};
    for (const task of this.taskStates) {
      handlers[task.name] =
        task.resource === DYNAMODB_UPDATE_ITEM ? (params) => this.updateItem(params) : (params) => this.startJobRun(params);
    }
    const retryIntervalOverrides: Record<string, number> = {};
    for (const task of this.taskStates) retryIntervalOverrides[task.name] = this.options.retryIntervalMs ?? 200;
    const state = {
      get EnteredTime(): string {
        return new Date().toISOString();
      },
    };
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: startDate.toISOString(), Input: input, RoleArn: '' },
        StateMachine: { Id: this.options.stateMachineArn, Name: this.options.stateMachineArn.split(':').at(-1) },
        State: state,
      } as never,
    });
    const ended = (status: ExecutionOutcome['status']) => ({
      executionArn,
      name,
      input,
      status,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
    });
    let outcome: ExecutionOutcome;
    try {
      await execution.result;
      outcome = ended('SUCCEEDED');
    } catch (error) {
      // ExecutionError wraps the state's error: a Fail state's Error/Cause, or an uncaught task error.
      const inner = ((error as { cause?: unknown }).cause ?? error) as Error;
      outcome = { ...ended('FAILED'), error: inner.name, cause: inner.message };
    }
    this.outcomes.push(outcome);
    this.options.onOutcome?.(outcome);
  }

  private async updateItem(params: unknown): Promise<unknown> {
    try {
      const response = await this.options.dynamo.send(new UpdateItemCommand(params as UpdateItemCommandInput));
      const { $metadata, ...rest } = response;
      return {
        ...rest,
        SdkHttpMetadata: { HttpStatusCode: $metadata.httpStatusCode ?? 200 },
        SdkResponseMetadata: { RequestId: $metadata.requestId ?? '' },
      };
    } catch (error) {
      throw new DynamoDbTaskError(dynamoTaskErrorName(error), (error as Error).message, { cause: error });
    }
  }

  private async startJobRun(params: unknown): Promise<unknown> {
    const { Arguments, WorkerType, NumberOfWorkers, ExecutionClass } = params as {
      JobName: string;
      Arguments?: Record<string, string>;
    } & GlueRunCapacity;
    const rate = this.options.glueFailureRate ?? 0;
    const planned = this.options.glueFault?.(Arguments ?? {});
    const fault: GlueRunFault | undefined = planned ?? (rate > 0 && this.random() < rate ? { fail_after_files: 1 } : undefined);
    await this.options.authorizeGlue?.('glue:StartJobRun');
    // The run's capacity goes to the JobRun as Glue reports it; the script learns it from the run's Arguments.
    const run = await this.options.glue.startJobRunSync(Arguments ?? {}, fault, { WorkerType, NumberOfWorkers, ExecutionClass });
    await this.options.authorizeGlue?.('glue:GetJobRun');
    return run;
  }
}
