"""The batcher's manifest object (handlers/domain/manifest.ts): parsing and the checks the job relies on."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from .errors import ManifestFormatError, ManifestMismatchError
from .storage import parse_s3_uri

BASENAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


@dataclass(frozen=True)
class ManifestFile:
    uri: str
    bucket: str
    key: str
    size_bytes: int
    etag: str | None


@dataclass(frozen=True)
class Manifest:
    manifest_id: str
    name: str
    date_prefix: str
    batch_seq: int | None
    created_at: str | None
    files: tuple[ManifestFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)


def parse_manifest(raw: bytes, path: str) -> Manifest:
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ManifestFormatError(f"manifest {path} is not JSON: {err}", manifest_path=path) from None
    if not isinstance(doc, dict):
        raise ManifestFormatError(f"manifest {path} is not a JSON object", manifest_path=path)
    locations = doc.get("fileLocations")
    metadata = doc.get("metadata")
    if not isinstance(locations, list) or not locations or not isinstance(metadata, dict):
        raise ManifestFormatError(f"manifest {path} lacks fileLocations or metadata", manifest_path=path)
    meta_files = metadata.get("files")
    if not isinstance(meta_files, list) or len(meta_files) != len(locations):
        raise ManifestFormatError(
            f"manifest {path} lists {len(locations)} locations but metadata.files has "
            f"{len(meta_files) if isinstance(meta_files, list) else 'no'} entries",
            manifest_path=path,
        )
    date_prefix = _str(metadata, "date_prefix", path)
    files = tuple(_file(loc, meta, path) for loc, meta in zip(locations, meta_files, strict=True))
    seq = metadata.get("batch_seq")
    return Manifest(
        manifest_id=_str(metadata, "manifest_id", path),
        name=str(metadata.get("manifest_name") or posixpath.basename(parse_s3_uri(path)[1])),
        date_prefix=date_prefix,
        batch_seq=seq if isinstance(seq, int) else None,
        created_at=metadata.get("created_at") if isinstance(metadata.get("created_at"), str) else None,
        files=files,
    )


def check_manifest_matches(manifest: Manifest, date_prefix: str, manifest_id: str) -> None:
    """The run's arguments must name this manifest, and every file must carry its date: a manifest that
    mixed dates would put rows under the wrong date folder."""
    if manifest.date_prefix != date_prefix:
        raise ManifestMismatchError(
            f"--date_prefix {date_prefix} does not match the manifest's date {manifest.date_prefix}",
            expected=date_prefix,
            actual=manifest.date_prefix,
        )
    if manifest_id and manifest.manifest_id != manifest_id:
        raise ManifestMismatchError(
            f"--manifest_id {manifest_id} does not match the manifest's id {manifest.manifest_id}",
            expected=manifest_id,
            actual=manifest.manifest_id,
        )
    dates = {f.key: _basename_date(f.key) for f in manifest.files}
    wrong = sorted(k for k, d in dates.items() if d != manifest.date_prefix)
    if wrong:
        raise ManifestMismatchError(
            f"manifest {manifest.manifest_id} holds files of another date than {manifest.date_prefix}: {', '.join(wrong[:10])}",
            files=wrong,
        )
    keys = [f.uri for f in manifest.files]
    if len(set(keys)) != len(keys):
        raise ManifestFormatError(f"manifest {manifest.manifest_id} lists a file twice", manifest_id=manifest.manifest_id)


def _basename_date(key: str) -> str | None:
    match = BASENAME_DATE.match(posixpath.basename(key))
    return match.group(1) if match else None


def _str(obj: dict[str, Any], name: str, path: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise ManifestFormatError(f"manifest {path}: metadata.{name} is missing", manifest_path=path)
    return value


def _file(location: Any, meta: Any, path: str) -> ManifestFile:
    prefixes = location.get("URIPrefixes") if isinstance(location, dict) else None
    if not isinstance(prefixes, list) or len(prefixes) != 1 or not isinstance(prefixes[0], str):
        raise ManifestFormatError(f"manifest {path}: each fileLocations entry needs exactly one URIPrefixes URI", manifest_path=path)
    uri = prefixes[0]
    try:
        bucket, key = parse_s3_uri(uri)
    except ValueError as err:
        raise ManifestFormatError(f"manifest {path}: {err}", manifest_path=path) from None
    if not isinstance(meta, dict) or meta.get("key") != key:
        raise ManifestFormatError(f"manifest {path}: metadata.files entry does not match location {uri}", manifest_path=path)
    size = meta.get("size_bytes")
    if not isinstance(size, int) or size < 0:
        raise ManifestFormatError(f"manifest {path}: size_bytes of {key} is not a non-negative integer", manifest_path=path)
    etag = meta.get("etag")
    return ManifestFile(
        uri=uri, bucket=bucket, key=key, size_bytes=size, etag=normalize_etag(etag) if isinstance(etag, str) and etag else None
    )


def normalize_etag(etag: str) -> str:
    """S3 returns ETags quoted; manifests may carry them either way."""
    return etag.strip().strip('"')
