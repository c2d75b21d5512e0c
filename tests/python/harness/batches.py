"""Shaping raw event lines into arrival-ordered batch files, as the trust suite delivers them:
late versions of some events, a split into k files, the files written. Pure Python: no dbt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EventLine:
    """One raw events line (without its terminator) and the fields batching cares about."""

    text: bytes
    event_id: str | None = None
    event_type: str | None = None
    refers_to: str | None = None

    @classmethod
    def parse(cls, text: bytes) -> EventLine:
        try:
            body = json.loads(text)
        except ValueError:
            return cls(text)
        if not isinstance(body, dict):
            return cls(text)
        return cls(text, body.get("event_id"), body.get("event_type"),
                    body.get("refers_to_event_id"))


def late_versions(lines: Sequence[EventLine]) -> list[EventLine]:
    """New versions of events that occur once: 10 logins or page views an hour later (they
    win on timestamp), 10 purchases a day earlier at twice the amount (they lose on timestamp),
    5 purchases at the same instant with 1.00 more (they win as the later arrival)."""
    counts: dict[str, int] = {}
    for line in lines:
        if line.event_id:
            counts[line.event_id] = counts.get(line.event_id, 0) + 1
    single = [json.loads(x.text) for x in lines if x.event_id and counts[x.event_id] == 1]
    valid = [e for e in single if isinstance(e.get("user_id"), str)
             and str(e.get("timestamp", "")).endswith("Z") and e["timestamp"] < "2090"]
    visits = [e for e in valid if e["event_type"] in ("login", "page_view")][:10]
    purchases = [e for e in valid if e["event_type"] == "purchase"
                 and isinstance(e.get("amount"), float | int) and e["amount"] > 0][:15]
    shifted: list[dict[str, Any]] = []
    for e in visits:
        shifted.append({**e, "timestamp": _shift(e["timestamp"], hours=1)})
    for e in purchases[:10]:
        shifted.append({**e, "timestamp": _shift(e["timestamp"], hours=-24),
                        "amount": round(2 * e["amount"], 2)})
    for e in purchases[10:]:
        shifted.append({**e, "amount": round(e["amount"] + 1, 2)})
    return [EventLine.parse(json.dumps(e).encode()) for e in shifted]


def _shift(stamp: str, hours: int) -> str:
    instant = datetime.fromisoformat(stamp) + timedelta(hours=hours)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Batches:
    files: list[list[bytes]]  # the lines of events_0001.ndjson, events_0002.ndjson, ...
    moved_refunds: frozenset[str]  # refunds placed a batch before their purchase


def split_into_batches(lines: Sequence[EventLine], k: int) -> Batches:
    """The lines as k arrival-ordered files. For k > 1 the last file holds only the later
    versions (exact or conflicting) of events first seen in earlier files, and refunds whose
    purchase falls in file j > 1 move to the end of file j - 1. Versions of one event keep
    their relative order, so every split has the same dedupe winners as the single file."""
    if k == 1:
        return Batches([[x.text for x in lines]], frozenset())
    seen: set[str] = set()
    later: list[EventLine] = []
    first: list[EventLine] = []
    for line in lines:
        if line.event_id and line.event_id in seen:
            later.append(line)
        else:
            first.append(line)
            if line.event_id:
                seen.add(line.event_id)
    bounds = [len(first) * i // (k - 1) for i in range(k)]
    chunks = [first[bounds[i]:bounds[i + 1]] for i in range(k - 1)]
    chunk_of = {x.event_id: i for i, chunk in enumerate(chunks) for x in chunk
                if x.event_type == "purchase"}
    versioned = {x.event_id for x in later}
    moved: dict[int, list[EventLine]] = {}
    for chunk in chunks:
        for x in chunk:
            target = chunk_of.get(x.refers_to or "", 0) - 1
            if x.event_type == "refund" and target >= 0 and x.event_id not in versioned:
                moved.setdefault(target, []).append(x)
    moved_ids = {x.event_id for group in moved.values() for x in group}
    files = [[x.text for x in chunk if x.event_id not in moved_ids]
             + [x.text for x in moved.get(i, [])] for i, chunk in enumerate(chunks)]
    files.append([x.text for x in later])
    return Batches(files, frozenset(str(x) for x in moved_ids))


def write_events(raw: Path, files: Sequence[Sequence[bytes]], first: int = 1) -> list[Path]:
    written: list[Path] = []
    for number, lines in enumerate(files, start=first):
        path = raw / f"events_{number:04d}.ndjson"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        written.append(path)
    return written
