import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { deadLetterQueueName } from '../../contracts/resourceNames';

/** 14 days, the SQS maximum: a failed event waits in the queue as long as SQS allows for someone to look. */
const DLQ_RETENTION_SECONDS = 1_209_600;

/** An encrypted SQS dead-letter queue named `<owner>-dlq` (alarmed by the observability component). */
export function createDeadLetterQueue(parent: pulumi.Resource, owner: string): aws.sqs.Queue {
  const name = deadLetterQueueName(owner);
  return new aws.sqs.Queue(name, { name, sqsManagedSseEnabled: true, messageRetentionSeconds: DLQ_RETENTION_SECONDS }, { parent });
}
