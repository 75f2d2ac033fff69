import { AsyncLocalStorage } from 'node:async_hooks';
import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * A Lambda invocation killed at its timeout. On AWS an invocation that runs past the function's timeout
 * ends with "Task timed out after N.NN seconds", a function error: the Kinesis event source mapping retries
 * the batch (bisected when BisectBatchOnFunctionError is set) and the sandbox is stopped, so the killed
 * invocation does nothing more. In process it cannot be stopped, so it is fenced instead: once its deadline
 * passed, every SDK call it still makes fails before it is sent (scoped to the invocation with
 * AsyncLocalStorage, as local/chaos.ts scopes its crashes). A request already sent when the deadline
 * passed may still land, as one in flight when a sandbox stops can.
 */

export class LambdaTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
  constructor(readonly timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  }
}

/** What a killed invocation's late SDK call gets: it never reaches the service. */
export class KilledInvocationCall extends Error {
  override readonly name = 'KilledInvocationCall';
  constructor(command: string, timeoutSeconds: number) {
    super(`${command} refused: the invocation was killed at its ${timeoutSeconds} s timeout`);
  }
}

interface Invocation {
  timeoutSeconds: number;
  killed: boolean;
}

export interface DeadlineStats {
  invocations: number;
  timeouts: number;
  /** SDK calls a killed invocation tried to make after its deadline. */
  refusedCalls: number;
}

export class InvocationDeadlines {
  private readonly scope = new AsyncLocalStorage<Invocation>();
  readonly stats: DeadlineStats = { invocations: 0, timeouts: 0, refusedCalls: 0 };

  /** Fences every call these clients make on behalf of an invocation that was killed. */
  install(...clients: SdkClient[]): void {
    aroundCommands(clients, { name: 'lambdaDeadline', step: 'initialize' }, async ({ commandName }, proceed) => {
      const invocation = this.scope.getStore();
      if (invocation?.killed) {
        this.stats.refusedCalls += 1;
        throw new KilledInvocationCall(commandName, invocation.timeoutSeconds);
      }
      return proceed();
    });
  }

  /** Runs one invocation; past `timeoutSeconds` it is killed and this throws LambdaTimeoutError. */
  async run<T>(timeoutSeconds: number, invocation: () => Promise<T>): Promise<T> {
    this.stats.invocations += 1;
    const state: Invocation = { timeoutSeconds, killed: false };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        state.killed = true;
        this.stats.timeouts += 1;
        reject(new LambdaTimeoutError(timeoutSeconds));
      }, timeoutSeconds * 1000);
    });
    const running = this.scope.run(state, invocation);
    // The killed invocation keeps running in the background until its next SDK call fails; its outcome is
    // no one's, as a stopped sandbox's is not.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
