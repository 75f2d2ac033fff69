"""glue/local_worker.py as the local runtime drives it: a long-lived process, one JSON request per line on
stdin, one JSON response per line on stdout (and nothing else there), faults injected per request; each run
through the Glue script's own entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone

import pytest

import local_worker
import ndjson_to_parquet
from ndjson_parquet.args import parse_argv
from ndjson_parquet.job import JobOutcome
from records import ndjson, records
from support import Pipeline

WORKER = os.path.join(os.path.dirname(__file__), "..", "..", "glue", "local_worker.py")


@pytest.fixture
def worker(emulator, tmp_path):
    env = {
        **os.environ,
        "NDJSON_PARQUET_SPARK_CORES": "2",
        "NDJSON_PARQUET_SHUFFLE_PARTITIONS": "2",
        "NDJSON_PARQUET_SPARK_QUICK_START": "1",
        "TMPDIR": str(tmp_path),
    }
    with open(tmp_path / "worker.log", "w") as log:
        proc = subprocess.Popen([sys.executable, WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, text=True)
        yield proc
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def ask(proc: subprocess.Popen, request: dict | str) -> dict:
    proc.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line, "worker closed stdout"
    return json.loads(line)


def glue_args(pipeline: Pipeline, manifest: tuple[str, str]) -> dict[str, str]:
    args = pipeline.args(*manifest)
    args.pop("JOB_RUN_ID")
    return {f"--{k}": v for k, v in args.items()}


def test_worker_runs_jobs_in_sequence_with_faults_and_recovers(pipeline: Pipeline, worker):
    inputs = [pipeline.put_file(ndjson(records(50, seed=i))) for i in range(2)]
    manifest = pipeline.put_manifest(inputs)
    expected = Counter(r["id"] for i in range(2) for r in records(50, seed=i))

    killed = ask(worker, {"id": "run-1", "args": glue_args(pipeline, manifest), "fault": {"fail_after_files": 1}})
    garbage = ask(worker, "this is not json")
    rerun = ask(worker, {"id": "run-2", "args": {**glue_args(pipeline, manifest), "--JOB_RUN_ID": "jr_given", "--dpu_hour_usd": "0.29"}})

    assert killed["id"] == "run-1"
    assert killed["status"] == "FAILED"
    assert "InjectedFault" in killed["error"]
    assert killed["job_run_id"].startswith("jr_")
    assert killed["report_key"].startswith("logs/glue/")
    assert garbage["status"] == "FAILED"
    assert garbage["id"] is None
    assert rerun == {
        "id": "run-2",
        "status": "SUCCEEDED",
        "job_run_id": "jr_given",
        "report_key": rerun["report_key"],
        "error": None,
        "files_excluded": 0,
        # The one-minute minimum on the G.1X x 2 the run was given, and every input byte it converted.
        "dpu_seconds": 120,
        "input_bytes": sum(f.size for f in inputs),
    }
    assert Counter(r["id"] for r in pipeline.output_rows()) == expected
    report = json.loads(pipeline.s3.get_object(Bucket=pipeline.manifest_bucket, Key=rerun["report_key"])["Body"].read())
    assert report["job_info"]["job_run_id"] == "jr_given"

    worker.stdin.close()
    assert worker.wait(timeout=60) == 0
    assert worker.stdout.read() == ""


def test_a_request_runs_through_the_glue_scripts_entry_with_the_argv_glue_would_build(monkeypatch):
    calls = []

    def entry(argv, session, storage):
        calls.append((parse_argv(argv), session(), storage()))
        return JobOutcome("SUCCEEDED", "jr_given", "logs/glue/k.json", {})

    monkeypatch.setattr(ndjson_to_parquet, "run", entry)
    monkeypatch.delenv("NDJSON_PARQUET_JOB_NAME", raising=False)
    spark, storage = object(), object()
    request = {"id": "r", "args": {"--manifest_path": "s3://m/x.json", "JOB_RUN_ID": "jr_given"}}

    response = local_worker.handle(
        json.dumps(request), spark, storage, {"--output_bucket": "out", "--manifest_path": "s3://m/default.json"}
    )

    [(options, used_spark, used_storage)] = calls
    assert options == {
        "JOB_NAME": "ndjson-parquet-local",
        "JOB_RUN_ID": "jr_given",
        "glue_version": "local",
        "worker_type": "local",
        "number_of_workers": "1",
        "output_bucket": "out",
        "manifest_path": "s3://m/x.json",
    }
    assert used_spark is spark
    assert used_storage is storage
    assert response == {
        "id": "r",
        "status": "SUCCEEDED",
        "job_run_id": "jr_given",
        "report_key": "logs/glue/k.json",
        "error": None,
        "files_excluded": 0,
        "dpu_seconds": None,
        "input_bytes": None,
    }


def test_a_request_with_arguments_no_run_can_use_fails_alone_before_spark_is_touched():
    untouchable = object()

    response = local_worker.handle(json.dumps({"id": "r", "args": {"--date_prefix": "2026-01-30"}}), untouchable, untouchable, {})

    assert response["id"] == "r"
    assert response["status"] == "FAILED"
    assert response["report_key"] is None
    assert response["error"].startswith("JobArgumentsError: missing job arguments: --manifest_path")


def test_declared_columns_in_the_default_arguments_reach_the_job_through_the_worker(pipeline: Pipeline, emulator, tmp_path):
    # Arrange: the DefaultArguments as glueDefaultArguments spells them for schema.columns (compact JSON).
    declared = '{"items_viewed":"bigint","shipped_at":"timestamp","amount":"decimal(12,2)"}'
    env = {**os.environ, "NDJSON_PARQUET_SPARK_CORES": "1", "NDJSON_PARQUET_SPARK_QUICK_START": "1", "TMPDIR": str(tmp_path)}
    line = '{"id":"a","items_viewed":9007199254740993,"shipped_at":"2026-01-30T12:00:00+02:00","amount":"cheap"}'
    args = glue_args(pipeline, pipeline.put_manifest([pipeline.put_file(ndjson([line]))]))
    with open(tmp_path / "worker.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, WORKER, "--default-args", json.dumps({"--declared_columns": declared})],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            text=True,
        )
        # Act
        response = ask(proc, {"id": "declared", "args": args})
        proc.stdin.close()
        proc.wait(timeout=60)
    # Assert
    assert response["status"] == "SUCCEEDED", response["error"]
    [row] = pipeline.output_rows()
    assert row["items_viewed"] == 9007199254740993
    assert row["shipped_at"].astimezone(timezone.utc) == datetime(2026, 1, 30, 10, tzinfo=timezone.utc)
    assert row["amount"] is None
    assert row["_rescued_data"] == {"amount": '"cheap"'}
    assert pipeline.registry() == {"amount": "decimal(12,2)", "id": "string", "items_viewed": "bigint", "shipped_at": "timestamp"}
