"""What a run cost: the capacity it ran on and its estimated DPU-seconds and price in the report (cost.py), and the
GlueDpuSeconds and GlueInputBytes metrics it publishes from them (metrics.py)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest

from ndjson_parquet.cost import BASIS, WORKER_DPU, billed_dpu_seconds, run_cost
from records import ndjson, records
from support import Pipeline

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("worker_type", "workers", "seconds", "expected"),
    [
        ("G.1X", 2, 4.2, 60 * 2),  # the one-minute minimum
        ("G.1X", 2, 60.0, 60 * 2),
        ("G.1X", 2, 60.01, 61 * 2),  # per second, a started second counts whole
        ("G.2X", 3, 125.5, 126 * 3 * 2),
        ("G.4X", 2, 90, 90 * 2 * 4),
        ("G.8X", 2, 90, 90 * 2 * 8),
    ],
)
def test_billed_dpu_seconds_are_run_time_times_dpus_with_a_one_minute_minimum(worker_type, workers, seconds, expected):
    assert billed_dpu_seconds(worker_type, workers, seconds) == expected


def test_the_cost_is_the_billed_dpu_hours_at_the_given_price_and_says_it_is_an_estimate():
    cost = run_cost("G.1X", 10, 300.0, 0.44)

    assert cost == {"dpu_seconds": 3000, "usd": round(3000 / 3600 * 0.44, 6), "estimated": True, "basis": BASIS}
    assert BASIS == "run time x DPUs, 1-minute minimum"


@pytest.mark.parametrize(
    ("worker_type", "workers", "price"),
    [("local", 1, 0.44), ("", None, 0.44), ("G.1X", 2, None), ("G.1X", None, 0.44), ("G.1X", 0, 0.44)],
)
def test_a_run_without_a_known_capacity_or_price_has_no_cost(worker_type, workers, price):
    assert run_cost(worker_type, workers, 100.0, price) is None


def test_the_dpus_per_worker_are_glue_capacity_ts_worker_types():
    source = (REPO / "handlers/orchestration/glueCapacity.ts").read_text()

    declared = {name: int(dpu) for name, dpu in re.findall(r"'(G\.\dX)': \{ dpu: (\d+),", source)}

    assert declared == WORKER_DPU


def test_the_report_carries_the_capacity_given_and_the_cost_of_the_runs_wall_time(pipeline: Pipeline):
    manifest = pipeline.put_manifest([pipeline.put_file(ndjson(records(5)))])

    outcome = pipeline.run(manifest, worker_type="G.1X", number_of_workers="3", execution_class="FLEX", dpu_hour_usd="0.29")

    assert outcome.status == "SUCCEEDED", outcome.error
    report = pipeline.report(outcome)
    assert (report["worker_type"], report["number_of_workers"], report["execution_class"]) == ("G.1X", 3, "FLEX")
    # A local run of a few seconds is billed the one-minute minimum on each of its 3 DPUs.
    assert report["processing_summary"]["execution_time_seconds"] < 60
    assert report["cost"] == {"dpu_seconds": 180, "usd": round(180 / 3600 * 0.29, 6), "estimated": True, "basis": BASIS}
    assert report["job_info"]["worker_type"] == "G.1X"


def test_a_run_publishes_its_dpu_seconds_and_converted_bytes(pipeline: Pipeline):
    f = pipeline.put_file(ndjson(records(4)))
    manifest = pipeline.put_manifest([f])
    namespace = f"ndjson-parquet-test-{secrets.token_hex(4)}"

    outcome = pipeline.run(manifest, metrics_namespace=namespace, metrics_service="np-test", dpu_hour_usd="0.44")

    assert outcome.status == "SUCCEEDED", outcome.error
    cloudwatch = boto3.client("cloudwatch")
    metrics = {m["MetricName"]: m for m in cloudwatch.list_metrics(Namespace=namespace)["Metrics"]}
    assert set(metrics) == {"GlueDpuSeconds", "GlueInputBytes"}
    now = datetime.now(timezone.utc)

    def total(name: str) -> float:
        stats = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=name,
            Dimensions=[{"Name": "service", "Value": "np-test"}],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(hours=1),
            Period=3600,
            Statistics=["Sum"],
        )
        return sum(p["Sum"] for p in stats["Datapoints"])

    assert total("GlueDpuSeconds") == pipeline.report(outcome)["cost"]["dpu_seconds"] == 120
    assert total("GlueInputBytes") == f.size


def test_a_failed_run_publishes_its_dpu_seconds_but_no_converted_bytes(pipeline: Pipeline):
    published = []
    missing = (f"s3://{pipeline.manifest_bucket}/manifests/2026-01-30/batch-0009-20260130-000000.json", "")

    outcome = pipeline.run(missing, metrics=published.append, dpu_hour_usd="0.44")

    assert outcome.status == "FAILED"
    assert published == [[("GlueDpuSeconds", 120.0, "Count")]]


def test_metrics_that_cannot_be_published_fail_nothing(pipeline: Pipeline):
    def unreachable(data):
        raise ConnectionError("CloudWatch unreachable")

    manifest = pipeline.put_manifest([pipeline.put_file(ndjson(records(3)))])

    outcome = pipeline.run(manifest, metrics=unreachable, dpu_hour_usd="0.44")

    assert outcome.status == "SUCCEEDED", outcome.error
    assert len(pipeline.output_rows()) == 3
