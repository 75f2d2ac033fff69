import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyItem,
  fileKey,
  pendingKey,
  quarantineKey,
  type RawTrackingItem,
  reconcileKey,
  tableKey,
  UNDATED_PARTITION,
} from '../../contracts/trackingSchema';
import {
  classifyObjects,
  datePrefix,
  type ListedObject,
  objectCreatedRecord,
  recentDates,
  trackingLocation,
} from '../../handlers/domain/reconcile';
import { decodeRecord } from '../../handlers/domain/s3Event';

const PREFIX = 'pipeline/input/';
const BUCKET = 'in-bucket';
const now = new Date('2026-11-22T12:00:00Z');
const GRACE = 300;

/** Raw items as the batcher writes them, classified as every reader reads them. */
const fileItem = (date: string, key: string) =>
  classifyItem({ ...tableKey(date, fileKey(key)), status: 'pending', file_path: `s3://${BUCKET}/${key}` });
const pendingItem = (date: string, key: string) =>
  classifyItem({ ...tableKey(date, pendingKey(key)), bucket: BUCKET, created_at: now.toISOString(), source_key: key });
const quarantineItem = (date: string, key: string) =>
  classifyItem({ ...tableKey(date, quarantineKey(key)), reason: 'wrong-extension', source_key: key });

type Fate = 'file' | 'pending' | 'quarantine' | 'none';
const keyArb = fc
  .tuple(fc.constantFrom('2026-11-21-', '2026-11-22-', 'notes-', 'PENDING#'), fc.string({ minLength: 1, maxLength: 40 }))
  .map(([head, rest]) => `${PREFIX}${head}${rest}.ndjson`);
const objectArb = fc.record({
  key: keyArb,
  fate: fc.constantFrom<Fate>('file', 'pending', 'quarantine', 'none'),
  // The grace's own boundary drawn often: an object exactly `graceSeconds` old is still within it.
  ageSeconds: fc.oneof(fc.integer({ min: 0, max: 3 * GRACE }), fc.constantFrom(GRACE - 1, GRACE, GRACE + 1)),
});

