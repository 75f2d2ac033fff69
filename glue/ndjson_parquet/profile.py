"""What one batch's records hold: per top-level field the parser left untyped (see parse.py), which JSON
kinds its values had. Computed from the parsed (cached) rows, so deciding the schema needs no second read
of the input: the parser sums each line's untyped fields up in its `_shape`, and lines are counted per
shape (a producer writes a handful of shapes), which costs far less than exploding every record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .parse import TAG

KIND_STRING, KIND_NUMBER, KIND_BOOLEAN, KIND_OBJECT, KIND_ARRAY = 1, 2, 4, 8, 16
# Set with KIND_NUMBER in a shape for an integer beyond +-2^53, which a double cannot hold exactly.
BIG_INTEGER = 32


@dataclass(frozen=True)
class FieldProfile:
    name: str
    kinds: int  # bit set of KIND_*; 0 when every value was null
    big_integers: bool  # some value is an integer beyond +-2^53, not exact in a double
    rows: int  # rows in which the field is present (null or not)


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


def shape_counts(classified: DataFrame) -> DataFrame:
    """Lines per shape, for the lines with untyped values."""
    return classified.where(F.col("_shape").isNotNull()).groupBy("_shape").count()


def parse_shape(shape: str) -> list[tuple[str, int]]:
    """(field, kind bits) of a shape: `<length>:<name><'0' + bits>` per field (LineParser.java)."""
    out, i = [], 0
    while i < len(shape):
        colon = shape.index(":", i)
        length = int(shape[i:colon])
        name = shape[colon + 1 : colon + 1 + length]
        out.append((name, ord(shape[colon + 1 + length]) - ord("0")))
        i = colon + 2 + length
    return out


def profiles_from_shapes(counts: Iterable[tuple[str, int]]) -> list[FieldProfile]:
    kinds: dict[str, int] = {}
    rows: dict[str, int] = {}
    for shape, lines in counts:
        for name, bits in parse_shape(shape):
            kinds[name] = kinds.get(name, 0) | bits
            rows[name] = rows.get(name, 0) + lines
    return [
        FieldProfile(name=n, kinds=kinds[n] & ~BIG_INTEGER, big_integers=bool(kinds[n] & BIG_INTEGER), rows=rows[n]) for n in sorted(kinds)
    ]


def collect_profiles(counts: DataFrame) -> list[FieldProfile]:
    return profiles_from_shapes((r["_shape"], int(r["count"])) for r in counts.collect())
