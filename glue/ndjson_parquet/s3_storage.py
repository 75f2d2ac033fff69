"""Storage on S3 through boto3. On Glue Spark reads and writes s3:// itself (S3DirectStorage); locally there
is no S3A, so inputs are downloaded into the run's work directory and Spark's output is uploaded under the
staging prefix (S3StagedStorage). boto3 finds the emulator through AWS_ENDPOINT_URL (boto3 >= 1.28)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .errors import InputChangedError, InputFilesMissingError, PreconditionFailedError
from .storage import ObjectInfo, local_path, parse_s3_uri, s3_uri

_MISSING = {"404", "NoSuchKey", "NotFound"}
_LOST_RACE = {"412", "PreconditionFailed", "409", "ConditionalRequestConflict"}
_IO_THREADS = 8
_CHUNK = 8 * 1024 * 1024


def make_s3_client() -> Any:
    import boto3
    from botocore.config import Config

    # The emulator serves every bucket on one host, so it needs path-style addressing; real S3 does not.
    emulated = bool(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))
    config = Config(
        s3={"addressing_style": "path" if emulated else "auto"},
        retries={"mode": "standard", "max_attempts": 8},
        max_pool_connections=32,
    )
    return boto3.client("s3", config=config)


def _code(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")) or str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


class _S3Objects:
    name = "s3"

    def __init__(self, client: Any | None = None) -> None:
        self.client = client or make_s3_client()

    def head(self, uri: str, *, want_etag: bool = True) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        bucket, key = parse_s3_uri(uri)
        try:
            response = self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as err:
            if _code(err) in _MISSING:
                return None
            raise
        return ObjectInfo(uri=uri, size=int(response["ContentLength"]), etag=response["ETag"].strip('"'))

    def get_bytes(self, uri: str) -> tuple[bytes, str | None] | None:
        from botocore.exceptions import ClientError

        bucket, key = parse_s3_uri(uri)
        try:
            response = self.client.get_object(Bucket=bucket, Key=key)
        except ClientError as err:
            if _code(err) in _MISSING:
                return None
            raise
        return response["Body"].read(), response["ETag"].strip('"')

    def put_bytes(
        self, uri: str, data: bytes, *, content_type: str = "application/json", if_match: str | None = None, if_none_match: bool = False
    ) -> None:
        from botocore.exceptions import ClientError

        bucket, key = parse_s3_uri(uri)
        extra: dict[str, str] = {}
        if if_match:
            extra["IfMatch"] = f'"{if_match}"'
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, **extra)
        except ClientError as err:
            if _code(err) in _LOST_RACE or (if_match and _code(err) in _MISSING):
                raise PreconditionFailedError(f"conditional write of {uri} lost a race", uri=uri) from None
            raise

    def list(self, prefix_uri: str) -> list[ObjectInfo]:
        bucket, prefix = parse_s3_uri(prefix_uri)
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [
            ObjectInfo(uri=s3_uri(bucket, obj["Key"]), size=int(obj["Size"]), etag=obj.get("ETag", "").strip('"') or None)
            for page in pages
            for obj in page.get("Contents", [])
        ]

    def copy(self, src_uri: str, dst_uri: str) -> None:
        src_bucket, src_key = parse_s3_uri(src_uri)
        dst_bucket, dst_key = parse_s3_uri(dst_uri)
        # The managed copy switches to multipart above 5 GB, which a single CopyObject cannot do.
        self.client.copy({"Bucket": src_bucket, "Key": src_key}, dst_bucket, dst_key)

    def delete(self, uris: Sequence[str]) -> None:
        by_bucket: dict[str, list[str]] = {}
        for uri in uris:
            bucket, key = parse_s3_uri(uri)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            for i in range(0, len(keys), 1000):
                batch = [{"Key": k} for k in keys[i : i + 1000]]
                response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                errors = response.get("Errors") or []
                if errors:
                    raise OSError(f"could not delete {len(errors)} objects from {bucket}: {errors[:3]}")


class S3DirectStorage(_S3Objects):
    """Glue: Spark reads the inputs and writes the staging files on s3:// itself."""

    name = "s3-direct"

    def stage_in(self, inputs: Sequence[tuple[str, str | None]], workdir: str) -> list[str]:
        # Spark globs any path holding {}[]*?\ ; escaping keeps a key with such characters one literal file.
        return [_escape_glob(uri) for uri, _ in inputs]

    def spark_dir(self, staging_uri: str, workdir: str) -> str:
        return staging_uri

    def stage_out(self, spark_paths: Sequence[str], staging_uri: str) -> list[str]:
        return [_as_s3_uri(p) for p in spark_paths]


class S3StagedStorage(_S3Objects):
    """Local runtime and tests: objects live in the emulator; Spark works on local files."""

    name = "s3-staged"

    def stage_in(self, inputs: Sequence[tuple[str, str | None]], workdir: str) -> list[str]:
        target = os.path.join(workdir, "in")
        os.makedirs(target, exist_ok=True)
        # Local names are positional, so odd characters in keys never reach Hadoop's path parser.
        paths = [os.path.join(target, f"f{i:05d}.ndjson") for i in range(len(inputs))]
        with ThreadPoolExecutor(_IO_THREADS) as pool:
            list(pool.map(lambda args: self._download(*args), [(uri, etag, path) for (uri, etag), path in zip(inputs, paths, strict=True)]))
        return paths

    def _download(self, uri: str, etag: str | None, path: str) -> None:
        from botocore.exceptions import ClientError

        bucket, key = parse_s3_uri(uri)
        try:
            # IfMatch closes the window between the ETag check and the read.
            response = self.client.get_object(Bucket=bucket, Key=key, **({"IfMatch": f'"{etag}"'} if etag else {}))
        except ClientError as err:
            if _code(err) in _MISSING:
                raise InputFilesMissingError(f"input file disappeared while staging: {uri}", missing=[uri]) from None
            if _code(err) in _LOST_RACE:
                raise InputChangedError(f"input file changed while staging: {uri}", changed=[{"uri": uri, "expected_etag": etag}]) from None
            raise
        with open(path, "wb") as out:
            for chunk in response["Body"].iter_chunks(_CHUNK):
                out.write(chunk)

    def spark_dir(self, staging_uri: str, workdir: str) -> str:
        _, key = parse_s3_uri(staging_uri)
        return os.path.join(workdir, "out", key.strip("/").replace("/", "__"))

    def stage_out(self, spark_paths: Sequence[str], staging_uri: str) -> list[str]:
        uris = [f"{staging_uri.rstrip('/')}/{os.path.basename(local_path(p))}" for p in spark_paths]

        def upload(pair: tuple[str, str]) -> None:
            bucket, key = parse_s3_uri(pair[1])
            self.client.upload_file(local_path(pair[0]), bucket, key)

        with ThreadPoolExecutor(_IO_THREADS) as pool:
            list(pool.map(upload, zip(spark_paths, uris, strict=True)))
        return uris


def _escape_glob(uri: str) -> str:
    return "".join("\\" + c if c in "{}[]*?\\" else c for c in uri)


def _as_s3_uri(path: str) -> str:
    # Hadoop may hand back s3a:// or s3n:// spellings of the same object.
    for scheme in ("s3a://", "s3n://"):
        if path.startswith(scheme):
            return "s3://" + path[len(scheme) :]
    return path
