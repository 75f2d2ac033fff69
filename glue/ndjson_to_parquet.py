"""Glue entry point of the ndjson-parquet job (Glue 5.0: Spark 3.5, Python 3.11).

The stack uploads this file as the job's script and the `ndjson_parquet` package, zipped by
glue/package.py, as --extra-py-files. Everything happens in ndjson_parquet.job.run_job; this file only
reads the arguments, picks the storage and turns a failed run into a failed Glue run.

Also runs outside Glue for one-off local runs: `.venv/bin/python glue/ndjson_to_parquet.py --JOB_NAME x
--manifest_path s3://... --date_prefix ... --output_bucket ... --manifest_bucket ...` against the emulator
(AWS_ENDPOINT_URL), with NDJSON_PARQUET_STORAGE=s3-staged (default when awsglue is absent) or
local-fs:<root>.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any


def make_storage(on_glue: bool) -> Any:
    choice = os.environ.get("NDJSON_PARQUET_STORAGE") or ("s3-direct" if on_glue else "s3-staged")
    if choice == "s3-direct":
        from ndjson_parquet.s3_storage import S3DirectStorage

        return S3DirectStorage()
    if choice == "s3-staged":
        from ndjson_parquet.s3_storage import S3StagedStorage

        return S3StagedStorage()
    if choice.startswith("local-fs:"):
        from ndjson_parquet.fs_storage import LocalFsStorage

        return LocalFsStorage(choice[len("local-fs:") :])
    raise SystemExit(f"NDJSON_PARQUET_STORAGE={choice!r}: expected s3-direct, s3-staged or local-fs:<root>")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ndjson_parquet.args import job_args_from, resolve_options
    from ndjson_parquet.job import run_job

    try:
        import awsglue  # type: ignore[import-not-found]  # noqa: F401

        on_glue = True
    except ImportError:
        on_glue = False
    args = job_args_from(resolve_options(list(sys.argv if argv is None else argv)))
    if on_glue:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
    else:
        from ndjson_parquet.session import local_session

        spark = local_session()
    outcome = run_job(spark, make_storage(on_glue), args)
    if outcome.exception is not None:
        # Raising (not exiting quietly) marks the Glue run FAILED with the typed error as its message.
        raise outcome.exception
    return 0


if __name__ == "__main__":
    sys.exit(main())
