import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyItem,
  manifestKey,
  PENDING_SHARDS,
  partitionDate,
  pendingKey,
  pendingPartition,
  pendingShardPartition,
  UNDATED_PARTITION,
} from '../../contracts/trackingSchema';

const dateArb = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('marker shard partitions', () => {
  it('name the date and shard they belong to, and a date partition names itself', () => {
    fc.assert(
      fc.property(fc.oneof(dateArb, fc.constant(UNDATED_PARTITION)), fc.integer({ min: 0, max: PENDING_SHARDS - 1 }), (date, shard) => {
        // Act
        const ofShard = partitionDate(pendingShardPartition(date, shard));
        const ofDate = partitionDate(date);

        // Assert
        expect(ofShard).toEqual({ date, shard });
        expect(ofDate).toEqual({ date, shard: null });
      }),
    );
  });

  it('a marker in its shard is classified under its date, like a legacy marker in the date partition', () => {
    // Prepare
    const key = 'in/2026-01-30-a.ndjson';
    const fields = { file_key: pendingKey(key), bucket: 'in', created_at: '2026-01-30T10:00:00Z', size_bytes: 5 };

    // Act
    const sharded = classifyItem({ date_prefix: pendingPartition('2026-01-30', key), ...fields });
    const legacy = classifyItem({ date_prefix: '2026-01-30', ...fields });

    // Assert
    expect(sharded).toMatchObject({ kind: 'pending', date: '2026-01-30', key });
    expect(legacy).toEqual(sharded);
  });

  it('takes nothing but a marker from a shard partition, and no malformed shard for a date', () => {
    // Act
    const manifest = classifyItem({
      date_prefix: pendingShardPartition('2026-01-30', 2),
      file_key: manifestKey('b.json'),
      status: 'completed',
    });
    const outOfRange = partitionDate(`PENDING#2026-01-30#${PENDING_SHARDS}`);
    const noShard = partitionDate('PENDING#2026-01-30');
    const padded = partitionDate('PENDING#2026-01-30#01');

    // Assert
    expect(manifest.kind).toBe('unknown');
    expect([outOfRange, noShard, padded]).toEqual([null, null, null]);
  });
});
