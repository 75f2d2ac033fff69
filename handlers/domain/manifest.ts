import { z } from 'zod';
import { manifestKey } from '../../contracts/trackingSchema';
import { compactStamp } from './dates';
import { MixedDatesError } from './planner';

/**
 * The manifest: one S3 object per batch, in the seed's format (fileLocations / URIPrefixes, one entry per
 * file) plus metadata that lets a resumer, the Glue job and an operator work from the object alone.
 */

export interface ManifestFile {
  bucket: string;
  key: string;
  sizeBytes: number;
  etag?: string;
}

export interface Manifest {
  /**
   * `batch-<seq:04d>-<YYYYMMDD-HHMMSS>-t<lease token>.json`, unique within its date. The lease token makes it
   * unique to the lock holder that built it: two holders planning the same sequence in the same second (one
   * fenced after an `unlock --force`) must not share an object, or the fenced one deletes what the other
   * committed.
   */
  name: string;
  /** `<date>-batch-<seq>-<stamp>`: unique across dates; also the Step Functions execution name. */
  id: string;
  date: string;
  seq: number;
  createdAt: string;
  files: ManifestFile[];
  totalBytes: number;
}

export function manifestName(seq: number, at: Date, holder?: number): string {
  return `batch-${String(seq).padStart(4, '0')}-${compactStamp(at)}${holder === undefined ? '' : `-t${holder}`}.json`;
}

export function manifestIdOf(date: string, name: string): string {
  return `${date}-${name.replace(/\.json$/, '')}`;
}

export function manifestObjectKey(date: string, name: string): string {
  return `manifests/${date}/${name}`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new ManifestFormatError(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}

export class ManifestFormatError extends Error {
  override readonly name = 'ManifestFormatError';
}

/** Builds a manifest, checking once more, just before it is written, that it holds exactly one date. */
export function buildManifest(input: {
  date: string;
  seq: number;
  at: Date;
  files: (ManifestFile & { date: string })[];
  /** The fencing token of the lease the manifest is built under. */
  holder?: number;
}): Manifest {
  const dates = [...new Set(input.files.map((f) => f.date))];
  if (dates.length !== 1 || dates[0] !== input.date) throw new MixedDatesError([input.date, ...dates.filter((d) => d !== input.date)]);
  const name = manifestName(input.seq, input.at, input.holder);
  return {
    name,
    id: manifestIdOf(input.date, name),
    date: input.date,
    seq: input.seq,
    createdAt: input.at.toISOString(),
    files: input.files.map(({ bucket, key, sizeBytes, etag }) => (etag ? { bucket, key, sizeBytes, etag } : { bucket, key, sizeBytes })),
    totalBytes: input.files.reduce((sum, f) => sum + f.sizeBytes, 0),
  };
}

const manifestDocumentSchema = z.object({
  fileLocations: z.array(z.object({ URIPrefixes: z.array(z.string().startsWith('s3://')).length(1) })).min(1),
  metadata: z.object({
    date_prefix: z.string(),
    manifest_id: z.string(),
    manifest_name: z.string(),
    batch_seq: z.number().int().positive(),
    file_count: z.number().int().positive(),
    total_bytes: z.number().int().nonnegative(),
    created_at: z.string(),
    files: z.array(z.object({ key: z.string(), size_bytes: z.number().int().nonnegative(), etag: z.string().optional() })),
  }),
});

export type ManifestDocument = z.infer<typeof manifestDocumentSchema>;

export function toManifestDocument(manifest: Manifest): ManifestDocument {
  return {
    fileLocations: manifest.files.map((f) => ({ URIPrefixes: [s3Uri(f.bucket, f.key)] })),
    metadata: {
      date_prefix: manifest.date,
      manifest_id: manifest.id,
      manifest_name: manifest.name,
      batch_seq: manifest.seq,
      file_count: manifest.files.length,
      total_bytes: manifest.totalBytes,
      created_at: manifest.createdAt,
      files: manifest.files.map((f) =>
        f.etag ? { key: f.key, size_bytes: f.sizeBytes, etag: f.etag } : { key: f.key, size_bytes: f.sizeBytes },
      ),
    },
  };
}

export function fromManifestDocument(raw: unknown): Manifest {
  const parsed = manifestDocumentSchema.safeParse(raw);
  if (!parsed.success) throw new ManifestFormatError(`manifest document is malformed: ${parsed.error.message}`);
  const { fileLocations, metadata } = parsed.data;
  if (fileLocations.length !== metadata.files.length) {
    throw new ManifestFormatError(
      `manifest ${metadata.manifest_id} lists ${fileLocations.length} locations but ${metadata.files.length} files`,
    );
  }
  const files = fileLocations.map((loc, i) => {
    const { bucket, key } = parseS3Uri(loc.URIPrefixes[0] as string);
    const meta = metadata.files[i]!;
    return meta.etag ? { bucket, key, sizeBytes: meta.size_bytes, etag: meta.etag } : { bucket, key, sizeBytes: meta.size_bytes };
  });
  return {
    name: metadata.manifest_name,
    id: metadata.manifest_id,
    date: metadata.date_prefix,
    seq: metadata.batch_seq,
    createdAt: metadata.created_at,
    files,
    totalBytes: metadata.total_bytes,
  };
}

/**
 * Input of one state-machine execution. Deterministic for a manifest (no clock, no random), so that a
 * repeated StartExecution with the same name is recognised by Step Functions as the same execution.
 */
export interface ExecutionInput {
  date_prefix: string;
  file_key: string;
  manifest_id: string;
  manifest_path: string;
  file_count: number;
  total_bytes: number;
}

export function executionInput(manifest: Manifest, manifestBucket: string): ExecutionInput {
  return {
    date_prefix: manifest.date,
    file_key: manifestKey(manifest.name),
    manifest_id: manifest.id,
    manifest_path: s3Uri(manifestBucket, manifestObjectKey(manifest.date, manifest.name)),
    file_count: manifest.files.length,
    total_bytes: manifest.totalBytes,
  };
}
