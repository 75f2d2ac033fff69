"""The ndjson-parquet Glue job: merges one manifest's NDJSON files into date-partitioned Parquet.

Pure DataFrame functions live in their own modules (parse, profile, schema, project, rejects, accounting);
I/O sits behind `storage` (S3 on Glue, stage-in/stage-out against the emulator locally, plain files for the
benchmark); `job.run_job` wires them; the Glue entry script and the local worker are thin shells around it.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
