"""Tiny hand-made raw files, for tests whose expected outcome is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

SUBSCRIPTIONS = [
    {"subscription_id": "s1", "user_id": "u1", "plan_id": "basic", "price": 9.99,
     "currency": "USD", "start_date": "2024-01-01", "end_date": None, "status": "active",
     "created_at": "2024-01-01T00:00:00Z"},
]
SPEND = "date,channel,spend\n2024-01-01,Google,10.00\n"


def event(event_id: str, ts: str, event_type: str = "login", **fields: object) -> bytes:
    body = {"event_id": event_id, "user_id": "u1", "event_type": event_type, "timestamp": ts}
    return json.dumps({**body, **fields}).encode()


def write_side_files(raw: Path) -> None:
    (raw / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    (raw / "marketing_spend.csv").write_text(SPEND)
