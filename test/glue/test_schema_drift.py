"""Schema drift: within one manifest (across files) and across manifests of one date. Types stay stable,
nothing is silently dropped, and all files of a date folder read together."""

from __future__ import annotations

import json

from records import ndjson, records
from support import Pipeline


def parquet_types(pipeline: Pipeline) -> list[dict[str, str]]:
    """Column -> Spark type, for each Parquet file of the date folder read on its own."""
    out = []
    for key in pipeline.output_keys():
        df = pipeline.output_frame(keys=[key])
        out.append({f.name: f.dataType.simpleString() for f in df.schema.fields})
    return out


def test_drift_across_files_of_one_manifest_widens_by_the_fixed_rule(pipeline: Pipeline):
    first = pipeline.put_file(
        ndjson(
            [
                {"id": "a1", "revenue": 0, "meta": 5, "zip": "02134", "code": "12", "page": "/"},
                {"id": "a2", "revenue": 0, "meta": 6, "zip": "10001", "code": "13", "page": "/cart"},
            ]
        )
    )
    second = pipeline.put_file(
        ndjson(
            [
                {"id": "b1", "revenue": 12.5, "meta": {"a": 1, "b": [1, "x"]}, "zip": "94103", "code": "14", "coupon": "SAVE10"},
                {"id": "b2", "revenue": 3, "meta": None, "zip": "60601", "code": "15", "coupon": None},
            ]
        )
    )

    outcome = pipeline.run(pipeline.put_manifest([first, second]))

    assert outcome.status == "SUCCEEDED", outcome.error
    rows = {r["id"]: r for r in pipeline.output_rows()}
    assert pipeline.registry() == {
        "code": "string",
        "coupon": "string",
        "id": "string",
        "meta": "json",
        "page": "string",
        "revenue": "double",
        "zip": "string",
    }
    assert [rows[i]["revenue"] for i in ("a1", "a2", "b1", "b2")] == [0.0, 0.0, 12.5, 3.0]
    assert rows["a1"]["meta"] == "5"
    assert json.loads(rows["b1"]["meta"]) == {"a": 1, "b": [1, "x"]}
    assert rows["b2"]["meta"] is None
    assert rows["a1"]["zip"] == "02134"
    assert rows["a1"]["code"] == "12"
    assert rows["a1"]["coupon"] is None
    assert rows["b1"]["coupon"] == "SAVE10"
    assert rows["b1"]["page"] is None
    assert all(r["_rescued_data"] is None for r in rows.values())


def test_nested_objects_with_varying_keys_are_kept_whole_as_json(pipeline: Pipeline):
    sample = records(40, seed=7)
    f = pipeline.put_file(ndjson(sample))

    outcome = pipeline.run(pipeline.put_manifest([f]))

    assert outcome.status == "SUCCEEDED", outcome.error
    rows = {r["id"]: r for r in pipeline.output_rows()}
    assert pipeline.registry()["custom_data"] == "json"
    assert len({tuple(sorted(r["custom_data"]["feature_flags"])) for r in sample}) > 3
    for record in sample:
        assert json.loads(rows[record["id"]]["custom_data"]) == record["custom_data"]
        assert rows[record["id"]]["revenue"] == float(record["revenue"])


def test_a_later_manifest_of_the_date_keeps_the_registered_types_and_rescues_misfits(pipeline: Pipeline):
    first = pipeline.put_manifest(
        [
            pipeline.put_file(
                ndjson(
                    [
                        {"id": "m1", "revenue": 0, "meta": 1, "flag": True, "userId": "u1"},
                    ]
                )
            )
        ],
        seq=1,
    )
    second = pipeline.put_manifest(
        [
            pipeline.put_file(
                ndjson(
                    [
                        {"id": "m2", "revenue": 12.5, "meta": {"nested": True}, "flag": "yes", "userid": "u2", "new_field": [1, 2]},
                        {"id": "m3", "revenue": "n/a", "meta": 2, "flag": False, "big": 9007199254740993, "bad key": 1},
                        {"id": "m4", "revenue": 7, "meta": 3, "flag": True, "big": 12},
                    ]
                )
            )
        ],
        seq=2,
        stamp="20260130-150000",
    )

    assert pipeline.run(first).status == "SUCCEEDED"
    outcome = pipeline.run(second)

    assert outcome.status == "SUCCEEDED", outcome.error
    rows = {r["id"]: r for r in pipeline.output_rows()}
    registry = pipeline.registry()
    assert (registry["revenue"], registry["meta"], registry["flag"], registry["new_field"], registry["big"]) == (
        "double",
        "double",
        "boolean",
        "json",
        "double",
    )
    assert "userid" not in registry
    assert "bad key" not in registry
    assert (rows["m2"]["revenue"], rows["m2"]["meta"], rows["m2"]["flag"]) == (12.5, None, None)
    assert rows["m2"]["_rescued_data"] == {"meta": '{"nested":true}', "flag": '"yes"', "userid": '"u2"'}
    assert (rows["m3"]["revenue"], rows["m3"]["big"], rows["m3"]["meta"]) == (None, None, 2.0)
    assert rows["m3"]["_rescued_data"] == {"revenue": '"n/a"', "big": "9007199254740993", "bad key": "1"}
    assert (rows["m4"]["big"], rows["m4"]["_rescued_data"]) == (12.0, None)
    assert json.loads(rows["m2"]["new_field"]) == [1, 2]
    report = pipeline.report(outcome)
    assert report["schema"]["rescued_values"] == {"meta": 1, "flag": 1, "userid": 1, "revenue": 1, "big": 1, "bad key": 1}


def test_every_file_of_a_date_has_the_same_type_for_a_column(pipeline: Pipeline):
    for seq, rows in enumerate(
        [
            [{"id": "x", "amount": 0, "tag": "a"}],
            [{"id": "y", "amount": 1.5, "tag": 7}],
            [{"id": "z", "amount": "free", "tag": {"k": "v"}, "extra": True}],
        ],
        start=1,
    ):
        manifest = pipeline.put_manifest([pipeline.put_file(ndjson(rows))], seq=seq, stamp=f"20260130-1{seq}0000")
        assert pipeline.run(manifest).status == "SUCCEEDED"

    per_file = parquet_types(pipeline)

    assert len(per_file) == 3
    for column in ("id", "amount", "tag"):
        assert len({types[column] for types in per_file if column in types}) == 1, column
    assert {t["amount"] for t in per_file} == {"double"}
    merged = {r["id"]: r for r in pipeline.output_rows()}
    assert merged["z"]["_rescued_data"] == {"amount": '"free"'}
    assert merged["y"]["tag"] == "7"
    assert merged["z"]["tag"] == '{"k":"v"}'
