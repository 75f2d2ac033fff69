"""Strings stay strings whatever the spacing of the JSON and whatever they look like, both on a table's first
manifest (every value goes through the parser's tagged record) and on later ones (values parsed straight
into their registered column types)."""

from __future__ import annotations

import json

from records import ndjson, records
from support import Pipeline

RECORDS = [
    {
        "id": "compact",
        "zip": "02134",
        "num_str": "12",
        "bool_str": "true",
        "obj_str": '{"a":1}',
        "n": 12,
        "b": True,
        "o": {"k": "v", "l": ["x", "y"]},
    },
    {"id": "empty", "zip": "", "num_str": "", "bool_str": "", "obj_str": "", "n": 0, "b": False, "o": {}},
    {
        "id": "false-boundary",
        "zip": 'ends with ":',
        "num_str": '":"',
        "bool_str": "a\\",
        "obj_str": "[",
        "n": -1.5,
        "b": None,
        "o": {'q":': '":'},
    },
    {"id": "keys", "zip": "x", "num_str": "1e3", "bool_str": "null", "obj_str": "]", "n": 1e3, "b": True, "o": {"k\\": "v\\"}},
]


def test_string_values_keep_their_kind_in_compact_and_spaced_json(pipeline: Pipeline):
    compact = "\n".join(json.dumps(r, separators=(",", ":")) for r in RECORDS)
    spaced = "\n".join(json.dumps({**r, "id": r["id"] + "-spaced"}) for r in RECORDS)  # ", " and ": "
    tabbed = json.dumps({**RECORDS[0], "id": "tabbed"}, separators=(",\t", ":\t"))
    comma_spaced = json.dumps({**RECORDS[0], "id": "comma-spaced"}, separators=(", ", ":"))
    colon_spaced = json.dumps({**RECORDS[0], "id": "colon-spaced"}, separators=(",", " : "))
    f = pipeline.put_file("\n".join([compact, spaced, tabbed, comma_spaced, colon_spaced, ""]).encode())

    outcome = pipeline.run(pipeline.put_manifest([f]))

    assert outcome.status == "SUCCEEDED", outcome.error
    assert pipeline.report(outcome)["records"]["rejected"] == 0
    assert pipeline.registry() == {
        "b": "boolean",
        "bool_str": "string",
        "id": "string",
        "n": "double",
        "num_str": "string",
        "o": "json",
        "obj_str": "string",
        "zip": "string",
    }
    rows = {r["id"]: r for r in pipeline.output_rows()}
    extra = [{**RECORDS[0], "id": i} for i in ("tabbed", "comma-spaced", "colon-spaced")]
    for record in RECORDS + extra:
        for suffix in ("", "-spaced") if record in RECORDS else ("",):
            row = rows[record["id"] + suffix]
            for key in ("zip", "num_str", "bool_str", "obj_str"):
                assert row[key] == record[key], (record["id"] + suffix, key)
            assert row["n"] == float(record["n"])
            assert row["b"] == record["b"]
            assert json.loads(row["o"]) == record["o"], (record["id"] + suffix, row["o"])
            assert row["_rescued_data"] is None


def test_a_later_manifest_parsed_into_registered_types_gives_the_rows_of_the_first(pipeline: Pipeline):
    json_string = {"id": "json-string", "o": 'say "hi"\n\u00e9\u2028\t/\\', "n": 2**53, "b": None}
    sample = records(60, seed=3) + RECORDS + [json_string]
    body = ndjson(sample)
    first = pipeline.put_manifest([pipeline.put_file(body, name="first")], seq=1)
    later = pipeline.put_manifest([pipeline.put_file(body, name="later")], seq=2, stamp="20260130-150000")

    outcomes = [pipeline.run(first), pipeline.run(later)]

    assert [o.status for o in outcomes] == ["SUCCEEDED", "SUCCEEDED"], [o.error for o in outcomes]
    assert pipeline.report(outcomes[1])["schema"]["added_to_registry"] == {}
    by_file: dict[str, dict[str, dict]] = {}
    for row in pipeline.output_rows():
        source = row.pop("_source_file").rsplit("-", 1)[1]
        by_file.setdefault(source, {})[row["id"]] = row
    assert len(by_file["first.ndjson"]) == len(sample)
    assert by_file["later.ndjson"] == by_file["first.ndjson"]
