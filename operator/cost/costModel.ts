import { METRIC_CATALOGUE, METRIC_NAMES } from '../../contracts/metrics';
import { HOURS_PER_MONTH, type Prices } from '../../contracts/prices';
import type { StackConfig } from '../../contracts/stackConfig';
import { RECENT_DAYS } from '../../handlers/domain/reconcile';
import { billedDpuSeconds, estimateRunSeconds, type GlueCapacity, glueRunCapacity } from '../../handlers/orchestration/glueCapacity';
import { stateMachineDefinition } from '../../handlers/orchestration/stateMachineDefinition';
import { type FirehoseCost, firehoseCost, GIB } from './firehoseCost';
import { happyPathTransitions } from './happyPathTransitions';
import { USAGE } from './measuredUsage';

/**
 * The monthly bill of a stack for a steady volume, by component, at the stack's prices (config.prices):
 * pure arithmetic on the stack config, the measured usage (measuredUsage.ts) and the rules the pipeline
 * runs by (Glue sizing, the state machine's definition, the sweeper's reconcile bound). docs/cost.md
 * explains each line; `ndjson-parquet cost` prints it.
 */

export const COMPONENTS = [
  'kinesis',
  'eventbridge',
  'lambda',
  'dynamodb',
  'stepfunctions',
  's3',
  'glue',
  'cloudwatch',
  'kms',
  'sqs',
] as const;
export type Component = (typeof COMPONENTS)[number];

export interface CostVolume {
  filesPerDay: number;
  /** Size of one input file in MiB. */
  fileMb: number;
  /** Bytes of one NDJSON line (newline included); only Firehose's record packing depends on it. */
  recordBytes?: number;
}

export interface ComponentCost {
  usd: number;
  /** The quantities the price was applied to, named with their unit. */
  detail: Record<string, number | string>;
}

export interface CostEstimate {
  volume: Required<CostVolume>;
  gbPerMonth: number;
  filesPerMonth: number;
  manifestsPerDay: number;
  glueRun: { bytes: number; capacity: GlueCapacity | null; estimatedSeconds: number; billedDpuSeconds: number };
  components: Record<Component, ComponentCost>;
  totalUsdPerMonth: number;
  /** USD per GB of input converted; null with nothing flowing. */
  perGbUsd: number | null;
  /** Keeping the input files in S3: the user's data, outside the pipeline's bill (docs/cost.md). */
  inputStorage: { gbAddedPerMonth: number; usdPerMonthKept: number };
  firehose: FirehoseCost;
  firehosePerGbUsd: number | null;
}

export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const MIB = 1024 * 1024;
const KIB = 1024;

/**
 * Manifests a date gets per day: a batch closes at maxBatchBytes or maxBatchFiles, or when its oldest file
 * is maxWaitSeconds old, whichever comes first, so the count is the largest of the three rates; a date with
 * files closes at least once. All of a day's manifests are taken as the same size.
 */
export function manifestsPerDay(filesPerDay: number, fileBytes: number, batching: StackConfig['batching']): number {
  if (filesPerDay <= 0) return 0;
  const byBytes = (filesPerDay * fileBytes) / batching.maxBatchBytes;
  const byFiles = filesPerDay / batching.maxBatchFiles;
  const byAge = Math.min(filesPerDay, 86_400 / batching.maxWaitSeconds);
  return Math.max(1, Math.ceil(Math.max(byBytes, byFiles, byAge)));
}

/**
 * Batcher invocations per month: the event source mapping runs shards x parallelizationFactor batches at
 * once, each closing at batchSize records or after the batching window, and never empty.
 */
export function batcherInvocationsPerMonth(config: StackConfig, filesPerMonth: number): number {
  const shards = config.stream.mode === 'PROVISIONED' ? config.stream.shardCount : USAGE.onDemandShardsAtRest;
  const slots = shards * config.batcher.parallelizationFactor;
  const perSlotPerSecond = filesPerMonth / SECONDS_PER_MONTH / slots;
  if (perSlotPerSecond <= 0) return 0;
  // A window of 0 still waits for the next poll of the shard, about once a second.
  const window = Math.max(1, config.batcher.maximumBatchingWindowSeconds);
  const batchesPerSecond = Math.min(perSlotPerSecond, Math.max(perSlotPerSecond / config.batcher.batchSize, 1 / window));
  return slots * batchesPerSecond * SECONDS_PER_MONTH;
}

function roundUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit;
}

