import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * Counts DynamoDB requests and the capacity they consume, as client middleware: the cost figure of the
 * batcher benchmark and the flat-cost tests. It asks DynamoDB for ConsumedCapacity on every call.
 */

export interface RequestCounts {
  requests: number;
  byCommand: Record<string, number>;
  capacityUnits: number;
}

const CAPACITY_COMMANDS = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactWriteItemsCommand',
  'TransactGetItemsCommand',
  'BatchWriteItemCommand',
  'BatchGetItemCommand',
]);

export function countDynamoRequests(client: SdkClient): { counts: RequestCounts; reset(): void } {
  const counts: RequestCounts = { requests: 0, byCommand: {}, capacityUnits: 0 };
  aroundCommands([client], { name: 'countDynamoRequests', step: 'initialize' }, async ({ commandName, input }, proceed) => {
    if (CAPACITY_COMMANDS.has(commandName) && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
    counts.requests += 1;
    counts.byCommand[commandName] = (counts.byCommand[commandName] ?? 0) + 1;
    const result = await proceed();
    counts.capacityUnits += consumed((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
    return result;
  });
  return {
    counts,
    reset() {
      counts.requests = 0;
      counts.byCommand = {};
      counts.capacityUnits = 0;
    },
  };
}

function consumed(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + consumed(v), 0);
  if (value && typeof value === 'object' && 'CapacityUnits' in value)
    return Number((value as { CapacityUnits?: number }).CapacityUnits ?? 0);
  return 0;
}
