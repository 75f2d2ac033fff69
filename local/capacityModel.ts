import { createHash } from 'node:crypto';

/**
 * Capacity as AWS bills and limits it, with no SDK in sight: what a DynamoDB request costs in read and
 * write units, and the token buckets that hold one partition key, one item or one Kinesis shard to its
 * documented rate. local/throttling.ts applies it to every request of the local world; a benchmark can
 * apply it to the requests it counts (issue 14: WCU per file on the date's partition key).
 *
 * DynamoDB (developer guide, "DynamoDB read and write operations"; "Key range throughput exceeded"):
 * - a write costs 1 WCU per 1 KB of item size, rounded up; an update or a conditional write is sized by the
 *   larger of the item before and after, and a conditional write that fails still consumes;
 * - a read costs 1 RCU per 4 KB, rounded up: strongly consistent x1, eventually consistent x0.5; a Query
 *   sums the sizes of the items it reads before rounding;
 * - inside TransactWriteItems / TransactGetItems every item costs twice (prepare and commit);
 * - each partition serves at most 1,000 WCU/s and 3,000 RCU/s, on-demand tables included; one item never
 *   spreads over partitions, so it is held to the same rates even after a split for heat.
 * Kinesis (Kinesis Data Streams quotas): a shard takes at most 1,000 records/s and 1 MiB/s of writes.
 */

const KB = 1024;

export const AWS_RATES = {
  partitionWcuPerSecond: 1000,
  partitionRcuPerSecond: 3000,
  shardRecordsPerSecond: 1000,
  shardBytesPerSecond: 1024 * KB,
} as const;

export type Rates = { -readonly [K in keyof typeof AWS_RATES]: number };

/** AWS's rates divided by `scale`, so that a small machine's load can exceed them as real load exceeds AWS's. */
export function scaledRates(scale: number): Rates {
  if (!Number.isFinite(scale) || scale < 1) throw new RangeError(`throttle scale must be a number >= 1, got ${scale}`);
  return {
    partitionWcuPerSecond: AWS_RATES.partitionWcuPerSecond / scale,
    partitionRcuPerSecond: AWS_RATES.partitionRcuPerSecond / scale,
    shardRecordsPerSecond: AWS_RATES.shardRecordsPerSecond / scale,
    shardBytesPerSecond: AWS_RATES.shardBytesPerSecond / scale,
  };
}

export type ReadConsistency = 'eventual' | 'strong' | 'transactional';

/** WCU of one item write: `bytes` is the larger of the item's size before and after the write. */
export function writeUnits(bytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(bytes / KB));
  return transactional ? 2 * units : units;
}

/** RCU of reading `bytes` (one item, or a Query's items summed) at the given consistency. */
export function readUnits(bytes: number, consistency: ReadConsistency): number {
  const units = Math.max(1, Math.ceil(bytes / (4 * KB)));
  if (consistency === 'eventual') return units / 2;
  if (consistency === 'transactional') return 2 * units;
  return units;
}

/** A Query or Scan page: item sizes are summed first, then rounded to 4 KB once (unlike BatchGetItem). */
export function queryReadUnits(itemBytes: readonly number[], consistency: ReadConsistency): number {
  return readUnits(
    itemBytes.reduce((sum, b) => sum + b, 0),
    consistency,
  );
}

/**
 * A token bucket holding one second of a rate. A request is admitted while the bucket is not in debt and
 * is then charged what it consumed, which may take the bucket below zero: one large transaction is served,
 * and the requests after it wait until the rate has paid it back. The clock is injected so tests are exact.
 */
export class TokenBucket {
  private balance: number;
  private at: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number,
  ) {
    this.balance = ratePerSecond;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.balance = Math.min(this.ratePerSecond, this.balance + ((t - this.at) / 1000) * this.ratePerSecond);
    this.at = t;
  }

  /**
   * Whether a request may go now. `reserved`: what the earlier items of the same batch request will take
   * from this bucket; DynamoDB serves a batch item by item, so an item goes only while those leave some.
   */
  admits(reserved = 0): boolean {
    this.refill();
    return this.balance - reserved > 0;
  }

  charge(units: number): void {
    this.refill();
    this.balance -= units;
  }
}

/** Buckets by name (a partition key, an item, a shard), created at the given rate when first used. */
export class Buckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number) {}

  get(name: string, ratePerSecond: number): TokenBucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = new TokenBucket(ratePerSecond, this.now);
      this.buckets.set(name, bucket);
    }
    return bucket;
  }
}

export interface ShardRange {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
}

/** The shard a record lands on: the MD5 of its partition key (or its explicit hash key) as a 128-bit integer. */
export function shardFor(shards: readonly ShardRange[], partitionKey: string, explicitHashKey?: string): ShardRange | undefined {
  const hash = explicitHashKey ? BigInt(explicitHashKey) : BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
  return shards.find((s) => hash >= s.startingHashKey && hash <= s.endingHashKey);
}
