import { DynamoReconcileStore } from '../../handlers/adapters/dynamoReconcileStore';
import { S3InputLister } from '../../handlers/adapters/s3InputLister';
import { utcDate } from '../../handlers/domain/dates';
import { datePrefix, type ListedObject } from '../../handlers/domain/reconcile';
import { type ApplyResult, type ReconcileDeps, scanInput } from '../../handlers/services/reconcileInput';
import type { PipelineTarget } from '../target/pipelineTarget';
import { checkDate } from './collectStatus';
import { operatorDepsFactory } from './operatorDeps';

/**
 * `reconcile`: the input bucket against the tracking table, for one date's listing (`<inputPrefix><date>-`)
 * or the whole input prefix since a time, every page of it. With `apply`, the objects neither tracked nor
 * quarantined go through the batcher's own ingest (services/reconcileInput.ts), run from here with the
 * target's adapters, as `flush` runs the batcher's flush. Safe beside the live pipeline and twice at once:
 * registration is conditional, so whoever comes second counts a duplicate.
 */

export interface ReconcileRequest {
  date?: string;
  since?: Date;
  apply: boolean;
  /** Objects modified more recently may still have their event on the way; not reported. */
  graceSeconds: number;
  now?: () => Date;
}

export interface ReconcileReport {
  scope: { prefix: string; date: string | null; since: string | null };
  counts: { listed: number; tracked: number; quarantined: number; untracked: number; too_new: number };
  untracked: { key: string; size_bytes: number; last_modified: string }[];
  applied: ApplyResult | null;
}

export async function reconcileInput(target: PipelineTarget, request: ReconcileRequest): Promise<ReconcileReport> {
  const now = request.now ?? (() => new Date());
  const date = request.date ?? (request.since ? undefined : utcDate(now()));
  if (date) checkDate(date);
  const prefix = date ? datePrefix(target.config.inputPrefix, date) : target.config.inputPrefix;
  const depsFor = operatorDepsFactory(target, now);
  const batching = depsFor(`cli-reconcile-${now().getTime()}`);
  const deps: ReconcileDeps = {
    ...batching,
    lister: new S3InputLister(target.clients.s3),
    reconcile: new DynamoReconcileStore(target.clients.dynamo, { tableName: target.config.tableName, ttlDays: target.config.ttlDays, now }),
  };
  const scan = await scanInput(deps, {
    prefix,
    startAfter: null,
    graceSeconds: request.graceSeconds,
    maxObjects: Number.POSITIVE_INFINITY,
    ...(request.since ? { since: request.since } : {}),
    apply: request.apply,
  });
  return {
    scope: { prefix, date: date ?? null, since: request.since?.toISOString() ?? null },
    counts: {
      listed: scan.counts.listed,
      tracked: scan.counts.tracked,
      quarantined: scan.counts.quarantined,
      untracked: scan.counts.untracked,
      too_new: scan.counts.tooNew,
    },
    untracked: scan.untracked.map((o: ListedObject) => ({ key: o.key, size_bytes: o.sizeBytes, last_modified: o.lastModified })),
    applied: scan.applied,
  };
}
