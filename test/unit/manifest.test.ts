import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  executionInput,
  fromManifestDocument,
  ManifestFormatError,
  toManifestDocument,
} from '../../handlers/domain/manifest';
import { MixedDatesError } from '../../handlers/domain/planner';

const file = (date: string, n: number) => ({
  date,
  bucket: 'in-bucket',
  key: `pipeline/input/${date}-f${n}.ndjson`,
  sizeBytes: 100 * n,
  etag: `e${n}`,
});

describe('manifest format', () => {
  it('names the object and execution as users expect', () => {
    // Act
    const manifest = buildManifest({ date: '2025-12-20', seq: 1, at: new Date('2025-12-20T14:30:52Z'), files: [file('2025-12-20', 1)] });

    // Assert
    expect(manifest.name).toBe('batch-0001-20251220-143052.json');
    expect(manifest.id).toBe('2025-12-20-batch-0001-20251220-143052');
    expect(executionInput(manifest, 'man-bucket')).toEqual({
      date_prefix: '2025-12-20',
      file_key: 'MANIFEST#batch-0001-20251220-143052.json',
      manifest_id: '2025-12-20-batch-0001-20251220-143052',
      manifest_path: 's3://man-bucket/manifests/2025-12-20/batch-0001-20251220-143052.json',
      file_count: 1,
      total_bytes: 100,
    });
  });

  it('writes one fileLocations entry per file and reads back the same manifest', () => {
    // Prepare
    const manifest = buildManifest({
      date: '2025-12-20',
      seq: 7,
      at: new Date('2025-12-20T14:30:52Z'),
      files: [file('2025-12-20', 1), file('2025-12-20', 2)],
    });

    // Act
    const document = toManifestDocument(manifest);

    // Assert
    expect(document.fileLocations).toEqual([
      { URIPrefixes: ['s3://in-bucket/pipeline/input/2025-12-20-f1.ndjson'] },
      { URIPrefixes: ['s3://in-bucket/pipeline/input/2025-12-20-f2.ndjson'] },
    ]);
    expect(document.metadata.date_prefix).toBe('2025-12-20');
    expect(fromManifestDocument(JSON.parse(JSON.stringify(document)))).toEqual(manifest);
  });

  it('checks once more that a manifest holds exactly one date', () => {
    expect(() =>
      buildManifest({ date: '2025-12-20', seq: 1, at: new Date(), files: [file('2025-12-20', 1), file('2025-12-21', 2)] }),
    ).toThrow(MixedDatesError);
    expect(() => buildManifest({ date: '2025-12-20', seq: 1, at: new Date(), files: [file('2025-12-21', 1)] })).toThrow(MixedDatesError);
  });

  it('rejects a malformed document with a clear error', () => {
    expect(() => fromManifestDocument({ fileLocations: [] })).toThrow(ManifestFormatError);
  });
});
