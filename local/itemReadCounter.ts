import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * Counts the DynamoDB items a client's reads went through, from the answers: what a read costs grows with
 * these. A Query or Scan counts its `ScannedCount`, the items that matched its key condition before any filter
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html), which is what it read
 * and is billed for; GetItem the item it found; BatchGetItem
 * and TransactGetItems every item they returned. Kept apart from requestCounter.ts (requests and capacity),
 * so a test can hold an operation to a number of items whatever the emulator reports as capacity.
 */

export interface ItemReads {
  items: number;
  byCommand: Record<string, number>;
}

type Answer = { Item?: unknown; Items?: unknown[]; ScannedCount?: number; Responses?: unknown };

function itemsIn(commandName: string, answer: Answer): number {
  switch (commandName) {
    case 'GetItemCommand':
    case 'GetCommand':
      return answer.Item ? 1 : 0;
    case 'QueryCommand':
    case 'ScanCommand':
      return answer.ScannedCount ?? answer.Items?.length ?? 0;
    case 'BatchGetItemCommand':
    case 'BatchGetCommand':
      return Object.values((answer.Responses ?? {}) as Record<string, unknown[]>).reduce((n, items) => n + items.length, 0);
    case 'TransactGetItemsCommand':
    case 'TransactGetCommand':
      return ((answer.Responses ?? []) as { Item?: unknown }[]).filter((r) => r.Item).length;
    default:
      return 0;
  }
}

export function countItemReads(client: SdkClient): { reads: ItemReads; reset(): void } {
  const reads: ItemReads = { items: 0, byCommand: {} };
  aroundCommands([client], { name: 'countItemReads', step: 'initialize' }, async ({ commandName }, proceed) => {
    const result = await proceed();
    const n = itemsIn(commandName, result.output as Answer);
    if (n > 0) {
      reads.items += n;
      reads.byCommand[commandName] = (reads.byCommand[commandName] ?? 0) + n;
    }
    return result;
  });
  return {
    reads,
    reset() {
      reads.items = 0;
      reads.byCommand = {};
    },
  };
}
