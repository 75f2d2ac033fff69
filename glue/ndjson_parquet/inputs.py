"""Checking a manifest's input files before reading them: present, and unchanged since the manifest was built
(ETag, or size where the manifest has no ETag). A file that fails the check is excluded from the run on its
own and reported (`excluded_files`), and the rest of the manifest still converts: the batcher registers an
overwritten key's new content as a new version that a later manifest converts (README, "Overwritten and
deleted inputs"), so failing the whole manifest would only keep its other files out of Parquet on every run and
every redrive, with no chance of success."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from .manifest import Manifest
from .storage import ObjectInfo, Storage

MISSING, CHANGED = "missing", "changed"


@dataclass(frozen=True)
class InputCheck:
    manifest: Manifest  # the manifest with only the files that passed, in manifest order
    infos: list[ObjectInfo]  # one per kept file
    excluded: list[dict[str, Any]]  # one per excluded file: key, uri, reason, expected vs found


def verify_inputs(storage: Storage, manifest: Manifest) -> InputCheck:
    with ThreadPoolExecutor(8) as pool:
        infos = list(pool.map(lambda f: storage.head(f.uri, want_etag=f.etag is not None), manifest.files))
    kept, kept_infos, excluded = [], [], []
    for f, info in zip(manifest.files, infos, strict=True):
        expected = {"key": f.key, "uri": f.uri, "expected_etag": f.etag, "expected_bytes": f.size_bytes}
        if info is None:
            excluded.append({**expected, "reason": MISSING, "actual_etag": None, "actual_bytes": None})
        elif (f.etag is not None and info.etag != f.etag) or (f.etag is None and info.size != f.size_bytes):
            excluded.append({**expected, "reason": CHANGED, "actual_etag": info.etag, "actual_bytes": info.size})
        else:
            kept.append(f)
            kept_infos.append(info)
    return InputCheck(replace(manifest, files=tuple(kept)), kept_infos, excluded)
