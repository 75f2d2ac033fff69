import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILE_STATUS, type FileItem, type PendingItem } from '../../contracts/trackingSchema';
import { pendingFiles } from '../../operator/pendingFiles';

const DATE = '2026-01-30';

const markerOf = (key: string, etag: string | null): PendingItem => ({
  kind: 'pending',
  date: DATE,
  key,
  bucket: 'in',
  sizeBytes: 10,
  createdAt: '2026-01-30T10:00:00Z',
  etag,
});

const fileOf = (key: string, status: FileItem['status'], etag: string | undefined): FileItem => ({
  kind: 'file',
  date: DATE,
  key,
  status,
  filePath: `s3://in/${key}`,
  sizeBytes: 10,
  createdAt: '2026-01-30T10:00:00Z',
  updatedAt: null,
  manifestName: status === FILE_STATUS.manifested ? 'batch-0001-x.json' : null,
  manifestId: null,
  ...(etag === undefined ? {} : { etag }),
});

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const etagArb = fc.option(fc.constantFrom('e1', 'e2'), { nil: null });
const markersArb = fc.array(fc.record({ key: keyArb, etag: etagArb }), { maxLength: 12 });
const filesArb = fc.array(fc.record({ key: keyArb, status: fc.constantFrom(FILE_STATUS.pending, FILE_STATUS.manifested), etag: etagArb }), {
  maxLength: 8,
});

describe('pendingFiles', () => {
  it('a marker stands for a pending file unless its file is manifested with the marker ETag; each key once', () => {
    fc.assert(
      fc.property(markersArb, filesArb, (markerSpecs, fileSpecs) => {
        // Prepare: the last file item of a key is the one the table holds
        const files = [...new Map(fileSpecs.map((f) => [f.key, fileOf(f.key, f.status, f.etag ?? undefined)])).values()];
        const markers = markerSpecs.map((m) => markerOf(m.key, m.etag));

        // Act
        const { pending, stale } = pendingFiles(markers, files);

        // Assert
        const isStale = (m: PendingItem) =>
          files.some((f) => f.key === m.key && f.status === FILE_STATUS.manifested && (f.etag ?? null) === m.etag);
        expect(stale).toBe(markers.filter(isStale).length);
        expect(pending.map((m) => m.key).sort()).toEqual([...new Set(markers.filter((m) => !isStale(m)).map((m) => m.key))].sort());
      }),
    );
  });

  it('does not depend on the manifested files that have no marker', () => {
    fc.assert(
      fc.property(markersArb, fc.integer({ min: 0, max: 500 }), (markerSpecs, manifested) => {
        // Prepare
        const markers = markerSpecs.map((m) => markerOf(m.key, m.etag));
        const others = Array.from({ length: manifested }, (_, n) => fileOf(`done-${n}`, FILE_STATUS.manifested, `x${n}`));

        // Act
        const alone = pendingFiles(markers, []);
        const beside = pendingFiles(markers, others);

        // Assert
        expect(beside).toEqual(alone);
      }),
    );
  });

  it('keeps a new version pending while the old one is manifested (its marker has the new ETag)', () => {
    // Act
    const { pending, stale } = pendingFiles([markerOf('a', 'new')], [fileOf('a', FILE_STATUS.manifested, 'old')]);

    // Assert
    expect(pending.map((m) => m.etag)).toEqual(['new']);
    expect(stale).toBe(0);
  });
});
