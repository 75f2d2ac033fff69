import type { Context } from 'aws-lambda';
import { type AwsClients, createClients } from './adapters/clients';
import { DynamoReconcileStore } from './adapters/dynamoReconcileStore';
import { S3InputLister } from './adapters/s3InputLister';
import { createDepsFactory, type DepsOverrides } from './batchingDeps';
import { invocationOf } from './lambdaInvocation';
import type { SweepReconcileLimits } from './services/reconcileInput';
import { runSweeper, type SweepResult } from './services/runSweeper';

export interface SweeperOptions extends DepsOverrides {
  /** The reconcile's limits over the defaults below; false: this sweeper does not reconcile. */
  reconcile?: Partial<SweepReconcileLimits> | false;
}

/** Objects listed per sweep: five ListObjectsV2 pages; a date of 100,000 objects takes 20 sweeps a pass. */
export const RECONCILE_MAX_OBJECTS = 5000;
/** At most this much of a sweep goes to reconciling, and never more than a third of the time it has left. */
const RECONCILE_BUDGET_MS = 20_000;

/**
 * Sweeper Lambda, on an EventBridge schedule. `forceDates` (operator flush) sends those dates' remainders.
 * Each sweep also reconciles the input listing of today and the two days before (domain/reconcile.ts
 * recentDates) with the tracking table, from where the last sweep stopped. Objects younger than
 * maxWaitSeconds are left alone: a file that old would already be registered had its event arrived
 * (EventBridge retries a failed target for up to 24 hours, so a later event may still come; registering is
 * idempotent, it is then a duplicate).
 */
export function createSweeperHandler(options: SweeperOptions = {}) {
  const { reconcile, ...overrides } = options;
  let clients: AwsClients | undefined;
  // One set of clients for the batching deps and the reconcile's adapters, built on first use.
  const clientsOnce = () => {
    clients ??= overrides.clients ?? createClients();
    return clients;
  };
  const depsFor = createDepsFactory({
    ...overrides,
    get clients() {
      return clientsOnce();
    },
  });
  return async (event: { forceDates?: unknown } | undefined, context: Context): Promise<SweepResult['report']> => {
    const forceDates = Array.isArray(event?.forceDates) ? event.forceDates.filter((d): d is string => typeof d === 'string') : [];
    const remainingMs = context.getRemainingTimeInMillis();
    const deps = depsFor(context.awsRequestId, remainingMs);
    const own = clientsOnce();
    const result = await runSweeper(deps, invocationOf(context), {
      forceDates,
      ...(reconcile === false
        ? {}
        : {
            reconcile: {
              lister: new S3InputLister(own.s3),
              store: new DynamoReconcileStore(own.dynamo, {
                tableName: deps.config.tableName,
                ttlDays: deps.config.ttlDays,
                now: deps.now,
              }),
              limits: {
                graceSeconds: deps.config.maxWaitSeconds,
                maxObjects: RECONCILE_MAX_OBJECTS,
                budgetMs: Math.min(RECONCILE_BUDGET_MS, remainingMs / 3),
                ...reconcile,
              },
            },
          }),
    });
    return result.report;
  };
}

export const handler = createSweeperHandler();
