import { describe, expect, it } from 'vitest';
import { dueReason, type WindowState } from '../../handlers/domain/window';

const policy = { maxBatchBytes: 1000, maxBatchFiles: 10, maxWaitSeconds: 300 };
const now = new Date('2026-11-22T12:00:00Z');
const window = (over: Partial<WindowState>): WindowState => ({
  date: '2026-11-22',
  pendingCount: 1,
  pendingBytes: 10,
  manifestSeq: 0,
  ...over,
});

describe('dueReason', () => {
  it.each<[string, Partial<WindowState>, string | null]>([
    ['nothing pending', { pendingCount: 0, pendingBytes: 0 }, null],
    ['below both thresholds', { pendingCount: 9, pendingBytes: 999, oldestPendingAt: '2026-11-22T11:59:00Z' }, null],
    ['count threshold', { pendingCount: 10 }, 'count'],
    ['size threshold', { pendingBytes: 1000 }, 'size'],
    ['previous UTC day', { date: '2026-11-21' }, 'previous-day'],
    ['oldest file waited maxWaitSeconds', { oldestPendingAt: '2026-11-22T11:55:00Z' }, 'max-wait'],
    ['a half-built manifest', { pendingCount: 0, openManifest: 'batch-0001-20261122-115959.json' }, 'open-manifest'],
  ])('%s', (_label, over, expected) => {
    expect(dueReason(window(over), policy, now)).toBe(expected);
  });
});
