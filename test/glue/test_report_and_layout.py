"""The report's fields and line accounting, output sizing (a small manifest gives one file) and the
date-only output folder."""

from __future__ import annotations

import re
from collections import Counter

from records import ndjson, records
from support import Pipeline


def test_report_has_the_seed_fields_and_accounts_for_every_line_per_file(pipeline: Pipeline):
    good = pipeline.put_file(ndjson(records(40, seed=1)))
    mixed = pipeline.put_file(ndjson([*records(25, seed=2), "", "{nope", "7", ""]))
    empty = pipeline.put_file(b"")
    manifest = pipeline.put_manifest([good, mixed, empty])

    outcome = pipeline.run(manifest)

    assert outcome.status == "SUCCEEDED", outcome.error
    assert re.fullmatch(r"logs/glue/\d{4}-\d{2}-\d{2}-T\d{6}-[0-9a-f]{8}-0001\.json", outcome.report_key or "")
    report = pipeline.report(outcome)
    assert report["job_info"] == {
        "job_name": "ndjson-parquet-test",
        "job_run_id": outcome.job_run_id,
        "glue_version": "5.0",
        "worker_type": "G.1X",
        "number_of_workers": 2,
    }
    summary = report["processing_summary"]
    assert summary["status"] == "success"
    assert summary["records_processed"] == 40 + 25 + 2
    assert summary["parquet_files_created"] == 1 == len(report["parquet_files"])
    assert summary["input_size_mb"] > 0
    assert summary["output_size_mb"] > 0
    assert summary["execution_time_seconds"] > 0
    assert summary["compression_ratio"] == round(report["bytes"]["input"] / report["bytes"]["output"], 2)
    assert report["manifest"]["id"] == manifest[1]
    assert report["manifest"]["path"] == manifest[0]
    assert report["date"] == "2026-01-30"
    assert report["records"] == {"read": 40 + 29, "written": 65, "rejected": 4, "empty_lines": 2}
    assert report["bytes"]["input"] == good.size + mixed.size
    assert {"manifest", "verify_inputs", "stage_in", "parse", "schema", "write", "merge", "rejects", "commit"} <= set(
        report["durations_seconds"]
    )
    assert report["error"] is None

    files = {f["key"]: f for f in report["files"]}
    written_per_file = Counter(r["_source_file"] for r in pipeline.output_rows())
    assert (files[good.key]["lines_read"], files[good.key]["rows_written"]) == (40, 40)
    assert (
        files[mixed.key]["lines_read"],
        files[mixed.key]["rows_written"],
        files[mixed.key]["lines_rejected"],
        files[mixed.key]["empty_lines"],
    ) == (29, 25, 4, 2)
    assert files[empty.key] == {
        "key": empty.key,
        "uri": empty.uri,
        "bytes": 0,
        "lines_read": 0,
        "rows_written": 0,
        "lines_rejected": 0,
        "empty_lines": 0,
    }
    for f in report["files"]:
        assert f["rows_written"] + f["lines_rejected"] == f["lines_read"]
        assert written_per_file.get(f["uri"], 0) == f["rows_written"]
    parquet = report["parquet_files"][0]
    head = pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key=parquet["path"].split("/", 3)[3])
    assert parquet["size_bytes"] == head["ContentLength"]
    assert parquet["record_count"] == 65


def test_source_lines_point_back_at_the_input_line(pipeline: Pipeline):
    sample = records(30, seed=5)
    f = pipeline.put_file(ndjson([*sample[:10], "", *sample[10:]]))

    pipeline.run(pipeline.put_manifest([f]))

    rows = {r["id"]: r for r in pipeline.output_rows()}
    assert [rows[r["id"]]["_source_line"] for r in sample] == list(range(1, 11)) + list(range(12, 32))
    assert {r["_source_file"] for r in rows.values()} == {f.uri}
    assert {r["date"] for r in rows.values()} == {"2026-01-30"}


def test_a_small_manifest_of_many_files_gives_one_parquet_file_in_a_date_only_folder(pipeline: Pipeline):
    files = [pipeline.put_file(ndjson(records(15, seed=i))) for i in range(8)]

    outcome = pipeline.run(pipeline.put_manifest(files))

    keys = pipeline.keys(pipeline.output_bucket, "pipeline/output/")
    assert keys == [
        "pipeline/output/_schema/columns.json",
        "pipeline/output/merged-parquet-2026-01-30/2026-01-30-batch-0001-20260130-143052-part-0000.zstd.parquet",
    ]
    assert pipeline.report(outcome)["parquet_files"][0]["record_count"] == 120
    assert sum(1 for _ in pipeline.output_rows()) == 120


def test_a_bigger_output_is_split_into_files_of_about_the_target_size(pipeline: Pipeline):
    files = [pipeline.put_file(ndjson(records(300, seed=i))) for i in range(4)]

    outcome = pipeline.run(pipeline.put_manifest(files), target_file_mb=0.01, compression="snappy")

    report = pipeline.report(outcome)
    sizes = [p["size_bytes"] for p in report["parquet_files"]]
    assert len(sizes) >= 2
    assert all(k.endswith(".snappy.parquet") for k in pipeline.output_keys())
    assert sum(p["record_count"] for p in report["parquet_files"]) == 1200 == len(pipeline.output_rows())


def test_output_folder_carries_the_manifest_date_only(pipeline: Pipeline):
    f = pipeline.put_file(ndjson(records(3, date="2026-02-01")), date="2026-02-01")

    outcome = pipeline.run(
        pipeline.put_manifest([f], date="2026-02-01", stamp="20260201-235959"), date="2026-02-01", output_prefix="custom/out"
    )

    assert outcome.status == "SUCCEEDED", outcome.error
    folders = {k.split("/")[2] for k in pipeline.keys(pipeline.output_bucket, "custom/out/") if "merged-parquet" in k}
    assert folders == {"merged-parquet-2026-02-01"}
