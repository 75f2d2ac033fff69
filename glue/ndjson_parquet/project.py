"""From classified lines to the typed rows written to Parquet (pure DataFrame function)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .declared import convert
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
    is_converted,
)

_MAX_SAFE_INTEGER = 2**53


def project_rows(
    classified: DataFrame, plan: SchemaPlan, offsets: DataFrame, date: str, declared: Mapping[str, str] | None = None
) -> DataFrame:
    """Typed columns in plan order, then `_rescued_data`, `_source_file`, `_source_line` and `date`.
    `offsets` (broadcast; see accounting.offsets_frame) turns each row's split position into its file URI
    and 1-based line number. `declared` (field -> declared type) picks the epoch forms of timestamp columns."""
    declared = declared or {}
    rows = classified.where(F.col("_status") == STATUS_OK).join(F.broadcast(offsets), on=["_file", "_block"], how="inner")
    converted = [c for c in plan.columns if c.slot is not None and is_converted(c.type)]
    if converted:
        # Converted once, in a projection of their own: the column and the rescue check both read `_v<slot>`,
        # and Spark does not merge projections that would repeat an expensive expression (CollapseProject).
        rows = rows.select("*", *[slot_value(c, declared).alias(f"_v{c.slot}") for c in converted])
    record = F.col("_record")
    columns = [
        (
            F.col(f"_v{c.slot}")
            if c in converted
            else slot_value(c, declared)
            if c.slot is not None
            else column_value(record.getItem(TAG + c.name), c, declared)
        ).alias(c.name)
        for c in plan.columns
    ]
    return rows.select(
        *columns,
        rescued_map(record, plan, declared).alias(RESCUED_COLUMN),
        F.col("_source_uri").alias(SOURCE_FILE_COLUMN),
        (F.col("_pos") + F.col("_line_offset")).alias(SOURCE_LINE_COLUMN),
        F.lit(date).alias(DATE_COLUMN),
    )


def slot_value(column: ColumnPlan, declared: Mapping[str, str]) -> Column:
    """A value the parser put in the column's field: typed already, or the text of a converted type."""
    v = F.col(f"_c{column.slot}")
    return convert(v, column.type, declared.get(column.name, "")) if is_converted(column.type) else v


def column_value(v: Column, column: ColumnPlan, declared: Mapping[str, str] | None = None) -> Column:
    """A tagged value (of a field registered by this run, see parse.py) converted to its column's type; null
    where the value does not fit (rescued_map keeps it). When the batch's kinds are known to fit, the cheap
    form is used."""
    if is_converted(column.type):
        # Registered by a declaration after this run's parse began (a stack update mid-run); a number came
        # through the record, as a double's text when it had a fraction.
        return convert(v, column.type, (declared or {}).get(column.name, ""))
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


_NO_VALUES = "map<string,string>"


def rescued_map(record: Column, plan: SchemaPlan, declared: Mapping[str, str] | None = None) -> Column:
    """map<string,string> of field -> JSON text for the values that have no column to go to; null when the
    row has none. Costs nothing for a batch whose values all fit (the usual case) and declares nothing."""
    if not plan.needs_rescue:
        return F.lit(None).cast(_NO_VALUES)
    declared = declared or {}
    converted_slots = [c for c in plan.columns if c.slot is not None and is_converted(c.type)]
    from_slots = {c.name for c in converted_slots}
    parts = []
    if any(name not in from_slots for name in plan.rescued):
        parts.append(_record_misfits(record, plan, declared))
    if converted_slots:
        parts.append(_slot_misfits(converted_slots))
    if len(parts) == 1:
        return parts[0]
    both = F.map_concat(*[F.coalesce(p, F.create_map().cast(_NO_VALUES)) for p in parts])
    return F.when(F.size(both) > 0, both)


def _record_misfits(record: Column, plan: SchemaPlan, declared: Mapping[str, str]) -> Column:
    types = F.create_map(*[x for c in plan.columns for x in (F.lit(TAG + c.name), F.lit(c.type))]) if plan.columns else None
    converted = [c for c in plan.columns if c.slot is None and is_converted(c.type)]

    def keeps(k: Column, v: Column) -> Column:
        column_type = F.element_at(types, k) if types is not None else F.lit(None).cast("string")
        fits = F.when(column_type.isNull(), F.lit(False))
        for c in converted:
            fits = fits.when(k == F.lit(TAG + c.name), convert(v, c.type, declared.get(c.name, "")).isNotNull())
        fits = (
            fits.when(column_type.isin(STRING, JSON), F.lit(True))
            .when(column_type == DOUBLE, fits_double(v))
            .otherwise(v.isin("true", "false"))
        )
        return v.isNotNull() & ~fits

    misfits = F.map_filter(record, keeps)
    renamed = F.transform_values(F.transform_keys(misfits, lambda k, _: F.substring(k, 2, 1 << 30)), lambda _, v: json_text(v))
    return F.when(F.size(misfits) > 0, renamed)


def _slot_misfits(columns: list[ColumnPlan]) -> Column:
    """The values of converted columns (`_v<slot>`, see project_rows) that did not convert, as JSON text
    (numbers as written). The map is built only for a row that has one: a higher-order function per row
    cost more than the conversions."""
    misfit = {c.name: F.col(f"_c{c.slot}").isNotNull() & F.col(f"_v{c.slot}").isNull() for c in columns}
    entries = [x for c in columns for x in (F.lit(c.name), F.when(misfit[c.name], json_text(F.col(f"_c{c.slot}"))))]
    return F.when(reduce(lambda a, b: a | b, misfit.values()), F.map_filter(F.create_map(*entries), lambda _, v: v.isNotNull()))
