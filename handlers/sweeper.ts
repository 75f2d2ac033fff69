import type { Context } from 'aws-lambda';
import { createDepsFactory, type DepsOverrides } from './batchingDeps';
import { invocationOf } from './lambdaInvocation';
import { runSweeper, type SweepResult } from './services/runSweeper';

/** Sweeper Lambda, on an EventBridge schedule. `forceDates` (operator flush) sends those dates' remainders. */
export function createSweeperHandler(overrides: DepsOverrides = {}) {
  const depsFor = createDepsFactory(overrides);
  return async (event: { forceDates?: unknown } | undefined, context: Context): Promise<SweepResult['report']> => {
    const forceDates = Array.isArray(event?.forceDates) ? event.forceDates.filter((d): d is string => typeof d === 'string') : [];
    const result = await runSweeper(depsFor(context.awsRequestId, context.getRemainingTimeInMillis()), invocationOf(context), {
      forceDates,
    });
    return result.report;
  };
}

export const handler = createSweeperHandler();
