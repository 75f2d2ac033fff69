import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * A dead-letter queue: the port the local event wiring sends to (as EventBridge and the event source
 * mapping do on AWS) and the operator's `dlq` command reads, replays and deletes from.
 */

export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: Date | null;
  receiveCount: number;
}

export interface DeadLetterQueue {
  readonly name: string;
  send(body: string, attributes?: Record<string, string>): Promise<void>;
  /** Up to `max` messages, hidden from other readers for `visibilitySeconds` (0: left visible). */
  receive(max: number, visibilitySeconds: number): Promise<DeadLetter[]>;
  delete(receiptHandle: string): Promise<void>;
  /** Makes a received message visible again at once. */
  release(receiptHandle: string): Promise<void>;
  /** SQS's approximate count of visible and in-flight messages. */
  approximateCount(): Promise<number>;
}

/** SQS returns at most 10 messages per ReceiveMessage. */
const RECEIVE_MAX = 10;

export class SqsDeadLetterQueue implements DeadLetterQueue {
  private url?: Promise<string>;

  /** `queue`: the queue's URL, or its name (resolved once with GetQueueUrl). */
  constructor(
    private readonly sqs: SQSClient,
    private readonly queue: string,
  ) {}

  get name(): string {
    return this.queue.includes('/') ? (this.queue.split('/').at(-1) as string) : this.queue;
  }

  private queueUrl(): Promise<string> {
    this.url ??= /^https?:\/\//.test(this.queue)
      ? Promise.resolve(this.queue)
      : this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queue })).then((r) => r.QueueUrl ?? '');
    return this.url;
  }

  async send(body: string, attributes: Record<string, string> = {}): Promise<void> {
    const MessageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(attributes)) MessageAttributes[name] = { DataType: 'String', StringValue: value };
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: await this.queueUrl(),
        MessageBody: body,
        ...(Object.keys(MessageAttributes).length ? { MessageAttributes } : {}),
      }),
    );
  }

  async receive(max: number, visibilitySeconds: number): Promise<DeadLetter[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await this.queueUrl(),
        MaxNumberOfMessages: Math.min(max, RECEIVE_MAX),
        VisibilityTimeout: visibilitySeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])),
      sentAt: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)) : null,
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: await this.queueUrl(), ReceiptHandle: receiptHandle }));
  }

  async release(receiptHandle: string): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: await this.queueUrl(), ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }),
    );
  }

  async approximateCount(): Promise<number> {
    const out = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.queueUrl(),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
}
