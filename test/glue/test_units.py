"""Pure functions: schema policy, sizing, arguments, manifest parsing, names. No Spark, no emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ndjson_parquet.accounting import Chunk, file_accounts, line_offsets, normalize_path, unescape_glob
from ndjson_parquet.args import OPTIONAL_DEFAULTS, REQUIRED, job_args_from, parse_argv
from ndjson_parquet.errors import JobArgumentsError, ManifestFormatError, ManifestMismatchError
from ndjson_parquet.layout import check_manifest_id, output_folder_uri, part_file_name, rejects_uri
from ndjson_parquet.manifest import check_manifest_matches, parse_manifest
from ndjson_parquet.profile import (
    BIG_INTEGER,
    KIND_ARRAY,
    KIND_BOOLEAN,
    KIND_NUMBER,
    KIND_OBJECT,
    KIND_STRING,
    FieldProfile,
    profiles_from_shapes,
)
from ndjson_parquet.report import report_key
from ndjson_parquet.s3_storage import _escape_glob
from ndjson_parquet.schema import BOOLEAN, DOUBLE, JSON, STRING, RegisteredColumn, plan_schema, propose_columns, type_for_kinds
from ndjson_parquet.sizing import file_count, group_parts

MB = 1024 * 1024
REPO = Path(__file__).resolve().parents[2]


def profile(name: str, kinds: int, big_integers: bool = False, rows: int = 10) -> FieldProfile:
    return FieldProfile(name=name, kinds=kinds, big_integers=big_integers, rows=rows)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (KIND_NUMBER, DOUBLE),
        (KIND_BOOLEAN, BOOLEAN),
        (KIND_STRING, STRING),
        (KIND_NUMBER | KIND_STRING, STRING),
        (KIND_NUMBER | KIND_BOOLEAN, STRING),
        (KIND_OBJECT, JSON),
        (KIND_NUMBER | KIND_OBJECT, JSON),
        (KIND_ARRAY | KIND_STRING, JSON),
        (0, None),
    ],
)
def test_type_follows_from_the_kinds_seen(kinds, expected):
    assert type_for_kinds(kinds) == expected


def test_proposals_skip_registered_invalid_reserved_and_all_null_fields():
    registry = {"revenue": RegisteredColumn("revenue", DOUBLE)}
    profiles = [
        profile("revenue", KIND_STRING),
        profile("user_id", KIND_STRING),
        profile("bad name", KIND_STRING),
        profile("Date", KIND_STRING),
        profile("_source_line", KIND_NUMBER),
        profile("always_null", 0),
        profile("userId", KIND_STRING),
        profile("userid", KIND_STRING),
    ]

    proposed = propose_columns(profiles, registry)

    assert sorted((c.name, c.type) for c in proposed) == [("userId", STRING), ("user_id", STRING)]


def test_proposals_respect_the_column_limit_keeping_the_most_frequent_fields():
    profiles = [profile(f"f{i}", KIND_NUMBER, rows=i) for i in range(5)]

    proposed = propose_columns(profiles, {"x": RegisteredColumn("x", STRING)}, max_columns=3)

    assert sorted(c.name for c in proposed) == ["f3", "f4"]


def test_plan_uses_registered_types_and_rescues_what_does_not_fit():
    registry = {
        "revenue": RegisteredColumn("revenue", DOUBLE),
        "flag": RegisteredColumn("flag", BOOLEAN),
        "note": RegisteredColumn("note", STRING),
        "userid": RegisteredColumn("userid", STRING),
    }
    profiles = [
        profile("revenue", KIND_NUMBER | KIND_STRING),
        profile("flag", KIND_BOOLEAN),
        profile("note", KIND_OBJECT),
        profile("userId", KIND_STRING),
        profile("odd key", KIND_NUMBER),
        profile("big", KIND_NUMBER, big_integers=True),
    ]
    registry["big"] = RegisteredColumn("big", DOUBLE)

    plan = plan_schema(profiles, registry)

    assert {c.name: (c.type, c.exact) for c in plan.columns} == {
        "big": (DOUBLE, False),
        "flag": (BOOLEAN, True),
        "note": (STRING, True),
        "revenue": (DOUBLE, False),
    }
    assert plan.rescued == {
        "big": "values_not_double",
        "revenue": "values_not_double",
        "userId": "case_variant_of_userid",
        "odd key": "name_not_a_column",
    }


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], []),
        (
            [("2:id1" + "7:revenue2", 5), ("2:id1" + "7:revenue" + chr(ord("0") + (KIND_NUMBER | BIG_INTEGER)) + "4:tags@", 2)],
            [("id", KIND_STRING, False, 7), ("revenue", KIND_NUMBER, True, 7), ("tags", KIND_ARRAY, False, 2)],
        ),
        ([("3:a:b1" + "2:9:0", 1), ("3:a:b2", 4)], [("9:", 0, False, 1), ("a:b", KIND_STRING | KIND_NUMBER, False, 5)]),
        ([("1:\U0001f600H" + "4:café4", 3)], [("café", KIND_BOOLEAN, False, 3), ("\U0001f600", KIND_OBJECT | KIND_ARRAY, False, 3)]),
    ],
)
def test_profiles_add_up_the_parser_shapes(counts, expected):
    profiles = profiles_from_shapes(counts)

    assert [(p.name, p.kinds, p.big_integers, p.rows) for p in profiles] == expected


def test_plan_takes_typed_columns_from_the_parser_and_rescues_what_it_left_untyped():
    registry = {
        "revenue": RegisteredColumn("revenue", DOUBLE),
        "name": RegisteredColumn("name", STRING),
        "gone": RegisteredColumn("gone", STRING),
        "fresh": RegisteredColumn("fresh", BOOLEAN),
    }
    slots = {"gone": 0, "name": 1, "revenue": 2}
    untyped = [profile("revenue", KIND_STRING), profile("fresh", KIND_BOOLEAN), profile("Name", KIND_STRING)]

    plan = plan_schema(untyped, registry, slots, frozenset({"name"}))

    assert [(c.name, c.type, c.slot) for c in plan.columns] == [("fresh", BOOLEAN, None), ("name", STRING, 1), ("revenue", DOUBLE, 2)]
    assert plan.rescued == {"revenue": "values_not_double", "Name": "case_variant_of_name"}


@pytest.mark.parametrize(
    ("sizes", "target", "expected"),
    [
        ([100], 256 * MB, [[0]]),
        ([10, 10, 10, 10], 256 * MB, [[0, 1, 2, 3]]),
        ([100 * MB] * 6, 256 * MB, [[0, 1, 2], [3, 4, 5]]),
        ([100 * MB] * 3, 100 * MB, [[0], [1], [2]]),
        ([1, 1], 1, [[0], [1]]),
        ([], 256 * MB, []),
    ],
)
def test_parts_are_grouped_into_files_of_about_the_target_size(sizes, target, expected):
    assert group_parts(sizes, target) == expected


def test_a_small_output_is_always_one_file():
    assert file_count(5 * MB, 256 * MB, parts=8) == 1
    assert file_count(1000 * MB, 256 * MB, parts=8) == 4


def test_arguments_parse_glue_style_argv_with_defaults():
    argv = [
        "script.py",
        "--JOB_NAME",
        "job",
        "--manifest_path",
        "s3://m/manifests/2026-01-30/batch-0001-20260130-143052.json",
        "--date_prefix=2026-01-30",
        "--output_bucket",
        "out",
        "--manifest_bucket",
        "man",
        "--number_of_workers",
        "2",
    ]

    args = job_args_from(parse_argv(argv))

    assert (args.output_prefix, args.rejects_prefix, args.compression, args.target_file_mb) == (
        "pipeline/output/",
        "pipeline/rejects/",
        "zstd",
        256,
    )
    assert args.number_of_workers == 2
    assert args.date_prefix == "2026-01-30"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"compression": "lz4"}, "--compression"),
        ({"target_file_mb": "0"}, "--target_file_mb"),
        ({"date_prefix": "30-01-2026"}, "--date_prefix"),
        ({"manifest_path": "/local/file"}, "--manifest_path"),
        ({"output_bucket": ""}, "--output_bucket"),
        ({"dpu_hour_usd": "-0.44"}, "--dpu_hour_usd"),
        ({"dpu_hour_usd": "free"}, "--dpu_hour_usd"),
        ({"dpu_hour_usd": "nan"}, "--dpu_hour_usd"),
    ],
)
def test_bad_arguments_raise_a_typed_error_naming_the_argument(override, message):
    options = {
        "JOB_NAME": "j",
        "manifest_path": "s3://m/x.json",
        "date_prefix": "2026-01-30",
        "output_bucket": "o",
        "manifest_bucket": "m",
        **override,
    }

    with pytest.raises(JobArgumentsError, match=message):
        job_args_from(options)


def test_the_job_reads_every_argument_the_stack_passes_and_nothing_else():
    # The stack's DefaultArguments (shared with the local runtime, and the job's own) and the state machine's
    # per-run Arguments, as the TypeScript spells them.
    sources = [
        "handlers/orchestration/glueArguments.ts",
        "pulumi/components/glueJob.ts",
        "handlers/orchestration/stateMachineDefinition.ts",
    ]
    passed = {name for source in sources for name in re.findall(r"'--(\w+)(?:\.\$)?':", (REPO / source).read_text())}
    glue_adds = {"JOB_NAME", "JOB_RUN_ID"}
    glue_reads = {"TempDir"}

    assert passed - glue_reads == {*REQUIRED, *OPTIONAL_DEFAULTS} - glue_adds


def manifest_doc(**meta_overrides):
    files = [{"key": "pipeline/input/2026-01-30-a.ndjson", "size_bytes": 10, "etag": '"abc"'}]
    return {
        "fileLocations": [{"URIPrefixes": ["s3://in/pipeline/input/2026-01-30-a.ndjson"]}],
        "metadata": {
            "date_prefix": "2026-01-30",
            "manifest_id": "2026-01-30-batch-0001-20260130-143052",
            "manifest_name": "batch-0001-20260130-143052.json",
            "batch_seq": 1,
            "file_count": 1,
            "total_bytes": 10,
            "created_at": "x",
            "files": files,
            **meta_overrides,
        },
    }


def test_manifest_parses_the_batcher_format_and_unquotes_etags():
    manifest = parse_manifest(json.dumps(manifest_doc()).encode(), "s3://m/manifests/2026-01-30/batch-0001-20260130-143052.json")

    assert manifest.manifest_id == "2026-01-30-batch-0001-20260130-143052"
    assert [(f.bucket, f.key, f.size_bytes, f.etag) for f in manifest.files] == [("in", "pipeline/input/2026-01-30-a.ndjson", 10, "abc")]


@pytest.mark.parametrize(
    "doc",
    [
        b"not json",
        b"[]",
        json.dumps(manifest_doc(files=[])).encode(),
        json.dumps(manifest_doc(date_prefix=None)).encode(),
        json.dumps(manifest_doc(files=[{"key": "other", "size_bytes": 1}])).encode(),
    ],
)
def test_malformed_manifests_raise_manifest_format_error(doc):
    with pytest.raises(ManifestFormatError):
        parse_manifest(doc, "s3://m/x.json")


def test_manifest_must_match_the_run_arguments_and_hold_one_date():
    manifest = parse_manifest(json.dumps(manifest_doc()).encode(), "s3://m/x.json")

    with pytest.raises(ManifestMismatchError, match="date"):
        check_manifest_matches(manifest, "2026-01-31", "")
    with pytest.raises(ManifestMismatchError, match="id"):
        check_manifest_matches(manifest, "2026-01-30", "2026-01-30-batch-0002-20260130-143052")
    other = manifest_doc()
    other["fileLocations"][0]["URIPrefixes"] = ["s3://in/pipeline/input/2026-01-31-a.ndjson"]
    other["metadata"]["files"][0]["key"] = "pipeline/input/2026-01-31-a.ndjson"
    with pytest.raises(ManifestMismatchError, match="another date"):
        check_manifest_matches(parse_manifest(json.dumps(other).encode(), "s3://m/x.json"), "2026-01-30", "")


def test_names_are_date_only_folders_and_manifest_keyed_files():
    assert output_folder_uri("out", "pipeline/output/", "2026-01-30") == "s3://out/pipeline/output/merged-parquet-2026-01-30/"
    assert (
        part_file_name("2026-01-30-batch-0001-20260130-143052", 0, "zstd") == "2026-01-30-batch-0001-20260130-143052-part-0000.zstd.parquet"
    )
    assert rejects_uri("out", "pipeline/rejects/", "2026-01-30", "m1") == "s3://out/pipeline/rejects/2026-01-30/m1.ndjson"
    with pytest.raises(ManifestFormatError):
        check_manifest_id("../escape")


def test_report_key_has_the_seed_format():
    from datetime import datetime, timezone

    key = report_key(datetime(2026, 1, 30, 8, 50, 37, tzinfo=timezone.utc), "41b3d8bd")

    assert key == "logs/glue/2026-01-30-T085037-41b3d8bd-0001.json"


def test_line_numbers_continue_across_the_splits_of_one_file():
    chunks = [
        Chunk("file:/w/in/f00000.ndjson", 134217728, lines=5, first_pos=8589934592, ok=5, empty=0, rejected=0),
        Chunk("file:///w/in/f00000.ndjson", 0, lines=7, first_pos=0, ok=6, empty=1, rejected=0),
        Chunk("file:/w/in/f00001.ndjson", 0, lines=3, first_pos=7, ok=2, empty=0, rejected=1),
    ]

    offsets = {(o.file, o.block): o for o in line_offsets(chunks, ["/w/in/f00000.ndjson", "/w/in/f00001.ndjson"])}
    accounts = file_accounts(chunks, list(offsets.values()), [("s3://b/a", "a", 1), ("s3://b/b", "b", 2)])

    assert offsets[("file:///w/in/f00000.ndjson", 0)].line_offset == 1
    assert 8589934592 + offsets[("file:/w/in/f00000.ndjson", 134217728)].line_offset == 8
    assert 7 + offsets[("file:/w/in/f00001.ndjson", 0)].line_offset == 1
    assert [(a.lines_read, a.rows_written, a.empty_lines, a.lines_rejected) for a in accounts] == [(12, 11, 1, 1), (3, 2, 0, 1)]


def test_keys_with_glob_characters_are_escaped_for_spark_and_matched_back():
    uri = "s3://in/pipeline/input/2026-01-30-a[1]{x}*.ndjson"

    assert unescape_glob(_escape_glob(uri)) == uri
    assert normalize_path("s3a://in/pipeline/input/2026-01-30-a%5B1%5D%7Bx%7D*.ndjson") == uri
