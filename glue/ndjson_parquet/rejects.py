"""Rejected lines, as NDJSON: where each came from, why, and the line itself (pure DataFrame function)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from .parse import STATUS_OK

REASONS = (
    "empty_line",
    "invalid_utf8",
    "invalid_json",
    "truncated_last_line",
    "top_level_array",
    "top_level_scalar",
    "multiple_values",
    "duplicate_keys",
)


def reject_rows(classified: DataFrame, offsets: DataFrame, manifest_id: str, date: str) -> DataFrame:
    """Columns: file, line_number, reason, raw_line (always valid UTF-8: malformed bytes shown as U+FFFD),
    raw_line_base64 (the exact bytes, invalid_utf8 only), manifest_id, date. Ordered by file, line."""
    rows = classified.where(F.col("_status") != STATUS_OK).join(F.broadcast(offsets), on=["_file", "_block"], how="inner")
    line_number = F.col("_pos") + F.col("_line_offset")
    # An object cut off at the end of a file is the usual trace of an interrupted upload.
    truncated = (F.col("_reason") == "invalid_json") & (line_number == F.col("_file_lines")) & F.ltrim(F.col("_raw")).startswith("{")
    return (
        rows.select(
            F.col("_file_index"),
            F.col("_source_uri").alias("file"),
            line_number.alias("line_number"),
            F.when(truncated, F.lit("truncated_last_line")).otherwise(F.col("_reason")).alias("reason"),
            F.col("_raw").alias("raw_line"),
            F.col("_raw_b64").alias("raw_line_base64"),
            F.lit(manifest_id).alias("manifest_id"),
            F.lit(date).alias("date"),
        )
        .orderBy("_file_index", "line_number")
        .drop("_file_index")
    )
