import { describe, expect, it } from 'vitest';
import { itemOfKind, pendingPartition } from '../../contracts/trackingSchema';
import { dateStatus, lockView } from '../../operator/operations/dateStatus';

const policy = { maxBatchFiles: 10, maxBatchBytes: 1000, maxWaitSeconds: 900 };
const now = new Date('2026-01-30T12:00:00Z');
const file = (key: string, status: string, extra: Record<string, unknown> = {}) => ({
  date_prefix: '2026-01-30',
  file_key: key,
  kind: 'file',
  status,
  file_path: `s3://in/${key}`,
  size_bytes: 100,
  created_at: '2026-01-30T11:50:00Z',
  ...extra,
});

const marker = (key: string, partition: string, extra: Record<string, unknown> = {}) => ({
  date_prefix: partition,
  file_key: `PENDING#${key}`,
  kind: 'pending',
  bucket: 'in',
  size_bytes: 100,
  created_at: '2026-01-30T11:50:00Z',
  ...extra,
});

describe('dateStatus', () => {
  it('counts files from the manifests and the markers, and says why pending files wait', () => {
    // Prepare: c's marker is in its shard, d's predates the sharding, a's is stale (a is manifested)
    const items = [
      file('a.ndjson', 'manifested', { manifest_name: 'batch-0001-x.json', etag: 'ea' }),
      file('c.ndjson', 'pending', { created_at: '2026-01-30T11:58:00Z' }),
      file('d.ndjson', 'pending', { size_bytes: 50 }),
      marker('a.ndjson', pendingPartition('2026-01-30', 'a.ndjson'), { etag: 'ea' }),
      marker('c.ndjson', pendingPartition('2026-01-30', 'c.ndjson'), { created_at: '2026-01-30T11:58:00Z' }),
      marker('d.ndjson', '2026-01-30', { size_bytes: 50 }),
      {
        date_prefix: '2026-01-30',
        file_key: 'MANIFEST#batch-0001-x.json',
        status: 'completed',
        file_count: 3,
        total_bytes: 300,
        manifest_path: 's3://m/x',
      },
      {
        date_prefix: '2026-01-30',
        file_key: 'MANIFEST#batch-0002-x.json',
        status: 'failed',
        file_count: 2,
        total_bytes: 200,
        error_message: 'boom',
        redrive_count: 2,
      },
      { date_prefix: '2026-01-30', file_key: 'MANIFEST#batch-0003-x.json', status: 'processing', file_count: 1, total_bytes: 10 },
      { date_prefix: '2026-01-30', file_key: 'QUARANTINE#e.txt', reason: 'wrong-extension', size_bytes: 3 },
      { date_prefix: '2026-01-30', file_key: 'WINDOW', pending_count: 2, manifest_seq: 4 },
      { date_prefix: '2026-01-30', file_key: 'junk-without-fields' },
    ];

    // Act
    const status = dateStatus('2026-01-30', items, policy, now);

    // Assert
    expect(status.files).toEqual({ tracked: 8, pending: 2, manifested: 6, converted: 3, failed: 2, quarantined: 1, converting: 1 });
    expect(status.bytes).toEqual({ tracked: 660, pending: 150, converted: 300 });
    expect(status.pending).toMatchObject({
      files: 2,
      bytes: 150,
      thresholdFiles: 10,
      thresholdBytes: 1000,
      oldestAt: '2026-01-30T11:50:00Z',
      oldestAgeSeconds: 600,
      due: null,
    });
    expect(status.manifests).toMatchObject({ total: 3, expired: 1, byStatus: { completed: 1, failed: 1, processing: 1 } });
    expect(status.manifests.list[1]).toMatchObject({ id: '2026-01-30-batch-0002-x', errorMessage: 'boom', redrives: 2 });
    expect(status.quarantined).toEqual([{ key: 'e.txt', reason: 'wrong-extension', sizeBytes: 3, createdAt: null }]);
    expect(status.arrivals.reduce((n, a) => n + a.files, 0)).toBe(status.files.tracked);
  });

  it('counts a marker whose file item is not written yet as pending: the file arrived, the planner adopts it', () => {
    // Act
    const status = dateStatus('2026-01-30', [marker('b.ndjson', pendingPartition('2026-01-30', 'b.ndjson'))], policy, now);

    // Assert
    expect(status.files).toMatchObject({ tracked: 1, pending: 1, manifested: 0 });
  });

  it('marks a previous-day remainder as due, whatever its size', () => {
    // Prepare
    const items = [
      { ...file('a.ndjson', 'pending'), date_prefix: '2026-01-29' },
      marker('a.ndjson', pendingPartition('2026-01-29', 'a.ndjson')),
    ];

    // Act
    const status = dateStatus('2026-01-29', items, policy, now);

    // Assert
    expect(status.pending.due).toBe('previous-day');
  });

  it('tells a running lease from an expired one and a released one', () => {
    // Prepare
    const lock = (expires: number) =>
      itemOfKind({ date_prefix: '2026-01-30', file_key: 'LOCK#2026-01-30', owner: 'req-1', token: 7, expires_at_ms: expires }, 'lock');

    // Act
    const held = lockView(lock(now.getTime() + 60_000), now);
    const expired = lockView(lock(now.getTime() - 1), now);
    const free = lockView(lock(0), now);

    // Assert
    expect(held).toMatchObject({ state: 'held', owner: 'req-1', token: 7, expiresInSeconds: 60 });
    expect(expired?.state).toBe('expired');
    expect(free).toMatchObject({ state: 'free', expiresAt: null });
    expect(lockView(null, now)).toBeNull();
  });
});