describe('classifyObjects', () => {
  it('counts an object overwritten after its registration as untracked until its current content is registered', () => {
    // Prepare: one key registered under ETag "old"; the bucket now holds other content
    const key = `${PREFIX}2026-11-22-report.ndjson`;
    const registered = (etag?: string) =>
      classifyItem({
        ...tableKey('2026-11-22', fileKey(key)),
        status: 'manifested',
        file_path: `s3://${BUCKET}/${key}`,
        ...(etag ? { etag } : {}),
      });
    const listed = (etag: string): ListedObject => ({ key, sizeBytes: 10, etag: `"${etag}"`, lastModified: '2026-11-22T10:00:00Z' });
    const state = (object: ListedObject, items: ReturnType<typeof registered>[]) =>
      classifyObjects([object], items, { now, graceSeconds: GRACE })[0]?.state;

    // Act / Assert
    expect(state(listed('new'), [registered('old')])).toBe('untracked');
    expect(state(listed('new'), [registered('old'), registered('new')])).toBe('tracked');
    expect(state(listed('old'), [registered('old')])).toBe('tracked');
    // an item that kept no ETag vouches for whatever the key holds
    expect(state(listed('new'), [registered()])).toBe('tracked');
  });

  it('gives every listed object one state: tracked by a file or pending item, else quarantined, else untracked once older than the grace', () => {
    fc.assert(
      fc.property(fc.uniqueArray(objectArb, { selector: (o) => o.key, maxLength: 40 }), (specs) => {
        // Arrange
        const objects: ListedObject[] = specs.map((s) => ({
          key: s.key,
          sizeBytes: 10,
          lastModified: new Date(now.getTime() - s.ageSeconds * 1000).toISOString(),
        }));
        const items = specs.flatMap((s) => {
          const date = trackingLocation(s.key).partition;
          if (s.fate === 'file') return [fileItem(date, s.key)];
          if (s.fate === 'pending') return [pendingItem(date, s.key)];
          if (s.fate === 'quarantine') return [quarantineItem(date, s.key)];
          return [];
        });

        // Act
        const classified = classifyObjects(objects, items, { now, graceSeconds: GRACE });

        // Assert
        expect(classified.map((c) => c.object.key)).toEqual(objects.map((o) => o.key));
        classified.forEach((c, i) => {
          const spec = specs[i] as (typeof specs)[number];
          const expected =
            spec.fate === 'file' || spec.fate === 'pending'
              ? 'tracked'
              : spec.fate === 'quarantine'
                ? 'quarantined'
                : spec.ageSeconds > GRACE
                  ? 'untracked'
                  : 'too-new';
          expect(c.state, spec.key).toBe(expected);
        });
      }),
    );
  });

  it('matches an object to the quarantine record of its key even when the sort key holds the hash of a long key', () => {
    // Arrange
    const key = `${PREFIX}2026-11-22-${'x'.repeat(1000)}.txt`;
    const object = { key, sizeBytes: 1, lastModified: '2026-11-22T00:00:00Z' };

    // Act
    const [state] = classifyObjects([object], [quarantineItem('2026-11-22', key)], { now, graceSeconds: GRACE });

    // Assert
    expect(trackingLocation(key).quarantineSortKey).toMatch(/^QUARANTINE#sha256:[0-9a-f]{64}$/);
    expect(state?.state).toBe('quarantined');
  });
});

describe('trackingLocation', () => {
  it.each([
    [`${PREFIX}2026-11-22-a.ndjson`, '2026-11-22', `${PREFIX}2026-11-22-a.ndjson`],
    [`${PREFIX}2026-11-22-a.txt`, '2026-11-22', `${PREFIX}2026-11-22-a.txt`],
    [`${PREFIX}notes.ndjson`, UNDATED_PARTITION, `${PREFIX}notes.ndjson`],
    ['PENDING#2026-11-22-a.ndjson', UNDATED_PARTITION, null],
  ])('files %s where the batcher files it', (key, partition, fileSortKey) => {
    expect(trackingLocation(key)).toEqual({ partition, fileSortKey, quarantineSortKey: quarantineKey(key) });
  });
});

describe('objectCreatedRecord', () => {
  it('decodes, as the batcher decodes a stream record, to the listed key, size and ETag', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 10 ** 9 }), (name, size) => {
        // Arrange
        const object: ListedObject = { key: `${PREFIX}${name}`, sizeBytes: size, etag: '"abc"', lastModified: '2026-11-22T08:00:00.000Z' };

        // Act
        const decoded = decodeRecord(objectCreatedRecord(BUCKET, object, 'id-1'), { bucket: BUCKET, prefix: PREFIX });

        // Assert
        expect(decoded.kind).toBe('object');
        if (decoded.kind !== 'object') return;
        expect(decoded.event.keyCandidates).toContain(object.key);
        expect(decoded.event).toMatchObject({ bucket: BUCKET, sizeBytes: size, etag: 'abc', createdAt: '2026-11-22T08:00:00.000Z' });
      }),
    );
  });
});

describe('the reconcile cursor item', () => {
  it('reads back as the position of its date', () => {
    const raw: RawTrackingItem = { ...tableKey('2026-11-22', reconcileKey('2026-11-22')), start_after: 'k', passes: 2 };
    expect(classifyItem(raw)).toEqual({ kind: 'reconcile', date: '2026-11-22', startAfter: 'k', passes: 2, updatedAt: null });
  });

  it('makes RECONCILE# a reserved prefix: such an object is never taken for a file item', () => {
    expect(trackingLocation('RECONCILE#2026-11-22-a.ndjson').fileSortKey).toBeNull();
  });
});

describe('recentDates and datePrefix', () => {
  it('are today and the two UTC days before, listed by their name prefix', () => {
    expect(recentDates(new Date('2026-03-01T00:30:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(datePrefix(PREFIX, '2026-03-01')).toBe('pipeline/input/2026-03-01-');
  });
});
