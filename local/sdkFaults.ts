import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { aroundCommands, type SdkClient } from './clientMiddleware';

/**
 * DynamoDB throttling and transaction conflicts, which the emulator never produces, injected as client
 * middleware: a throttled request fails before reaching the emulator (the SDK's own retry then applies,
 * as on AWS); a conflicted transaction fails with TransactionCanceledException / TransactionConflict,
 * which the SDK does not retry — our tracking store must.
 */

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
