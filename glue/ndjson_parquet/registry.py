"""The column registry: one JSON object per output prefix recording each column's type, first come first
served. Updated with S3 conditional writes (If-Match on the ETag read, If-None-Match on creation), so
concurrent manifests agree on a type without a lock; a loser re-reads and uses the winner's types."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable

from .errors import PreconditionFailedError, SchemaRegistryError
from .schema import RegisteredColumn, Registry, is_column_type
from .storage import Storage

FORMAT = 1
MAX_ATTEMPTS = 12


def load_registry(storage: Storage, uri: str) -> tuple[dict[str, RegisteredColumn], str | None]:
    got = storage.get_bytes(uri)
    if got is None:
        return {}, None
    data, etag = got
    try:
        doc = json.loads(data)
        columns = [RegisteredColumn(**{k: c.get(k, "") for k in ("name", "type", "added_by", "added_at")}) for c in doc["columns"]]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SchemaRegistryError(f"column registry {uri} is malformed: {err}", uri=uri) from None
    bad = [c.name for c in columns if not is_column_type(c.type)]
    if bad:
        raise SchemaRegistryError(f"column registry {uri} has unknown types for {bad}", uri=uri)
    return {c.name.lower(): c for c in columns}, etag


def register_columns(
    storage: Storage,
    uri: str,
    propose: Callable[[Registry], list[RegisteredColumn]],
    added_by: str,
    now: Callable[[], str],
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, RegisteredColumn], list[RegisteredColumn]]:
    """Adds what `propose(current)` returns; returns the registry as committed and what this call added."""
    for attempt in range(MAX_ATTEMPTS):
        current, etag = load_registry(storage, uri)
        proposed = [c for c in propose(current) if c.name.lower() not in current]
        if not proposed:
            return current, []
        stamp = now()
        added = [RegisteredColumn(c.name, c.type, added_by, stamp) for c in proposed]
        merged = {**current, **{c.name.lower(): c for c in added}}
        body = json.dumps({"format": FORMAT, "updated_at": stamp, "columns": [c.__dict__ for c in merged.values()]}, indent=1).encode()
        try:
            storage.put_bytes(uri, body, if_match=etag, if_none_match=etag is None)
            return merged, added
        except PreconditionFailedError:
            sleep(min(2.0, 0.05 * 2**attempt) * random.random())
    raise SchemaRegistryError(f"could not update column registry {uri} after {MAX_ATTEMPTS} attempts", uri=uri)
