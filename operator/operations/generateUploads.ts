import { addDays, isCalendarDate, utcDate } from '../../handlers/domain/dates';
import { type FileSize, generateFiles, type IngestionRate, seededRandom } from '../../handlers/domain/generator';
import { type UploadItem, uploadItems } from '../../local/uploadSources';
import { UsageError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';

/**
 * The seed's generator as an operator command: `count` files per date in the seed's name format, with the
 * same pure generator as the dev generator Lambda, uploaded into the target's input bucket at a rate.
 * Files are generated one at a time as they are uploaded, so a large run never sits in memory.
 */

/** What `generate` was asked for: files per date, on which dates, how big and how fast. */
export interface GenerateUploadsRequest {
  /** Files per date. */
  count: number;
  dates: string[];
  size: FileSize;
  rate: IngestionRate;
  delaySeconds?: number;
  seed: string;
}

export interface GenerateSummary {
  target: string;
  bucket: string;
  prefix: string;
  seed: string;
  rate: IngestionRate;
  delay_seconds: number | null;
  files: number;
  records: number;
  bytes: number;
  duration_ms: number;
  dates: { date: string; files: number; records: number; bytes: number }[];
  keys: string[];
}

const MAX_BACKFILL_DAYS = 366;

/** `--dates a,b`, `--from A --to B` (inclusive) or `--date D`; default today (UTC). */
export function datesToGenerate(input: { date?: string; dates?: string; from?: string; to?: string }, now: Date): string[] {
  const check = (d: string, flag: string) => {
    if (!isCalendarDate(d)) throw new UsageError(`${flag} must be real YYYY-MM-DD dates, got "${d}"`);
    return d;
  };
  const given = [input.date !== undefined, input.dates !== undefined, input.from !== undefined || input.to !== undefined].filter(
    Boolean,
  ).length;
  if (given > 1) throw new UsageError('give one of --date, --dates, or --from/--to');
  if (input.dates !== undefined) return [...new Set(input.dates.split(',').map((d) => check(d.trim(), '--dates')))].sort();
  if (input.from !== undefined || input.to !== undefined) {
    const from = check(input.from ?? utcDate(now), '--from');
    const to = check(input.to ?? utcDate(now), '--to');
    if (to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
    const dates: string[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) {
      dates.push(d);
      if (dates.length > MAX_BACKFILL_DAYS) throw new UsageError(`a backfill covers at most ${MAX_BACKFILL_DAYS} days`);
    }
    return dates;
  }
  return [check(input.date ?? utcDate(now), '--date')];
}

/** `100KB`, `1.5MB`, `2MiB`, `500B`, or a bare number of MB (the seed's target_size_mb). */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`size must look like 100KB, 1.5MB or 0.1 (MB), got "${value}"`);
  const unit = (match[2] ?? 'mb').toLowerCase();
  const factor = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 }[unit] as number;
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1 || bytes > 512 * 1024 ** 2) throw new UsageError(`size must be between 1 B and 512 MB, got "${value}"`);
  return bytes;
}

export async function generateUploads(
  target: PipelineTarget,
  spec: GenerateUploadsRequest,
  options: { now: () => Date; onUploaded?: (done: number, total: number, bytes: number) => void },
): Promise<GenerateSummary> {
  const started = options.now();
  const random = seededRandom(spec.seed);
  const total = spec.count * spec.dates.length;
  if (spec.count > 9999) throw new UsageError('at most 9999 files per date (the name has four digits for it)');
  const files = generateFiles(random, { fileCount: total, dates: spec.dates, size: spec.size, at: started });
  const items = (function* (): Generator<UploadItem> {
    for (const file of files) yield { name: file.name, body: Buffer.from(file.body), records: file.records };
  })();
  let bytes = 0;
  const uploaded = await uploadItems(
    target.uploader,
    { bucket: target.config.inputBucket, prefix: target.config.inputPrefix },
    items,
    { rate: spec.rate, ...(spec.delaySeconds !== undefined ? { delaySeconds: spec.delaySeconds } : {}) },
    random,
    (file, index) => {
      bytes += file.bytes;
      options.onUploaded?.(index + 1, total, bytes);
    },
  );
  const perDate = new Map<string, { date: string; files: number; records: number; bytes: number }>();
  for (const date of spec.dates) perDate.set(date, { date, files: 0, records: 0, bytes: 0 });
  for (const file of uploaded) {
    const date = /(\d{4}-\d{2}-\d{2})-test/.exec(file.key)?.[1] as string;
    const row = perDate.get(date);
    if (!row) continue;
    row.files += 1;
    row.records += file.records;
    row.bytes += file.bytes;
  }
  return {
    target: target.description,
    bucket: target.config.inputBucket,
    prefix: target.config.inputPrefix,
    seed: spec.seed,
    rate: spec.rate,
    delay_seconds: spec.delaySeconds ?? null,
    files: uploaded.length,
    records: uploaded.reduce((s, f) => s + f.records, 0),
    bytes: uploaded.reduce((s, f) => s + f.bytes, 0),
    duration_ms: options.now().getTime() - started.getTime(),
    dates: [...perDate.values()],
    keys: uploaded.map((f) => f.key),
  };
}
