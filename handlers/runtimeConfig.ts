import { z } from 'zod';

/**
 * What a Lambda learns from its environment. The stack (pulumi/) and the local runtime (local/) both build
 * this environment with `lambdaEnvironment`, so the names cannot drift; handlers read it with `readRuntimeConfig`.
 */

export interface ResourceNames {
  tableName: string;
  inputBucket: string;
  quarantineBucket: string;
  manifestBucket: string;
  outputBucket: string;
  stateMachineArn: string;
}

export interface BatchingSettings {
  inputPrefix: string;
  maxBatchBytes: number;
  maxBatchFiles: number;
  maxWaitSeconds: number;
  lockLeaseSeconds: number;
  maxFileBytes: number;
  ttlDays: number;
  stuckProcessingMinutes: number;
}

export interface RuntimeConfig extends ResourceNames, BatchingSettings {}

const ENV = {
  tableName: 'TABLE_NAME',
  inputBucket: 'INPUT_BUCKET',
  quarantineBucket: 'QUARANTINE_BUCKET',
  manifestBucket: 'MANIFEST_BUCKET',
  outputBucket: 'OUTPUT_BUCKET',
  stateMachineArn: 'STATE_MACHINE_ARN',
  inputPrefix: 'INPUT_PREFIX',
  maxBatchBytes: 'MAX_BATCH_BYTES',
  maxBatchFiles: 'MAX_BATCH_FILES',
  maxWaitSeconds: 'MAX_WAIT_SECONDS',
  lockLeaseSeconds: 'LOCK_LEASE_SECONDS',
  maxFileBytes: 'MAX_FILE_BYTES',
  ttlDays: 'TTL_DAYS',
  stuckProcessingMinutes: 'STUCK_PROCESSING_MINUTES',
} as const satisfies Record<keyof RuntimeConfig, string>;

/** Environment variables for the batcher and sweeper Lambdas (values are strings, as Lambda requires). */
export function lambdaEnvironment(config: RuntimeConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, name] of Object.entries(ENV)) env[name] = String(config[field as keyof RuntimeConfig]);
  return env;
}

const numberFromEnv = z.coerce.number().int().positive();

/** Coerces numbers, so it reads both the Lambda environment (strings) and JSON (the local endpoint file). */
export const runtimeConfigSchema = z.object({
  tableName: z.string().min(1),
  inputBucket: z.string().min(3),
  quarantineBucket: z.string().min(3),
  manifestBucket: z.string().min(3),
  outputBucket: z.string().min(3),
  stateMachineArn: z.string().startsWith('arn:'),
  inputPrefix: z.string(),
  maxBatchBytes: numberFromEnv,
  maxBatchFiles: numberFromEnv,
  maxWaitSeconds: numberFromEnv,
  lockLeaseSeconds: numberFromEnv,
  maxFileBytes: numberFromEnv,
  ttlDays: numberFromEnv,
  stuckProcessingMinutes: numberFromEnv,
});

export class RuntimeConfigError extends Error {
  override readonly name = 'RuntimeConfigError';
}

export function readRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const raw = Object.fromEntries(Object.entries(ENV).map(([field, name]) => [field, env[name]]));
  const parsed = runtimeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => `${ENV[i.path[0] as keyof RuntimeConfig]}: ${i.message}`);
    throw new RuntimeConfigError(`Lambda environment is incomplete or invalid: ${missing.join('; ')}`);
  }
  return parsed.data;
}

/** Settings derived from the validated stack config (pulumi/config.ts). */
export function batchingSettingsFromStack(config: {
  inputPrefix: string;
  batching: { maxBatchBytes: number; maxBatchFiles: number; maxWaitSeconds: number; lockLeaseSeconds: number; maxFileBytes: number };
  tracking: { ttlDays: number };
  sweeper: { stuckProcessingMinutes: number };
}): BatchingSettings {
  return {
    inputPrefix: config.inputPrefix,
    ...config.batching,
    ttlDays: config.tracking.ttlDays,
    stuckProcessingMinutes: config.sweeper.stuckProcessingMinutes,
  };
}
