/**
 * The Glue job's DefaultArguments. The stack sets them on the job; the local Glue runner merges them under
 * each run's arguments exactly as Glue does, so the script sees the same arguments in both places.
 */

export interface GlueJobSettings {
  outputBucket: string;
  manifestBucket: string;
  outputPrefix: string;
  rejectsPrefix: string;
  compression: 'zstd' | 'snappy' | 'gzip' | 'none';
  targetFileMb: number;
}

export function glueDefaultArguments(settings: GlueJobSettings): Record<string, string> {
  return {
    '--output_bucket': settings.outputBucket,
    '--manifest_bucket': settings.manifestBucket,
    '--output_prefix': settings.outputPrefix,
    '--rejects_prefix': settings.rejectsPrefix,
    '--compression': settings.compression,
    '--target_file_mb': String(settings.targetFileMb),
  };
}
