"""Glue entry point of the ndjson-parquet job (Glue 5.0: Spark 3.5, Python 3.11).

The stack uploads this file as the job's script and the `ndjson_parquet` package, zipped from the archive
pulumi/assets.ts defines (GLUE_ARTIFACTS), as --extra-py-files. A run is `run`: read the arguments, then
ndjson_parquet.job.run_job. main() gives it Glue's session and S3 storage and turns a failed run into a failed
Glue run. The local worker (glue/local_worker.py) calls the same `run` for every run, giving it its one
long-lived local session and staged storage: those two are all that differs between a run on Glue and one on
the laptop.

Also runs outside Glue for one-off local runs: `.venv/bin/python glue/ndjson_to_parquet.py --JOB_NAME x
--manifest_path s3://... --date_prefix ... --output_bucket ... --manifest_bucket ...` against the emulator
(AWS_ENDPOINT_URL), with NDJSON_PARQUET_STORAGE=s3-staged (default when awsglue is absent) or
local-fs:<root>.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from ndjson_parquet.job import JobOutcome
    from ndjson_parquet.storage import Storage


def run(argv: Sequence[str], session: Callable[[], SparkSession], storage: Callable[[], Storage]) -> JobOutcome:
    """One run of the job, from the argv Glue gives the script. The session and the storage are made only once
    the arguments are known good, so bad ones fail in a second (JobArgumentsError, raised); a failed run is
    returned, never raised."""
    from ndjson_parquet.args import job_args_from, resolve_options
    from ndjson_parquet.job import run_job

    args = job_args_from(resolve_options(list(argv)))
    return run_job(session(), storage(), args)


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


def running_on_glue() -> bool:
    try:
        import awsglue  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


# The run's GlueContext, held for the life of the process.
_GLUE_CONTEXTS: list[Any] = []


def make_session(on_glue: bool) -> SparkSession:
    """On Glue, the session of a GlueContext built on Glue's SparkContext: Glue publishes the job metrics the stack
    turns on (--enable-metrics, --enable-observability-metrics; CloudWatch namespace `Glue`) only for a script
    that initialises one (https://docs.aws.amazon.com/glue/latest/dg/monitor-profile-glue-job-cloudwatch-metrics.html).
    Job.init/Job.commit are not called: they drive job bookmarks, which the job keeps off
    (--job-bookmark-option job-bookmark-disable; https://docs.aws.amazon.com/glue/latest/dg/programming-etl-connect-bookmarks.html),
    and a run counts once through the job's own commit (ndjson_parquet.commit), not Glue's."""
    if on_glue:
        from awsglue.context import GlueContext  # type: ignore[import-not-found]
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
        _GLUE_CONTEXTS.append(glue_context)
        return glue_context.spark_session
    from ndjson_parquet.session import local_session

    return local_session()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    on_glue = running_on_glue()
    outcome = run(sys.argv if argv is None else argv, lambda: make_session(on_glue), lambda: make_storage(on_glue))
    if outcome.exception is not None:
        # Raising (not exiting quietly) marks the Glue run FAILED with the typed error as its message.
        raise outcome.exception
    return 0


if __name__ == "__main__":
    sys.exit(main())
