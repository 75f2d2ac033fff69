import { addDays, utcDate } from './dates';

/**
 * Test-data generator, pure: the seed's generator (names, ingestion rates, record shape) as functions of a
 * seeded random source, so the dev Lambda and the CLI produce the same files and a seed reproduces a run.
 * It imports no SDK and reads no clock; callers pass `at` and the random source.
 */

export type IngestionRate = 'immediate' | 'fast' | 'medium' | 'slow' | 'random';

export const INGESTION_RATES: readonly IngestionRate[] = ['immediate', 'fast', 'medium', 'slow', 'random'];

/** Seconds between two uploads per rate; `random` draws 1-10 s for each gap (the seed's table). */
export const RATE_DELAY_SECONDS: Record<Exclude<IngestionRate, 'random'>, number> = {
  immediate: 0,
  fast: 1,
  medium: 5,
  slow: 10,
};

export const RANDOM_DELAY_RANGE_SECONDS = { min: 1, max: 10 } as const;

export class GeneratorInputError extends Error {
  override readonly name = 'GeneratorInputError';
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 seeded from a string hash: tiny, fast and good enough for test data; `Math.random` cannot be
 * seeded, and reproducible runs are the point of `--seed`.
 */
export function seededRandom(seed: string | number): Random {
  let state = hashSeed(String(seed));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function isIngestionRate(value: string): value is IngestionRate {
  return (INGESTION_RATES as readonly string[]).includes(value);
}

/** The pause before the next upload: an explicit delay wins over the rate, as in the seed. */
export function delaySeconds(rate: IngestionRate, random: Random, explicitDelay?: number): number {
  if (explicitDelay !== undefined) {
    if (!Number.isFinite(explicitDelay) || explicitDelay < 0) {
      throw new GeneratorInputError(`delay must be a non-negative number of seconds, got ${explicitDelay}`, 'delay_seconds', explicitDelay);
    }
    return explicitDelay;
  }
  if (rate === 'random') {
    const { min, max } = RANDOM_DELAY_RANGE_SECONDS;
    return Math.round((min + random() * (max - min)) * 10) / 10;
  }
  return RATE_DELAY_SECONDS[rate];
}

/** RFC 4122 version-4 layout from the seeded source, so names stay unique yet reproducible. */
export function randomUuid(random: Random): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `<date>-test<NNNN>-<HHMMSS>-<uuid>.ndjson`, HHMMSS the UTC time of `at` (the seed's name format). */
export function generatedFileName(date: string, index: number, at: Date, uuid: string): string {
  if (!Number.isInteger(index) || index < 1 || index > 9999) {
    throw new GeneratorInputError(`file index must be 1..9999 to fit test<NNNN>, got ${index}`, 'index', index);
  }
  const iso = at.toISOString();
  const hhmmss = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${date}-test${String(index).padStart(4, '0')}-${hhmmss}-${uuid}.ndjson`;
}

/** Today and the `count - 1` UTC dates before it, oldest first. */
export function recentDates(count: number, now: Date): string[] {
  if (!Number.isInteger(count) || count < 1)
    throw new GeneratorInputError(`dates must be a positive integer, got ${count}`, 'dates', count);
  const today = utcDate(now);
  return Array.from({ length: count }, (_, i) => addDays(today, i - (count - 1)));
}

const EVENT_TYPES = ['page_view', 'click', 'add_to_cart', 'purchase', 'signup', 'login', 'search'] as const;
const PAGES = ['/', '/products', '/products/detail', '/cart', '/checkout', '/account', '/search'] as const;
const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'BR', 'IN', 'JP', 'CA'] as const;
const FEATURE_FLAGS = ['new_checkout', 'dark_mode', 'recommendations_v2', 'fast_search', 'beta_banner', 'one_click_buy'] as const;

export interface GeneratedRecord {
  id: string;
  timestamp: string;
  user_id: string;
  session_id: string;
  event_type: (typeof EVENT_TYPES)[number];
  page: string;
  device: (typeof DEVICES)[number];
  country: string;
  /** Integer 0 on most events and a float on purchases: the mix that broke the seed's schema inference. */
  revenue: number;
  quantity: number;
  custom_data: { feature_flags: Record<string, boolean>; experiment_group: string; score: number };
}

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** One record of `date`, its timestamp spread over that UTC day. */
export function generateRecord(random: Random, date: string, sequence: number): GeneratedRecord {
  const dayStart = Date.parse(`${date}T00:00:00.000Z`);
  const timestamp = new Date(dayStart + Math.floor(random() * 86_400_000)).toISOString();
  const eventType = pick(random, EVENT_TYPES);
  const revenue = eventType === 'purchase' ? Math.round((1 + random() * 499) * 100) / 100 : 0;
  const flags: Record<string, boolean> = {};
  for (const flag of FEATURE_FLAGS) if (random() < 0.5) flags[flag] = random() < 0.5;
  return {
    id: randomUuid(random),
    timestamp,
    user_id: `user_${String(1 + Math.floor(random() * 5000)).padStart(5, '0')}`,
    session_id: `sess_${sequence.toString(36)}_${Math.floor(random() * 1e9).toString(36)}`,
    event_type: eventType,
    page: pick(random, PAGES),
    device: pick(random, DEVICES),
    country: pick(random, COUNTRIES),
    revenue,
    quantity: eventType === 'purchase' || eventType === 'add_to_cart' ? 1 + Math.floor(random() * 5) : 0,
    custom_data: {
      feature_flags: flags,
      experiment_group: pick(random, ['control', 'variant_a', 'variant_b']),
      score: Math.round(random() * 1000) / 1000,
    },
  };
}

/** How big a file is: a fixed number of records, or records added until the body reaches a byte size. */
export type FileSize = { records: number } | { targetBytes: number };

export interface GeneratedFile {
  name: string;
  date: string;
  body: string;
  records: number;
  bytes: number;
}

export interface GenerateFileInput {
  date: string;
  index: number;
  at: Date;
  size: FileSize;
}

export function generateFile(random: Random, input: GenerateFileInput): GeneratedFile {
  const name = generatedFileName(input.date, input.index, input.at, randomUuid(random));
  const lines: string[] = [];
  let bytes = 0;
  const more = (): boolean =>
    'records' in input.size ? lines.length < input.size.records : lines.length === 0 || bytes < input.size.targetBytes;
  if ('records' in input.size && (!Number.isInteger(input.size.records) || input.size.records < 1)) {
    throw new GeneratorInputError(`records per file must be a positive integer, got ${input.size.records}`, 'records', input.size.records);
  }
  if ('targetBytes' in input.size && !(input.size.targetBytes > 0)) {
    throw new GeneratorInputError(`target size must be positive, got ${input.size.targetBytes}`, 'target_size', input.size.targetBytes);
  }
  while (more()) {
    const line = `${JSON.stringify(generateRecord(random, input.date, lines.length))}\n`;
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  return { name, date: input.date, body: lines.join(''), records: lines.length, bytes };
}

export interface GeneratePlanInput {
  fileCount: number;
  dates: readonly string[];
  size: FileSize;
  at: Date;
}

/**
 * The files of a run, dates dealt round-robin so each date gets its share whatever the upload order;
 * NNNN counts per date, as the seed numbered files within a day.
 */
export function* generateFiles(random: Random, input: GeneratePlanInput): Generator<GeneratedFile> {
  if (!Number.isInteger(input.fileCount) || input.fileCount < 0) {
    throw new GeneratorInputError(`file count must be a non-negative integer, got ${input.fileCount}`, 'file_count', input.fileCount);
  }
  if (input.dates.length === 0) throw new GeneratorInputError('at least one date is needed', 'dates', input.dates);
  const perDate = new Map<string, number>();
  for (let i = 0; i < input.fileCount; i++) {
    const date = input.dates[i % input.dates.length] as string;
    const index = (perDate.get(date) ?? 0) + 1;
    perDate.set(date, index);
    yield generateFile(random, { date, index, at: input.at, size: input.size });
  }
}
