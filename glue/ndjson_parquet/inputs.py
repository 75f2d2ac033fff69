"""Checking a manifest's input files before reading them: all present, and unchanged since the manifest was
built (ETag, or size where the manifest has no ETag)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .errors import InputChangedError, InputFilesMissingError
from .manifest import Manifest
from .storage import ObjectInfo, Storage


def verify_inputs(storage: Storage, manifest: Manifest) -> list[ObjectInfo]:
    with ThreadPoolExecutor(8) as pool:
        infos = list(pool.map(lambda f: storage.head(f.uri, want_etag=f.etag is not None), manifest.files))
    missing = [f.uri for f, info in zip(manifest.files, infos, strict=True) if info is None]
    changed = [
        {"uri": f.uri, "expected_etag": f.etag, "actual_etag": info.etag, "expected_bytes": f.size_bytes, "actual_bytes": info.size}
        for f, info in zip(manifest.files, infos, strict=True)
        if info is not None and ((f.etag is not None and info.etag != f.etag) or (f.etag is None and info.size != f.size_bytes))
    ]
    if missing:
        raise InputFilesMissingError(
            f"{len(missing)} input file(s) of manifest {manifest.manifest_id} are missing: {', '.join(missing[:20])}",
            missing=missing,
            changed=changed,
        )
    if changed:
        raise InputChangedError(
            f"{len(changed)} input file(s) of manifest {manifest.manifest_id} changed since it was built: "
            + ", ".join(c["uri"] for c in changed[:20]),
            changed=changed,
        )
    return [i for i in infos if i is not None]
