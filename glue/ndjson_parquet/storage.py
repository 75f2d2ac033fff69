"""The storage boundary: object operations on s3:// URIs, plus the two places where Spark meets storage
(stage_in: paths Spark can read for the manifest's files; spark_dir/stage_out: where Spark writes and how
those files become objects under a staging prefix).

Implementations: s3_storage.S3DirectStorage (Glue: Spark reads and writes s3:// itself),
s3_storage.S3StagedStorage (local runtime and tests: boto3 against the emulator, Spark on local files;
there are no S3A jars locally), fs_storage.LocalFsStorage (benchmark: s3://bucket/key is a file under a root).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    uri: str
    size: int
    etag: str | None


class Storage(Protocol):
    name: str

    def head(self, uri: str, *, want_etag: bool = True) -> ObjectInfo | None:
        """Size (and ETag, unquoted) of an object, or None if it does not exist."""

    def get_bytes(self, uri: str) -> tuple[bytes, str | None] | None:
        """Content and ETag, or None if the object does not exist."""

    def put_bytes(
        self, uri: str, data: bytes, *, content_type: str = "application/json", if_match: str | None = None, if_none_match: bool = False
    ) -> None:
        """Writes an object; with if_match / if_none_match the write is conditional and a lost race raises
        PreconditionFailedError."""

    def list(self, prefix_uri: str) -> list[ObjectInfo]:
        """Objects whose URI starts with prefix_uri (no delimiter), in key order."""

    def copy(self, src_uri: str, dst_uri: str) -> None:
        """Server-side copy; atomic for readers of dst (they see the old object or the whole new one)."""

    def delete(self, uris: Sequence[str]) -> None:
        """Deletes objects; missing ones are not an error."""

    def stage_in(self, inputs: Sequence[tuple[str, str | None]], workdir: str) -> list[str]:
        """Paths Spark can read, one per (uri, expected etag), in order. May download (S3StagedStorage); an input whose
        ETag changed since it was checked raises InputChangedError."""

    def spark_dir(self, staging_uri: str, workdir: str) -> str:
        """A directory (Hadoop path) Spark may write into, standing for staging_uri."""

    def stage_out(self, spark_paths: Sequence[str], staging_uri: str) -> list[str]:
        """Makes the files Spark wrote (under spark_dir(staging_uri)) objects under staging_uri; returns
        their URIs in order."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"not an s3:// URI: {uri}")
    return bucket, key


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def local_path(path: str) -> str:
    """A Hadoop `file:` path (file:/x, file:///x) as a plain local path."""
    if path.startswith("file:"):
        path = "/" + path[len("file:") :].lstrip("/")
    return path


def delete_prefix(storage: Storage, prefix_uri: str) -> int:
    objects = storage.list(prefix_uri)
    storage.delete([o.uri for o in objects])
    return len(objects)
