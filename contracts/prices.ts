import { z } from 'zod';

/**
 * The one price table: AWS list prices (USD, on-demand, no free tier) for the region the stacks deploy to.
 * The cost model (`ndjson-parquet cost`), the per-run cost in reports, trace and the dashboards, and
 * docs/cost.md all read these numbers; a stack overrides any of them under `ndjson-parquet:pipeline.prices`
 * (another region, a negotiated rate, a price change). Each entry's unit and source is in PRICE_SOURCES.
 */

export const PRICES_REGION = 'us-east-1';
/** The day the defaults were read from their sources. */
export const PRICES_AS_OF = '2026-12-01';

const usd = z.number().nonnegative();

export const pricesSchema = z
  .object({
    glueDpuHour: usd.default(0.44),
    glueFlexDpuHour: usd.default(0.29),
    kinesisShardHour: usd.default(0.015),
    kinesisPutPayloadUnitsPerMillion: usd.default(0.014),
    kinesisExtendedRetentionShardHour: usd.default(0.02),
    kinesisOnDemandStreamHour: usd.default(0.04),
    kinesisOnDemandIngestGb: usd.default(0.08),
    kinesisOnDemandRetrievalGb: usd.default(0.04),
    kinesisOnDemandExtendedRetentionGbMonth: usd.default(0.1),
    eventBridgeCustomEventsPerMillion: usd.default(1),
    lambdaArmGbSecond: usd.default(0.0000133334),
    lambdaX86GbSecond: usd.default(0.0000166667),
    lambdaRequestsPerMillion: usd.default(0.2),
    dynamoWriteRequestUnitsPerMillion: usd.default(0.625),
    dynamoReadRequestUnitsPerMillion: usd.default(0.125),
    dynamoStorageGbMonth: usd.default(0.25),
    dynamoPitrGbMonth: usd.default(0.2),
    stepFunctionsTransitionsPerThousand: usd.default(0.025),
    s3StandardGbMonth: usd.default(0.023),
    s3PutPerThousand: usd.default(0.005),
    s3GetPerThousand: usd.default(0.0004),
    sqsRequestsPerMillion: usd.default(0.4),
    cloudWatchMetricMonth: usd.default(0.3),
    cloudWatchAlarmMonth: usd.default(0.1),
    cloudWatchDashboardMonth: usd.default(3),
    cloudWatchLogsIngestGb: usd.default(0.5),
    cloudWatchLogsStorageGbMonth: usd.default(0.03),
    cloudWatchPutMetricDataPerThousand: usd.default(0.01),
    firehoseIngestGb: usd.default(0.029),
    firehoseIngestGbOver500Tb: usd.default(0.025),
    firehoseIngestGbOver2Pb: usd.default(0.02),
    firehoseFormatConversionGb: usd.default(0.018),
    kmsKeyMonth: usd.default(1),
    kmsRequestsPerTenThousand: usd.default(0.03),
  })
  .strict();

export type Prices = z.infer<typeof pricesSchema>;

/** The list prices as shipped, with nothing overridden. */
export const LIST_PRICES: Prices = pricesSchema.parse({});

