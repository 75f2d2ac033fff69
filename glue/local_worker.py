"""Local Glue runner: one long-lived process, one SparkSession, jobs run one after another.

Protocol (one JSON object per line):
  stdin   {"id": "...", "args": {"--manifest_path": "s3://...", ...}, "fault": {"fail_after_files": 1}}
  stdout  {"id": "...", "status": "SUCCEEDED"|"FAILED", "job_run_id": "...", "report_key": "...", "error": "...", "files_excluded": n,
           "dpu_seconds": n | null, "input_bytes": n | null}
`args` are what Glue would pass (DefaultArguments merged with the run's Arguments); defaults given to the
worker with --default-args '{"--output_bucket": ...}' (or NDJSON_PARQUET_DEFAULT_ARGS) fill what a request
leaves out. `fault` is chaos testing: the run fails after that many Parquet files were committed into the
date folder. Logs, Spark's included, go to stderr; stdout carries only protocol lines. The worker exits when
stdin closes.

Every run goes through the Glue script's own entry, `run` in glue/ndjson_to_parquet.py (what its main() calls
on Glue), with the argv Glue would build. Only two things are the worker's: the session (one local Spark,
kept across runs) and the storage (S3StagedStorage: the emulator at AWS_ENDPOINT_URL, inputs downloaded and
Spark's output uploaded, since there is no S3A locally; on Glue, S3DirectStorage lets Spark use s3:// itself).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from typing import Any, TextIO

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

log = logging.getLogger("ndjson_parquet.worker")


class FaultyStorage:
    """Wraps a storage and fails the run once `fail_after_files` Parquet files reached their final folder.
    The fault lives at the storage boundary, outside the job's logic, like a crash would."""

    def __init__(self, inner: Any, fail_after_files: int) -> None:
        self._inner = inner
        self._left = fail_after_files
        self.name = f"faulty({inner.name})"

    def copy(self, src_uri: str, dst_uri: str) -> None:
        from ndjson_parquet.errors import InjectedFault

        final_parquet = dst_uri.endswith(".parquet") and "/_staging/" not in dst_uri
        if final_parquet and self._left <= 0:
            raise InjectedFault("injected fault: run killed during commit", dst_uri=dst_uri)
        self._inner.copy(src_uri, dst_uri)
        if final_parquet:
            self._left -= 1
            if self._left <= 0:
                raise InjectedFault("injected fault: run killed after committing files", dst_uri=dst_uri)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def to_argv(args: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for name, value in args.items():
        argv += [name if name.startswith("--") else f"--{name}", str(value)]
    return argv


def glue_options(defaults: dict[str, Any], run_args: dict[str, Any], run_id: str) -> dict[str, str]:
    """The options Glue would give the script: its own JOB_NAME and JOB_RUN_ID, the job's DefaultArguments,
    the run's Arguments over them. What only Glue knows (version, workers) reads "local" unless given: the state
    machine gives each run its sized capacity, which the run reports although it runs on the one local Spark."""
    options = {
        "JOB_NAME": os.environ.get("NDJSON_PARQUET_JOB_NAME", "ndjson-parquet-local"),
        "JOB_RUN_ID": run_id,
        "glue_version": "local",
        "worker_type": "local",
        "number_of_workers": "1",
    }
    for name, value in {**defaults, **run_args}.items():
        options[name.removeprefix("--")] = str(value)
    return options


def failure(request_id: Any, run_id: str, err: Exception) -> dict[str, Any]:
    from ndjson_parquet.job import FAILED

    return {"id": request_id, "status": FAILED, "job_run_id": run_id, "report_key": None, "error": f"{type(err).__name__}: {err}"}


def handle(line: str, spark: Any, storage: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    from ndjson_parquet.errors import JobArgumentsError
    from ndjson_parquet.metrics import GLUE_DPU_SECONDS, GLUE_INPUT_BYTES, run_metrics
    from ndjson_to_parquet import run

    request_id = None
    run_id = f"jr_local_{uuid.uuid4().hex}"
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("a request must be a JSON object")
        request_id = request.get("id")
        options = glue_options(defaults, request.get("args") or {}, run_id)
        run_id = options["JOB_RUN_ID"]
        fault = request.get("fault") or {}
        run_storage = FaultyStorage(storage, int(fault["fail_after_files"])) if "fail_after_files" in fault else storage
    except Exception as err:  # a bad request fails alone; the worker keeps serving
        return failure(request_id, run_id, err)
    try:
        outcome = run(to_argv(options), lambda: spark, lambda: run_storage)
    except JobArgumentsError as err:  # arguments no run can use, refused before the run starts
        return failure(request_id, run_id, err)
    metrics = {name: value for name, value, _ in run_metrics(outcome.report)}
    return {
        "id": request_id,
        "status": outcome.status,
        "job_run_id": outcome.job_run_id,
        "report_key": outcome.report_key,
        "error": outcome.error,
        # The local stand-ins for the job's metrics (ndjson_parquet/metrics.py): the runner counts them.
        "files_excluded": len(outcome.report.get("excluded_files") or []),
        "dpu_seconds": metrics.get(GLUE_DPU_SECONDS),
        "input_bytes": metrics.get(GLUE_INPUT_BYTES),
    }


def serve(stdin: TextIO, protocol: TextIO, defaults: dict[str, Any]) -> None:
    from ndjson_parquet.s3_storage import S3StagedStorage
    from ndjson_parquet.session import local_session

    spark = local_session(app_name="ndjson-parquet-worker")
    storage = S3StagedStorage()
    log.info("worker ready (Spark %s)", spark.version)
    try:
        for line in stdin:
            if not line.strip():
                continue
            response = handle(line, spark, storage, defaults)
            protocol.write(json.dumps(response) + "\n")
            protocol.flush()
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default-args", default=os.environ.get("NDJSON_PARQUET_DEFAULT_ARGS", "{}"), help="JSON object of Glue arguments")
    options = parser.parse_args(argv)
    defaults = json.loads(options.default_args)
    # Keep the protocol channel private: from here on fd 1 is stderr, so nothing Spark's JVM (which inherits
    # our file descriptors) or a stray print writes can corrupt the stream of responses.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(sys.stdin, protocol, defaults)
    return 0


if __name__ == "__main__":
    sys.exit(main())
