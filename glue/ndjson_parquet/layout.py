"""Where the job's objects live. Output folders carry the date only (never a timestamp); file names carry the
manifest id, so manifests of one date share a folder without colliding and a re-run finds its own files."""

from __future__ import annotations

import re

from .errors import ManifestFormatError

CODEC_SUFFIX = {"zstd": ".zstd.parquet", "snappy": ".snappy.parquet", "gzip": ".gz.parquet", "none": ".parquet"}
SPARK_CODEC = {"zstd": "zstd", "snappy": "snappy", "gzip": "gzip", "none": "uncompressed"}
MANIFEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def check_manifest_id(manifest_id: str) -> str:
    # The id becomes part of object keys; a slash or a glob character would escape its folder.
    if not MANIFEST_ID_RE.match(manifest_id) or "-part-" in manifest_id:
        raise ManifestFormatError(f"manifest id {manifest_id!r} cannot be used in object names", manifest_id=manifest_id)
    return manifest_id


def output_folder_uri(bucket: str, output_prefix: str, date: str) -> str:
    return f"s3://{bucket}/{output_prefix}merged-parquet-{date}/"


def manifest_files_prefix(folder_uri: str, manifest_id: str) -> str:
    """Every Parquet file of one manifest in the date folder starts with this (whatever its codec)."""
    return f"{folder_uri}{manifest_id}-part-"


def part_file_name(manifest_id: str, index: int, compression: str) -> str:
    return f"{manifest_id}-part-{index:04d}{CODEC_SUFFIX[compression]}"


def rejects_uri(bucket: str, rejects_prefix: str, date: str, manifest_id: str) -> str:
    return f"s3://{bucket}/{rejects_prefix}{date}/{manifest_id}.ndjson"


def staging_uri(bucket: str, output_prefix: str, manifest_id: str, run_id: str) -> str:
    """Per run, beside (not inside) the date folders; Athena also ignores `_`-prefixed paths."""
    return f"s3://{bucket}/{output_prefix}_staging/{manifest_id}/{run_id}/"


def registry_uri(bucket: str, output_prefix: str) -> str:
    """One column registry per output prefix, i.e. per Athena table, so a column's type is the same in
    every date folder, not only within one."""
    return f"s3://{bucket}/{output_prefix}_schema/columns.json"
