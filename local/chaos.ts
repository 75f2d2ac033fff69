import { AsyncLocalStorage } from 'node:async_hooks';
import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * `--chaos RATE`: with that probability an invocation "crashes" at a random write point — the write
 * before it went through, that one and everything after it never happen (or, half the time, the write
 * happens but its answer is lost, as when a process dies mid-request). Injected as SDK client middleware,
 * scoped to one invocation with AsyncLocalStorage so concurrent invocations crash independently. The
 * caller then redelivers the invocation's records, as Lambda would after a crash.
 */

export class ChaosCrash extends Error {
  override readonly name = 'ChaosCrash';
  constructor(readonly point: string) {
    super(`chaos: invocation crashed at ${point}`);
  }
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
  'PutObjectCommand',
  'CopyObjectCommand',
  'DeleteObjectCommand',
  'StartExecutionCommand',
]);

interface CrashPlan {
  crashAt: number | null;
  afterWrite: boolean;
  writes: number;
  crashedAt?: string;
}

export interface ChaosStats {
  invocations: number;
  crashes: number;
}

export class Chaos {
  private readonly scope = new AsyncLocalStorage<CrashPlan>();
  readonly stats: ChaosStats = { invocations: 0, crashes: 0 };

  constructor(
    readonly rate: number,
    private readonly random: () => number = Math.random,
    /** Crash points are drawn from the first this-many writes of an invocation. */
    private readonly maxPoint = 12,
  ) {}

  install(...clients: SdkClient[]): void {
    aroundCommands(clients, { name: 'chaosCrash', step: 'initialize' }, async ({ commandName }, proceed) => {
      const plan = this.scope.getStore();
      if (!plan) return proceed();
      if (plan.crashedAt) throw new ChaosCrash(plan.crashedAt);
      if (!WRITE_COMMANDS.has(commandName)) return proceed();
      plan.writes += 1;
      if (plan.writes !== plan.crashAt) return proceed();
      plan.crashedAt = `${commandName} (write ${plan.writes}, ${plan.afterWrite ? 'after' : 'before'} it reached the service)`;
      if (plan.afterWrite) await proceed();
      throw new ChaosCrash(plan.crashedAt);
    });
  }

  /** Runs one invocation; if it crashed, throws ChaosCrash even when the code under test caught the error. */
  async run<T>(invocation: () => Promise<T>): Promise<T> {
    this.stats.invocations += 1;
    const crashes = this.rate > 0 && this.random() < this.rate;
    const plan: CrashPlan = {
      crashAt: crashes ? 1 + Math.floor(this.random() * this.maxPoint) : null,
      afterWrite: this.random() < 0.5,
      writes: 0,
    };
    let result: T;
    try {
      result = await this.scope.run(plan, invocation);
    } catch (error) {
      if (plan.crashedAt) {
        this.stats.crashes += 1;
        throw new ChaosCrash(plan.crashedAt);
      }
      throw error;
    }
    if (plan.crashedAt) {
      this.stats.crashes += 1;
      throw new ChaosCrash(plan.crashedAt);
    }
    return result;
  }
}
