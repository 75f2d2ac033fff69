"""From classified lines to the typed rows written to Parquet (pure DataFrame function)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .parse import STATUS_OK, TAG, is_string, json_text, string_text
from .profile import KIND_NUMBER, KIND_STRING, value_kind
from .schema import (
    BOOLEAN,
    DATE_COLUMN,
    DOUBLE,
    JSON,
    RESCUED_COLUMN,
    SOURCE_FILE_COLUMN,
    SOURCE_LINE_COLUMN,
    STRING,
    ColumnPlan,
    SchemaPlan,
)

_MAX_SAFE_INTEGER = 2**53


def project_rows(classified: DataFrame, plan: SchemaPlan, offsets: DataFrame, date: str) -> DataFrame:
    """Typed columns in plan order, then `_rescued_data`, `_source_file`, `_source_line` and `date`.
    `offsets` (broadcast; see accounting.offsets_frame) turns each row's split position into its file URI
    and 1-based line number."""
    rows = classified.where(F.col("_status") == STATUS_OK).join(F.broadcast(offsets), on=["_file", "_block"], how="inner")
    record = F.col("_record")
    columns = [
        (F.col(f"_c{c.slot}") if c.slot is not None else column_value(record.getItem(TAG + c.name), c)).alias(c.name) for c in plan.columns
    ]
    return rows.select(
        *columns,
        rescued_map(record, plan).alias(RESCUED_COLUMN),
        F.col("_source_uri").alias(SOURCE_FILE_COLUMN),
        (F.col("_pos") + F.col("_line_offset")).alias(SOURCE_LINE_COLUMN),
        F.lit(date).alias(DATE_COLUMN),
    )


def column_value(v: Column, column: ColumnPlan) -> Column:
    """A tagged value (of a field registered by this run, see parse.py) converted to its column's type; null
    where the value does not fit (rescued_map keeps it). When the batch's kinds are known to fit, the cheap
    form is used."""
    kinds = column.kinds
    only = lambda bit: kinds & ~bit == 0  # noqa: E731
    if column.type == STRING:
        if only(KIND_STRING):
            return string_text(v)
        if not kinds & KIND_STRING:
            return v
        return F.when(is_string(v), string_text(v)).otherwise(v)
    if column.type == JSON:
        return json_text(v)
    if column.type == DOUBLE:
        if column.exact:
            return v.cast("double")
        return F.when(fits_double(v), v.cast("double")).cast("double")
    if column.type == BOOLEAN:
        if column.exact:
            return v == "true"
        return F.when(v.isin("true", "false"), v == "true").cast("boolean")
    raise ValueError(f"unknown column type {column.type}")


def fits_double(v: Column) -> Column:
    """A number whose value a double holds exactly enough: any non-integer literal (JSON floats are doubles
    already), or an integer within +-2^53."""
    integer = ~(v.contains(".") | v.contains("e") | v.contains("E"))
    digits = F.length(F.ltrim(F.regexp_replace(v, "^-", "")))
    big = integer & ((digits > 16) | ((digits == 16) & (F.abs(v.cast("decimal(20,0)")) > F.lit(_MAX_SAFE_INTEGER))))
    return (value_kind(v) == KIND_NUMBER) & ~big


def rescued_map(record: Column, plan: SchemaPlan) -> Column:
    """map<string,string> of field -> JSON text for the values that have no column to go to; null when the
    row has none. Costs nothing for a batch whose values all fit (the usual case)."""
    if not plan.needs_rescue:
        return F.lit(None).cast("map<string,string>")
    types = F.create_map(*[x for c in plan.columns for x in (F.lit(TAG + c.name), F.lit(c.type))]) if plan.columns else None

    def keeps(k: Column, v: Column) -> Column:
        column_type = F.element_at(types, k) if types is not None else F.lit(None).cast("string")
        fits = (
            F.when(column_type.isNull(), F.lit(False))
            .when(column_type.isin(STRING, JSON), F.lit(True))
            .when(column_type == DOUBLE, fits_double(v))
            .otherwise(v.isin("true", "false"))
        )
        return v.isNotNull() & ~fits

    misfits = F.map_filter(record, keeps)
    renamed = F.transform_values(F.transform_keys(misfits, lambda k, _: F.substring(k, 2, 1 << 30)), lambda _, v: json_text(v))
    return F.when(F.size(misfits) > 0, renamed)
