"""The catalog sync: the Glue Data Catalog table (Athena's view of the output) gets every registered column
it lacks, with the registry's type mapped to a catalog type. It only ever adds: a column the table already
has keeps its type even when the registry disagrees (that is reported, never changed), and nothing is
dropped. The update is optimistic: UpdateTable carries the VersionId read by GetTable, and Glue refuses it
with ConcurrentModificationException when another writer updated the table in between
(https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateTable.html); the loser re-reads and retries.
Each sync adds every registry column the table lacks, not only this run's, so a run whose sync failed is
caught up by the next one."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import JobError
from .schema import RegisteredColumn

log = logging.getLogger("ndjson_parquet")

MAX_ATTEMPTS = 6
# The TableInput fields of a table read by GetTable (https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html);
# the rest of GetTable's answer (DatabaseName, CreateTime, VersionId, CatalogId, ...) is read-only.
TABLE_INPUT_FIELDS = (
    "Name",
    "Description",
    "Owner",
    "LastAccessTime",
    "LastAnalyzedTime",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "ViewOriginalText",
    "ViewExpandedText",
    "TableType",
    "Parameters",
    "TargetTable",
)
_SIMPLE = {
    "string": "string",
    "double": "double",
    "boolean": "boolean",
    "json": "string",  # JSON text in a string column
    "bigint": "bigint",
    "date": "date",
    "timestamp": "timestamp",
}
_DECIMAL = re.compile(r"^decimal\(\d+,\d+\)$")
_TIMESTAMP = re.compile(r"^timestamp\((epoch_s|epoch_ms)\)$")


class CatalogSyncError(JobError):
    """The catalog table could not be brought in step with the registry."""


def catalog_type(registry_type: str) -> str:
    """The Athena/Glue type of a registry type (the same table as contracts/catalogTable.ts catalogType)."""
    if registry_type in _SIMPLE:
        return _SIMPLE[registry_type]
    if _DECIMAL.match(registry_type):
        return registry_type
    if _TIMESTAMP.match(registry_type):
        return "timestamp"
    raise CatalogSyncError(f"no catalog type for registry type {registry_type!r}", type=registry_type)


def _normal(type_text: str) -> str:
    return re.sub(r"\s+", "", type_text).lower()


@dataclass
class CatalogSync:
    """What one sync did, for the run report."""

    database: str
    table: str
    added: dict[str, str] = field(default_factory=dict)  # column -> catalog type
    # Columns the table holds with another type than the registry's: {column: {"registry", "table"}}.
    conflicts: dict[str, dict[str, str]] = field(default_factory=dict)
    attempts: int = 0
    version: str | None = None  # the table version this sync wrote, or found current

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "synced",
            "database": self.database,
            "table": self.table,
            "added": self.added,
            "conflicts": self.conflicts,
            "attempts": self.attempts,
            "version": self.version,
        }


def _comment(column: RegisteredColumn) -> str:
    return f"registered as {column.type} by manifest {column.added_by}" if column.added_by else f"registered as {column.type}"


def _error_code(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _missing_columns(
    got: Mapping[str, Any], wanted: list[RegisteredColumn]
) -> tuple[list[dict[str, str]], dict[str, str], dict[str, dict[str, str]]]:
    """The table's columns with the missing ones appended, what was added, and the type conflicts."""
    columns = list(got.get("StorageDescriptor", {}).get("Columns", []))
    present = {c["Name"].lower(): c for c in [*columns, *got.get("PartitionKeys", [])]}
    added: dict[str, str] = {}
    conflicts: dict[str, dict[str, str]] = {}
    for column in wanted:
        mapped = catalog_type(column.type)
        existing = present.get(column.name.lower())
        if existing is None:
            added[column.name] = mapped
            columns.append({"Name": column.name, "Type": mapped, "Comment": _comment(column)})
        elif _normal(existing.get("Type", "")) != _normal(mapped):
            conflicts[column.name] = {"registry": column.type, "table": existing.get("Type", "")}
    return columns, added, conflicts


def _update_request(database: str, got: Mapping[str, Any], columns: list[dict[str, str]]) -> dict[str, Any]:
    table_input = {k: got[k] for k in TABLE_INPUT_FIELDS if k in got}
    table_input["StorageDescriptor"] = {**got.get("StorageDescriptor", {}), "Columns": columns}
    request: dict[str, Any] = {"DatabaseName": database, "TableInput": table_input}
    if got.get("VersionId"):
        request["VersionId"] = got["VersionId"]
    return request


def sync_catalog_table(
    glue: Any,
    database: str,
    table: str,
    registry: Mapping[str, RegisteredColumn],
    *,
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = MAX_ATTEMPTS,
) -> CatalogSync:
    """Adds every registry column the table lacks (names match case-insensitively, as in Athena)."""
    result = CatalogSync(database, table)
    wanted = sorted(registry.values(), key=lambda c: c.name)
    for attempt in range(max_attempts):
        result.attempts = attempt + 1
        got = glue.get_table(DatabaseName=database, Name=table)["Table"]
        columns, added, result.conflicts = _missing_columns(got, wanted)
        result.version = got.get("VersionId")
        if added:
            try:
                glue.update_table(**_update_request(database, got, columns))
            except Exception as err:
                if _error_code(err) != "ConcurrentModificationException":
                    raise
                log.info("catalog table %s.%s changed since version %s was read; re-reading", database, table, result.version)
                sleep(min(2.0, 0.1 * 2**attempt) * random.random())
                continue
        result.added = added
        _log_conflicts(result)
        return result
    raise CatalogSyncError(
        f"catalog table {database}.{table} kept changing: no update after {max_attempts} attempts",
        database=database,
        table=table,
        attempts=max_attempts,
    )


def _log_conflicts(result: CatalogSync) -> None:
    for name, conflict in result.conflicts.items():
        log.warning(
            "catalog table %s.%s holds column %s as %s, the registry as %s: left as it is",
            result.database,
            result.table,
            name,
            conflict["table"],
            conflict["registry"],
        )


def make_glue_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("glue", config=Config(retries={"mode": "standard", "max_attempts": 8}))
