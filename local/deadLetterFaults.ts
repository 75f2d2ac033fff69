import { AccessDeniedException, type KinesisClient } from '@aws-sdk/client-kinesis';
import { aroundCommands } from './clientMiddleware';
import type { KinesisBatchHandler } from './shardPoller';

/**
 * Fault knobs that force events into each dead-letter queue, chosen by the object key as the event spells
 * it. The predicates are read at every call, so a test lifts a fault by changing what they answer.
 * - `ingest`: the EventBridge target's put of the event fails, as a put the target role may not make does:
 *   AccessDeniedException, which EventBridge does not retry but sends straight to the rule's DLQ
 *   (EventBridge User Guide, "Event retry policy and using dead-letter queues").
 * - `batch`: every batcher invocation holding the event fails, so the mapping bisects the batch, retries the
 *   record's batch `maximumRetryAttempts` times and sends its place on the stream to the on-failure destination.
 */
export interface DeadLetterFaults {
  ingest?: (eventKey: string) => boolean;
  batch?: (eventKey: string) => boolean;
}

const eventKeyOf = (data: Uint8Array | string | undefined): string | undefined => {
  try {
    return (JSON.parse(Buffer.from(data ?? '').toString('utf8')) as { detail?: { object?: { key?: string } } }).detail?.object?.key;
  } catch {
    return undefined;
  }
};

/** Installs the ingest fault on the client the rule's target puts with. */
export function failIngestPuts(kinesis: KinesisClient, fails: (eventKey: string) => boolean): void {
  aroundCommands([kinesis], { name: 'injectedIngestFailure', step: 'initialize' }, async ({ commandName, input }, proceed) => {
    const key = commandName === 'PutRecordCommand' ? eventKeyOf(input.Data as Uint8Array) : undefined;
    if (key !== undefined && fails(key)) {
      throw new AccessDeniedException({
        message: `(injected) the rule's target may not put the event of ${key}`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return proceed();
  });
}

/** The batcher handler, failing every invocation that holds a chosen event. */
export function failingBatches(handler: KinesisBatchHandler, fails: (eventKey: string) => boolean): KinesisBatchHandler {
  return async (event, context) => {
    for (const record of event.Records) {
      const key = eventKeyOf(Buffer.from(record.kinesis.data, 'base64'));
      if (key !== undefined && fails(key)) throw new Error(`(injected) the batcher fails on the event of ${key}`);
    }
    return handler(event, context);
  };
}
