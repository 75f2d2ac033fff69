import { z } from 'zod';
import { declaredColumnsSchema } from './declaredColumns';
import { pricesSchema } from './prices';

/**
 * The one typed, validated stack configuration. Pulumi reads it from the `ndjson-parquet:pipeline` object
 * of Pulumi.<stack>.yaml (pulumi/config.ts); the local runtime reads the same object from Pulumi.dev.yaml,
 * so both build the pipeline from the same values. It imports nothing but zod, so the stack, the Lambda
 * code, the local runtime and the CLI can all depend on it without depending on each other.
 */

export const CONFIG_NAMESPACE = 'ndjson-parquet';
export const CONFIG_KEY = 'pipeline';

const MiB = 1024 * 1024;

/**
 * How the state machine spaces further Glue runs after a failed one (its States.TaskFailed retrier,
 * handlers/orchestration/stateMachineDefinition.ts): the n-th retry waits intervalSeconds × backoffRate^(n-1).
 */
export const GLUE_RUN_RETRY = { intervalSeconds: 60, backoffRate: 2 } as const;

/**
 * The longest a healthy manifest stays `processing`, in minutes: every run the state machine may make
 * (1 + glue.maxRetries) taking its whole timeout, the waits between them, and one timeout more for the run
 * to wait in Glue's job-run queue (WAITING, MaxConcurrentRuns reached) until a running one frees its slot.
 * Glue bounds a standard job's queue wait by no documented time, so a deployment that queues deeper than
 * one run's length should raise sweeper.stuckProcessingMinutes beyond this.
 */
export function longestHealthyRunMinutes(glue: { timeoutMinutes: number; maxRetries: number }): number {
  let retryWaitSeconds = 0;
  for (let retry = 0; retry < glue.maxRetries; retry++)
    retryWaitSeconds += GLUE_RUN_RETRY.intervalSeconds * GLUE_RUN_RETRY.backoffRate ** retry;
  const runs = 1 + glue.maxRetries;
  return runs * glue.timeoutMinutes + Math.ceil(retryWaitSeconds / 60) + glue.timeoutMinutes;
}

/** The sweeper's ceiling: a sweep that ran longer than this would overlap the next scheduled one anyway. */
const SWEEPER_TIMEOUT_CEILING_SECONDS = 120;

/** The sweeper Lambda's timeout: the schedule's period, at least 30 s, at most 120 s (deployed and local alike). */
export function sweeperTimeoutSeconds(sweeper: { everyMinutes: number }): number {
  return Math.min(SWEEPER_TIMEOUT_CEILING_SECONDS, Math.max(30, sweeper.everyMinutes * 60));
}

/**
 * How old the oldest pending file may be, seen by the sweeper, while the pipeline is healthy: it is
 * manifested once older than maxWaitSeconds, at the next sweep; a lock left by a worker that died holds the
 * date up to one lease; one sweep more of margin. Past this, files are piling up without a MANIFEST record
 * (a flush that keeps failing, a sweeper that does not run), which the stuck check cannot see.
 */
export function pendingAgeAlarmSeconds(config: {
  batching: { maxWaitSeconds: number; lockLeaseSeconds: number };
  sweeper: { everyMinutes: number };
}): number {
  return config.batching.maxWaitSeconds + config.batching.lockLeaseSeconds + 2 * config.sweeper.everyMinutes * 60;
}

const positiveInt = z.number().int().positive();

// Sections use .prefault({}): zod 4's .default() hands back its value unparsed, so an omitted section (every
// stack omits `prices`) would be {} instead of its fields' defaults; .prefault parses the {} it supplies.

