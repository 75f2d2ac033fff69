import type { StackConfig } from '../../contracts/stackConfig';

/**
 * The Glue job's DefaultArguments that the script reads. The stack sets them on the job; the local Glue
 * runner merges them under each run's arguments exactly as Glue does, so the script sees the same
 * arguments in both places. Built from the one stack config, so the two cannot drift.
 */

export const GLUE_VERSION = '5.0';

export function glueDefaultArguments(
  config: Pick<StackConfig, 'outputPrefix' | 'rejectsPrefix' | 'stagingPrefix' | 'glue'>,
  buckets: { outputBucket: string; manifestBucket: string },
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
    '--worker_type': config.glue.workerType,
    '--number_of_workers': String(config.glue.numberOfWorkers),
  };
}
