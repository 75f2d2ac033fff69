"""Declared columns (schema.columns, --declared_columns): registered before any data, values converted to
the declared type, what does not fit rescued, and the Parquet physical types a reader sees."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from records import ndjson
from support import Pipeline

DECLARED = {
    "items_viewed": "bigint",
    "amount": "decimal(12,2)",
    "shipped_at": "timestamp",
    "sent_ms": "timestamp(epoch_ms)",
    "sent_s": "timestamp(epoch_s)",
    "day": "date",
    "ok": "boolean",
    "score": "double",
    "label": "string",
    "extra": "json",
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def run_declared(pipeline: Pipeline, lines: list, declared: dict[str, str] = DECLARED):
    pipeline.defaults["declared_columns"] = json.dumps(declared, separators=(",", ":"))
    outcome = pipeline.run(pipeline.put_manifest([pipeline.put_file(ndjson(lines))]))
    assert outcome.status == "SUCCEEDED", outcome.error
    return outcome


def parquet_columns(pipeline: Pipeline) -> dict[str, str]:
    """Column -> its Parquet physical type and logical annotation, read from the written file's footer."""
    [key] = pipeline.output_keys()
    folder = pipeline.download(pipeline.output_bucket, [key])
    path = str(next(folder.iterdir()))
    jvm = pipeline.spark.sparkContext._jvm
    conf = pipeline.spark.sparkContext._jsc.hadoopConfiguration()
    footer = jvm.org.apache.parquet.hadoop.ParquetFileReader.readFooter(conf, jvm.org.apache.hadoop.fs.Path(path))
    schema = footer.getFileMetaData().getSchema()
    out = {}
    for i in range(schema.getFieldCount()):
        field = schema.getType(i)
        if field.isPrimitive():
            annotation = field.getLogicalTypeAnnotation()
            out[field.getName()] = f"{field.asPrimitiveType().getPrimitiveTypeName()} {'' if annotation is None else annotation}".strip()
    return out


def test_declared_types_are_registered_first_and_converted(pipeline: Pipeline):
    # Arrange
    line = (
        '{"id":"a","items_viewed":9007199254740993,"amount":1234567890.12,"shipped_at":"2026-01-30T10:15:30.123456+02:00",'
        '"sent_ms":1769768130123,"sent_s":1769768130.5,"day":"2026-01-30","ok":true,"score":3,"label":"x","extra":{"k":[1]}}'
    )
    # Act
    outcome = run_declared(pipeline, [line])
    # Assert
    [row] = pipeline.output_rows()
    assert pipeline.registry() == {**{n: t.split("(epoch")[0] for n, t in DECLARED.items()}, "id": "string"}
    assert row["items_viewed"] == 9007199254740993  # beyond 2^53: a double would read ...992
    assert row["amount"] == Decimal("1234567890.12")
    assert row["shipped_at"].astimezone(timezone.utc) == utc(2026, 1, 30, 8, 15, 30, 123456)
    assert row["sent_ms"].astimezone(timezone.utc) == utc(2026, 1, 30, 10, 15, 30, 123000)
    assert row["sent_s"].astimezone(timezone.utc) == utc(2026, 1, 30, 10, 15, 30, 500000)
    assert str(row["day"]) == "2026-01-30"
    assert (row["ok"], row["score"], row["label"], json.loads(row["extra"])) == (True, 3.0, "x", {"k": [1]})
    assert row["_rescued_data"] is None
    assert pipeline.report(outcome)["schema"]["added_to_registry"]["items_viewed"] == "bigint"


def test_written_parquet_holds_int64_decimal_and_utc_timestamps(pipeline: Pipeline):
    # Arrange
    line = {"items_viewed": 3, "amount": 19.99, "shipped_at": "2026-01-30T10:15:30Z", "day": "2026-01-30"}
    # Act
    run_declared(pipeline, [line], {"items_viewed": "bigint", "amount": "decimal(12,2)", "shipped_at": "timestamp", "day": "date"})
    # Assert
    types = parquet_columns(pipeline)
    assert types["items_viewed"] == "INT64"
    assert types["amount"].startswith("INT64 DECIMAL(12,2)")
    assert types["shipped_at"] == "INT64 TIMESTAMP(MICROS,true)"
    assert types["day"] == "INT32 DATE"


