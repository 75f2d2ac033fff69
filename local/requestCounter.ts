/**
 * Counts DynamoDB requests and the capacity they consume, as client middleware: the cost figure of the
 * batcher benchmark and the flat-cost tests. It asks DynamoDB for ConsumedCapacity on every call.
 */

/** Any SDK v3 client; a DocumentClient shares its client's stack. Typed loosely: each client's stack is generic in its own input/output types. */
interface HasMiddlewareStack {
  middlewareStack: { add(middleware: any, options: any): void };
}

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

export function countDynamoRequests(client: HasMiddlewareStack): { counts: RequestCounts; reset(): void } {
  const counts: RequestCounts = { requests: 0, byCommand: {}, capacityUnits: 0 };
  client.middlewareStack.add(
    (
      next: (args: { input: Record<string, unknown> }) => Promise<{ output?: Record<string, unknown> }>,
      context: { commandName?: string },
    ) =>
      async (args: { input: Record<string, unknown> }) => {
        const command = context.commandName ?? 'command';
        if (CAPACITY_COMMANDS.has(command) && args.input.ReturnConsumedCapacity === undefined) args.input.ReturnConsumedCapacity = 'TOTAL';
        counts.requests += 1;
        counts.byCommand[command] = (counts.byCommand[command] ?? 0) + 1;
        const result = await next(args);
        counts.capacityUnits += consumed(result.output?.ConsumedCapacity);
        return result;
      },
    { step: 'initialize', name: 'countDynamoRequests', override: true },
  );
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
