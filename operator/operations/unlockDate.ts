import { itemOfKind, lockKey } from '../../contracts/trackingSchema';
import { LEASE_CLOCK_MARGIN_MS, leaseClock } from '../adapters/serverClock';
import { TrackingReader } from '../adapters/trackingReader';
import { NotFoundError, OperationFailedError, RefusedError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';
import { checkDate, trackingStore } from './collectStatus';
import { type LockView, lockView } from './dateStatus';

/**
 * Frees a date's lock left by a holder that died. Never by deleting the item: the fencing token must keep
 * growing, or a stale holder could find "its" token again. The lease is ended (expires_at_ms = 0) with a
 * write conditioned on the token read, the batcher's own release (DynamoTrackingStore.releaseLock). A
 * lease still running is refused unless forced: its holder may be planning the date right now. "Running" is
 * judged by time the table vouches for, with a margin (adapters/serverClock.ts), not by this machine's clock.
 */

export interface UnlockOutcome {
  date: string;
  before: LockView;
  outcome: 'released' | 'already-free';
}

export async function unlockDate(
  target: PipelineTarget,
  date: string,
  options: { force: boolean; now: () => Date },
): Promise<UnlockOutcome> {
  checkDate(date);
  const reader = new TrackingReader(target.clients.dynamo, target.config.tableName);
  const now = leaseClock(target.clients.dynamo, options.now);
  const key = lockKey(date);
  const before = lockView(itemOfKind(await reader.item(date, key), 'lock'), now());
  if (!before) throw new NotFoundError(`no lock was ever taken for ${date} in ${target.description}`);
  if (before.state === 'free') return { date, before, outcome: 'already-free' };
  if (before.state === 'held' && !options.force) {
    throw new RefusedError(
      `the lock on ${date} is held by ${before.owner ?? '?'} (token ${before.token}) for ${before.expiresInSeconds} s more, until ${before.expiresAt}: ` +
        `its holder may be planning the date now (a lease counts as over ${LEASE_CLOCK_MARGIN_MS / 1000} s after its end by the table's clock). ` +
        'Wait for the lease to end, or add --force if you know the holder is gone.',
    );
  }
  await trackingStore(target, now).releaseLock({
    date,
    owner: before.owner ?? '',
    token: before.token,
    expiresAtMs: Date.parse(before.expiresAt ?? '') || 0,
  });
  const after = lockView(itemOfKind(await reader.item(date, key), 'lock'), now());
  if (!after || after.token !== before.token || after.state !== 'free') {
    throw new OperationFailedError(
      `the lock on ${date} changed while unlocking (token now ${after?.token ?? '?'}, ${after?.state ?? 'gone'}): someone took it; nothing was freed`,
    );
  }
  return { date, before, outcome: 'released' };
}
