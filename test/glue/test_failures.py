"""Runs that must fail, clearly: missing or changed inputs, a missing or mismatched manifest. The report is
written anyway, with status failed and the typed error naming the objects; nothing is published."""

from __future__ import annotations

from ndjson_parquet.errors import InputChangedError, InputFilesMissingError, ManifestMismatchError, ManifestNotFoundError
from records import ndjson, records
from support import Pipeline


def test_missing_input_files_fail_the_run_naming_them(pipeline: Pipeline):
    present = pipeline.put_file(ndjson(records(5)))
    gone = pipeline.put_file(ndjson(records(5, seed=2)))
    manifest = pipeline.put_manifest([present, gone])
    pipeline.s3.delete_object(Bucket=pipeline.input_bucket, Key=gone.key)

    outcome = pipeline.run(manifest)

    assert outcome.status == "FAILED"
    assert isinstance(outcome.exception, InputFilesMissingError)
    assert outcome.exception.context["missing"] == [gone.uri]
    report = pipeline.report(outcome)
    assert report["processing_summary"]["status"] == "failed"
    assert report["error"]["type"] == "InputFilesMissingError"
    assert report["error"]["missing"] == [gone.uri]
    assert gone.uri in report["error"]["message"]
    assert pipeline.output_keys() == []


def test_an_input_overwritten_since_the_manifest_was_built_fails_the_run(pipeline: Pipeline):
    changed = pipeline.put_file(ndjson(records(5)))
    manifest = pipeline.put_manifest([changed])
    pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=changed.key, Body=ndjson(records(6, seed=9)))

    outcome = pipeline.run(manifest)

    assert isinstance(outcome.exception, InputChangedError)
    report = pipeline.report(outcome)
    assert report["error"]["type"] == "InputChangedError"
    assert [c["uri"] for c in report["error"]["changed"]] == [changed.uri]
    assert report["error"]["changed"][0]["expected_etag"] == changed.etag.strip('"')
    assert pipeline.output_keys() == []
    assert pipeline.keys(pipeline.output_bucket) == []


def test_without_etags_a_changed_size_is_caught(pipeline: Pipeline):
    changed = pipeline.put_file(ndjson(records(5)))
    manifest = pipeline.put_manifest([changed], etags=False)
    pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=changed.key, Body=ndjson(records(9)))

    outcome = pipeline.run(manifest)

    assert isinstance(outcome.exception, InputChangedError)


def test_a_missing_manifest_fails_with_a_report(pipeline: Pipeline):
    outcome = pipeline.run((f"s3://{pipeline.manifest_bucket}/manifests/2026-01-30/batch-0009-20260130-000000.json", ""))

    assert isinstance(outcome.exception, ManifestNotFoundError)
    assert pipeline.report(outcome)["error"]["type"] == "ManifestNotFoundError"


def test_a_manifest_of_another_date_than_the_run_argument_fails(pipeline: Pipeline):
    manifest = pipeline.put_manifest([pipeline.put_file(ndjson(records(2)))])

    outcome = pipeline.run(manifest, date="2026-01-31")

    assert isinstance(outcome.exception, ManifestMismatchError)
    assert pipeline.keys(pipeline.output_bucket) == []
