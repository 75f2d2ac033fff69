/**
 * What the pipeline consumes per file, per manifest, per invocation: the cost model's inputs besides the
 * stack config and the price table. Each figure says where it was measured, or that it is an assumption
 * the first deployment should replace (docs/cost.md, "What the first deployment should confirm").
 *
 * The request counts come from a local run with moto's request recorder on (MOTO_ENABLE_RECORDING):
 * `ndjson-parquet local --generate 100 --dates 1 --records 100 --seed h3cost --flush` on the dev stack
 * (10 manifests of 10 files, 5 sweeps), 2026-12-01, every request attributed to its role by the access key
 * the local IAM proxy gives each role. Producers' uploads and the CLI's own reads are left out.
 */

export interface Measured {
  value: number;
  /** Where the value comes from: a benchmark, a local run, or "assumed: ..." with the reason. */
  source: string;
}

const LOCAL_RUN = 'local run 2026-12-01 (100 files, 10 manifests, moto request recorder)';

export const MEASURED_USAGE = {
  // Stream
  streamRecordBytes: {
    value: 1200,
    source:
      "assumed: the local shim's Object Created events average 653 B (" +
      LOCAL_RUN +
      "); AWS's EventBridge envelope carries more fields (account, region, resources, requester, source IP): about 1.1 KB",
  },

  // Batcher Lambda (durations from the invocation reports' execution_time_ms, against moto on 2 busy cores:
  // an upper bound for AWS, where a DynamoDB or S3 call takes milliseconds)
  batcherMsPerFile: { value: 11.7, source: `${LOCAL_RUN}: 608 ms for an invocation registering 52 files and planning nothing` },
  batcherMsPerManifest: {
    value: 81,
    source: `${LOCAL_RUN}: 1,372 ms for 48 files and 10 manifests, less 48 x 11.7 ms, over 10`,
  },
  batcherMsPerInvocation: {
    value: 100,
    source: "assumed: the invocation's fixed work (window read, its report's PutObject); confirm with the REPORT lines' Duration",
  },
  // Sweeper Lambda
  sweeperMsPerRun: { value: 1070, source: `${LOCAL_RUN}: the sweep that reconciled 100 objects and tried a flush (the longest recorded)` },
  sweeperReadUnitsPerRun: {
    value: 26,
    source: `${LOCAL_RUN}: 115 GetItem and 15 Query over 5 sweeps, each read under 4 KB (1 RRU, strongly consistent)`,
  },
  sweeperWriteUnitsPerRun: { value: 1, source: `${LOCAL_RUN}: 5 PutItem (the reconcile cursor) over 5 sweeps, items under 1 KB` },
  /** handlers/sweeper.ts RECONCILE_MAX_OBJECTS: objects the sweeper's reconcile lists per sweep, at most. */
  sweeperReconcileMaxObjects: { value: 5000, source: 'handlers/sweeper.ts RECONCILE_MAX_OBJECTS' },
  /** pulumi/components/sweeper.ts SWEEPER_MEMORY_MB (test/unit/costModel.test.ts keeps them equal). */
  sweeperMemoryMb: { value: 256, source: 'pulumi/components/sweeper.ts SWEEPER_MEMORY_MB' },

  // DynamoDB
  writeUnitsPerFile: {
    value: 4.02,
    source:
      'bench:batcher 2026-12-01 (docs/benchmarks.md, docs/scale.md): the file item put and update (2), its PENDING marker put and delete in a shard partition (2), the WINDOW and its index, lock, MANIFEST and Step Functions updates',
  },
  readUnitsPerFile: {
    value: 1.08,
    source:
      "bench:batcher 2026-12-01: the planner's strongly consistent BatchGetItem of each pending file's item (1), marker queries and window reads",
  },
  fileItemBytes: { value: 668, source: `${LOCAL_RUN}: the file item averages 568 B of JSON, plus DynamoDB's 100 B per item` },
  manifestItemBytes: { value: 892, source: `${LOCAL_RUN}: the MANIFEST item averages 792 B, plus 100 B` },

  // S3 requests
  s3GetsPerFile: { value: 3, source: `${LOCAL_RUN}: the batcher's HeadObject, the job's HeadObject and GetObject of each input` },
  s3PutsPerManifest: {
    value: 8.1,
    source: `${LOCAL_RUN}: the manifest's PutObject, and per run 2 ListObjectsV2, 2 DeleteObjects, 1 report and 2.1 Parquet/staging PutObject`,
  },
  s3GetsPerManifest: { value: 4, source: `${LOCAL_RUN}: per run the manifest's GetObject, 2 GetObject and 1 HeadObject of staging` },
  s3PutsPerBatcherInvocation: { value: 1, source: `${LOCAL_RUN}: every batcher invocation writes its report (logs/lambda/)` },
  /** One ListObjectsV2 page holds 1,000 keys; each of the sweeper's recent dates takes at least one. */
  listPageKeys: { value: 1000, source: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html' },

  // S3 storage
  parquetCompressionRatio: { value: 7.45, source: 'bench:glue (docs/benchmarks.md): input bytes / Parquet bytes' },
  manifestBytesPerFile: { value: 407, source: `${LOCAL_RUN}: 40,681 B of manifests for 100 files` },
  glueReportBytesPerFile: { value: 596, source: `${LOCAL_RUN}: 59,610 B of Glue reports for 100 files` },
  lambdaReportBytes: { value: 2758, source: `${LOCAL_RUN}: 8,275 B for 3 invocation reports` },

  // CloudWatch Logs (bytes ingested)
  lambdaPlatformLogBytes: { value: 350, source: "assumed: Lambda's START, END and REPORT lines per invocation" },
  emfLogBytes: { value: 600, source: 'assumed: one EMF document of up to 8 metrics per invocation (Powertools)' },
  batcherLogBytesPerManifest: { value: 215, source: `${LOCAL_RUN}: 2,233 B of batcher log lines for 10 manifests` },
  sweeperAppLogBytesPerRun: { value: 33, source: `${LOCAL_RUN}: 163 B of sweeper log lines over 5 sweeps` },
  glueLogBytesPerRun: {
    value: 200_000,
    source: "assumed: the job's continuous CloudWatch logging (driver and executors) per run; confirm on /aws-glue/ log groups",
  },
  stepFunctionsLogBytesPerTransition: {
    value: 2000,
    source: 'assumed: two history events of about 1 KB each per state, logged only at level ALL (dev)',
  },

  // CloudWatch metrics
  /** The sweeper adds these on every sweep, so they bill every hour even with nothing flowing. */
  metricsPublishedEverySweep: { value: 3, source: 'handlers: ManifestsStuck, OldestPendingAgeSeconds, ObjectsReconciled' },
  putMetricDataPerGlueRun: { value: 1, source: 'assumed: the job publishes its metrics in one PutMetricData call per run' },
  /** The stack's alarms (pulumi/observability/alarms.ts ALARM_KEYS; test/unit/costModel.test.ts keeps them equal). */
  alarms: { value: 13, source: 'pulumi/observability/alarms.ts ALARM_KEYS' },
  dashboards: { value: 1, source: 'pulumi/observability/dashboard.ts' },
  /** The alarm topic's key (pulumi/components/observability.ts); the stream uses the free aws/kinesis key. */
  customerManagedKeys: { value: 1, source: 'pulumi/components/observability.ts' },
  /**
   * Kinesis server-side encryption calls KMS about every 5 minutes per credential that reads or writes
   * (https://docs.aws.amazon.com/streams/latest/dev/costs-performance.html): EventBridge's role and the batcher's.
   */
  kinesisKmsCallsPerCredentialHour: { value: 12, source: 'https://docs.aws.amazon.com/streams/latest/dev/costs-performance.html' },

  // On-demand streams
  onDemandShardsAtRest: {
    value: 4,
    source:
      'an on-demand stream starts at 4 MB/s write capacity, 4 shards (https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html)',
  },

  // Firehose
  firehoseMaxRecordBytes: {
    value: 1000 * 1024,
    source: 'https://docs.aws.amazon.com/firehose/latest/dev/limits.html: a record is at most 1,000 KiB before base64',
  },
  firehoseRoundingBytes: { value: 5 * 1024, source: 'https://aws.amazon.com/firehose/pricing/: each record billed in 5 KB increments' },
  firehoseBufferBytes: {
    value: 128 * 1024 * 1024,
    source: 'https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html: at most 128 MiB per object',
  },
  ndjsonRecordBytes: { value: 378, source: `${LOCAL_RUN}: 3,784,688 B for 10,000 generated records (the seed format)` },
} as const satisfies Record<string, Measured>;

export type MeasuredUsage = { readonly [K in keyof typeof MEASURED_USAGE]: number };

/** The values alone, for the arithmetic. */
export const USAGE: MeasuredUsage = Object.fromEntries(
  Object.entries(MEASURED_USAGE).map(([key, entry]) => [key, entry.value]),
) as MeasuredUsage;
