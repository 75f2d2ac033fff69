import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyItem,
  fileKey,
  isReservedKey,
  itemOfKind,
  lockKey,
  manifestKey,
  parseSortKey,
  pendingKey,
  quarantineKey,
  ReservedKeyError,
  SORT_KEY_MAX_BYTES,
  SORT_KEY_PREFIX,
  WINDOW_KEY,
} from '../../contracts/trackingSchema';
import { assessFiles } from '../../local/fileProgress';
import { dateStatus } from '../../operator/operations/dateStatus';

/** Keys built from reserved prefixes, '#' and ordinary characters, beside arbitrary strings. */
const trickyKey = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc
    .array(fc.constantFrom(...Object.values(SORT_KEY_PREFIX), WINDOW_KEY, '#', '##', 'a', '/', 'pipeline/input/', 'ü', ' '), {
      maxLength: 8,
    })
    .map((parts) => parts.join('')),
);

describe('sort keys', () => {
  it('keeps the item format users query by', () => {
    // Act
    const keys = [pendingKey('in/a.ndjson'), manifestKey('batch-0001-x.json'), lockKey('2026-01-30'), quarantineKey('in/n.txt')];

    // Assert
    expect(keys).toEqual(['PENDING#in/a.ndjson', 'MANIFEST#batch-0001-x.json', 'LOCK#2026-01-30', 'QUARANTINE#in/n.txt']);
    expect(WINDOW_KEY).toBe('WINDOW');
  });

  it("keeps PENDING# and QUARANTINE# keys of a 1,024-byte object key within DynamoDB's 1,024-byte sort key, one per object key", () => {
    // Prepare: S3 keys reach 1,024 bytes; the prefix would push the sort key over DynamoDB's limit.
    const longKey = (tail: string) => `pipeline/input/${'é'.repeat(504)}${tail}`;
    const [a, b] = [longKey('a'), longKey('b')];

    // Act
    const keys = [pendingKey(a), pendingKey(b), quarantineKey(a), quarantineKey(b)];

    // Assert
    expect(Buffer.byteLength(a)).toBe(1024);
    for (const key of keys) expect(Buffer.byteLength(key)).toBeLessThanOrEqual(SORT_KEY_MAX_BYTES);
    expect(new Set(keys).size).toBe(4);
    expect(pendingKey(a)).toBe(pendingKey(a));
    expect(pendingKey(a)).toMatch(/^PENDING#sha256:[0-9a-f]{64}$/);
    expect(
      classifyItem({ date_prefix: '2026-01-30', file_key: pendingKey(a), bucket: 'in', source_key: a, created_at: '2026-01-30T00:00:00Z' }),
    ).toMatchObject({ kind: 'pending', key: a });
    expect(classifyItem({ date_prefix: 'undated', file_key: quarantineKey(a), source_key: a })).toMatchObject({
      kind: 'quarantine',
      key: a,
    });
  });

  it('parses back what each builder makes, whatever the embedded value holds, # included (property)', () => {
    fc.assert(
      fc.property(trickyKey, (value) => {
        // Act
        const parsed = [pendingKey, manifestKey, lockKey, quarantineKey].map((build) => parseSortKey(build(value)));

        // Assert
        expect(parsed).toEqual([
          { kind: 'pending', key: value },
          { kind: 'manifest', name: value },
          { kind: 'lock', date: value },
          { kind: 'quarantine', key: value },
        ]);
      }),
    );
  });

  it('parses a file key back as a file, and refuses a key that would read as another kind (property)', () => {
    fc.assert(
      fc.property(trickyKey, (key) => {
        // Act
        const build = () => fileKey(key);

        // Assert
        if (isReservedKey(key)) expect(build).toThrow(ReservedKeyError);
        else expect(parseSortKey(build())).toEqual({ kind: 'file', key });
      }),
    );
  });

  it('reads the WINDOW key as the window, and other keys of the reserved namespace as no kind', () => {
    // Act
    const window = parseSortKey(WINDOW_KEY);
    const lookalike = parseSortKey(`${WINDOW_KEY}S`);

    // Assert
    expect(window).toEqual({ kind: 'window' });
    expect(lookalike).toBeNull();
  });
});

const DATE = '2026-01-30';
const at = '2026-01-30T10:00:00.000Z';

describe('classifyItem', () => {
  it.each([
    [
      'a file',
      {
        date_prefix: DATE,
        file_key: 'in/2026-01-30-a.ndjson',
        kind: 'file',
        status: 'manifested',
        file_path: 's3://in/in/2026-01-30-a.ndjson',
        file_size_mb: 0.001,
        size_bytes: 1024,
        created_at: at,
        updated_at: at,
        manifest_name: 'batch-0001-x.json',
        manifest_id: '2026-01-30-batch-0001-x',
        ttl: 1,
      },
      {
        kind: 'file',
        date: DATE,
        key: 'in/2026-01-30-a.ndjson',
        status: 'manifested',
        filePath: 's3://in/in/2026-01-30-a.ndjson',
        sizeBytes: 1024,
        createdAt: at,
        updatedAt: at,
        manifestName: 'batch-0001-x.json',
        manifestId: '2026-01-30-batch-0001-x',
      },
    ],
    [
      'a pending marker',
      {
        date_prefix: DATE,
        file_key: pendingKey('in/a#1.ndjson'),
        bucket: 'in',
        source_key: 'in/a#1.ndjson',
        size_bytes: 5,
        created_at: at,
      },
      { kind: 'pending', date: DATE, key: 'in/a#1.ndjson', bucket: 'in', sizeBytes: 5, createdAt: at, etag: null },
    ],
    [
      'a window',
      { date_prefix: DATE, file_key: WINDOW_KEY, window_pk: WINDOW_KEY, pending_count: 2, pending_bytes: 10, manifest_seq: 3 },
      { kind: 'window', date: DATE, pendingCount: 2, pendingBytes: 10, manifestSeq: 3, oldestPendingAt: null, openManifest: null },
    ],
    [
      'a lock',
      { date_prefix: DATE, file_key: lockKey(DATE), owner: 'req-1', token: 4, expires_at_ms: 0, acquired_at: at },
      { kind: 'lock', date: DATE, owner: 'req-1', token: 4, expiresAtMs: 0, acquiredAt: at },
    ],
    [
      'a manifest the state machine sized a run for',
      {
        date_prefix: DATE,
        file_key: manifestKey('batch-0002-x.json'),
        status: 'processing',
        worker_type: 'G.1X',
        number_of_workers: 3,
        execution_class: 'STANDARD',
      },
      expect.objectContaining({
        kind: 'manifest',
        status: 'processing',
        capacity: { workerType: 'G.1X', numberOfWorkers: 3, executionClass: 'STANDARD' },
      }),
    ],
    [
      'a manifest',
      {
        date_prefix: DATE,
        file_key: manifestKey('batch-0001-x.json'),
        status: 'failed',
        manifest_path: 's3://m/manifests/2026-01-30/batch-0001-x.json',
        file_count: 2,
        glue_job_run_id: 'jr_1',
        created_at: at,
        updated_at: at,
        completed_time: at,
        error_message: 'States.TaskFailed: boom',
        redrive_count: 1,
      },
      {
        kind: 'manifest',
        date: DATE,
        name: 'batch-0001-x.json',
        status: 'failed',
        id: null,
        manifestPath: 's3://m/manifests/2026-01-30/batch-0001-x.json',
        fileCount: 2,
        totalBytes: 0,
        createdAt: at,
        updatedAt: at,
        completedAt: at,
        executionArn: null,
        glueJobRunId: 'jr_1',
        errorMessage: 'States.TaskFailed: boom',
        attempts: 0,
        redrives: 1,
        capacity: null,
      },
    ],
    [
      'a quarantine record of a key with a reserved prefix',
      { date_prefix: 'undated', file_key: quarantineKey(manifestKey('x')), reason: 'reserved-key', source_path: 's3://in/MANIFEST#x' },
      {
        kind: 'quarantine',
        date: 'undated',
        key: manifestKey('x'),
        reason: 'reserved-key',
        detail: null,
        quarantinePath: null,
        sourcePath: 's3://in/MANIFEST#x',
        sizeBytes: 0,
        createdAt: null,
      },
    ],
  ])('reads %s by its sort key', (_, raw, expected) => {
    // Act
    const item = classifyItem(raw);

    // Assert
    expect(item).toEqual(expected);
  });

  it.each([
    ['no partition key', { file_key: 'in/a.ndjson', status: 'pending', file_path: 's3://in/in/a.ndjson' }],
    ['no sort key', { date_prefix: DATE, status: 'pending' }],
    ['a file without file_path', { date_prefix: DATE, file_key: 'in/a.ndjson', status: 'pending' }],
    ['a file with no file status', { date_prefix: DATE, file_key: 'in/a.ndjson', status: 'quarantined', file_path: 's3://in/a' }],
    ['a manifest without status', { date_prefix: DATE, file_key: manifestKey('b.json'), manifest_path: 's3://m/b.json' }],
    ['a manifest with a status it never has', { date_prefix: DATE, file_key: manifestKey('b.json'), status: 'done' }],
    ['a pending marker without bucket', { date_prefix: DATE, file_key: pendingKey('in/a.ndjson'), created_at: at }],
    ['a lock without expires_at_ms', { date_prefix: DATE, file_key: lockKey(DATE), owner: 'x', token: 1 }],
    ['a lock filed under another date', { date_prefix: DATE, file_key: lockKey('2026-01-29'), expires_at_ms: 0 }],
    ['a reserved key of no kind', { date_prefix: DATE, file_key: `${WINDOW_KEY}S`, status: 'pending', file_path: 's3://in/a' }],
  ])('skips an item with %s as unknown', (_, raw) => {
    // Act
    const item = classifyItem(raw);

    // Assert
    expect(item.kind).toBe('unknown');
  });

  it('never throws, whatever the item holds (property)', () => {
    fc.assert(
      fc.property(
        fc.record(
          { date_prefix: fc.anything(), file_key: fc.oneof(trickyKey, fc.anything()), status: fc.anything(), expires_at_ms: fc.anything() },
          { requiredKeys: [] },
        ),
        fc.dictionary(fc.string(), fc.anything()),
        (keys, rest) => {
          // Act
          const item = classifyItem({ ...rest, ...keys });

          // Assert
          expect(typeof item.kind).toBe('string');
        },
      ),
    );
  });

  it('gives an item of the kind asked for, or null', () => {
    // Prepare
    const lock = { date_prefix: DATE, file_key: lockKey(DATE), expires_at_ms: 5 };

    // Act
    const asLock = itemOfKind(lock, 'lock');
    const asWindow = itemOfKind(lock, 'window');
    const absent = itemOfKind(undefined, 'lock');

    // Assert
    expect(asLock).toMatchObject({ kind: 'lock', expiresAtMs: 5 });
    expect(asWindow).toBeNull();
    expect(absent).toBeNull();
  });
});

describe('the readers of the table', () => {
  it('agree on which files are quarantined, whatever attributes beside the sort key say', () => {
    // Prepare
    const items = [
      {
        date_prefix: DATE,
        file_key: quarantineKey('in/2026-01-30-q.txt'),
        source_path: 's3://in/in/2026-01-30-q.txt',
        reason: 'wrong-extension',
      },
      {
        date_prefix: DATE,
        file_key: 'in/2026-01-30-odd.ndjson',
        kind: 'quarantine',
        status: 'quarantined',
        source_path: 's3://in/in/2026-01-30-odd.ndjson',
      },
    ];
    const policy = { maxBatchFiles: 10, maxBatchBytes: 1000, maxWaitSeconds: 900 };

    // Act
    const local = assessFiles(items, ['in/2026-01-30-q.txt', 'in/2026-01-30-odd.ndjson'], 'in');
    const status = dateStatus(DATE, items, policy, new Date(at));

    // Assert
    expect(local.files.map((f) => f.state)).toEqual(['quarantined', 'unseen']);
    expect(status.quarantined.map((q) => q.key)).toEqual(['in/2026-01-30-q.txt']);
    expect(status.files.tracked).toBe(0);
  });
});