def test_timestamps_are_normalised_to_utc_whatever_the_offset_or_fraction(pipeline: Pipeline):
    # Arrange
    texts = [
        "2026-01-30T10:15:30Z",
        "2026-01-30T10:15:30",
        "2026-01-30 10:15:30",
        "2026-01-30T12:15:30+02:00",
        "2026-01-30T05:15:30-05:00",
        "2026-01-30T10:15:30.000Z",
    ]
    extra = [
        {"n": 99, "shipped_at": "2026-01-30T10:15:30.1234567Z"},
        {"n": 100, "shipped_at": "2026-01-30T10:15Z"},
        {"n": 101, "shipped_at": "2026-01-30T10:15:30+0200"},
        {"n": 102, "shipped_at": "2026-01-30T25:15:30Z"},
    ]
    lines = [{"n": i, "shipped_at": t} for i, t in enumerate(texts)] + extra
    # Act
    run_declared(pipeline, lines, {"shipped_at": "timestamp"})
    # Assert
    rows = {r["n"]: r for r in pipeline.output_rows()}
    assert [rows[i]["shipped_at"].astimezone(timezone.utc) for i in range(len(texts))] == [utc(2026, 1, 30, 10, 15, 30)] * len(texts)
    assert all(rows[i]["_rescued_data"] is None for i in range(len(texts)))
    # Seconds and the offset's colon are required (ISO-8601 extended form); an hour 25 is no time.
    assert {n: rows[n]["_rescued_data"] for n in (100, 101, 102)} == {
        100: {"shipped_at": '"2026-01-30T10:15Z"'},
        101: {"shipped_at": '"2026-01-30T10:15:30+0200"'},
        102: {"shipped_at": '"2026-01-30T25:15:30Z"'},
    }
    # A fraction finer than Parquet's microseconds is truncated, not rescued.
    assert rows[99]["shipped_at"].astimezone(timezone.utc) == utc(2026, 1, 30, 10, 15, 30, 123456)


def test_values_a_declared_column_cannot_hold_are_rescued_never_failing_the_run(pipeline: Pipeline):
    # Arrange
    misfits = [
        {"n": 1, "items_viewed": 2.5},
        {"n": 2, "items_viewed": 9223372036854775808},
        {"n": 3, "items_viewed": "12"},
        {"n": 4, "amount": 12345678901.5},
        {"n": 5, "amount": 1.005},
        '{"n":6,"amount":1e3}',
        {"n": 7, "shipped_at": "yesterday"},
        {"n": 8, "shipped_at": 1769768130},
        {"n": 9, "sent_ms": "2026-01-30T10:15:30Z"},
        {"n": 10, "sent_ms": 1.5},
        {"n": 11, "day": "2026-02-30"},
        {"n": 12, "day": "30/01/2026"},
        {"n": 13, "sent_s": 1769768130.1234567},
        {"n": 14, "items_viewed": {"a": 1}},
    ]
    fits = [{"n": 20, "items_viewed": -9223372036854775808, "amount": 9999999999.99, "day": "2024-02-29", "sent_s": 0}]
    # Act
    outcome = run_declared(pipeline, misfits + fits)
    # Assert
    rows = {r["n"]: r for r in pipeline.output_rows()}
    rescued = {n: rows[n]["_rescued_data"] for n in range(1, 15)}
    assert rescued == {
        1: {"items_viewed": "2.5"},
        2: {"items_viewed": "9223372036854775808"},
        3: {"items_viewed": '"12"'},
        4: {"amount": "12345678901.5"},
        5: {"amount": "1.005"},
        6: {"amount": "1e3"},
        7: {"shipped_at": '"yesterday"'},
        8: {"shipped_at": "1769768130"},
        9: {"sent_ms": '"2026-01-30T10:15:30Z"'},
        10: {"sent_ms": "1.5"},
        11: {"day": '"2026-02-30"'},
        12: {"day": '"30/01/2026"'},
        13: {"sent_s": "1769768130.1234567"},
        14: {"items_viewed": '{"a":1}'},
    }
    assert all(rows[n]["items_viewed"] is None and rows[n]["amount"] is None for n in range(1, 15))
    assert rows[20]["_rescued_data"] is None
    assert (rows[20]["items_viewed"], rows[20]["amount"], str(rows[20]["day"])) == (
        -9223372036854775808,
        Decimal("9999999999.99"),
        "2024-02-29",
    )
    assert rows[20]["sent_s"].astimezone(timezone.utc) == utc(1970, 1, 1)
    assert pipeline.report(outcome)["schema"]["rescued_values"]["items_viewed"] == 4