/** What each price is for, in which unit, and where it was read. */
export const PRICE_SOURCES: Record<keyof Prices, { unit: string; source: string }> = {
  glueDpuHour: {
    unit: 'DPU-hour, Spark job, standard; billed per second of run time, 1-minute minimum (the model counts the start-up of Glue in the run: docs/glue.md)',
    source: 'https://aws.amazon.com/glue/pricing/',
  },
  glueFlexDpuHour: {
    unit: 'DPU-hour, Spark job, Flex execution class; per second, 1-minute minimum',
    source: 'https://aws.amazon.com/glue/pricing/',
  },
  kinesisShardHour: { unit: 'shard-hour (provisioned)', source: 'https://aws.amazon.com/kinesis/data-streams/pricing/' },
  kinesisPutPayloadUnitsPerMillion: {
    unit: 'million PUT payload units (provisioned; each record counts one unit per 25 KB, rounded up)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisExtendedRetentionShardHour: {
    unit: 'shard-hour of retention beyond 24 h, up to 7 days (provisioned)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisOnDemandStreamHour: {
    unit: 'stream-hour (on-demand standard)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisOnDemandIngestGb: {
    unit: 'GB written (on-demand standard; each record rounded up to 1 KB)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisOnDemandRetrievalGb: {
    unit: 'GB read (on-demand standard, shared-throughput consumers)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisOnDemandExtendedRetentionGbMonth: {
    unit: 'GB-month retained beyond 24 h, up to 7 days (on-demand standard)',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  eventBridgeCustomEventsPerMillion: {
    unit: 'million custom events published (AWS service events such as S3 Object Created on the default bus are free)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  lambdaArmGbSecond: { unit: 'GB-second, arm64 (first pricing tier)', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaX86GbSecond: { unit: 'GB-second, x86_64 (first pricing tier)', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaRequestsPerMillion: { unit: 'million invocations', source: 'https://aws.amazon.com/lambda/pricing/' },
  dynamoWriteRequestUnitsPerMillion: {
    unit: 'million write request units (on-demand, Standard table class, since 2024-11-01)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoReadRequestUnitsPerMillion: {
    unit: 'million read request units (on-demand, Standard table class, since 2024-11-01)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoStorageGbMonth: {
    unit: 'GB-month of table storage (Standard class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoPitrGbMonth: { unit: 'GB-month of continuous backup (PITR)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  stepFunctionsTransitionsPerThousand: {
    unit: '1,000 state transitions (Standard workflows)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  s3StandardGbMonth: { unit: 'GB-month, S3 Standard (first 50 TB)', source: 'https://aws.amazon.com/s3/pricing/' },
  s3PutPerThousand: { unit: '1,000 PUT, COPY, POST or LIST requests (S3 Standard)', source: 'https://aws.amazon.com/s3/pricing/' },
  s3GetPerThousand: { unit: '1,000 GET, HEAD and other requests (S3 Standard)', source: 'https://aws.amazon.com/s3/pricing/' },
  sqsRequestsPerMillion: { unit: 'million standard-queue requests', source: 'https://aws.amazon.com/sqs/pricing/' },
  cloudWatchMetricMonth: {
    unit: 'custom metric-month (first 10,000), prorated by the hour: a metric costs only in hours it is published',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  cloudWatchAlarmMonth: { unit: 'standard-resolution alarm-month (one metric)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  cloudWatchDashboardMonth: { unit: 'dashboard-month', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  cloudWatchLogsIngestGb: { unit: 'GB of logs ingested (Standard class)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  cloudWatchLogsStorageGbMonth: { unit: 'GB-month of logs stored (compressed)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  cloudWatchPutMetricDataPerThousand: { unit: '1,000 PutMetricData requests', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  firehoseIngestGb: {
    unit: 'GB ingested, Direct PUT, first 500 TB/month; each record rounded up to a multiple of 5 KB',
    source: 'https://aws.amazon.com/firehose/pricing/',
  },
  firehoseIngestGbOver500Tb: {
    unit: 'GB ingested, Direct PUT, next 1.5 PB/month (500 TB to 2 PB); 5 KB rounding',
    source: 'https://aws.amazon.com/firehose/pricing/',
  },
  firehoseIngestGbOver2Pb: {
    unit: 'GB ingested, Direct PUT, next 3 PB/month (beyond 2 PB); 5 KB rounding',
    source: 'https://aws.amazon.com/firehose/pricing/',
  },
  firehoseFormatConversionGb: {
    unit: 'GB converted from JSON to Parquet/ORC, counted on the ingested GB (5 KB rounding)',
    source: 'https://aws.amazon.com/firehose/pricing/',
  },
  kmsKeyMonth: { unit: 'customer managed KMS key-month (AWS managed keys are free)', source: 'https://aws.amazon.com/kms/pricing/' },
  kmsRequestsPerTenThousand: { unit: '10,000 KMS API requests (symmetric keys)', source: 'https://aws.amazon.com/kms/pricing/' },
};

/** Hours in a month as AWS prices them (a 730-hour month). */
export const HOURS_PER_MONTH = 730;
