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
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

EVENT_TYPES = ["page_view", "click", "add_to_cart", "purchase", "signup", "logout"]
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"]
DEVICES = ["desktop", "mobile", "tablet"]
FLAGS = ["new_checkout", "dark_mode", "beta_search", "fast_cart", "promo_banner", "ai_recs", "one_click"]


def record(rng: random.Random, date: str = "2026-01-30", seq: int = 0) -> dict[str, Any]:
    """One record. `revenue` is the integer 0 unless the event is a purchase (then a float)."""
    base = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
    at = base + timedelta(seconds=rng.randrange(86_400), microseconds=rng.randrange(1_000_000))
    event_type = rng.choice(EVENT_TYPES)
    flags = {name: rng.random() < 0.5 for name in rng.sample(FLAGS, rng.randint(0, 4))}
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "sequence": seq,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "user_id": f"user_{rng.randrange(100_000):06d}",
        "session_id": f"sess_{rng.getrandbits(48):012x}",
        "event_type": event_type,
        "page_url": f"https://shop.example.com/{rng.choice(['home', 'product', 'cart', 'search'])}/{rng.randrange(5000)}",
        "country": rng.choice(COUNTRIES),
        "device_type": rng.choice(DEVICES),
        "is_authenticated": rng.random() < 0.6,
        "revenue": round(rng.uniform(1, 500), 2) if event_type == "purchase" else 0,
        "quantity": rng.randint(1, 5) if event_type in ("purchase", "add_to_cart") else 0,
        "custom_data": {
            "feature_flags": flags,
            "experiment_group": rng.choice(["A", "B", "control"]),
            "score": round(rng.random(), 4),
        },
    }


def records(n: int, seed: int = 1, date: str = "2026-01-30", start: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [record(rng, date, start + i) for i in range(n)]


def ndjson(rows: list[Any], newline: str = "\n", trailing_newline: bool = True) -> bytes:
    """Serialises rows (dicts, or raw `str` lines written as they are) as NDJSON bytes."""
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