def test_exact_integers_beyond_2_pow_53_stay_exact_in_a_bigint_column(pipeline: Pipeline):
    # Arrange
    values = [2**53 + 1, 2**62 + 7, -(2**63), 2**63 - 1, 12345678901234567]
    # Act
    run_declared(pipeline, [f'{{"n":{i},"big":{v}}}' for i, v in enumerate(values)], {"big": "bigint"})
    # Assert
    rows = {r["n"]: r for r in pipeline.output_rows()}
    assert [rows[i]["big"] for i in range(len(values))] == values


def test_a_declaration_that_retypes_a_registered_column_fails_the_run_before_writing(pipeline: Pipeline):
    # Arrange
    first = pipeline.run(pipeline.put_manifest([pipeline.put_file(ndjson([{"items_viewed": 3}]))], seq=1))
    assert first.status == "SUCCEEDED", first.error
    before = pipeline.output_keys()
    pipeline.defaults["declared_columns"] = json.dumps({"items_viewed": "bigint"})
    # Act
    outcome = pipeline.run(pipeline.put_manifest([pipeline.put_file(ndjson([{"items_viewed": 4}]))], seq=2))
    # Assert
    assert outcome.status == "FAILED"
    error = pipeline.report(outcome)["error"]
    assert error["type"] == "DeclaredColumnConflictError"
    assert error["conflicts"] == {"items_viewed": {"declared": "bigint", "registered": "items_viewed double"}}
    assert "Declare a new field name to add a column" in error["message"]
    assert "new table" in error["message"]
    assert pipeline.output_keys() == before
    assert pipeline.registry() == {"items_viewed": "double"}


def test_a_declaration_may_add_columns_to_a_registered_table(pipeline: Pipeline):
    # Arrange
    first = pipeline.run(pipeline.put_manifest([pipeline.put_file(ndjson([{"id": "a", "items_viewed": 3}]))], seq=1))
    assert first.status == "SUCCEEDED", first.error
    pipeline.defaults["declared_columns"] = json.dumps({"items_viewed": "double", "order_id": "bigint"})
    # Act
    outcome = pipeline.run(pipeline.put_manifest([pipeline.put_file(ndjson([{"id": "b", "items_viewed": 4, "order_id": 5}]))], seq=2))
    # Assert
    assert outcome.status == "SUCCEEDED", outcome.error
    assert pipeline.registry() == {"id": "string", "items_viewed": "double", "order_id": "bigint"}
    rows = {r["id"]: r for r in pipeline.output_rows()}
    assert (rows["b"]["items_viewed"], rows["b"]["order_id"]) == (4.0, 5)


def test_undeclared_fields_keep_the_inferred_types_beside_declared_ones(pipeline: Pipeline):
    # Arrange
    lines = [{"items_viewed": 3, "count": 3, "when": "2026-01-30T10:15:30Z"}]
    # Act
    run_declared(pipeline, lines, {"items_viewed": "bigint"})
    # Assert
    [row] = pipeline.output_rows()
    assert pipeline.registry() == {"count": "double", "items_viewed": "bigint", "when": "string"}
    assert (row["items_viewed"], row["count"], row["when"]) == (3, 3.0, "2026-01-30T10:15:30Z")
