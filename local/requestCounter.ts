import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * Counts DynamoDB requests, as client middleware: the request figure of the batcher benchmark and the
 * flat-cost tests. What they consume is the capacity accountant's (local/capacityAccountant.ts).
 */

export interface RequestCounts {
  requests: number;
  byCommand: Record<string, number>;
}

export function countDynamoRequests(client: SdkClient): { counts: RequestCounts; reset(): void } {
  const counts: RequestCounts = { requests: 0, byCommand: {} };
  aroundCommands([client], { name: 'countDynamoRequests', step: 'initialize' }, ({ commandName }, proceed) => {
    counts.requests += 1;
    counts.byCommand[commandName] = (counts.byCommand[commandName] ?? 0) + 1;
    return proceed();
  });
  return {
    counts,
    reset() {
      counts.requests = 0;
      counts.byCommand = {};
    },
  };
}
