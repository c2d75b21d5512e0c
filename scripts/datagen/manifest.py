"""manifest.json: every injected trap with its count and (capped) lists, and the totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from datagen.config import Config
from datagen.entities import EVENT_TYPES
from datagen.traps import TRAPS

LIST_CAP = 10_000  # ids or lines listed per trap in the manifest (counts stay exact)


class Manifest:
    """Counts and (capped) lists per trap class, always with every key present."""

    def __init__(self) -> None:
        self.traps: dict[str, dict[str, Any]] = {
            name: {"count": 0, **{key: [] for key in keys}} for name, keys in TRAPS.items()}

    def add(self, trap: str, count: int | None = None, **lists: Sequence[Any]) -> None:
        entry = self.traps[trap]
        entry["count"] += len(next(iter(lists.values()))) if count is None else count
        for key, items in lists.items():
            room = LIST_CAP - len(entry[key])
            entry[key].extend(items[:room])
            if len(items) > room:
                entry["truncated"] = True


    def document(self, cfg: Config, *, event_files: dict[str, int], base_events: int, quarantined: int,
                 type_counts: list[int], users_with_events: int, users_with_signup: int,
                 subscriptions: int, spend_rows: int, arrival: dict[str, Any] | None = None) -> dict[str, Any]:
        """manifest.json's content: the arguments, the totals and the traps; with time-ordered
        arrival, also its windows and late lines (the added lines count in the totals)."""
        added = arrival["added_lines"] if arrival else 0
        document: dict[str, Any] = {
            "generator": {"events": cfg.events, "seed": cfg.seed, "batches": cfg.batches,
                          "start": cfg.start.isoformat(), "days": cfg.days},
            "totals": {
                "lines": {**event_files, "subscriptions.json": subscriptions + 2,
                          "marketing_spend.csv": spend_rows + 1},
                "event_lines": cfg.events + added,
                "events": base_events,  # distinct valid event_ids: the rows silver must hold
                "duplicate_copy_lines": cfg.events - base_events - quarantined + added,
                "quarantined_lines": quarantined,
                "event_types": dict(zip(EVENT_TYPES, type_counts)),
                "users": cfg.users,
                "users_with_events": users_with_events,
                "users_with_signup": users_with_signup,
                "subscription_records": subscriptions,
                "spend_rows": spend_rows,
                "first_day": cfg.start.isoformat(),
                "last_day": (cfg.start + timedelta(days=cfg.days - 1)).isoformat(),
            },
            "traps": self.traps,
        }
        if arrival:
            document["generator"]["arrival"] = arrival["mode"]
            document["arrival"] = arrival
        return document
