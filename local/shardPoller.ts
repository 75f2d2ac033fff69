import { createHash, randomUUID } from 'node:crypto';
import { type _Record, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { ContextError } from '../contracts/contextError';
import type { DeadLetterQueue } from '../handlers/adapters/sqsDeadLetterQueue';
import { onFailureRecord } from '../handlers/domain/deadLetters';
import { type LambdaIdentity, lambdaContext } from './lambdaContext';

/**
 * The Kinesis event source mapping, in process. Semantics kept from Lambda's (with-kinesis docs):
 * - every shard is read from TRIM_HORIZON; records of a shard are delivered in order, and with a
 *   parallelization factor P a shard's records are split into P lanes by partition-key hash, each lane
 *   in order, lanes concurrent (so one key's records never overtake each other);
 * - a batch closes at `batchSize` records or when its oldest record waited `batchingWindowMs`;
 * - `batchItemFailures`: records before the lowest failed one are checkpointed, the rest redelivered; an
 *   identifier that is not in the batch fails the whole batch, as Lambda does;
 * - a batch whose invocation threw is retried, halved first when `bisectOnError`; after
 *   `maximumRetryAttempts` retries its place on the stream (shard, first and last sequence number, no
 *   record data) goes to the on-failure destination, the SQS queue the stack names, as the invocation
 *   record Lambda sends there (handlers/domain/deadLetters.ts), and is counted: never dropped silently.
 * Faults for tests: `duplicates` (each record delivered N times, copies in the same batch and in later
 * ones), `reorder` (records of a fetch shuffled, as EventBridge does not promise order).
 */

export type KinesisBatchHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse | undefined>;

export interface ShardPollerOptions {
  kinesis: KinesisClient;
  streamName: string;
  streamArn: string;
  region: string;
  handler: KinesisBatchHandler;
  lambda: LambdaIdentity;
  /** Role the mapping invokes with, shown to the handler as `invokeIdentityArn`. */
  invokeIdentityArn: string;
  batchSize: number;
  batchingWindowMs: number;
  maximumRetryAttempts: number;
  bisectOnError: boolean;
  /** Lanes per shard (Lambda's ParallelizationFactor). */
  parallelization: number;
  /** The on-failure destination: receives where each batch that exhausted its retries lies on the stream. */
  deadLetters: Pick<DeadLetterQueue, 'send'>;
  pollIntervalMs?: number;
  duplicates?: number;
  reorder?: boolean;
  /** Deterministic shuffles and duplicate placement when set. */
  random?: () => number;
  onInvocation?: (outcome: InvocationOutcome) => void;
}

export interface InvocationOutcome {
  shardId: string;
  lane: number;
  records: number;
  durationMs: number;
  result: 'ok' | 'partial' | 'error' | 'dlq';
  error?: Error;
}

export interface ShardPollerStats {
  recordsRead: number;
  recordsDelivered: number;
  invocations: number;
  partialFailures: number;
  errors: number;
  retries: number;
  dlqBatches: number;
  dlqRecords: number;
}

export class ShardPollerError extends ContextError {
  override readonly name = 'ShardPollerError';
}

interface QueuedRecord {
  record: KinesisStreamRecord;
  queuedAt: number;
}

interface Lane {
  shardId: string;
  index: number;
  queue: QueuedRecord[];
  inFlight: boolean;
  /** The record the current attempt count belongs to; a new head starts a new count. */
  head?: QueuedRecord;
  attempts: number;
  /** Size of the next batch; halved by bisect-on-error, reset by a success. */
  limit: number;
}

interface Shard {
  shardId: string;
  iterator?: string;
  atTip: boolean;
  deferred: QueuedRecord[];
}

export function lambdaKinesisRecord(
  raw: _Record,
  source: { shardId: string; streamArn: string; region: string; invokeIdentityArn: string },
): KinesisStreamRecord {
  const sequenceNumber = raw.SequenceNumber ?? '';
  const arrival = raw.ApproximateArrivalTimestamp ?? new Date();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: raw.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(raw.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${source.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: source.invokeIdentityArn,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
}

function laneOf(partitionKey: string, lanes: number): number {
  if (lanes <= 1) return 0;
  return createHash('md5').update(partitionKey).digest().readUInt32BE(0) % lanes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ShardPoller {
  private readonly options: Required<Omit<ShardPollerOptions, 'onInvocation' | 'random'>> & Pick<ShardPollerOptions, 'onInvocation'>;
  private readonly random: () => number;
  private shards: Shard[] = [];
  private readonly lanes = new Map<string, Lane>();
  private running = false;
  private loop?: Promise<void>;
  private inFlight = new Set<Promise<void>>();
  private fatal?: Error;
  /** Start time of the latest poll round that found every shard at its tip and nothing queued or running. */
  private idleRoundStartedAt = -1;
  readonly stats: ShardPollerStats = {
    recordsRead: 0,
    recordsDelivered: 0,
    invocations: 0,
    partialFailures: 0,
    errors: 0,
    retries: 0,
    dlqBatches: 0,
    dlqRecords: 0,
  };

  constructor(options: ShardPollerOptions) {
    if (options.batchSize < 1)
      throw new ShardPollerError(`batchSize must be at least 1, got ${options.batchSize}`, { streamName: options.streamName });
    if (options.parallelization < 1)
      throw new ShardPollerError(`parallelization must be at least 1, got ${options.parallelization}`, { streamName: options.streamName });
    this.options = { pollIntervalMs: 200, duplicates: 1, reorder: false, ...options };
    this.random = options.random ?? Math.random;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const listed = await this.options.kinesis.send(new ListShardsCommand({ StreamName: this.options.streamName }));
    this.shards = [];
    for (const shard of listed.Shards ?? []) {
      const shardId = shard.ShardId ?? '';
      const iterator = await this.options.kinesis.send(
        new GetShardIteratorCommand({ StreamName: this.options.streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      this.shards.push({ shardId, iterator: iterator.ShardIterator, atTip: false, deferred: [] });
      for (let index = 0; index < this.options.parallelization; index++) {
        this.lanes.set(`${shardId}#${index}`, { shardId, index, queue: [], inFlight: false, attempts: 0, limit: this.options.batchSize });
      }
    }
    if (this.shards.length === 0)
      throw new ShardPollerError(`stream ${this.options.streamName} has no shards`, { streamName: this.options.streamName });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and waits for invocations in flight; records still queued stay unprocessed. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  /** The error that stopped the poller, if any (a stream that cannot be read is not an idle stream). */
  get failure(): Error | undefined {
    return this.fatal;
  }

  /**
   * Idle: a poll round that began after `since` found every shard read to its tip, and no record is
   * queued or being delivered. Events put before `since` have therefore all been handled.
   */
  isIdleSince(since: number): boolean {
    return this.idleRoundStartedAt >= since;
  }

  async drain(timeoutMs: number, since = Date.now()): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isIdleSince(since)) {
      if (this.fatal) throw this.fatal;
      if (Date.now() > deadline)
        throw new ShardPollerError(`stream ${this.options.streamName} not drained within ${timeoutMs} ms`, {
          streamName: this.options.streamName,
        });
      await sleep(50);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const roundStartedAt = Date.now();
      try {
        await this.fetchAll();
      } catch (error) {
        this.fatal =
          error instanceof ShardPollerError
            ? error
            : new ShardPollerError(
                `reading ${this.options.streamName} failed: ${(error as Error).message}`,
                { streamName: this.options.streamName },
                { cause: error },
              );
        this.running = false;
        return;
      }
      this.dispatch();
      if (
        this.shards.every((s) => s.atTip && s.deferred.length === 0) &&
        [...this.lanes.values()].every((l) => l.queue.length === 0 && !l.inFlight)
      ) {
        this.idleRoundStartedAt = roundStartedAt;
      }
      await sleep(this.options.pollIntervalMs);
    }
  }

  private async fetchAll(): Promise<void> {
    for (const shard of this.shards) {
      // Copies held back by the duplicates fault join the queue one round later, so they land in a later batch.
      const held = shard.deferred;
      shard.deferred = [];
      for (const item of held) this.enqueue(shard.shardId, item);
      if (!shard.iterator) {
        shard.atTip = true;
        continue;
      }
      const page = await this.options.kinesis.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 10_000 }));
      shard.iterator = page.NextShardIterator;
      const fetched = page.Records ?? [];
      shard.atTip = fetched.length === 0;
      this.stats.recordsRead += fetched.length;
      const now = Date.now();
      const items: QueuedRecord[] = fetched.map((raw) => ({
        record: lambdaKinesisRecord(raw, {
          shardId: shard.shardId,
          streamArn: this.options.streamArn,
          region: this.options.region,
          invokeIdentityArn: this.options.invokeIdentityArn,
        }),
        queuedAt: now,
      }));
      if (this.options.reorder) shuffle(items, this.random);
      for (const [position, item] of items.entries()) {
        this.enqueue(shard.shardId, item);
        for (let copy = 2; copy <= this.options.duplicates; copy++) {
          const clone = { record: structuredClone(item.record), queuedAt: now };
          if ((position + copy) % 2 === 0) this.enqueue(shard.shardId, clone);
          else shard.deferred.push(clone);
        }
      }
    }
  }

  private enqueue(shardId: string, item: QueuedRecord): void {
    const lane = this.lanes.get(`${shardId}#${laneOf(item.record.kinesis.partitionKey, this.options.parallelization)}`);
    if (!lane) throw new ShardPollerError(`no lane for shard ${shardId}`, { streamName: this.options.streamName, shardId });
    lane.queue.push(item);
  }

  private dispatch(): void {
    const now = Date.now();
    for (const lane of this.lanes.values()) {
      if (lane.inFlight || lane.queue.length === 0) continue;
      const full = lane.queue.length >= lane.limit;
      const waited = now - (lane.queue[0] as QueuedRecord).queuedAt >= this.options.batchingWindowMs;
      if (!full && !waited) continue;
      lane.inFlight = true;
      const delivery = this.deliver(lane).finally(() => {
        lane.inFlight = false;
        this.inFlight.delete(delivery);
      });
      this.inFlight.add(delivery);
    }
  }

  private async deliver(lane: Lane): Promise<void> {
    if (lane.head !== lane.queue[0]) {
      lane.head = lane.queue[0];
      lane.attempts = 0;
    }
    const batch = lane.queue.slice(0, lane.limit);
    const event: KinesisStreamEvent = { Records: batch.map((item) => item.record) };
    const started = Date.now();
    this.stats.invocations += 1;
    this.stats.recordsDelivered += batch.length;
    if (lane.attempts > 0) this.stats.retries += 1;
    let failedFrom: number;
    let error: Error | undefined;
    try {
      const response = await this.options.handler(event, lambdaContext(this.options.lambda));
      failedFrom = firstFailedPosition(batch, response);
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
      failedFrom = 0;
    }
    const durationMs = Date.now() - started;

    if (failedFrom >= batch.length) {
      lane.queue.splice(0, batch.length);
      lane.limit = this.options.batchSize;
      this.options.onInvocation?.({ shardId: lane.shardId, lane: lane.index, records: batch.length, durationMs, result: 'ok' });
      return;
    }
    // Records before the first failure are checkpointed, as Lambda moves the iterator past them.
    lane.queue.splice(0, failedFrom);
    if (error) this.stats.errors += 1;
    else this.stats.partialFailures += 1;
    if (lane.head !== lane.queue[0]) {
      lane.head = lane.queue[0];
      lane.attempts = 0;
    }
    const retryBatch = batch.slice(failedFrom);
    if (lane.attempts >= this.options.maximumRetryAttempts) {
      await this.toDlq(lane, retryBatch, error !== undefined, lane.attempts + 1);
      lane.queue.splice(0, retryBatch.length);
      lane.limit = this.options.batchSize;
      this.options.onInvocation?.({
        shardId: lane.shardId,
        lane: lane.index,
        records: retryBatch.length,
        durationMs,
        result: 'dlq',
        ...(error ? { error } : {}),
      });
      return;
    }
    lane.attempts += 1;
    if (error && this.options.bisectOnError && retryBatch.length > 1) lane.limit = Math.ceil(retryBatch.length / 2);
    this.options.onInvocation?.({
      shardId: lane.shardId,
      lane: lane.index,
      records: batch.length,
      durationMs,
      result: error ? 'error' : 'partial',
      ...(error ? { error } : {}),
    });
  }

  private async toDlq(lane: Lane, batch: QueuedRecord[], functionError: boolean, attempts: number): Promise<void> {
    const records = batch.map((item) => item.record);
    const first = records[0] as KinesisStreamRecord;
    const last = records.at(-1) as KinesisStreamRecord;
    const arrival = (record: KinesisStreamRecord) => new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString();
    const entry = onFailureRecord({
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${this.options.region}:${this.options.lambda.account}:function:${this.options.lambda.functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: attempts,
      functionError,
      at: new Date(),
      batch: {
        shardId: lane.shardId,
        startSequenceNumber: first.kinesis.sequenceNumber,
        endSequenceNumber: last.kinesis.sequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: this.options.streamArn,
      },
    });
    await this.options.deadLetters.send(JSON.stringify(entry));
    this.stats.dlqBatches += 1;
    this.stats.dlqRecords += records.length;
  }
}

/**
 * Position of the first record to redeliver: the batch length when all succeeded. Lambda treats an
 * identifier it cannot find (or an empty one) as a failure of the whole batch.
 */
export function firstFailedPosition(
  batch: readonly QueuedRecord[] | readonly { record: KinesisStreamRecord }[],
  response: KinesisStreamBatchResponse | undefined,
): number {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return batch.length;
  const failed = new Set<string>();
  for (const failure of failures) {
    if (!failure.itemIdentifier) return 0;
    failed.add(failure.itemIdentifier);
  }
  const positions = batch.map((item, position) => (failed.has(item.record.kinesis.sequenceNumber) ? position : -1)).filter((p) => p >= 0);
  const known = new Set(batch.map((item) => item.record.kinesis.sequenceNumber));
  if ([...failed].some((id) => !known.has(id))) return 0;
  return Math.min(...positions);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
