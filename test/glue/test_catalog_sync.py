"""The catalog sync: the Glue table gets every registered column it lacks, keeps the ones it has (never
retyped, never dropped), retries an UpdateTable that lost a race, and a failed sync does not fail the run."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ndjson_parquet.catalog import CatalogSyncError, catalog_type, sync_catalog_table
from ndjson_parquet.schema import RegisteredColumn
from records import ndjson
from support import Pipeline

BOOKKEEPING = [
    {"Name": "_rescued_data", "Type": "map<string,string>"},
    {"Name": "_source_file", "Type": "string"},
    {"Name": "_source_line", "Type": "bigint"},
]


@pytest.fixture
def glue(emulator: str) -> Any:
    return boto3.client("glue")


def new_table(glue: Any, columns: list[dict[str, str]] | None = None) -> tuple[str, str]:
    database = f"db_{secrets.token_hex(4)}"
    columns = columns if columns is not None else list(BOOKKEEPING)
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "merged_parquet",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "PartitionKeys": [{"Name": "date", "Type": "string"}],
            "StorageDescriptor": {"Location": "s3://out/pipeline/output/", "Columns": columns},
        },
    )
    return database, "merged_parquet"


def table_columns(glue: Any, database: str, table: str) -> dict[str, str]:
    got = glue.get_table(DatabaseName=database, Name=table)["Table"]
    return {c["Name"]: c["Type"] for c in got["StorageDescriptor"]["Columns"]}


def registry(**types: str) -> dict[str, RegisteredColumn]:
    return {name.lower(): RegisteredColumn(name, type_, "m-1", "2026-01-01T00:00:00+00:00") for name, type_ in types.items()}


def conflict() -> ClientError:
    return ClientError({"Error": {"Code": "ConcurrentModificationException", "Message": "version mismatch"}}, "UpdateTable")


class RacingGlue:
    """The real client, but another writer adds a column between this one's GetTable and UpdateTable
    `races` times; Glue then refuses the stale VersionId, as here."""

    def __init__(self, glue: Any, database: str, table: str, races: int):
        self.glue, self.database, self.table, self.races = glue, database, table, races
        self.updates: list[dict[str, Any]] = []

    def get_table(self, **kwargs: Any) -> Any:
        return self.glue.get_table(**kwargs)

    def update_table(self, **kwargs: Any) -> Any:
        self.updates.append(kwargs)
        if self.races > 0:
            self.races -= 1
            current = self.glue.get_table(DatabaseName=self.database, Name=self.table)["Table"]
            sd = current["StorageDescriptor"]
            other = {"Name": f"other_{self.races}", "Type": "string"}
            self.glue.update_table(
                DatabaseName=self.database,
                TableInput={"Name": self.table, "StorageDescriptor": {**sd, "Columns": [*sd["Columns"], other]}},
            )
            raise conflict()
        return self.glue.update_table(**kwargs)


def test_catalog_types_follow_the_registry_types():
    assert {t: catalog_type(t) for t in ("string", "double", "boolean", "json", "bigint", "date", "timestamp", "decimal(12,2)")} == {
        "string": "string",
        "double": "double",
        "boolean": "boolean",
        "json": "string",
        "bigint": "bigint",
        "date": "date",
        "timestamp": "timestamp",
        "decimal(12,2)": "decimal(12,2)",
    }
    assert catalog_type("timestamp(epoch_ms)") == "timestamp"
    with pytest.raises(CatalogSyncError):
        catalog_type("float")


def test_adds_the_missing_columns_and_keeps_the_others_in_place(glue: Any):
    database, table = new_table(glue)
    before = glue.get_table(DatabaseName=database, Name=table)["Table"]

    result = sync_catalog_table(glue, database, table, registry(order_id="string", amount="decimal(12,2)", meta="json", qty="bigint"))

    after = glue.get_table(DatabaseName=database, Name=table)["Table"]
    assert list(table_columns(glue, database, table).items()) == [
        *[(c["Name"], c["Type"]) for c in BOOKKEEPING],
        ("amount", "decimal(12,2)"),
        ("meta", "string"),
        ("order_id", "string"),
        ("qty", "bigint"),
    ]
    assert result.added == {"amount": "decimal(12,2)", "meta": "string", "order_id": "string", "qty": "bigint"}
    assert result.conflicts == {}
    assert after["PartitionKeys"] == before["PartitionKeys"]
    assert after["Parameters"] == before["Parameters"]
    assert after["StorageDescriptor"]["Location"] == before["StorageDescriptor"]["Location"]
    assert after["StorageDescriptor"]["Columns"][-1]["Comment"] == "registered as bigint by manifest m-1"


def test_updates_nothing_when_the_table_has_every_column(glue: Any):
    database, table = new_table(glue, [*BOOKKEEPING, {"Name": "Order_ID", "Type": "string"}])
    version = glue.get_table(DatabaseName=database, Name=table)["Table"]["VersionId"]

    result = sync_catalog_table(glue, database, table, registry(order_id="string", date="string"))

    assert result.added == {}
    assert result.attempts == 1
    assert glue.get_table(DatabaseName=database, Name=table)["Table"]["VersionId"] == version


def test_never_retypes_a_column_and_reports_the_conflict(glue: Any, caplog: pytest.LogCaptureFixture):
    database, table = new_table(glue, [*BOOKKEEPING, {"Name": "amount", "Type": "string"}])

    result = sync_catalog_table(glue, database, table, registry(amount="double", coupon="string"))

    assert table_columns(glue, database, table)["amount"] == "string"
    assert table_columns(glue, database, table)["coupon"] == "string"
    assert result.conflicts == {"amount": {"registry": "double", "table": "string"}}
    assert "holds column amount as string, the registry as double" in caplog.text


def test_sends_the_version_it_read_and_rereads_after_a_conflict(glue: Any):
    database, table = new_table(glue)
    racing = RacingGlue(glue, database, table, races=1)
    slept: list[float] = []

    result = sync_catalog_table(racing, database, table, registry(coupon="string"), sleep=slept.append)

    columns = table_columns(glue, database, table)
    assert [u["VersionId"] for u in racing.updates] == ["1", "2"]
    assert "other_0" in columns  # the other writer's column survives the retry
    assert columns["coupon"] == "string"
    assert result.attempts == 2
    assert len(slept) == 1
    assert 0 <= slept[0] <= 0.1


def test_gives_up_after_a_bounded_number_of_conflicts(glue: Any):
    database, table = new_table(glue)
    racing = RacingGlue(glue, database, table, races=10)

    with pytest.raises(CatalogSyncError, match="after 3 attempts"):
        sync_catalog_table(racing, database, table, registry(coupon="string"), sleep=lambda _: None, max_attempts=3)

    assert "coupon" not in table_columns(glue, database, table)


def test_other_update_errors_are_not_retried(glue: Any):
    database, table = new_table(glue)

    class Refusing(RacingGlue):
        def update_table(self, **kwargs: Any) -> Any:
            self.updates.append(kwargs)
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "UpdateTable")

    refusing = Refusing(glue, database, table, races=0)
    with pytest.raises(ClientError):
        sync_catalog_table(refusing, database, table, registry(coupon="string"), sleep=lambda _: None)

    assert len(refusing.updates) == 1


def test_a_run_syncs_the_table_and_a_failed_sync_is_caught_up_by_the_next_run(pipeline: Pipeline, glue: Any):
    database = f"db_{secrets.token_hex(4)}"
    first = pipeline.put_file(ndjson([{"id": "a1", "revenue": 1.5}]))

    # No such table yet: the Parquet is committed all the same and the report says why the sync failed.
    failed = pipeline.run(pipeline.put_manifest([first]), catalog_database=database, catalog_table="merged_parquet")

    assert failed.status == "SUCCEEDED", failed.error
    assert pipeline.report(failed)["catalog"]["status"] == "failed"
    assert pipeline.output_keys()

    database, table = new_table(glue)
    second = pipeline.put_file(ndjson([{"id": "b1", "coupon": "SAVE10"}]))
    synced = pipeline.run(pipeline.put_manifest([second]), catalog_database=database, catalog_table=table)

    assert synced.status == "SUCCEEDED", synced.error
    report = pipeline.report(synced)["catalog"]
    assert report["status"] == "synced"
    assert report["added"] == {"coupon": "string", "id": "string", "revenue": "double"}
    assert table_columns(glue, database, table) == {
        **{c["Name"]: c["Type"] for c in BOOKKEEPING},
        "coupon": "string",
        "id": "string",
        "revenue": "double",
    }


def test_a_reader_gets_every_row_by_the_catalog_tables_columns_across_dates(pipeline: Pipeline, glue: Any):
    """As Athena reads: the table's columns, by name, over every date folder; a field first seen in a later
    manifest (of another date) is a column of the table, NULL in the files written before it."""
    database, table = new_table(glue)
    first = pipeline.put_file(ndjson([{"id": "a1", "revenue": 1.5}, {"id": "a2", "revenue": 2}]), date="2026-01-29")
    second = pipeline.put_file(ndjson([{"id": "b1", "revenue": 3, "coupon": "SAVE10", "meta": {"k": [1]}}]), date="2026-01-30")
    for manifest, date in (
        (pipeline.put_manifest([first], date="2026-01-29"), "2026-01-29"),
        (pipeline.put_manifest([second]), "2026-01-30"),
    ):
        outcome = pipeline.run(manifest, date=date, catalog_database=database, catalog_table=table)
        assert outcome.status == "SUCCEEDED", outcome.error

    got = glue.get_table(DatabaseName=database, Name=table)["Table"]
    ddl = ", ".join(f"`{c['Name']}` {c['Type']}" for c in got["StorageDescriptor"]["Columns"])
    folders = [pipeline.download(pipeline.output_bucket, pipeline.output_keys(date)) for date in ("2026-01-29", "2026-01-30")]
    frame = pipeline.spark.read.schema(ddl).parquet(*[str(f) for f in folders])

    rows = sorted((r.asDict() for r in frame.collect()), key=lambda r: r["id"])
    assert {f.name: f.dataType.simpleString() for f in frame.schema.fields} == {
        "_rescued_data": "map<string,string>",
        "_source_file": "string",
        "_source_line": "bigint",
        "coupon": "string",
        "id": "string",
        "meta": "string",
        "revenue": "double",
    }
    assert [(r["id"], r["revenue"], r["coupon"], r["meta"]) for r in rows] == [
        ("a1", 1.5, None, None),
        ("a2", 2.0, None, None),
        ("b1", 3.0, "SAVE10", '{"k":[1]}'),
    ]