export const stackConfigSchema = z
  .object({
    /** Prefix of every resource name; the stack name is appended. */
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case letters, digits and dashes, 2-31 characters')
      .default('ndjson-parquet'),
    /** Where producers put files in the input bucket, and where Parquet goes in the output bucket. */
    inputPrefix: z
      .string()
      .regex(/^([^/].*\/)?$/, 'empty or ending in "/"')
      .default('pipeline/input/'),
    outputPrefix: z
      .string()
      .regex(/^([^/].*\/)?$/, 'empty or ending in "/"')
      .default('pipeline/output/'),
    rejectsPrefix: z
      .string()
      .regex(/^([^/].*\/)?$/, 'empty or ending in "/"')
      .default('pipeline/rejects/'),
    /**
     * Glue's temporary directory in the output bucket: the job's --TempDir is `<stagingPrefix>glue-temp/`, and a
     * lifecycle rule expires the prefix. The job's own run staging is not here but under `<outputPrefix>_staging/`.
     */
    stagingPrefix: z
      .string()
      .regex(/^[^/].*\/$/, 'non-empty, ending in "/"')
      .default('pipeline/staging/'),

    batching: z
      .object({
        /** A batch closes at this many bytes (prod 1 GiB). */
        maxBatchBytes: positiveInt.default(1024 * MiB),
        /** ... or at this many files (dev 10). Also bounds the manifest object and the Glue input list. */
        maxBatchFiles: positiveInt.max(5000).default(2000),
        /** A pending file is manifested within this many seconds of arriving (the sweeper's age bound). */
        maxWaitSeconds: positiveInt.default(900),
        /** Lease of the per-date lock; a holder past it is fenced out. */
        lockLeaseSeconds: positiveInt.min(10).default(300),
        /** Objects larger than this are quarantined (S3 single PUT limit is 5 GiB). */
        maxFileBytes: positiveInt.default(5 * 1024 * MiB),
      })
      .strict()
      .prefault({}),

    tracking: z
      .object({
        ttlDays: positiveInt.max(3650).default(30),
        pointInTimeRecovery: z.boolean().default(true),
      })
      .strict()
      .prefault({}),

    stream: z
      .object({
        mode: z.enum(['PROVISIONED', 'ON_DEMAND']).default('PROVISIONED'),
        shardCount: positiveInt.max(500).default(1),
        retentionHours: z.number().int().min(24).max(8760).default(24),
      })
      .strict()
      .prefault({}),

    batcher: z
      .object({
        memoryMb: z.number().int().min(128).max(10240).default(512),
        timeoutSeconds: z.number().int().min(10).max(900).default(120),
        batchSize: z.number().int().min(1).max(10000).default(100),
        maximumBatchingWindowSeconds: z.number().int().min(0).max(300).default(5),
        parallelizationFactor: z.number().int().min(1).max(10).default(2),
        maximumRetryAttempts: z.number().int().min(0).max(10000).default(10),
        maximumRecordAgeSeconds: z.number().int().min(60).max(604800).default(86400),
      })
      .strict()
      .prefault({}),

    sweeper: z
      .object({
        /** How often the sweeper runs, in minutes (EventBridge schedule). */
        everyMinutes: z.number().int().min(1).max(60).default(1),
        /**
         * A manifest in `processing` for longer than this is reported as stuck (alarm, `redrive --force`
         * advice). At least longestHealthyRunMinutes(glue), or healthy runs would be reported.
         */
        stuckProcessingMinutes: positiveInt.default(240),
      })
      .strict()
      .prefault({}),

    glue: z
      .object({
        // G.025X is for Glue streaming jobs only; this job is a glueetl (Spark batch) job.
        workerType: z.enum(['G.1X', 'G.2X', 'G.4X', 'G.8X']).default('G.1X'),
        /**
         * The most workers a run gets, and the job's own capacity (a run started outside the state machine,
         * from the console, gets this). Each run of the state machine is sized from its manifest's bytes
         * between minWorkers and this (handlers/orchestration/glueCapacity.ts).
         */
        numberOfWorkers: z.number().int().min(2).max(299).default(2),
        /** The fewest workers a run gets (Glue's minimum for a Spark job is 2: one driver, one executor). */
        minWorkers: z.number().int().min(2).max(299).default(2),
        /** A run takes the fewest workers expected to finish it within this many seconds. */
        targetRunSeconds: z.number().int().min(60).max(86400).default(300),
        /**
         * STANDARD, or FLEX: spare capacity at a lower DPU-hour price, which may start later and be
         * interrupted (the state machine's retries cover that). Flex needs Glue >= 3.0 and G.1X or G.2X.
         */
        executionClass: z.enum(['STANDARD', 'FLEX']).default('STANDARD'),
        timeoutMinutes: positiveInt.max(2880).default(60),
        /** Further runs after a failed one, made by the state machine; the Glue job's own MaxRetries is 0. */
        maxRetries: z.number().int().min(0).max(10).default(1),
        maxConcurrentRuns: positiveInt.max(1000).default(10),
        compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd'),
        /** Target size of one Parquet file; the job plans its output partitions from it. */
        targetFileMb: z.number().int().min(16).max(2048).default(256),
      })
      .strict()
      .prefault({}),

    observability: z
      .object({
        logRetentionDays: z
          .union([
            z.literal(1),
            z.literal(3),
            z.literal(5),
            z.literal(7),
            z.literal(14),
            z.literal(30),
            z.literal(60),
            z.literal(90),
            z.literal(120),
            z.literal(150),
            z.literal(180),
            z.literal(365),
            z.literal(400),
            z.literal(545),
            z.literal(731),
            z.literal(1827),
            z.literal(3653),
          ])
          .default(14),
        /** Where alarms go. Required when storage.forceDestroy is false (a stack whose data is kept). */
        alarmEmail: z.string().email().optional(),
        iteratorAgeAlarmSeconds: positiveInt.default(600),
        /** Step Functions execution logging: ALL in dev (every transition), ERROR in prod (failures only). */
        stateMachineLogLevel: z.enum(['ALL', 'ERROR', 'FATAL', 'OFF']).default('ERROR'),
      })
      .strict()
      .prefault({}),

    storage: z
      .object({
        /** Whether `pulumi destroy` may delete non-empty buckets (dev yes, prod no). */
        forceDestroy: z.boolean().default(false),
        quarantineExpiryDays: positiveInt.default(90),
        logsExpiryDays: positiveInt.default(90),
        manifestsExpiryDays: positiveInt.default(90),
        /** Incomplete multipart uploads are aborted after this many days, in every bucket. */
        abortIncompleteUploadDays: positiveInt.max(365).default(7),
        /** Versioned buckets (input, output) keep an overwritten or deleted object's old version this long. */
        noncurrentVersionExpiryDays: positiveInt.default(30),
      })
      .strict()
      .prefault({}),

    lambda: z
      .object({
        /** Lambda runtime of the batcher, sweeper and generator; esbuild targets node22 either way. */
        runtime: z.enum(['nodejs22.x', 'nodejs24.x']).default('nodejs22.x'),
        architecture: z.enum(['arm64', 'x86_64']).default('arm64'),
        /** POWERTOOLS_LOG_LEVEL of every Lambda. */
        logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
      })
      .strict()
      .prefault({}),

    generator: z
      .object({
        /** Deploy the seed-compatible generator Lambda (dev only, by default). */
        enabled: z.boolean().default(false),
      })
      .strict()
      .prefault({}),

    schema: z
      .object({
        /**
         * Field name -> type (contracts/declaredColumns.ts): registered before any data, winning over the
         * job's inference; a declaration may add columns but never retype a registered one.
         */
        columns: declaredColumnsSchema.default({}),
      })
      .strict()
      .prefault({}),

    /** List prices the cost model and the per-run cost use (contracts/prices.ts); override any of them. */
    prices: pricesSchema.prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    // The event source mapping sends records older than maximumRecordAgeSeconds to its DLQ unread, so
    // stream retention beyond that (or beyond Kinesis' 24 h minimum) is paid for and never read.
    const readHours = Math.max(24, Math.ceil(config.batcher.maximumRecordAgeSeconds / 3600));
    if (config.stream.retentionHours > readHours) {
      context.addIssue({
        code: 'custom',
        path: ['stream', 'retentionHours'],
        message: `${config.stream.retentionHours} h is longer than the batcher reads (batcher.maximumRecordAgeSeconds ${config.batcher.maximumRecordAgeSeconds} s): lower it to ${readHours} or raise maximumRecordAgeSeconds`,
      });
    }
    if (config.glue.minWorkers > config.glue.numberOfWorkers) {
      context.addIssue({
        code: 'custom',
        path: ['glue', 'minWorkers'],
        message: `${config.glue.minWorkers} is more than glue.numberOfWorkers (${config.glue.numberOfWorkers}), the most a run may get`,
      });
    }
    // https://docs.aws.amazon.com/glue/latest/dg/add-job.html: Flex runs Spark ETL jobs of Glue 3.0+ on G.1X/G.2X only.
    if (config.glue.executionClass === 'FLEX' && !['G.1X', 'G.2X'].includes(config.glue.workerType)) {
      context.addIssue({
        code: 'custom',
        path: ['glue', 'executionClass'],
        message: `FLEX runs on G.1X or G.2X workers only, not ${config.glue.workerType}: use STANDARD or change glue.workerType`,
      });
    }
    // A healthy manifest is `processing` through all its Glue runs; a bound below that reports healthy runs
    // as stuck, and the stuck advice (`redrive --force`) would start a second run beside a live one.
    const healthy = longestHealthyRunMinutes(config.glue);
    if (config.sweeper.stuckProcessingMinutes < healthy) {
      context.addIssue({
        code: 'custom',
        path: ['sweeper', 'stuckProcessingMinutes'],
        message: `${config.sweeper.stuckProcessingMinutes} min is shorter than a healthy run can take (${healthy} min: ${1 + config.glue.maxRetries} Glue runs of glue.timeoutMinutes ${config.glue.timeoutMinutes}, the retry waits, and one timeout of queue wait): raise it to at least ${healthy}`,
      });
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The Pulumi stack whose config is invalid (named `stackName`: `stack` is the Error's stack trace). */
  readonly stackName: string;
  constructor(
    message: string,
    stack: string,
    readonly issues: { key: string; message: string }[],
  ) {
    super(message);
    this.stackName = stack;
  }
}

function configError(stack: string, issues: { path: readonly PropertyKey[]; message: string }[]): ConfigError {
  const named = issues.map((issue) => ({
    key: [`${CONFIG_NAMESPACE}:${CONFIG_KEY}`, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const lines = named.map((i) => `  ${i.key}: ${i.message}`).join('\n');
  return new ConfigError(`invalid configuration for stack "${stack}":\n${lines}`, stack, named);
}

/** Validates the raw `ndjson-parquet:pipeline` object; a bad value names its key. */
export function parseStackConfig(raw: unknown, stack: string): StackConfig {
  const result = stackConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw configError(stack, result.error.issues);
}

/**
 * parseStackConfig, plus what only deploying needs (`pulumi up`): tools that only read the stack's settings
 * (the operator CLI's `--stack prod`, the local runtime) take the file as it is.
 */
export function parseStackConfigForDeploy(raw: unknown, stack: string): StackConfig {
  const config = parseStackConfig(raw, stack);
  // An alarm topic nobody subscribes to pages nobody; a stack whose data is kept must name who hears it.
  if (!config.storage.forceDestroy && !config.observability.alarmEmail) {
    throw configError(stack, [
      {
        path: ['observability', 'alarmEmail'],
        message:
          "required for a stack whose data is kept (storage.forceDestroy false), so its alarms reach a person: pulumi config set --path 'ndjson-parquet:pipeline.observability.alarmEmail' <address>",
      },
    ]);
  }
  return config;
}