export function estimateMonthlyCost(config: StackConfig, input: CostVolume, prices: Prices = config.prices): CostEstimate {
  const volume: Required<CostVolume> = { recordBytes: USAGE.ndjsonRecordBytes, ...input };
  const fileBytes = volume.fileMb * MIB;
  const filesPerMonth = volume.filesPerDay * DAYS_PER_MONTH;
  const gbPerMonth = (filesPerMonth * fileBytes) / GIB;
  const perDay = manifestsPerDay(volume.filesPerDay, fileBytes, config.batching);
  const manifests = perDay * DAYS_PER_MONTH;
  const manifestBytes = perDay > 0 ? (volume.filesPerDay * fileBytes) / perDay : 0;

  // Glue: each run sized by the stack's rule, billed per second with a one-minute minimum.
  const capacity = perDay > 0 ? glueRunCapacity(manifestBytes, config.glue) : null;
  const runSeconds = capacity ? estimateRunSeconds(manifestBytes, capacity.workerType, capacity.numberOfWorkers) : 0;
  const runDpuSeconds = capacity ? billedDpuSeconds(capacity, runSeconds) : 0;
  const dpuHour = config.glue.executionClass === 'FLEX' ? prices.glueFlexDpuHour : prices.glueDpuHour;
  const dpuHours = (manifests * runDpuSeconds) / 3600;
  const glue: ComponentCost = {
    usd: dpuHours * dpuHour,
    detail: { runs: manifests, dpu_hours: dpuHours, dpu_hour_usd: dpuHour, execution_class: config.glue.executionClass },
  };

  // Kinesis: one record per file (its Object Created event).
  const recordBytes = USAGE.streamRecordBytes;
  let kinesis: ComponentCost;
  if (config.stream.mode === 'PROVISIONED') {
    const shardHours = config.stream.shardCount * HOURS_PER_MONTH;
    const extendedShardHours = config.stream.retentionHours > 24 ? shardHours : 0;
    const putUnits = filesPerMonth * Math.ceil(recordBytes / (25 * KIB));
    kinesis = {
      usd:
        shardHours * prices.kinesisShardHour +
        extendedShardHours * prices.kinesisExtendedRetentionShardHour +
        (putUnits / 1e6) * prices.kinesisPutPayloadUnitsPerMillion,
      detail: { shard_hours: shardHours, extended_retention_shard_hours: extendedShardHours, put_payload_units: putUnits },
    };
  } else {
    const ingestGb = (filesPerMonth * roundUp(recordBytes, KIB)) / GIB;
    // Retention beyond 24 h holds each day's records that much longer: daily GB x extra days, all month.
    const extendedGbMonths =
      config.stream.retentionHours > 24 ? (ingestGb / DAYS_PER_MONTH) * ((config.stream.retentionHours - 24) / 24) : 0;
    kinesis = {
      usd:
        HOURS_PER_MONTH * prices.kinesisOnDemandStreamHour +
        ingestGb * prices.kinesisOnDemandIngestGb +
        ingestGb * prices.kinesisOnDemandRetrievalGb +
        extendedGbMonths * prices.kinesisOnDemandExtendedRetentionGbMonth,
      detail: {
        stream_hours: HOURS_PER_MONTH,
        ingest_gb: ingestGb,
        retrieval_gb: ingestGb,
        extended_retention_gb_months: extendedGbMonths,
      },
    };
  }

  // S3 Object Created events on the default bus and scheduled rules are free; no custom events are published.
  const eventbridge: ComponentCost = { usd: 0, detail: { aws_service_events: filesPerMonth, custom_events: 0 } };

  // Lambda
  const batcherInvocations = batcherInvocationsPerMonth(config, filesPerMonth);
  const batcherSeconds =
    (batcherInvocations * USAGE.batcherMsPerInvocation + filesPerMonth * USAGE.batcherMsPerFile + manifests * USAGE.batcherMsPerManifest) /
    1000;
  const batcherGbSeconds = batcherSeconds * (config.batcher.memoryMb / 1024);
  const sweeps = (HOURS_PER_MONTH * 60) / config.sweeper.everyMinutes;
  const sweeperGbSeconds = ((sweeps * USAGE.sweeperMsPerRun) / 1000) * (USAGE.sweeperMemoryMb / 1024);
  const gbSecond = config.lambda.architecture === 'arm64' ? prices.lambdaArmGbSecond : prices.lambdaX86GbSecond;
  const invocations = batcherInvocations + sweeps;
  const lambda: ComponentCost = {
    usd: (batcherGbSeconds + sweeperGbSeconds) * gbSecond + (invocations / 1e6) * prices.lambdaRequestsPerMillion,
    detail: {
      batcher_invocations: batcherInvocations,
      batcher_gb_seconds: batcherGbSeconds,
      sweeper_invocations: sweeps,
      sweeper_gb_seconds: sweeperGbSeconds,
      // The generator runs only when `generate` invokes it.
      generator_invocations: 0,
    },
  };

  // DynamoDB: the sweeper's reconcile reads the file items of the objects it lists, up to its bound per sweep.
  const reconciledPerSweep = Math.min(USAGE.sweeperReconcileMaxObjects, volume.filesPerDay * RECENT_DAYS);
  const reconcileReadUnits = (reconciledPerSweep * USAGE.fileItemBytes) / (4 * KIB);
  const writeUnits = filesPerMonth * USAGE.writeUnitsPerFile + sweeps * USAGE.sweeperWriteUnitsPerRun;
  const readUnits = filesPerMonth * USAGE.readUnitsPerFile + sweeps * (USAGE.sweeperReadUnitsPerRun + reconcileReadUnits);
  // File items never expire (they are the dedup record of each key: contracts/trackingSchema.ts), so each
  // month's add to the table for good, like its Parquet; completed MANIFEST records expire after ttlDays.
  const fileItemsGbAddedPerMonth = (filesPerMonth * USAGE.fileItemBytes) / GIB;
  const manifestItemsGb = (config.tracking.ttlDays * perDay * USAGE.manifestItemBytes) / GIB;
  const tableGb = fileItemsGbAddedPerMonth + manifestItemsGb;
  const pitrGb = config.tracking.pointInTimeRecovery ? tableGb : 0;
  const dynamodb: ComponentCost = {
    usd:
      (writeUnits / 1e6) * prices.dynamoWriteRequestUnitsPerMillion +
      (readUnits / 1e6) * prices.dynamoReadRequestUnitsPerMillion +
      tableGb * prices.dynamoStorageGbMonth +
      pitrGb * prices.dynamoPitrGbMonth,
    detail: {
      write_request_units: writeUnits,
      read_request_units: readUnits,
      file_items_gb_added_per_month: fileItemsGbAddedPerMonth,
      manifest_items_gb: manifestItemsGb,
      pitr_gb: pitrGb,
    },
  };

  // Step Functions: the happy path of the deployed definition, once per manifest.
  const perExecution = happyPathTransitions(
    stateMachineDefinition({
      tableName: 'cost-model',
      glueJobName: 'cost-model',
      glueRunRetries: config.glue.maxRetries,
      glueSizing: config.glue,
    }),
  );
  const transitions = manifests * perExecution;
  const stepfunctions: ComponentCost = {
    usd: (transitions / 1000) * prices.stepFunctionsTransitionsPerThousand,
    detail: { executions: manifests, transitions_per_execution: perExecution, transitions },
  };

  // S3: requests the pipeline makes and what it writes (the input files are the user's: inputStorage).
  const listsPerSweep = Math.max(RECENT_DAYS, Math.ceil(reconciledPerSweep / USAGE.listPageKeys));
  const puts = manifests * USAGE.s3PutsPerManifest + batcherInvocations * USAGE.s3PutsPerBatcherInvocation + sweeps * listsPerSweep;
  const gets = filesPerMonth * USAGE.s3GetsPerFile + manifests * USAGE.s3GetsPerManifest;
  const parquetGbAddedPerMonth = gbPerMonth / USAGE.parquetCompressionRatio;
  const batcherInvocationsPerDay = batcherInvocations / DAYS_PER_MONTH;
  const keptGb =
    (volume.filesPerDay * USAGE.manifestBytesPerFile * config.storage.manifestsExpiryDays +
      (volume.filesPerDay * USAGE.glueReportBytesPerFile + batcherInvocationsPerDay * USAGE.lambdaReportBytes) *
        config.storage.logsExpiryDays) /
    GIB;
  const parquetUsd = parquetGbAddedPerMonth * prices.s3StandardGbMonth;
  const s3: ComponentCost = {
    usd: (puts / 1000) * prices.s3PutPerThousand + (gets / 1000) * prices.s3GetPerThousand + parquetUsd + keptGb * prices.s3StandardGbMonth,
    detail: {
      put_copy_post_list_requests: puts,
      get_head_requests: gets,
      parquet_gb_added_per_month: parquetGbAddedPerMonth,
      manifests_and_reports_gb: keptGb,
    },
  };

  // CloudWatch: a custom metric bills in the hours it is published, so each one counts for the share of
  // hours it is expected in; the sweeper's own publish every sweep.
  const hourlyShare = (perDayEvents: number) => Math.min(1, perDayEvents / 24);
  const glueMetrics = METRIC_NAMES.filter((name) => METRIC_CATALOGUE[name].emittedBy === 'glue').length;
  const lambdaMetrics = METRIC_NAMES.length - glueMetrics - USAGE.metricsPublishedEverySweep;
  const metricMonths =
    USAGE.metricsPublishedEverySweep + lambdaMetrics * hourlyShare(volume.filesPerDay) + glueMetrics * hourlyShare(perDay);
  const stateMachineLogBytes =
    config.observability.stateMachineLogLevel === 'ALL' ? transitions * USAGE.stepFunctionsLogBytesPerTransition : 0;
  const logBytes =
    batcherInvocations * (USAGE.lambdaPlatformLogBytes + USAGE.emfLogBytes) +
    manifests * USAGE.batcherLogBytesPerManifest +
    sweeps * (USAGE.lambdaPlatformLogBytes + USAGE.emfLogBytes + USAGE.sweeperAppLogBytesPerRun) +
    manifests * USAGE.glueLogBytesPerRun +
    stateMachineLogBytes;
  const logGb = logBytes / GIB;
  const storedLogGb = logGb * (config.observability.logRetentionDays / DAYS_PER_MONTH);
  const putMetricData = manifests * USAGE.putMetricDataPerGlueRun;
  const cloudwatch: ComponentCost = {
    usd:
      metricMonths * prices.cloudWatchMetricMonth +
      USAGE.alarms * prices.cloudWatchAlarmMonth +
      USAGE.dashboards * prices.cloudWatchDashboardMonth +
      logGb * prices.cloudWatchLogsIngestGb +
      storedLogGb * prices.cloudWatchLogsStorageGbMonth +
      (putMetricData / 1000) * prices.cloudWatchPutMetricDataPerThousand,
    detail: {
      metric_months: metricMonths,
      alarms: USAGE.alarms,
      dashboards: USAGE.dashboards,
      logs_ingested_gb: logGb,
      logs_stored_gb: storedLogGb,
      put_metric_data_requests: putMetricData,
    },
  };

  // KMS: the alarm topic's key; the stream's aws/kinesis key is free, its data-key calls are not.
  const streamCredentials = filesPerMonth > 0 ? 2 : 0;
  const kmsRequests = streamCredentials * USAGE.kinesisKmsCallsPerCredentialHour * HOURS_PER_MONTH;
  const kms: ComponentCost = {
    usd: USAGE.customerManagedKeys * prices.kmsKeyMonth + (kmsRequests / 10_000) * prices.kmsRequestsPerTenThousand,
    detail: { customer_managed_keys: USAGE.customerManagedKeys, requests: kmsRequests },
  };

  // SQS: the dead-letter queues receive nothing while the pipeline is healthy, and nothing polls them.
  const sqs: ComponentCost = { usd: 0, detail: { requests: 0 } };

  const components: Record<Component, ComponentCost> = {
    kinesis,
    eventbridge,
    lambda,
    dynamodb,
    stepfunctions,
    s3,
    glue,
    cloudwatch,
    kms,
    sqs,
  };
  const totalUsdPerMonth = COMPONENTS.reduce((sum, name) => sum + components[name].usd, 0);
  const firehose = firehoseCost({ filesPerMonth, fileBytes, recordBytes: volume.recordBytes }, prices, parquetUsd);
  return {
    volume,
    gbPerMonth,
    filesPerMonth,
    manifestsPerDay: perDay,
    glueRun: { bytes: manifestBytes, capacity, estimatedSeconds: runSeconds, billedDpuSeconds: runDpuSeconds },
    components,
    totalUsdPerMonth,
    perGbUsd: gbPerMonth > 0 ? totalUsdPerMonth / gbPerMonth : null,
    inputStorage: { gbAddedPerMonth: gbPerMonth, usdPerMonthKept: gbPerMonth * prices.s3StandardGbMonth },
    firehose,
    firehosePerGbUsd: gbPerMonth > 0 ? firehose.usdPerMonth / gbPerMonth : null,
  };
}
