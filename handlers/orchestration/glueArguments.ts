import type { StackConfig } from '../../contracts/stackConfig';

/**
 * The Glue job's DefaultArguments that the script reads. The stack sets them on the job; the local Glue
 * runner merges them under each run's arguments exactly as Glue does, so the script sees the same
 * arguments in both places. Built from the one stack config, so the two cannot drift.
 */

export const GLUE_VERSION = '5.0';

/**
 * The price of a DPU-hour for runs of this execution class: the job's cost estimate multiplies its billed
 * DPU-seconds by it (glue/ndjson_parquet/report.py). Flex runs are billed at the Flex rate
 * (https://aws.amazon.com/glue/pricing/).
 */
export function dpuHourUsd(prices: StackConfig['prices'], executionClass: StackConfig['glue']['executionClass']): number {
  return executionClass === 'FLEX' ? prices.glueFlexDpuHour : prices.glueDpuHour;
}

export function glueDefaultArguments(
  config: Pick<StackConfig, 'outputPrefix' | 'rejectsPrefix' | 'stagingPrefix' | 'glue' | 'prices' | 'schema'>,
  buckets: { outputBucket: string; manifestBucket: string },
  catalog: { database: string; table: string },
): Record<string, string> {
  return {
    '--output_bucket': buckets.outputBucket,
    '--manifest_bucket': buckets.manifestBucket,
    '--output_prefix': config.outputPrefix,
    '--rejects_prefix': config.rejectsPrefix,
    '--TempDir': `s3://${buckets.outputBucket}/${config.stagingPrefix}glue-temp/`,
    '--compression': config.glue.compression,
    '--target_file_mb': String(config.glue.targetFileMb),
    // Read by the script's run report, so it needs no glue:GetJobRun permission.
    '--glue_version': GLUE_VERSION,
    // The job's own capacity, for a run started without the state machine (the console); the state machine
    // passes each run's sized capacity over these.
    '--worker_type': config.glue.workerType,
    '--number_of_workers': String(config.glue.numberOfWorkers),
    '--execution_class': config.glue.executionClass,
    // Every run of the job has the stack's execution class (the sizing varies the workers only), so one price fits them all.
    '--dpu_hour_usd': String(dpuHourUsd(config.prices, config.glue.executionClass)),
    // The catalog table the job adds its registry's new columns to (glue/ndjson_parquet/catalog.py).
    '--catalog_database': catalog.database,
    '--catalog_table': catalog.table,
    // Compact JSON of schema.columns ({} when none): the job registers them before any data.
    '--declared_columns': JSON.stringify(config.schema.columns),
  };
}
