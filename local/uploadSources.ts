import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ContextError } from '../contracts/contextError';
import { delaySeconds, generateFiles, type IngestionRate, type Random, recentDates, seededRandom } from '../handlers/domain/generator';

/**
 * What the producer side of a local run uploads: generated files (the same pure generator as the dev
 * Lambda) and/or every file of a directory, as named, one PutObject each at the chosen pace.
 */

export interface UploadItem {
  /** Name under the input prefix. */
  name: string;
  body: Buffer;
  records: number;
}

export interface LocalGenerateSpec {
  files: number;
  dates: number;
  recordsPerFile: number;
  seed?: string;
}

export function generatedItems(spec: LocalGenerateSpec, now: Date): { items: UploadItem[]; random: Random } {
  const random = seededRandom(spec.seed ?? `${now.toISOString()}:${process.pid}`);
  const items = [
    ...generateFiles(random, {
      fileCount: spec.files,
      dates: recentDates(spec.dates, now),
      size: { records: spec.recordsPerFile },
      at: now,
    }),
  ].map((file) => ({ name: file.name, body: Buffer.from(file.body), records: file.records }));
  return { items, random };
}

export class InputDirectoryError extends ContextError {
  override readonly name = 'InputDirectoryError';
}

/** Non-empty lines: what a Glue job reading NDJSON turns into rows (or rejects). */
export function countRecords(body: Buffer): number {
  let count = 0;
  for (const line of body.toString('utf8').split('\n')) if (line.trim().length > 0) count += 1;
  return count;
}

export async function directoryItems(directory: string): Promise<UploadItem[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new InputDirectoryError(`cannot read input directory ${directory}: ${(error as Error).message}`, { directory }, { cause: error });
  }
  const items: UploadItem[] = [];
  for (const entry of entries
    .filter((e) => e.isFile())
    .sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    const path = join(entry.parentPath, entry.name);
    const body = await readFile(path);
    items.push({ name: relative(directory, path).split(sep).join('/'), body, records: countRecords(body) });
  }
  return items;
}

/** Where a run's files come from: generated, and/or every file of a directory. */
export interface UploadSources {
  generate?: LocalGenerateSpec;
  inputDir?: string;
}

/**
 * The files of `sources`, generated ones first, and the random source that paces their uploads: the
 * generator's own when files are generated (one seed then fixes content and pauses), else one from `paceSeed`.
 */
export async function sourceItems(sources: UploadSources, now: Date, paceSeed: string): Promise<{ items: UploadItem[]; random: Random }> {
  const items: UploadItem[] = [];
  let random = seededRandom(paceSeed);
  if (sources.generate) {
    const generated = generatedItems(sources.generate, now);
    items.push(...generated.items);
    random = generated.random;
  }
  if (sources.inputDir) items.push(...(await directoryItems(sources.inputDir)));
  return { items, random };
}

export interface Pace {
  rate: IngestionRate;
  delaySeconds?: number;
}

export interface UploadedFile {
  key: string;
  bytes: number;
  records: number;
  uploadedAt: string;
}

export async function uploadItems(
  s3: S3Client,
  target: { bucket: string; prefix: string },
  items: Iterable<UploadItem>,
  pace: Pace,
  random: Random,
  onUploaded?: (file: UploadedFile, index: number) => void,
): Promise<UploadedFile[]> {
  const uploaded: UploadedFile[] = [];
  // Any iterable, so a caller can generate files one at a time instead of holding them all in memory.
  let index = -1;
  for (const item of items) {
    index += 1;
    if (index > 0) {
      const pause = delaySeconds(pace.rate, random, pace.delaySeconds);
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause * 1000));
    }
    const key = `${target.prefix}${item.name}`;
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: item.body, ContentType: 'application/x-ndjson' }));
    const file = { key, bytes: item.body.length, records: item.records, uploadedAt: new Date().toISOString() };
    uploaded.push(file);
    onUploaded?.(file, index);
  }
  return uploaded;
}
