import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryReadUnits, readUnits, scaledRates, shardFor, TokenBucket, writeUnits } from '../../local/capacityModel';

describe('capacity as DynamoDB bills it', () => {
  it('charges 1 WCU per KB rounded up, twice inside a transaction, and 4 KB read units by consistency', () => {
    // Act / Assert: the developer guide's own examples
    expect(writeUnits(500)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3500, true)).toBe(8);
    expect(readUnits(3500, 'strong')).toBe(1);
    expect(readUnits(8 * 1024, 'strong')).toBe(2);
    expect(readUnits(8 * 1024, 'eventual')).toBe(1);
    expect(readUnits(8 * 1024, 'transactional')).toBe(4);
    expect(readUnits(10 * 1024, 'strong')).toBe(3);
  });

  it('sums a Query page before rounding, unlike item-by-item reads', () => {
    // Arrange: 1.5 KB and 6.5 KB
    const sizes = [1536, 6656];

    // Act
    const query = queryReadUnits(sizes, 'strong');
    const oneByOne = sizes.reduce((sum, b) => sum + readUnits(b, 'strong'), 0);

    // Assert: 8 KB read as one Query is 2 units; as two GetItems 1 + 2
    expect(query).toBe(2);
    expect(oneByOne).toBe(3);
  });

  it('never charges less for a larger item, and a transaction always costs exactly twice', () => {
    fc.assert(
      fc.property(fc.nat(400 * 1024), fc.nat(400 * 1024), (a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        expect(writeUnits(small)).toBeLessThanOrEqual(writeUnits(large));
        expect(readUnits(small, 'strong')).toBeLessThanOrEqual(readUnits(large, 'strong'));
        expect(writeUnits(a, true)).toBe(2 * writeUnits(a));
        expect(writeUnits(a)).toBeGreaterThanOrEqual(a / 1024);
        expect(readUnits(a, 'eventual') * 2).toBe(readUnits(a, 'strong'));
      }),
    );
  });

  it("scales every rate by the same divisor and refuses to raise them past AWS's", () => {
    // Act
    const rates = scaledRates(10);

    // Assert
    expect(rates).toEqual({
      partitionWcuPerSecond: 100,
      partitionRcuPerSecond: 300,
      shardRecordsPerSecond: 100,
      shardBytesPerSecond: 104857.6,
    });
    expect(() => scaledRates(0.5)).toThrow(RangeError);
  });
});

describe('TokenBucket', () => {
  it('admits one second of a rate, then refuses until the rate has paid back what was taken', () => {
    // Arrange: 1,000 WCU/s on a clock the test moves
    let now = 0;
    const bucket = new TokenBucket(1000, () => now);

    // Act / Assert
    expect(bucket.admits()).toBe(true);
    bucket.charge(1200);
    expect(bucket.admits()).toBe(false);
    now = 150;
    expect(bucket.admits()).toBe(false);
    now = 201;
    expect(bucket.admits()).toBe(true);
  });

  it('never saves more than one second of unused capacity', () => {
    // Arrange
    let now = 0;
    const bucket = new TokenBucket(100, () => now);

    // Act: idle for a minute, then 150 units at once
    now = 60_000;
    bucket.charge(150);

    // Assert: in debt (100 saved at most), so the next request waits
    expect(bucket.admits()).toBe(false);
    now = 60_501;
    expect(bucket.admits()).toBe(true);
  });

  it("admits a batch's items only while the earlier items' reservations leave capacity", () => {
    // Arrange: 10 units/s on a still clock, 4 already taken
    const bucket = new TokenBucket(10, () => 0);
    bucket.charge(4);

    // Act / Assert: 6 left; items of 3 units each reserve in turn, the third finds nothing left
    expect(bucket.admits(0)).toBe(true);
    expect(bucket.admits(3)).toBe(true);
    expect(bucket.admits(6)).toBe(false);
  });

  it('serves at most the rate on average, whatever the pattern of requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(300), units: fc.integer({ min: 1, max: 50 }) }), { minLength: 1, maxLength: 200 }),
        (requests) => {
          let now = 0;
          const rate = 100;
          const bucket = new TokenBucket(rate, () => now);
          let served = 0;
          let lastServedCost = 0;
          for (const { gap, units } of requests) {
            now += gap;
            if (!bucket.admits()) continue;
            bucket.charge(units);
            served += units;
            lastServedCost = units;
          }
          // One second's capacity up front, the rate after, and the last request may overdraw.
          expect(served).toBeLessThanOrEqual(rate + (now / 1000) * rate + lastServedCost);
        },
      ),
    );
  });
});

describe('shardFor', () => {
  it('puts a record on the shard whose hash key range holds the MD5 of its partition key', () => {
    // Arrange: two shards splitting the 128-bit space in half
    const half = 2n ** 127n;
    const shards = [
      { shardId: 'shardId-000000000000', startingHashKey: 0n, endingHashKey: half - 1n },
      { shardId: 'shardId-000000000001', startingHashKey: half, endingHashKey: 2n ** 128n - 1n },
    ];

    // Act / Assert: md5("a") = 0cc175b9..., md5("b") = 92eb5ffe...
    expect(shardFor(shards, 'a')?.shardId).toBe('shardId-000000000000');
    expect(shardFor(shards, 'b')?.shardId).toBe('shardId-000000000001');
    expect(shardFor(shards, 'a', String(half))?.shardId).toBe('shardId-000000000001');
  });
});
