"""Publishing a run's staged files. Spark never writes into the date folder: files are staged, and only then
copied in (each copy is atomic for readers), so a run that dies mid-write leaves no partial file there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .storage import Storage


@dataclass(frozen=True)
class Publication:
    staged_uri: str
    final_uri: str


def commit_manifest_files(storage: Storage, manifest_prefix: str, files: Sequence[Publication]) -> list[str]:
    """Replaces exactly this manifest's files: first deletes every earlier file under manifest_prefix (an
    earlier run may have written more parts), then copies the staged ones in. A run killed in between leaves
    the manifest's rows partly missing, never doubled; its re-run (Step Functions retry or redrive) repeats
    this and converges."""
    earlier = [o.uri for o in storage.list(manifest_prefix)]
    storage.delete(earlier)
    for f in files:
        storage.copy(f.staged_uri, f.final_uri)
    return earlier


def commit_rejects(storage: Storage, staged_uri: str | None, final_uri: str) -> None:
    """The manifest's rejects object is replaced, or removed when this run rejected nothing."""
    storage.delete([final_uri])
    if staged_uri:
        storage.copy(staged_uri, final_uri)
