import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  type ThrottlingReason,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { ProvisionedThroughputExceededException as KinesisThroughputExceeded, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { InitializeHandlerOutput, MetadataBearer } from '@smithy/types';
import { TABLE_KEYS, WINDOWS_INDEX } from '../contracts/trackingSchema';
import { createClients } from '../handlers/adapters/clients';
import type { KeySchema } from './awsLimits';
import { type BatchEntry, batchEntries, entryName, isBatch, sendOnly, withUnprocessed } from './batchRequests';
import { Buckets, type Rates, type ShardRange, scaledRates, shardFor, type TokenBucket } from './capacityModel';
import { aroundCommands, type CommandCall, type SdkClient } from './clientMiddleware';
import {
  type Charge,
  currentImages,
  type Item,
  type ItemSource,
  isConditionFailure,
  keyText,
  probeItemSource,
  queriedPartition,
  readCharges,
  type TableShape,
  type WriteTarget,
  writeCharges,
  writeTargets,
} from './dynamoBilling';
import type { LocalClients } from './localClients';
import { LOCAL_ACCOUNT } from './resources';

/**
 * `local --throttle aws`: DynamoDB and Kinesis throttle as AWS does, at AWS's documented rates (divided by
 * `scale`), with AWS's errors, so the code's retries meet the answers AWS gives under load:
 * - a DynamoDB request on a partition key or item whose second of capacity is spent fails with
 *   ProvisionedThroughputExceededException and a ThrottlingReason `Table|Index Read|Write
 *   KeyRangeThroughputExceeded` (API reference, ThrottlingReason: partition-level limits apply to on-demand
 *   tables too); inside TransactWriteItems the transaction is cancelled (TransactionCanceledException) with
 *   `ThrottlingError` as the throttled item's cancellation reason, which the SDK does not retry;
 * - BatchWriteItem and BatchGetItem are served item by item, each on its own partition key and item: the
 *   items over their rates are not sent and come back in `UnprocessedItems` / `UnprocessedKeys` while the
 *   request succeeds; only when no item can be served does the whole request fail with
 *   ProvisionedThroughputExceededException (which the SDK retries), with one ThrottlingReason per table or
 *   index refused (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). Unprocessed items
 *   are not billed;
 * - a Kinesis PutRecord over a shard's records or bytes per second fails with
 *   ProvisionedThroughputExceededException ("Rate exceeded for shard ..."); PutRecords fails per record
 *   (ErrorCode/ErrorMessage, FailedRecordCount) and sends the rest.
 * Single requests are refused at the finalizeRequest step, inside the SDK's retry loop, so the SDK's own
 * backoff applies as it would to AWS's error. What a request consumed is computed as DynamoDB bills it
 * (local/dynamoBilling.ts, the accountant's rules too), from the item images read before and after the write
 * by a probe client that bypasses the model.
 */

export interface ThrottleOptions {
  scale: number;
  table: KeySchema;
  indexes: readonly { name: string; hash: string }[];
  region: string;
  account: string;
  /** Reads item images for the billing, outside the model (no throttling, no counting). */
  probe: DynamoDBClient;
  /** The shards of a stream and their hash key ranges. */
  shards: (streamName: string) => Promise<readonly ShardRange[]>;
  now?: () => number;
}

export interface ThrottleStats {
  /**
   * Requests answered with a throttling error; an item of a batch left unprocessed (or refused with the
   * whole batch) and a throttled PutRecords record count once each.
   */
  throttledRequests: number;
  /** Attempts the SDK made again after an error, on the throttled clients. */
  retries: number;
  /** Units consumed per bucket name (`table#pk`, `table/index#pk`, `stream/shard`), as billed. */
  consumedWcu: Map<string, number>;
  consumedRcu: Map<string, number>;
}

type Result = InitializeHandlerOutput<MetadataBearer>;

const THROTTLED_MESSAGE =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';

export class ThrottleModel {
  readonly rates: Rates;
  readonly stats: ThrottleStats = { throttledRequests: 0, retries: 0, consumedWcu: new Map(), consumedRcu: new Map() };
  private readonly buckets: Buckets;
  private readonly source: ItemSource;
  private readonly shape: TableShape;
  private readonly callerInputs = new WeakMap<object, Record<string, unknown>>();

  constructor(private readonly options: ThrottleOptions) {
    this.rates = scaledRates(options.scale);
    this.buckets = new Buckets(options.now ?? Date.now);
    this.source = probeItemSource(options.probe);
    this.shape = { table: options.table, indexes: options.indexes };
  }

  get scale(): number {
    return this.options.scale;
  }

  close(): void {
    this.options.probe.destroy();
  }

  /** One line for a run's output: the limits in force. */
  describe(): string {
    const r = this.rates;
    const scaled = this.options.scale === 1 ? "AWS's rates" : `AWS's rates / ${this.options.scale}`;
    return `throttling at ${scaled}: DynamoDB ${r.partitionWcuPerSecond} WCU/s and ${r.partitionRcuPerSecond} RCU/s per partition key and per item; Kinesis ${r.shardRecordsPerSecond} records/s and ${Math.round(r.shardBytesPerSecond)} bytes/s per shard`;
  }

  install(clients: { dynamoRaw: SdkClient; kinesis: SdkClient }): void {
    aroundCommands([clients.dynamoRaw], { name: 'throttleDynamo', step: 'finalizeRequest' }, (call, proceed) => this.dynamo(call, proceed));
    // A batch sends only the items it admits: it rewrites the request, so before the request is signed; it
    // answers the others in the form the caller wrote them, as its input was before any marshalling.
    aroundCommands([clients.dynamoRaw], { name: 'throttleDynamoBatchInput', step: 'initialize' }, (call, proceed) => {
      if (isBatch(call.commandName) && call.context) this.callerInputs.set(call.context, call.input);
      return proceed();
    });
    aroundCommands([clients.dynamoRaw], { name: 'throttleDynamoBatch', step: 'finalizeRequest', beforeSigning: true }, (call, proceed) =>
      isBatch(call.commandName) ? this.batch(call, proceed) : proceed(),
    );
    aroundCommands([clients.kinesis], { name: 'throttleKinesis', step: 'finalizeRequest' }, (call, proceed) =>
      call.commandName === 'PutRecordCommand' ? this.putRecord(call, proceed) : proceed(),
    );
    aroundCommands([clients.kinesis], { name: 'throttleKinesisBatch', step: 'initialize' }, (call, proceed) =>
      call.commandName === 'PutRecordsCommand' ? this.putRecords(call, proceed) : proceed(),
    );
    aroundCommands([clients.dynamoRaw, clients.kinesis], { name: 'throttleRetries', step: 'initialize' }, async (_call, proceed) => {
      try {
        const result = await proceed();
        this.countRetries(result.output);
        return result;
      } catch (error) {
        this.countRetries(error as MetadataBearer);
        throw error;
      }
    });
  }

  private countRetries(bearer: MetadataBearer | undefined): void {
    const attempts = bearer?.$metadata?.attempts ?? 1;
    if (attempts > 1) this.stats.retries += attempts - 1;
  }

  private tableArn(table: string, index?: string): string {
    const arn = `arn:aws:dynamodb:${this.options.region}:${this.options.account}:table/${table}`;
    return index ? `${arn}/index/${index}` : arn;
  }

  private partitionName(table: string, item: Item): string {
    return `${table}#${keyText(item[this.options.table.hash])}`;
  }

  private itemName(table: string, item: Item): string {
    const range = this.options.table.range;
    return `${this.partitionName(table, item)}#${range ? keyText(item[range]) : ''}`;
  }

  /** The index partitions an item image lands on (an index holds only items that carry its key). */
  private indexPartitions(table: string, images: readonly (Item | undefined)[]): string[] {
    const names = new Set<string>();
    for (const index of this.options.indexes) {
      for (const image of images) {
        const value = image?.[index.hash];
        if (value) names.add(`${table}/${index.name}#${keyText(value)}`);
      }
    }
    return [...names];
  }

  private admits(name: string, write: boolean): boolean {
    const rate = write ? this.rates.partitionWcuPerSecond : this.rates.partitionRcuPerSecond;
    return this.buckets.get(`${write ? 'w' : 'r'}:${name}`, rate).admits();
  }

  private throttlingReason(table: string, write: boolean, index?: string): ThrottlingReason {
    return {
      reason: `${index ? 'Index' : 'Table'}${write ? 'Write' : 'Read'}KeyRangeThroughputExceeded`,
      resource: this.tableArn(table, index),
    };
  }

  private throttled(table: string, write: boolean, index?: string): ProvisionedThroughputExceededException {
    this.stats.throttledRequests += 1;
    return new ProvisionedThroughputExceededException({
      message: THROTTLED_MESSAGE,
      $metadata: { httpStatusCode: 400 },
      ThrottlingReasons: [this.throttlingReason(table, write, index)],
    });
  }

  private async dynamo(call: CommandCall, proceed: () => Promise<Result>): Promise<Result> {
    const { commandName } = call;
    if (isBatch(commandName)) return proceed();
    const write = writeTargets(call);
    if (write) return this.writes(call.commandName.replace(/Command$/, ''), write.targets, write.transactional, proceed);
    if (commandName === 'GetItemCommand') return this.read(call, proceed);
    if (commandName === 'QueryCommand') return this.query(call, proceed);
    return proceed();
  }

  private async writes(operation: string, targets: WriteTarget[], transactional: boolean, proceed: () => Promise<Result>) {
    const before = await currentImages(this.source, this.options.table, targets);
    const refused = targets.map((t) => {
      const image = before.get(this.itemName(t.table, t.key));
      if (!this.admits(this.partitionName(t.table, t.key), true) || !this.admits(this.itemName(t.table, t.key), true)) return 'table';
      const index = this.indexPartitions(t.table, [image, t.written]).find((name) => !this.admits(name, true));
      return index ? index : null;
    });
    const first = refused.findIndex((r) => r !== null);
    if (first >= 0) {
      const target = targets[first] as WriteTarget;
      const indexName = refused[first] === 'table' ? undefined : (refused[first] as string).split('/')[1]?.split('#')[0];
      if (!transactional) throw this.throttled(target.table, true, indexName);
      this.stats.throttledRequests += 1;
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${refused.map((r) => (r ? 'ThrottlingError' : 'None')).join(', ')}]`,
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: refused.map((r) => (r ? { Code: 'ThrottlingError', Message: THROTTLED_MESSAGE } : { Code: 'None' })),
      });
    }
    let failure: unknown;
    let result: Result | undefined;
    try {
      result = await proceed();
    } catch (error) {
      // A write refused by its condition was still served and is billed; other errors consumed nothing.
      if (!isConditionFailure(error)) throw error;
      failure = error;
    }
    const after = failure
      ? new Map<string, Item>()
      : await currentImages(
          this.source,
          this.options.table,
          targets.filter((t) => t.kind === 'update'),
        );
    this.chargeAll(writeCharges(this.shape, operation, targets, before, after, { transactional, failed: failure !== undefined }));
    if (failure) throw failure;
    return result as Result;
  }

  /** The partition's name (`table#pk`, `table/index#pk`) and the buckets a charge draws on: its partition's, and its item's. */
  private bucketsOf(c: Charge): { partition: string; buckets: { name: string; bucket: TokenBucket }[] } {
    const write = c.capacity === 'write';
    const rate = write ? this.rates.partitionWcuPerSecond : this.rates.partitionRcuPerSecond;
    const partition = `${c.table}${c.index ? `/${c.index}` : ''}#${c.partition}`;
    const names = [`${write ? 'w' : 'r'}:${partition}`];
    if (c.item !== undefined && !c.index) names.push(`${names[0]}#${c.item}`);
    return { partition, buckets: names.map((name) => ({ name, bucket: this.buckets.get(name, rate) })) };
  }

  /** Charges what a request consumed to its partition's (or index partition's) bucket and its item's. */
  private chargeAll(charges: readonly Charge[]): void {
    for (const c of charges) {
      const { partition, buckets } = this.bucketsOf(c);
      for (const { bucket } of buckets) bucket.charge(c.units);
      const consumed = c.capacity === 'write' ? this.stats.consumedWcu : this.stats.consumedRcu;
      consumed.set(partition, (consumed.get(partition) ?? 0) + c.units);
    }
  }

  /**
   * Whether a batch item's charges fit, after what the batch's earlier admitted items take (`reserved`, by
   * bucket, which an admitted item adds to): null when they do, else the reason of the first bucket out of
   * capacity.
   */
  private reserve(charges: readonly Charge[], reserved: Map<string, number>): ThrottlingReason | null {
    for (const c of charges) {
      const { buckets } = this.bucketsOf(c);
      if (buckets.some(({ name, bucket }) => !bucket.admits(reserved.get(name) ?? 0)))
        return this.throttlingReason(c.table, c.capacity === 'write', c.index);
    }
    for (const c of charges) for (const { name } of this.bucketsOf(c).buckets) reserved.set(name, (reserved.get(name) ?? 0) + c.units);
    return null;
  }

  /** A batch item's table and key values, alike whether its attribute values are marshalled or native. */
  private entryKey(entry: BatchEntry): string {
    const value = (v: unknown) => (v !== null && typeof v === 'object' ? keyText(v as Item[string]) : String(v));
    const { hash, range } = this.options.table;
    return JSON.stringify([entry.table, value(entry.key[hash]), range ? value(entry.key[range]) : null]);
  }

  /** What one item of a batch costs, from its image before the request (a batch has no updates and no conditions). */
  private async entryCharges(call: CommandCall, entry: BatchEntry, before: ReadonlyMap<string, Item>): Promise<Charge[]> {
    if (call.commandName === 'BatchWriteItemCommand')
      return writeCharges(this.shape, 'BatchWriteItem', [entry], before, new Map(), { transactional: false, failed: false });
    const options = (call.input.RequestItems as Record<string, { ConsistentRead?: boolean }>)[entry.table];
    const image = before.get(this.itemName(entry.table, entry.key));
    return readCharges(
      this.shape,
      this.source,
      {
        commandName: call.commandName,
        input: { RequestItems: { [entry.table]: { Keys: [entry.key], ConsistentRead: options?.ConsistentRead } } },
      },
      { Responses: { [entry.table]: image ? [image] : [] } },
    );
  }

  /**
   * A BatchWriteItem or BatchGetItem, item by item in the request's order: the items whose partition, item
   * and index partitions have capacity left (less what the earlier items took) are sent; the others are
   * answered as unprocessed and cost nothing. With none admitted the whole request is refused, which the
   * SDK's retry loop around this middleware retries.
   */
  private async batch(call: CommandCall, proceed: () => Promise<Result>): Promise<Result> {
    const entries = batchEntries(call);
    if (entries.length === 0) return proceed();
    const before = await currentImages(this.source, this.options.table, entries);
    const reserved = new Map<string, number>();
    const charges: Charge[][] = [];
    const refusals: (ThrottlingReason | null)[] = [];
    for (const entry of entries) {
      const own = await this.entryCharges(call, entry, before);
      charges.push(own);
      refusals.push(this.reserve(own, reserved));
    }
    const refused = entries.filter((_, i) => refusals[i] !== null);
    this.stats.throttledRequests += refused.length;
    if (refused.length === entries.length) {
      const reasons = new Map(refusals.map((r) => [`${r?.reason} ${r?.resource}`, r as ThrottlingReason]));
      throw new ProvisionedThroughputExceededException({
        message: THROTTLED_MESSAGE,
        $metadata: { httpStatusCode: 400 },
        ThrottlingReasons: [...reasons.values()],
      });
    }
    const keep = new Set(entries.filter((_, i) => refusals[i] === null).map((e) => entryName(e.table, e.position)));
    const result = refused.length > 0 ? await sendOnly(call, keep, proceed) : await proceed();
    const answered = result.output as unknown as Record<string, unknown>;
    // What the emulator itself left unprocessed (in the caller's form, marshalled or not) was not served either.
    const left = new Set(
      batchEntries({ commandName: call.commandName, input: { RequestItems: answered.UnprocessedItems ?? answered.UnprocessedKeys } }).map(
        (e) => this.entryKey(e),
      ),
    );
    this.chargeAll(entries.flatMap((e, i) => (refusals[i] !== null || left.has(this.entryKey(e)) ? [] : (charges[i] ?? []))));
    const caller = (call.context && this.callerInputs.get(call.context)) ?? call.input;
    const output = withUnprocessed(call.commandName, caller.RequestItems as Record<string, unknown>, answered, refused);
    return { ...result, output: output as unknown as MetadataBearer };
  }

  private async read(call: CommandCall, proceed: () => Promise<Result>) {
    const table = String(call.input.TableName);
    const key = call.input.Key as Item;
    const partition = this.partitionName(table, key);
    if (!this.admits(partition, false) || !this.admits(this.itemName(table, key), false)) throw this.throttled(table, false);
    const result = await proceed();
    this.chargeAll(await readCharges(this.shape, this.source, call, result.output as unknown as Record<string, unknown>));
    return result;
  }

  private async query(call: CommandCall, proceed: () => Promise<Result>) {
    const table = String(call.input.TableName);
    const index = call.input.IndexName as string | undefined;
    const hash = index ? this.options.indexes.find((i) => i.name === index)?.hash : this.options.table.hash;
    const value = hash ? queriedPartition(call.input, hash) : undefined;
    if (!value) return proceed();
    const partition = index ? `${table}/${index}#${keyText(value)}` : `${table}#${keyText(value)}`;
    if (!this.admits(partition, false)) throw this.throttled(table, false, index);
    const result = await proceed();
    this.chargeAll(await readCharges(this.shape, this.source, call, result.output as unknown as Record<string, unknown>));
    return result;
  }

  private async putRecord(call: CommandCall, proceed: () => Promise<Result>) {
    const refusal = await this.shardRefusal(call.input, call.input);
    if (refusal) {
      this.stats.throttledRequests += 1;
      throw new KinesisThroughputExceeded({ message: refusal, $metadata: { httpStatusCode: 400 } });
    }
    return proceed();
  }

  private async putRecords(call: CommandCall, proceed: () => Promise<Result>) {
    const records = (call.input.Records as Record<string, unknown>[] | undefined) ?? [];
    const refusals: (string | null)[] = [];
    for (const record of records) refusals.push(await this.shardRefusal(call.input, record));
    if (refusals.every((r) => r === null)) return proceed();
    this.stats.throttledRequests += refusals.filter((r) => r !== null).length;
    const admitted = records.filter((_, i) => refusals[i] === null);
    let sent: { Records?: Record<string, unknown>[]; FailedRecordCount?: number; $metadata: object } = {
      Records: [],
      FailedRecordCount: 0,
      $metadata: { httpStatusCode: 200 },
    };
    if (admitted.length > 0) {
      call.input.Records = admitted;
      try {
        sent = (await proceed()).output as typeof sent;
      } finally {
        call.input.Records = records;
      }
    }
    const answers = [...(sent.Records ?? [])];
    const merged = refusals.map((refusal) =>
      refusal === null ? answers.shift() : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: refusal },
    );
    const output = {
      ...sent,
      Records: merged,
      FailedRecordCount: (sent.FailedRecordCount ?? 0) + refusals.filter((r) => r !== null).length,
    };
    return { output: output as MetadataBearer, response: {} };
  }

  /** Null when the record's shard has capacity left (and charges it); otherwise Kinesis's message. */
  private async shardRefusal(request: Record<string, unknown>, record: Record<string, unknown>): Promise<string | null> {
    const stream = String(
      request.StreamName ??
        String(request.StreamARN ?? '')
          .split('/')
          .pop(),
    );
    const key = String(record.PartitionKey ?? '');
    const shard = shardFor(await this.options.shards(stream), key, record.ExplicitHashKey as string | undefined);
    if (!shard) return null;
    const name = `${stream}/${shard.shardId}`;
    const records = this.buckets.get(`records:${name}`, this.rates.shardRecordsPerSecond);
    const bytes = this.buckets.get(`bytes:${name}`, this.rates.shardBytesPerSecond);
    if (!records.admits() || !bytes.admits())
      return `Rate exceeded for shard ${shard.shardId} in stream ${stream} under account ${this.options.account}.`;
    records.charge(1);
    bytes.charge((record.Data instanceof Uint8Array ? record.Data.byteLength : 0) + Buffer.byteLength(key));
    return null;
  }
}

/**
 * The model over a local runtime's clients: the tracking table's keys and index, a probe client of its own
 * on the same emulator, and the stream's shards as ListShards gives them (read once per stream).
 */
export async function localThrottle(clients: LocalClients, endpoint: string, region: string, scale: number): Promise<ThrottleModel> {
  const probe = createClients({
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
  });
  probe.s3.destroy();
  probe.kinesis.destroy();
  probe.sfn.destroy();
  const shards = new Map<string, Promise<ShardRange[]>>();
  const listShards = (stream: string): Promise<ShardRange[]> => {
    let listed = shards.get(stream);
    if (!listed) {
      listed = clients.kinesis.send(new ListShardsCommand({ StreamName: stream })).then((page) =>
        (page.Shards ?? []).map((s) => ({
          shardId: s.ShardId ?? '',
          startingHashKey: BigInt(s.HashKeyRange?.StartingHashKey ?? '0'),
          endingHashKey: BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
        })),
      );
      shards.set(stream, listed);
    }
    return listed;
  };
  const model = new ThrottleModel({
    scale,
    table: TABLE_KEYS,
    indexes: [{ name: WINDOWS_INDEX.name, hash: WINDOWS_INDEX.hash }],
    region,
    account: LOCAL_ACCOUNT,
    probe: probe.dynamoRaw,
    shards: listShards,
  });
  model.install(clients);
  return model;
}

/** The figures a run reports: the limits in force and what the model refused. */
export interface ThrottleFigures {
  scale: number;
  partitionWcuPerSecond: number;
  partitionRcuPerSecond: number;
  shardRecordsPerSecond: number;
  shardBytesPerSecond: number;
  throttledRequests: number;
  retries: number;
  /** WCU consumed on the busiest partition keys (`table#key`, `table/index#key`), as billed. */
  wcuByPartitionKey: Record<string, number>;
}

export function throttleFigures(model: ThrottleModel): ThrottleFigures {
  return {
    scale: model.scale,
    ...model.rates,
    throttledRequests: model.stats.throttledRequests,
    retries: model.stats.retries,
    wcuByPartitionKey: Object.fromEntries([...model.stats.consumedWcu.entries()].sort(([, a], [, b]) => b - a).slice(0, 5)),
  };
}
