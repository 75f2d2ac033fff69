import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MixedDatesError, type PendingFile, planBatches } from '../../handlers/domain/planner';

const MiB = 1024 * 1024;

function files(date: string, sizes: number[]): PendingFile[] {
  return sizes.map((sizeBytes, i) => ({
    date,
    key: `pipeline/input/${date}-f${String(i).padStart(5, '0')}.ndjson`,
    sizeBytes,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  }));
}

const pendingArb = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 120 }).map((sizes) => files('2026-01-30', sizes));
const limitsArb = fc.record({ maxBatchBytes: fc.integer({ min: 1, max: 2000 }), maxBatchFiles: fc.integer({ min: 1, max: 30 }) });

describe('planBatches', () => {
  it('follows the seed example: 600 files of 3.5 MB -> two full 1 GB batches, the 0.1 GB rest waits', () => {
    // Prepare
    const pending = files(
      '2025-12-20',
      Array.from({ length: 600 }, () => 3.5 * MiB),
    );

    // Act
    const plan = planBatches(pending, { maxBatchBytes: 1024 * MiB, maxBatchFiles: 5000 }, { flushAll: false });

    // Assert
    expect(plan.batches.map((b) => b.files.length)).toEqual([292, 292]);
    expect(plan.remainder).toHaveLength(16);
  });

  it('sends a remainder of at least half a batch with the full ones', () => {
    const plan = planBatches(files('2026-01-30', Array(15).fill(1)), { maxBatchBytes: 1e9, maxBatchFiles: 10 }, { flushAll: false });
    expect(plan.batches.map((b) => [b.files.length, b.reason])).toEqual([
      [10, 'full'],
      [5, 'half-batch'],
    ]);
    expect(plan.remainder).toEqual([]);
  });

  it('holds a remainder under half a batch unless flushing', () => {
    const pending = files('2026-01-30', Array(14).fill(1));
    const limits = { maxBatchBytes: 1e9, maxBatchFiles: 10 };
    expect(planBatches(pending, limits, { flushAll: false }).remainder).toHaveLength(4);
    expect(planBatches(pending, limits, { flushAll: true }).batches.map((b) => [b.files.length, b.reason])).toEqual([
      [10, 'full'],
      [4, 'flush'],
    ]);
  });

  it('lets a file larger than a batch travel alone', () => {
    const plan = planBatches(files('2026-01-30', [10, 5000, 10]), { maxBatchBytes: 100, maxBatchFiles: 10 }, { flushAll: true });
    expect(plan.batches.map((b) => b.files.map((f) => f.sizeBytes))).toEqual([[10], [5000], [10]]);
  });

  it('refuses files of two dates', () => {
    const mixed = [...files('2026-01-30', [1]), ...files('2026-01-31', [1])];
    expect(() => planBatches(mixed, { maxBatchBytes: 10, maxBatchFiles: 10 }, { flushAll: true })).toThrow(MixedDatesError);
  });

  it('loses no file and repeats none (property)', () => {
    fc.assert(
      fc.property(pendingArb, limitsArb, fc.boolean(), (pending, limits, flushAll) => {
        const plan = planBatches(pending, limits, { flushAll });
        const out = [...plan.batches.flatMap((b) => b.files), ...plan.remainder].map((f) => f.key);
        expect(out.slice().sort()).toEqual(pending.map((f) => f.key).sort());
        expect(new Set(out).size).toBe(out.length);
      }),
    );
  });

  it('keeps every batch within the limits, one date each (property)', () => {
    fc.assert(
      fc.property(pendingArb, limitsArb, fc.boolean(), (pending, limits, flushAll) => {
        for (const batch of planBatches(pending, limits, { flushAll }).batches) {
          expect(batch.files.length).toBeGreaterThan(0);
          expect(batch.files.length).toBeLessThanOrEqual(limits.maxBatchFiles);
          if (batch.files.length > 1) expect(batch.totalBytes).toBeLessThanOrEqual(limits.maxBatchBytes);
          expect(new Set(batch.files.map((f) => f.date)).size).toBe(1);
          expect(batch.totalBytes).toBe(batch.files.reduce((s, f) => s + f.sizeBytes, 0));
        }
      }),
    );
  });

  it('holds back only a remainder under half a batch, and nothing when flushing (property)', () => {
    fc.assert(
      fc.property(pendingArb, limitsArb, fc.boolean(), (pending, limits, flushAll) => {
        const plan = planBatches(pending, limits, { flushAll });
        if (flushAll) expect(plan.remainder).toEqual([]);
        expect(plan.remainder.length * 2).toBeLessThan(Math.max(limits.maxBatchFiles, 1) + (plan.remainder.length === 0 ? 1 : 0));
        expect(plan.remainderBytes * 2).toBeLessThan(limits.maxBatchBytes + (plan.remainder.length === 0 ? 1 : 0));
      }),
    );
  });

  it('sends the oldest files first (property)', () => {
    fc.assert(
      fc.property(pendingArb, limitsArb, (pending, limits) => {
        const plan = planBatches([...pending].reverse(), limits, { flushAll: false });
        const sent = plan.batches.flatMap((b) => b.files);
        for (const held of plan.remainder) for (const out of sent) expect(out.createdAt <= held.createdAt).toBe(true);
      }),
    );
  });
});
