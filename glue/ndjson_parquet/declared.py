"""Declared columns (docs/glue.md, "Declared columns"): the types a stack pins with `schema.columns`,
passed as `--declared_columns` (compact JSON, field -> type). They are registered before any data, so they
win over inference; a declaration may add columns but never retype one already registered.

The JVM parser hands a declared bigint, decimal, date or timestamp column its value's exact text (a
number's own digits, a string tagged as in parse.py), and the conversion here is plain Spark expressions
over that text: a value that does not fit converts to null, and the projection rescues its text. Declared
string, double, boolean and json columns are ordinary registered columns, typed by the parser as today.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pyspark.sql import Column
from pyspark.sql import functions as F

from .errors import DeclaredColumnConflictError, JobArgumentsError
from .parse import TAG, string_text
from .schema import BIGINT, DATE, TIMESTAMP, RegisteredColumn, Registry, column_name_problem, decimal_of, is_column_type

EPOCH_S, EPOCH_MS = "timestamp(epoch_s)", "timestamp(epoch_ms)"
_DECLARED_ONLY = {EPOCH_S: TIMESTAMP, EPOCH_MS: TIMESTAMP}

# ISO-8601 date and time to the second (Spark's cast takes no time without seconds), with a fraction (up to
# nanoseconds; Parquet keeps microseconds) and an offset each optional; without an offset the time is UTC.
_ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?"
_OFFSET = r"(Z|[+-]\d{2}:\d{2})"


def registry_type(declared_type: str) -> str:
    """The column registry's (and the catalog's) type for a declared type: epoch variants are timestamps."""
    return _DECLARED_ONLY.get(declared_type, declared_type)


def parse_declared(text: str) -> dict[str, str]:
    """--declared_columns as field -> declared type; the stack config validated it already, so a bad value
    here means the job was started by hand with a wrong argument."""
    try:
        columns = json.loads(text or "{}")
    except ValueError as err:
        raise JobArgumentsError(f"--declared_columns must be a JSON object of field -> type: {err}") from None
    if not isinstance(columns, dict):
        raise JobArgumentsError("--declared_columns must be a JSON object of field -> type")
    bad = {n: t for n, t in columns.items() if not isinstance(t, str) or not is_column_type(registry_type(t)) or column_name_problem(n)}
    if bad:
        raise JobArgumentsError(f"--declared_columns has fields or types the job cannot take: {bad}", declared=bad)
    return columns


def declared_additions(declared: Mapping[str, str], registry: Registry) -> list[RegisteredColumn]:
    """The declared columns not registered yet; refuses a declaration that retypes (or respells) a registered
    column, before anything is written."""
    conflicts = {}
    for name, declared_type in declared.items():
        registered = registry.get(name.lower())
        if registered is not None and (registered.type != registry_type(declared_type) or registered.name != name):
            conflicts[name] = {"declared": declared_type, "registered": f"{registered.name} {registered.type}"}
    if conflicts:
        raise DeclaredColumnConflictError(
            f"schema.columns retypes registered columns {conflicts}: a registered column keeps its type (its "
            "Parquet files hold it). Declare a new field name to add a column, or start a new table (a new "
            "outputPrefix) for a real type change; docs/glue.md, 'Declared columns'",
            conflicts=conflicts,
        )
    return [RegisteredColumn(name=n, type=registry_type(t)) for n, t in sorted(declared.items()) if n.lower() not in registry]


def convert(v: Column, column_type: str, declared_type: str = "") -> Column:
    """A value's text (parse.py's tagged form, numbers as written) as `column_type`; null when the value
    does not fit. `declared_type` picks the epoch forms of a timestamp column."""
    if column_type == BIGINT:
        # 19 digits at most; the cast yields null beyond the long's range (spark.sql.ansi.enabled false).
        return F.when(v.rlike(r"^-?(0|[1-9][0-9]{0,18})$"), v.cast("bigint"))
    decimal = decimal_of(column_type)
    if decimal is not None:
        precision, scale = decimal
        whole = f"(0|[1-9][0-9]{{0,{precision - scale - 1}}})" if precision > scale else "0"
        # Trailing zeros beyond the scale change no value; any other digit there would be rounded away.
        fraction = rf"(\.[0-9]{{1,{scale}}}0*)?" if scale else r"(\.0+)?"
        return F.when(v.rlike(rf"^-?{whole}{fraction}$"), v.cast(f"decimal({precision},{scale})"))
    if column_type == DATE:
        # The cast yields null for a day the calendar lacks (2025-02-30).
        return F.when(v.rlike(rf"^{TAG}\d{{4}}-\d{{2}}-\d{{2}}$"), string_text(v).cast("date"))
    if column_type == TIMESTAMP:
        if declared_type == EPOCH_S:
            # Seconds with up to microseconds, Parquet's precision; 12 digits of seconds stay within a long of microseconds.
            return F.when(v.rlike(r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,6})?$"), F.timestamp_seconds(v.cast("decimal(18,6)")))
        if declared_type == EPOCH_MS:
            return F.when(v.rlike(r"^-?(0|[1-9][0-9]{0,14})$"), F.timestamp_millis(v.cast("bigint")))
        # A time without offset is read in the session's time zone, UTC (session.JOB_CONF).
        return F.when(v.rlike(f"^{TAG}{_ISO_TIMESTAMP}{_OFFSET}?$"), string_text(v).cast("timestamp"))
    raise ValueError(f"no conversion for column type {column_type}")
