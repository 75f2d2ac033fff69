import { randomUUID } from 'node:crypto';
import { itemOfKind, lockKey, WINDOW_KEY } from '../../contracts/trackingSchema';
import { type FlushOutcome, flushDate } from '../../handlers/services/flushDate';
import { leaseClock } from '../adapters/serverClock';
import { TrackingReader } from '../adapters/trackingReader';
import { NotFoundError, OperationFailedError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';
import { checkDate } from './collectStatus';
import { operatorDepsFactory } from './operatorDeps';

/**
 * An operator's flush: the date's remainder goes out now whatever its size, through the batcher's own
 * flushDate (same lock, fencing and manifest builder), run from here with the target's adapters. If a
 * batcher or the sweeper holds the date, it is planning it; we ask again until `waitMs` has passed.
 */
export async function flushDates(
  target: PipelineTarget,
  dates: string[],
  options: { waitMs: number; now?: () => Date },
): Promise<FlushOutcome[]> {
  const reader = new TrackingReader(target.clients.dynamo, target.config.tableName);
  // The lock is taken with time the table vouches for, less a margin: a fast laptop clock must not take a
  // lease its holder is still running on (adapters/serverClock.ts). The reads below set that time.
  const now = leaseClock(target.clients.dynamo, options.now ?? (() => new Date()));
  for (const date of dates) {
    checkDate(date);
    if (!itemOfKind(await reader.item(date, WINDOW_KEY), 'window'))
      throw new NotFoundError(`no files were ever tracked for ${date} in ${target.description}`);
  }
  const depsFor = operatorDepsFactory(target, now);
  const outcomes: FlushOutcome[] = [];
  for (const date of dates) {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const outcome = await flushDate(depsFor(`cli-flush-${randomUUID()}`), date, { force: true });
      if (outcome.status === 'planned') {
        outcomes.push(outcome);
        break;
      }
      if (Date.now() > deadline) {
        const lock = itemOfKind(await reader.item(date, lockKey(date)), 'lock');
        const until = lock && lock.expiresAtMs > 0 ? new Date(lock.expiresAtMs).toISOString() : '?';
        throw new OperationFailedError(
          `flush of ${date} did not get the date's lock within ${Math.round(options.waitMs / 1000)} s (last: ${outcome.status}; held by ${lock?.owner ?? '?'} until ${until}). ` +
            'Try again, or if its holder crashed, `unlock` the date once the lease has expired.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return outcomes;
}
