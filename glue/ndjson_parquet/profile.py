"""What one batch's records hold: per top-level field the parser left untyped (see parse.py), which JSON
kinds its values had. Computed from the parsed (cached) rows, so
deciding the schema needs no second read of the input."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .parse import STATUS_OK, TAG

KIND_STRING, KIND_NUMBER, KIND_BOOLEAN, KIND_OBJECT, KIND_ARRAY = 1, 2, 4, 8, 16
KIND_NAMES = {KIND_STRING: "string", KIND_NUMBER: "number", KIND_BOOLEAN: "boolean", KIND_OBJECT: "object", KIND_ARRAY: "array"}


@dataclass(frozen=True)
class FieldProfile:
    name: str
    kinds: int  # bit set of KIND_*; 0 when every value was null
    max_number_len: int  # longest number literal, to spot integers a double cannot hold exactly
    rows: int  # rows in which the field is present (null or not)

    def kind_names(self) -> list[str]:
        return [n for bit, n in KIND_NAMES.items() if self.kinds & bit]


def value_kind(value: Column) -> Column:
    """KIND_* of a tagged value (0 for JSON null)."""
    return (
        F.when(value.isNull(), F.lit(0))
        .when(value.startswith(TAG), F.lit(KIND_STRING))
        .when(value.startswith("{"), F.lit(KIND_OBJECT))
        .when(value.startswith("["), F.lit(KIND_ARRAY))
        .when(value.isin("true", "false"), F.lit(KIND_BOOLEAN))
        .otherwise(F.lit(KIND_NUMBER))
    )


def field_profile(classified: DataFrame) -> DataFrame:
    """One row per top-level field name (still tagged): kinds (bit_or), max_number_len, rows."""
    entries = classified.where(F.col("_status") == STATUS_OK).select(F.explode("_record").alias("k", "v"))
    kind = value_kind(F.col("v"))
    return entries.groupBy("k").agg(
        F.bit_or(kind).alias("kinds"),
        F.max(F.when(kind == KIND_NUMBER, F.length("v"))).alias("max_number_len"),
        F.count(F.lit(1)).alias("rows"),
    )


def collect_profiles(profile: DataFrame) -> list[FieldProfile]:
    out = [
        FieldProfile(name=r["k"][len(TAG) :], kinds=int(r["kinds"] or 0), max_number_len=int(r["max_number_len"] or 0), rows=int(r["rows"]))
        for r in profile.collect()
    ]
    return sorted(out, key=lambda p: p.name)
