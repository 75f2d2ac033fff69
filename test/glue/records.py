"""Seed-generator-like NDJSON records, for the tests and the benchmark.

The origin system's generator wrote objects with ids, UTC timestamps, user and event fields, a numeric
`revenue` that is integer 0 for most events and a float for purchases, and a nested `custom_data` whose
`feature_flags` keys vary from record to record. This factory reproduces that shape deterministically (seeded),
so a test can say exactly which values it expects.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

# The same shape and value ranges as handlers/domain/generator.ts (generateRecord).
EVENT_TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup", "login", "search"]
PAGES = ["/", "/products", "/products/detail", "/cart", "/checkout", "/account", "/search"]
DEVICES = ["desktop", "mobile", "tablet"]
COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "CA"]
FEATURE_FLAGS = ["new_checkout", "dark_mode", "recommendations_v2", "fast_search", "beta_banner", "one_click_buy"]


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def record(rng: random.Random, date: str = "2026-01-30", seq: int = 0) -> dict[str, Any]:
    """One record. `revenue` is the integer 0 unless the event is a purchase (then a float with cents)."""
    day = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
    at = day + timedelta(milliseconds=rng.randrange(86_400_000))
    event_type = rng.choice(EVENT_TYPES)
    revenue: float | int = round(1 + rng.random() * 499, 2) if event_type == "purchase" else 0
    flags = {flag: rng.random() < 0.5 for flag in FEATURE_FLAGS if rng.random() < 0.5}
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user_id": f"user_{1 + rng.randrange(5000):05d}",
        "session_id": f"sess_{_base36(seq)}_{_base36(rng.randrange(10**9))}",
        "event_type": event_type,
        "page": rng.choice(PAGES),
        "device": rng.choice(DEVICES),
        "country": rng.choice(COUNTRIES),
        "revenue": revenue,
        "quantity": 1 + rng.randrange(5) if event_type in ("purchase", "add_to_cart") else 0,
        "custom_data": {
            "feature_flags": flags,
            "experiment_group": rng.choice(["control", "variant_a", "variant_b"]),
            "score": round(rng.random(), 3),
        },
    }


def records(n: int, seed: int = 1, date: str = "2026-01-30", start: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [record(rng, date, start + i) for i in range(n)]


def ndjson(rows: list[Any], newline: str = "\n", trailing_newline: bool = True) -> bytes:
    """Serialises rows (dicts, or raw `str` lines written as they are) as NDJSON bytes, compact like
    JSON.stringify."""
    lines = [row if isinstance(row, str) else json.dumps(row, separators=(",", ":")) for row in rows]
    text = newline.join(lines) + (newline if trailing_newline and lines else "")
    return text.encode("utf-8")


def stream_ndjson(target_bytes: int, seed: int, date: str = "2026-01-30", start: int = 0) -> Iterator[bytes]:
    """Yields NDJSON lines (bytes, newline-terminated) until about `target_bytes` have been produced."""
    rng = random.Random(seed)
    produced, seq = 0, start
    while produced < target_bytes:
        line = (json.dumps(record(rng, date, seq), separators=(",", ":")) + "\n").encode("utf-8")
        produced += len(line)
        seq += 1
        yield line
