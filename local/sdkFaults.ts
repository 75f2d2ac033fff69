import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { SORT_KEY_PREFIX, TABLE_KEYS, WINDOW_KEY } from '../contracts/trackingSchema';
import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * DynamoDB throttling and transaction conflicts, which the emulator never produces, injected as client
 * middleware: a throttled request fails before reaching the emulator (the SDK's own retry then applies,
 * as on AWS); a conflicted transaction fails with TransactionCanceledException / TransactionConflict, and a
 * plain write to an item a transaction holds with TransactionConflictException ("there is an ongoing
 * transaction for the item", DynamoDB API reference): the SDK retries neither — our tracking store must.
 */

const PLAIN_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** The items the tracking store also writes in transactions (a manifest's commit): only they can be held by one. */
function heldByTransactions(input: Record<string, unknown>): boolean {
  const key = (input.Key ?? input.Item) as Record<string, { S?: string } | undefined> | undefined;
  const sortKey = key?.[TABLE_KEYS.range]?.S ?? '';
  return sortKey === WINDOW_KEY || sortKey.startsWith(SORT_KEY_PREFIX.lock) || sortKey.startsWith(SORT_KEY_PREFIX.manifest);
}

export interface FaultRates {
  throttle: number;
  transactionConflict: number;
}

export interface FaultStats {
  throttled: number;
  conflicts: number;
}

export function injectDynamoFaults(client: SdkClient, rates: FaultRates, random: () => number = Math.random): FaultStats {
  const stats: FaultStats = { throttled: 0, conflicts: 0 };
  // finalizeRequest runs inside the SDK's retry loop, so injected throttling is retried like a real one.
  aroundCommands([client], { name: 'injectedDynamoFaults', step: 'finalizeRequest' }, async ({ commandName, input }, proceed) => {
    if (commandName === 'TransactWriteItemsCommand' && random() < rates.transactionConflict) {
      stats.conflicts += 1;
      const items = ((input.TransactItems as unknown[] | undefined) ?? []).length;
      throw new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: Array.from({ length: items }, (_, i) => ({ Code: i === 0 ? 'TransactionConflict' : 'None' })),
      });
    }
    if (PLAIN_WRITES.has(commandName) && heldByTransactions(input) && random() < rates.transactionConflict) {
      stats.conflicts += 1;
      throw new TransactionConflictException({
        message: 'Transaction is ongoing for the item (injected)',
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (random() < rates.throttle) {
      stats.throttled += 1;
      throw new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return proceed();
  });
  return stats;
}
