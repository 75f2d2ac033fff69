"""Every kind of bad line: rejected with file, line number and reason (never failing the run, never lost),
or tolerated (BOM, CRLF). A blank line is rejected too (reason empty_line), so that every line read is a
row or a reject, and counted apart in the report."""

from __future__ import annotations

import base64
import json

import pytest

from records import ndjson, records
from support import Pipeline

GOOD = {"id": "good", "n": 1}
# (line content, expected outcome); line numbers are 1-based positions in this list.
LINES: list[tuple[bytes, str]] = [
    (b'{"id":"first","n":1}', "row"),
    (b'{"id":"broken", "n": ', "invalid_json"),
    (b"[1,2,3]", "top_level_array"),
    (b"42", "top_level_scalar"),
    (b'"just a string"', "top_level_scalar"),
    (b"null", "top_level_scalar"),
    (b'{"id":"bad-\xff\xfe-bytes","n":2}', "invalid_utf8"),
    (b"", "empty"),
    (b"   \t ", "empty"),
    (b'{"id":"a","n":3}{"id":"b","n":4}', "invalid_json"),
    (b'{"id":"c","n":5},{"id":"d","n":6}', "multiple_values"),
    (b'{"id":"dup","n":7,"n":8}', "duplicate_keys"),
    (b'{"id":"caf\xc3\xa9 \xf0\x9f\x98\x80","n":9}', "row"),
    (b'{"id":"last", "n": 10, "cut": "off', "truncated_last_line"),
]


@pytest.fixture(scope="module")
def run(spark, emulator, tmp_path_factory):
    pipeline = Pipeline.create(spark, tmp_path_factory.mktemp("bad-lines"))
    bad = pipeline.put_file(b"\n".join(line for line, _ in LINES), name="bad")  # no newline after the last line
    bom = pipeline.put_file(b"\xef\xbb\xbf" + ndjson([{"id": "bom", "n": 11}, {"id": "bom2", "n": 12}]), name="bom")
    crlf = pipeline.put_file(ndjson([{"id": "crlf", "n": 13}, {"id": "crlf2", "n": 14}], newline="\r\n"), name="crlf")
    manifest = pipeline.put_manifest([bad, bom, crlf])
    outcome = pipeline.run(manifest)
    assert outcome.status == "SUCCEEDED", outcome.error
    return {
        "pipeline": pipeline,
        "outcome": outcome,
        "report": pipeline.report(outcome),
        "rows": pipeline.output_rows(),
        "rejects": pipeline.rejects(manifest[1]),
        "bad": bad,
    }


@pytest.mark.parametrize(
    ("line_number", "reason"),
    [(i + 1, "empty_line" if outcome == "empty" else outcome) for i, (_, outcome) in enumerate(LINES) if outcome != "row"],
)
def test_each_bad_line_is_rejected_with_its_file_line_and_reason(run, line_number, reason):
    rejects = {(r["file"], r["line_number"]): r for r in run["rejects"]}

    reject = rejects.get((run["bad"].uri, line_number))

    assert reject is not None, f"line {line_number} not in rejects: {sorted(rejects)}"
    assert reject["reason"] == reason
    assert reject["manifest_id"] == "2026-01-30-batch-0001-20260130-143052"


def test_rejects_keep_the_raw_line_and_exact_bytes_of_invalid_utf8(run):
    by_line = {r["line_number"]: r for r in run["rejects"] if r["file"] == run["bad"].uri}

    assert by_line[2]["raw_line"] == '{"id":"broken", "n": '
    assert by_line[3]["raw_line"] == "[1,2,3]"
    assert "raw_line_base64" not in by_line[2]
    assert base64.b64decode(by_line[7]["raw_line_base64"]) == LINES[6][0]
    assert "\ufffd" in by_line[7]["raw_line"]


def test_rejects_and_rows_are_disjoint_and_cover_every_line(run):
    bad_rows = sorted(r["_source_line"] for r in run["rows"] if r["_source_file"] == run["bad"].uri)
    rejected = sorted(r["line_number"] for r in run["rejects"] if r["file"] == run["bad"].uri)

    expected_rows = [i + 1 for i, (_, o) in enumerate(LINES) if o == "row"]
    expected_rejects = [i + 1 for i, (_, o) in enumerate(LINES) if o != "row"]
    assert bad_rows == expected_rows
    assert rejected == expected_rejects


def test_bom_and_crlf_lines_are_parsed_not_rejected(run):
    ids = {r["id"]: r for r in run["rows"]}

    assert {"bom", "bom2", "crlf", "crlf2"} <= set(ids)
    assert ids["bom"]["_source_line"] == 1
    assert ids["crlf2"]["_source_line"] == 2
    assert not [r for r in run["rejects"] if r["file"] != run["bad"].uri]


def test_unicode_survives_and_nested_duplicate_keys_are_left_to_the_json_text(run):
    ids = {r["id"]: r for r in run["rows"]}

    assert "café 😀" in ids
    assert "dup" not in ids


def test_every_line_read_is_a_row_or_a_reject_per_file_blank_ones_counted_apart(run):
    files = {f["key"]: f for f in run["report"]["files"]}

    bad = files[run["bad"].key]
    assert bad["empty_lines"] == 2
    assert bad["lines_rejected"] == sum(1 for _, o in LINES if o != "row")
    assert bad["rows_written"] == sum(1 for _, o in LINES if o == "row")
    for f in files.values():
        assert f["rows_written"] + f["lines_rejected"] == f["lines_read"]
    assert bad["lines_read"] == len(LINES)


def test_report_counts_rejects_by_reason(run):
    by_reason = run["report"]["rejects"]["by_reason"]

    expected: dict[str, int] = {}
    for _, outcome in LINES:
        if outcome != "row":
            reason = "empty_line" if outcome == "empty" else outcome
            expected[reason] = expected.get(reason, 0) + 1
    assert by_reason == expected
    assert run["report"]["records"]["rejected"] == sum(expected.values())


def test_a_rerun_without_rejects_removes_the_old_rejects_object(spark, pipeline: Pipeline):
    f = pipeline.put_file(ndjson(["{oops", *records(2)]), name="fixme")
    manifest = pipeline.put_manifest([f])
    assert pipeline.run(manifest).status == "SUCCEEDED"
    assert len(pipeline.rejects(manifest[1])) == 1
    pipeline.s3.put_object(Bucket=pipeline.input_bucket, Key=f.key, Body=ndjson(records(3)))
    fixed = pipeline.put_manifest([pipeline_file_like(pipeline, f)])

    outcome = pipeline.run(fixed)

    assert outcome.status == "SUCCEEDED", outcome.error
    assert pipeline.keys(pipeline.output_bucket, "pipeline/rejects/") == []
    assert len(pipeline.output_rows()) == 3


def pipeline_file_like(pipeline: Pipeline, f):
    head = pipeline.s3.head_object(Bucket=pipeline.input_bucket, Key=f.key)
    return type(f)(f.uri, f.key, head["ContentLength"], head["ETag"])


def test_report_is_json_with_the_seed_sections(run):
    report = run["report"]

    assert {"job_info", "processing_summary", "parquet_files", "timestamp"} <= set(report)
    assert json.loads(json.dumps(report)) == report
