import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDepsFactory, type DepsOverrides } from './batchingDeps';
import { invocationOf } from './lambdaInvocation';
import { runBatcher } from './services/runBatcher';

/**
 * Batcher Lambda: Kinesis records (EventBridge "Object Created" events from the input bucket) in,
 * partial batch failures out (ReportBatchItemFailures), so only records that failed are redelivered.
 */
export function createBatcherHandler(overrides: DepsOverrides = {}) {
  const depsFor = createDepsFactory(overrides);
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const records = event.Records.map((record) => ({
      id: record.kinesis.sequenceNumber,
      data: Buffer.from(record.kinesis.data, 'base64').toString('utf-8'),
    }));
    const result = await runBatcher(depsFor(context.awsRequestId, context.getRemainingTimeInMillis()), records, invocationOf(context));
    return { batchItemFailures: result.failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = createBatcherHandler();
