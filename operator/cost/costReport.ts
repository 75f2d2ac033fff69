import { PRICES_AS_OF, PRICES_REGION } from '../../contracts/prices';
import { COMPONENTS, type CostEstimate } from './costModel';

/**
 * `ndjson-parquet cost --json`: the estimate as one JSON document. Scripts read `total_usd_per_month`,
 * `firehose_usd_per_month`, `per_gb_usd`, `firehose_per_gb_usd` and `components` (component -> USD/month);
 * the rest explains them.
 */

const cents = (usd: number) => Math.round(usd * 100) / 100;
const precise = (value: number) => Number(value.toPrecision(6));

export interface CostReportInput {
  stack: string;
  region: string;
  estimate: CostEstimate;
  atRest: CostEstimate;
}

export function costReportJson({ stack, region, estimate, atRest }: CostReportInput): Record<string, unknown> {
  const { firehose } = estimate;
  return {
    stack,
    region,
    prices: {
      region: PRICES_REGION,
      as_of: PRICES_AS_OF,
      note: 'list prices, no free tier; override under ndjson-parquet:pipeline.prices',
    },
    files_per_day: estimate.volume.filesPerDay,
    file_mb: estimate.volume.fileMb,
    record_bytes: estimate.volume.recordBytes,
    gb_per_month: precise(estimate.gbPerMonth),
    total_usd_per_month: cents(estimate.totalUsdPerMonth),
    firehose_usd_per_month: cents(firehose.usdPerMonth),
    per_gb_usd: estimate.perGbUsd === null ? null : precise(estimate.perGbUsd),
    firehose_per_gb_usd: estimate.firehosePerGbUsd === null ? null : precise(estimate.firehosePerGbUsd),
    components: Object.fromEntries(COMPONENTS.map((name) => [name, cents(estimate.components[name].usd)])),
    component_details: Object.fromEntries(
      COMPONENTS.map((name) => [
        name,
        Object.fromEntries(
          Object.entries(estimate.components[name].detail).map(([key, value]) => [key, typeof value === 'number' ? precise(value) : value]),
        ),
      ]),
    ),
    manifests_per_day: estimate.manifestsPerDay,
    glue_run: {
      bytes: Math.round(estimate.glueRun.bytes),
      worker_type: estimate.glueRun.capacity?.workerType ?? null,
      number_of_workers: estimate.glueRun.capacity?.numberOfWorkers ?? null,
      execution_class: estimate.glueRun.capacity?.executionClass ?? null,
      estimated_seconds: precise(estimate.glueRun.estimatedSeconds),
      billed_dpu_seconds: estimate.glueRun.billedDpuSeconds,
    },
    input_storage: {
      gb_added_per_month: precise(estimate.inputStorage.gbAddedPerMonth),
      usd_per_month_kept: cents(estimate.inputStorage.usdPerMonthKept),
      note: 'the input files are yours and not in the total; with Firehose they would not exist',
    },
    firehose: {
      ingest_usd: cents(firehose.ingestUsd),
      format_conversion_usd: cents(firehose.conversionUsd),
      s3_usd: cents(firehose.s3Usd),
      sent_gb: precise(firehose.sentGb),
      billed_gb: precise(firehose.billedGb),
      records_per_file: firehose.recordsPerFile,
      rounding_overhead: precise(firehose.roundingOverhead),
      naive_one_line_per_record_usd_per_month: cents(firehose.naiveOneLinePerRecord.usdPerMonth),
    },
    at_rest_usd_per_month: cents(atRest.totalUsdPerMonth),
  };
}
