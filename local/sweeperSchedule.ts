import type { Context } from 'aws-lambda';

/**
 * The sweeper's EventBridge schedule, locally: the handler runs every `intervalMs` (minutes on AWS,
 * seconds here so a demo does not wait), never two at once, as a rate schedule with a short-running
 * target behaves. A failed sweep is recorded and the next tick tries again, as on AWS.
 */

export type SweeperInvoke = (event: { forceDates?: string[] }, context: Context) => Promise<unknown>;

export class SweeperSchedule {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  runs = 0;
  readonly failures: { at: string; message: string }[] = [];

  constructor(
    private readonly invoke: SweeperInvoke,
    private readonly context: () => Context,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.current) this.current = this.tick().finally(() => (this.current = undefined));
    }, this.intervalMs);
  }

  /** One sweep now (after any sweep in progress), e.g. an operator's forced flush of some dates. */
  async runOnce(forceDates: string[] = []): Promise<void> {
    while (this.current) await this.current;
    this.current = this.tick(forceDates).finally(() => (this.current = undefined));
    await this.current;
  }

  private async tick(forceDates: string[] = []): Promise<void> {
    this.runs += 1;
    try {
      await this.invoke(forceDates.length > 0 ? { forceDates } : {}, this.context());
    } catch (error) {
      this.failures.push({ at: new Date().toISOString(), message: (error as Error).message });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }
}
