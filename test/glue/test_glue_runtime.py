"""What the job depends on from the Glue runtime: a GlueContext (job metrics) and the module versions the stack
pins over Glue 5.0's own (glue/requirements.txt)."""

from __future__ import annotations

import importlib.metadata
import sys
import types
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

import ndjson_to_parquet

REPO = Path(__file__).resolve().parents[2]


def pins() -> dict[str, str]:
    lines = (REPO / "glue" / "requirements.txt").read_text().splitlines()
    entries = [line.split("#", 1)[0].strip() for line in lines]
    return dict(entry.split("==", 1) for entry in entries if entry)


def test_the_venv_runs_the_job_on_the_module_versions_the_stack_installs_on_glue():
    wanted = pins()

    installed = {name: importlib.metadata.version(name) for name in wanted}

    assert {"boto3", "botocore"} <= set(wanted)
    assert installed == wanted


def test_the_pinned_botocore_accepts_the_registry_s_conditional_put_object():
    put_object = botocore.session.get_session().get_service_model("s3").operation_model("PutObject").input_shape
    params = {"Bucket": "b", "Key": "k", "Body": b"{}"}

    validate_parameters({**params, "IfNoneMatch": "*"}, put_object)
    validate_parameters({**params, "IfMatch": '"etag"'}, put_object)

    # What a botocore without the parameters (Glue 5.0's own 1.34.131) does with them: refuses before sending.
    with pytest.raises(ParamValidationError, match="IfSomethingElse"):
        validate_parameters({**params, "IfSomethingElse": "*"}, put_object)


class _Outcome:
    exception = None


@pytest.fixture
def stand_in_awsglue(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`awsglue` is Glue's own and not on PyPI, so the test stands one in at the import boundary (sys.modules):
    a GlueContext that records the SparkContext it is built on and gives the session over it, as Glue's does."""
    from pyspark.sql import SparkSession

    built: list[Any] = []

    class GlueContext:
        def __init__(self, spark_context: object):
            self.spark_context = spark_context
            self.spark_session = SparkSession(spark_context)  # type: ignore[arg-type]
            built.append(self)

    package = types.ModuleType("awsglue")
    context = types.ModuleType("awsglue.context")
    context.GlueContext = GlueContext  # type: ignore[attr-defined]
    package.context = context  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "awsglue", package)
    monkeypatch.setitem(sys.modules, "awsglue.context", context)
    return built


def run_main_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[object]:
    """main() with the job itself replaced: what matters here is the session and storage main() hands the run."""
    handed: list[object] = []

    def run(argv, session, storage):
        handed.append(session())
        handed.append(storage())
        return _Outcome()

    monkeypatch.setattr(ndjson_to_parquet, "run", run)
    monkeypatch.setenv("NDJSON_PARQUET_STORAGE", f"local-fs:{tmp_path}")
    assert ndjson_to_parquet.main(["ndjson_to_parquet.py"]) == 0
    return handed


def test_on_glue_main_builds_a_glue_context_on_the_spark_context_and_runs_on_its_session(
    spark, stand_in_awsglue: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    session, _storage = run_main_with(monkeypatch, tmp_path)

    assert [context.spark_context for context in stand_in_awsglue] == [spark.sparkContext]
    assert session is stand_in_awsglue[0].spark_session


def test_without_awsglue_main_runs_on_the_local_session_and_builds_no_glue_context(spark, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delitem(sys.modules, "awsglue", raising=False)
    partitions = spark.conf.get("spark.sql.shuffle.partitions")

    try:
        session, _storage = run_main_with(monkeypatch, tmp_path)
    finally:
        # The local session is the suite's one session: give back the setting local_session() put on it.
        spark.conf.set("spark.sql.shuffle.partitions", partitions)

    assert ndjson_to_parquet.running_on_glue() is False
    assert session.sparkContext is spark.sparkContext
