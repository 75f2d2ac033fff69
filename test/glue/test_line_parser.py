"""The JVM line parser (glue/jvm, ndjsonparquet.LineParser) as the job calls it: registered columns come out
typed, everything else tagged in the record, and a job without the parser's jar fails clearly."""

from __future__ import annotations

import pytest

from ndjson_parquet.errors import ParserUnavailableError
from ndjson_parquet.parse import STATUS_EMPTY, STATUS_OK, STATUS_REJECT, TAG, classify_lines, register_parser
from ndjson_parquet.profile import parse_shape

COLUMNS = [("amount", "double"), ("flag", "boolean"), ("name", "string"), ("meta", "json")]


def classify(spark, lines: list[bytes], columns=COLUMNS) -> list[dict]:
    frame = spark.createDataFrame([("f", 0, i, line) for i, line in enumerate(lines)], "_file string, _block long, _pos long, value binary")
    frame = frame.selectExpr("_file", "_block", "_pos", "cast(value as string) as value")
    parser = register_parser(spark, columns)
    rows = classify_lines(frame, parser, len(columns)).orderBy("_pos").collect()
    names = {f"_c{i}": name for i, (name, _) in enumerate(columns)}
    return [{names.get(k, k): v for k, v in r.asDict().items()} for r in rows]


def test_registered_columns_come_out_typed_and_the_rest_stays_tagged_in_the_record(spark):
    lines = [
        b'{"amount": 12.5, "flag": true, "name": "x", "meta": {"k": ["v", 1]}, "extra": "12"}',
        b'{"amount": 7, "flag": false, "name": 12, "meta": "text"}',
        b'{"amount": "n/a", "flag": "yes", "name": {"a": null}, "meta": 3, "Name": "case"}',
        b'{"amount": 9007199254740993, "flag": null, "meta": null}',
    ]

    rows = classify(spark, lines)

    assert [r["_status"] for r in rows] == [STATUS_OK] * 4
    assert [(r["amount"], r["flag"], r["name"], r["meta"]) for r in rows] == [
        (12.5, True, "x", '{"k":["v",1]}'),
        (7.0, False, "12", '"text"'),
        (None, None, '{"a":null}', "3"),
        (None, None, None, None),
    ]
    assert rows[0]["_record"] == {TAG + "extra": TAG + "12"}
    assert rows[1]["_record"] is None
    assert rows[1]["_shape"] is None
    assert rows[3]["_shape"] == "6:amount" + chr(ord("0") + 2 + 32)
    assert rows[2]["_record"] == {TAG + "amount": TAG + "n/a", TAG + "flag": TAG + "yes", TAG + "Name": TAG + "case"}
    assert rows[3]["_record"] == {TAG + "amount": "9007199254740993"}


def test_an_empty_registry_leaves_every_value_tagged(spark):
    rows = classify(spark, [b'{"s": "12", "n": 12, "o": {"k": "v"}, "a": [1.0], "b": false, "z": null}'], columns=[])

    assert rows[0]["_shape"] == "1:a" + chr(ord("0") + 16) + "1:b4" + "1:n2" + "1:o8" + "1:s1" + "1:z0"
    assert rows[0]["_record"] == {
        TAG + "s": TAG + "12",
        TAG + "n": "12",
        TAG + "o": '{"k":"v"}',
        TAG + "a": "[1.0]",
        TAG + "b": "false",
        TAG + "z": None,
    }


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        (b"", STATUS_EMPTY, "empty_line"),
        (b" \t ", STATUS_EMPTY, "empty_line"),
        (b'\xef\xbb\xbf{"name": "bom"}', STATUS_OK, None),
        (b'{"name": "caf\xc3"}', STATUS_REJECT, "invalid_utf8"),
        (b'{"name": "x", "name": "y"}', STATUS_REJECT, "duplicate_keys"),
        (b'{"extra": 1, "extra": 2}', STATUS_REJECT, "duplicate_keys"),
        (b'{"name": "x"', STATUS_REJECT, "invalid_json"),
        (b"{'name': 'x'}", STATUS_REJECT, "invalid_json"),
        (b'{"amount": NaN}', STATUS_REJECT, "invalid_json"),
        (b'{"a": 1} {"b": 2}', STATUS_REJECT, "invalid_json"),
        (b'{"a": 1}, {"b": 2}', STATUS_REJECT, "multiple_values"),
        (b'{"a": 1}] junk', STATUS_REJECT, "invalid_json"),
        (b"[1, 2]", STATUS_REJECT, "top_level_array"),
        (b'"text"', STATUS_REJECT, "top_level_scalar"),
        (b"null", STATUS_REJECT, "top_level_scalar"),
    ],
)
def test_each_kind_of_line_gets_its_status_and_reason(spark, line, status, reason):
    row = classify(spark, [line])[0]

    assert (row["_status"], row["_reason"]) == (status, reason)
    assert (row["_raw"] is not None) == (status != STATUS_OK)
    assert (row["_raw_b64"] is not None) == (reason == "invalid_utf8")


def test_a_session_without_the_parser_jar_fails_naming_the_class(spark):
    with pytest.raises(ParserUnavailableError) as caught:
        register_parser(spark, COLUMNS, parser_class="ndjsonparquet.NoSuchParser")

    assert caught.value.as_dict()["parser_class"] == "ndjsonparquet.NoSuchParser"
    assert "npm run setup" in str(caught.value)


def test_shapes_name_any_key_as_python_reads_it(spark):
    row = classify(spark, ['{"\U0001f600": 1, "k:2": "x", "9": null}'.encode()], columns=[])[0]

    assert sorted(parse_shape(row["_shape"])) == [("9", 0), ("k:2", 1), ("\U0001f600", 2)]


def test_a_declared_column_gets_its_value_as_written_never_through_a_double(spark):
    # Arrange
    columns = [("big", "bigint"), ("amount", "decimal(38,10)"), ("at", "timestamp")]
    lines = [
        b'{"big": 9007199254740993, "amount": 0.1000000000000000055511151231257827, "at": "2026-01-30T10:15:30Z"}',
        b'{"big": {"a": [1]}, "amount": "x", "at": null}',
    ]
    # Act
    rows = classify(spark, lines, columns)
    # Assert
    assert [(r["big"], r["amount"], r["at"]) for r in rows] == [
        ("9007199254740993", "0.1000000000000000055511151231257827", TAG + "2026-01-30T10:15:30Z"),
        ('{"a":[1]}', TAG + "x", None),
    ]
    assert [r["_record"] for r in rows] == [None, None]
