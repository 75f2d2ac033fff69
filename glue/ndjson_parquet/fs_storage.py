"""Storage on the local file system: s3://bucket/key is the file <root>/bucket/key. Used by the benchmark,
to run the job's own code path on local files with no emulator in the way."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from collections.abc import Sequence

from .errors import InputFilesMissingError, PreconditionFailedError
from .storage import ObjectInfo, local_path, parse_s3_uri


class LocalFsStorage:
    name = "local-fs"

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self._lock = threading.Lock()

    def path_of(self, uri: str) -> str:
        bucket, key = parse_s3_uri(uri)
        return os.path.join(self.root, bucket, *key.split("/"))

    def uri_of(self, path: str) -> str:
        rel = os.path.relpath(local_path(path), self.root).split(os.sep)
        return f"s3://{rel[0]}/{'/'.join(rel[1:])}"

    def head(self, uri: str, *, want_etag: bool = True) -> ObjectInfo | None:
        path = self.path_of(uri)
        if not os.path.isfile(path):
            return None
        return ObjectInfo(uri=uri, size=os.path.getsize(path), etag=_md5(path) if want_etag else None)

    def get_bytes(self, uri: str) -> tuple[bytes, str | None] | None:
        path = self.path_of(uri)
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            data = f.read()
        return data, hashlib.md5(data).hexdigest()

    def put_bytes(
        self, uri: str, data: bytes, *, content_type: str = "application/json", if_match: str | None = None, if_none_match: bool = False
    ) -> None:
        path = self.path_of(uri)
        with self._lock:
            exists = os.path.isfile(path)
            if (if_none_match and exists) or (if_match and (not exists or _md5(path) != if_match)):
                raise PreconditionFailedError(f"conditional write of {uri} lost a race", uri=uri)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.tmp-{threading.get_ident()}"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)

    def list(self, prefix_uri: str) -> list[ObjectInfo]:
        bucket, prefix = parse_s3_uri(prefix_uri)
        base = os.path.join(self.root, bucket)
        out: list[ObjectInfo] = []
        for dirpath, _, names in os.walk(base):
            for name in names:
                path = os.path.join(dirpath, name)
                key = os.path.relpath(path, base).replace(os.sep, "/")
                if key.startswith(prefix):
                    out.append(ObjectInfo(uri=f"s3://{bucket}/{key}", size=os.path.getsize(path), etag=None))
        return sorted(out, key=lambda o: o.uri)

    def copy(self, src_uri: str, dst_uri: str) -> None:
        dst = self.path_of(dst_uri)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = f"{dst}.tmp-{threading.get_ident()}"
        shutil.copyfile(self.path_of(src_uri), tmp)
        os.replace(tmp, dst)

    def delete(self, uris: Sequence[str]) -> None:
        for uri in uris:
            # Deleting what is already gone is a success, as on S3.
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path_of(uri))

    def stage_in(self, inputs: Sequence[tuple[str, str | None]], workdir: str) -> list[str]:
        # Files are read in place; their ETags were checked just before (verify_inputs), so hashing them
        # again here would only double the benchmark's I/O.
        paths = [self.path_of(uri) for uri, _ in inputs]
        missing = [uri for (uri, _), path in zip(inputs, paths, strict=True) if not os.path.isfile(path)]
        if missing:
            raise InputFilesMissingError(f"input files disappeared while staging: {', '.join(missing)}", missing=missing)
        return paths

    def spark_dir(self, staging_uri: str, workdir: str) -> str:
        return self.path_of(staging_uri)

    def stage_out(self, spark_paths: Sequence[str], staging_uri: str) -> list[str]:
        return [self.uri_of(p) for p in spark_paths]


def _md5(path: str) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
