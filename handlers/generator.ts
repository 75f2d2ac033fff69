import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createClients } from './adapters/clients';
import { isCalendarDate, utcDate } from './domain/dates';
import { delaySeconds, generateFile, INGESTION_RATES, type IngestionRate, type Random, seededRandom } from './domain/generator';

/**
 * The dev-only generator Lambda: the seed's payload ({file_count, date_prefix, target_size_mb,
 * ingestion_rate, delay_seconds}) in, NDJSON files uploaded to the input bucket at the chosen pace, a
 * summary out. Its uploads reach the pipeline exactly like a producer's (S3 -> EventBridge -> Kinesis).
 */

/** Names the batcher also reads (handlers/runtimeConfig.ts ENV): the stack sets both on this Lambda. */
export const GENERATOR_ENV = { inputBucket: 'INPUT_BUCKET', inputPrefix: 'INPUT_PREFIX' } as const;

const payloadSchema = z
  .object({
    file_count: z.number().int().min(1).max(9999).default(10),
    date_prefix: z.string().refine(isCalendarDate, 'must be a real YYYY-MM-DD date').optional(),
    target_size_mb: z.number().positive().max(512).default(0.1),
    ingestion_rate: z.enum(INGESTION_RATES as [IngestionRate, ...IngestionRate[]]).default('immediate'),
    delay_seconds: z.number().min(0).max(900).optional(),
    seed: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

export interface GeneratorSummary {
  status: 'success';
  files_created: number;
  date_prefix: string;
  bucket: string;
  prefix: string;
  ingestion_rate: IngestionRate;
  delay_seconds: number | 'random';
  total_records: number;
  total_bytes: number;
  duration_ms: number;
  files: { key: string; records: number; bytes: number }[];
}

export class GeneratorPayloadError extends Error {
  override readonly name = 'GeneratorPayloadError';
  constructor(readonly issues: string[]) {
    super(`invalid generator payload: ${issues.join('; ')}`);
  }
}

export class GeneratorEnvironmentError extends Error {
  override readonly name = 'GeneratorEnvironmentError';
}

export interface GeneratorDeps {
  s3: S3Client;
  bucket: string;
  prefix: string;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random?: Random;
}

export function parseGeneratorPayload(raw: unknown): z.output<typeof payloadSchema> {
  const parsed = payloadSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new GeneratorPayloadError(parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`));
  return parsed.data;
}

export async function runGenerator(raw: unknown, deps: GeneratorDeps): Promise<GeneratorSummary> {
  const payload = parseGeneratorPayload(raw);
  const started = deps.now();
  const date = payload.date_prefix ?? utcDate(started);
  const random = deps.random ?? seededRandom(payload.seed ?? `${started.toISOString()}:${Math.random()}`);
  const targetBytes = Math.round(payload.target_size_mb * 1024 * 1024);
  const files: GeneratorSummary['files'] = [];
  for (let index = 1; index <= payload.file_count; index++) {
    if (index > 1) {
      const pause = delaySeconds(payload.ingestion_rate, random, payload.delay_seconds);
      if (pause > 0) await deps.sleep(pause * 1000);
    }
    const file = generateFile(random, { date, index, at: deps.now(), size: { targetBytes } });
    const key = `${deps.prefix}${file.name}`;
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: file.body, ContentType: 'application/x-ndjson' }));
    files.push({ key, records: file.records, bytes: file.bytes });
  }
  return {
    status: 'success',
    files_created: files.length,
    date_prefix: date,
    bucket: deps.bucket,
    prefix: deps.prefix,
    ingestion_rate: payload.ingestion_rate,
    delay_seconds: payload.delay_seconds ?? (payload.ingestion_rate === 'random' ? 'random' : delaySeconds(payload.ingestion_rate, random)),
    total_records: files.reduce((sum, f) => sum + f.records, 0),
    total_bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    duration_ms: deps.now().getTime() - started.getTime(),
    files,
  };
}

function depsFromEnvironment(env: Record<string, string | undefined>): GeneratorDeps {
  const bucket = env[GENERATOR_ENV.inputBucket];
  if (!bucket) throw new GeneratorEnvironmentError(`${GENERATOR_ENV.inputBucket} is not set`);
  return {
    s3: createClients({}, env).s3,
    bucket,
    prefix: env[GENERATOR_ENV.inputPrefix] ?? '',
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

let cachedDeps: GeneratorDeps | undefined;

export const handler = async (event: unknown): Promise<GeneratorSummary> => {
  cachedDeps ??= depsFromEnvironment(process.env);
  return runGenerator(event, cachedDeps);
};
