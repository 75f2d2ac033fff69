"""Runs that must fail, clearly (a missing or mismatched manifest: the report is written anyway, with status failed
and the typed error; nothing is published), and inputs that are gone or changed, which are excluded file by file
and reported while the rest of the manifest converts."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import boto3

from ndjson_parquet.errors import ManifestMismatchError, ManifestNotFoundError
from records import ndjson, records
from support import Pipeline


def test_a_missing_input_is_excluded_and_reported_and_the_rest_converts(pipeline: Pipeline):
    present = pipeline.put_file(ndjson(records(5)))
    gone = pipeline.put_file(ndjson(records(4, seed=2)))
    manifest = pipeline.put_manifest([present, gone])
    pipeline.s3.delete_object(Bucket=pipeline.input_bucket, Key=gone.key)

    outcome = pipeline.run(manifest)

    assert outcome.status == "SUCCEEDED", outcome.error
    report = pipeline.report(outcome)
    assert report["processing_summary"]["status"] == "success"
    assert report["processing_summary"]["files_excluded"] == 1
    [excluded] = report["excluded_files"]
    assert excluded["key"] == gone.key
    assert excluded["reason"] == "missing"
    assert excluded["expected_etag"] == gone.etag.strip('"')
    assert excluded["actual_etag"] is None
    assert [f["key"] for f in report["files"]] == [present.key]
    assert len(pipeline.output_rows()) == 5


def test_an_input_overwritten_since_the_manifest_was_built_is_excluded_with_both_etags(pipeline: Pipeline):
    kept = pipeline.put_file(ndjson(records(3, seed=4)))
    changed = pipeline.put_file(ndjson(records(5)))
    manifest = pipeline.put_manifest([kept, changed])
    new_etag = pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=changed.key, Body=ndjson(records(6, seed=9)))["ETag"]

    outcome = pipeline.run(manifest)

    assert outcome.status == "SUCCEEDED", outcome.error
    report = pipeline.report(outcome)
    [excluded] = report["excluded_files"]
    assert excluded["uri"] == changed.uri
    assert excluded["reason"] == "changed"
    assert excluded["expected_etag"] == changed.etag.strip('"')
    assert excluded["actual_etag"] == new_etag.strip('"')
    # Neither the old content (gone) nor the new one (a later manifest's) is in this manifest's output.
    assert len(pipeline.output_rows()) == 3


def test_excluded_inputs_are_published_as_inputs_changed_in_the_pipeline_namespace(pipeline: Pipeline):
    kept, gone, changed = (pipeline.put_file(ndjson(records(2, seed=s))) for s in (1, 2, 3))
    manifest = pipeline.put_manifest([kept, gone, changed])
    pipeline.s3.delete_object(Bucket=pipeline.input_bucket, Key=gone.key)
    pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=changed.key, Body=ndjson(records(3, seed=9)))
    namespace = f"ndjson-parquet-test-{secrets.token_hex(4)}"

    outcome = pipeline.run(manifest, metrics_namespace=namespace, metrics_service="np-test")

    assert outcome.status == "SUCCEEDED", outcome.error
    cloudwatch = boto3.client("cloudwatch")
    [metric] = [m for m in cloudwatch.list_metrics(Namespace=namespace)["Metrics"] if m["MetricName"] == "InputsChanged"]
    assert metric["Dimensions"] == [{"Name": "service", "Value": "np-test"}]
    now = datetime.now(timezone.utc)
    stats = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="InputsChanged",
        Dimensions=metric["Dimensions"],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=1),
        Period=3600,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 2


def test_without_etags_a_changed_size_is_caught(pipeline: Pipeline):
    changed = pipeline.put_file(ndjson(records(5)))
    manifest = pipeline.put_manifest([changed], etags=False)
    pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=changed.key, Body=ndjson(records(9)))

    outcome = pipeline.run(manifest)

    assert outcome.status == "SUCCEEDED", outcome.error
    report = pipeline.report(outcome)
    assert [(e["reason"], e["expected_bytes"]) for e in report["excluded_files"]] == [("changed", changed.size)]
    assert pipeline.output_keys() == []


def test_a_missing_manifest_fails_with_a_report(pipeline: Pipeline):
    outcome = pipeline.run((f"s3://{pipeline.manifest_bucket}/manifests/2026-01-30/batch-0009-20260130-000000.json", ""))

    assert isinstance(outcome.exception, ManifestNotFoundError)
    assert pipeline.report(outcome)["error"]["type"] == "ManifestNotFoundError"


def test_a_manifest_of_another_date_than_the_run_argument_fails(pipeline: Pipeline):
    manifest = pipeline.put_manifest([pipeline.put_file(ndjson(records(2)))])

    outcome = pipeline.run(manifest, date="2026-01-31")

    assert isinstance(outcome.exception, ManifestMismatchError)
    assert pipeline.keys(pipeline.output_bucket) == []
