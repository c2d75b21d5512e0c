"""The files: events (one file, or K batch files), subscriptions.json and marketing_spend.csv."""

from __future__ import annotations

import bisect
import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from datagen.config import DAY, DEFAULT_DAYS, DEFAULT_USERS, Config
from datagen.entities import PAID_CHANNELS, Users
from datagen.events import LineMeta
from datagen.formats import money, user_id
from datagen.manifest import Manifest
from datagen.traps import QUOTAS_AT_DEFAULT

SUBSCRIPTION_HISTORY_DAYS = 90  # subscriptions may start this long before the events do
PLANS = (("basic", 9.99), ("pro", 19.99), ("team", 49.99))
PLAN_P = (0.5, 0.35, 0.15)
DAILY_SPEND_CENTS = {"Google": 42_000, "Facebook": 31_000, "TikTok": 19_000, "Influencer": 12_000}


class EventWriter:
    """Writes the event lines to one file, or split by line count into K batch files."""

    def __init__(self, out: Path, total: int, batches: int | None) -> None:
        k = batches or 1
        self.names = [f"events_{i:04d}.ndjson" for i in range(1, k + 1)] if batches else ["events.ndjson"]
        self.bounds = [total * i // k for i in range(k + 1)]
        self.out = out
        self.index = 0  # lines written so far
        self.file_no = -1
        self.handle: TextIO | None = None

    def locate(self, index: int) -> dict[str, Any]:
        """File and 1-based line of the global 0-based line `index`."""
        file_no = bisect.bisect_right(self.bounds, index) - 1
        return {"file": self.names[file_no], "line": index - self.bounds[file_no] + 1}

    wants_meta = False  # lines go where their index says

    def write(self, lines: list[str], meta: LineMeta | None = None) -> None:
        done = 0
        while done < len(lines):
            while self.handle is None or self.index >= self.bounds[self.file_no + 1]:
                if self.handle:
                    self.handle.close()
                self.file_no += 1
                self.handle = open(self.out / self.names[self.file_no], "w", encoding="utf-8", newline="\n")
            take = min(len(lines) - done, self.bounds[self.file_no + 1] - self.index)
            self.handle.write("".join(lines[done:done + take]))
            done += take
            self.index += take

    def close(self) -> None:
        if self.handle:
            self.handle.close()

    def lines_per_file(self) -> dict[str, int]:
        return {name: self.bounds[i + 1] - self.bounds[i] for i, name in enumerate(self.names)}

# --- subscriptions -------------------------------------------------------------------------------
def month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def write_subscriptions(cfg: Config, users: Users, rng: np.random.Generator, manifest: Manifest) -> int:
    """Writes subscriptions.json user by user; returns the number of records."""
    first = cfg.start - timedelta(days=SUBSCRIPTION_HISTORY_DAYS)
    last = cfg.start + timedelta(days=cfg.days - 1)  # last day covered by the events
    trap_names = ("overlapping_subscriptions", "reactivations", "canceled_without_end_date",
                  "active_with_end_date", "duplicate_subscription_ids")
    wanted = [name for name in trap_names for _ in range(cfg.count(QUOTAS_AT_DEFAULT[name]))]
    veterans = np.flatnonzero(~users.signed_up)  # traps need history before the data starts
    scenario_of = dict(zip(rng.choice(veterans, len(wanted), replace=False).tolist(), wanted))
    n_records = 0
    n_duplicates = 0
    later: list[tuple[int, dict[str, Any]]] = []  # duplicate records, written a few records on

    def day(lo: date, hi: date) -> date:
        return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))

    def plan() -> int:
        return int(rng.choice(len(PLANS), p=PLAN_P))

    def record(uid: int, plan_no: int, start: date, end: date | None, status: str) -> dict[str, Any]:
        seconds = int(rng.integers(DAY))
        created = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(seconds=seconds)
        return {"subscription_id": f"sub_{n_records + 1:06d}", "user_id": user_id(uid),
                "plan_id": PLANS[plan_no][0], "price": PLANS[plan_no][1], "currency": "USD",
                "start_date": start.isoformat(), "end_date": end.isoformat() if end else None,
                "status": status, "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ")}

    with open(cfg.out / "subscriptions.json", "w", encoding="utf-8", newline="\n") as f:
        def emit(rec: dict[str, Any]) -> dict[str, Any]:
            nonlocal n_records
            f.write(("[\n" if n_records == 0 else ",\n") + json.dumps(rec))
            n_records += 1
            return rec

        for uid in range(cfg.users):
            if uid in scenario_of:
                scenario = scenario_of[uid]
            elif users.signed_up[uid]:
                scenario = "converted" if rng.random() < 0.5 else "none"
            else:
                scenario = str(rng.choice(["none", "active", "churned", "upgrade"], p=[0.15, 0.47, 0.20, 0.18]))
            uid_text = user_id(uid)
            if scenario == "converted":  # subscribes within a week of signing up
                signup = datetime.fromtimestamp(int(users.first_seen[uid]), UTC).date()
                emit(record(uid, plan(), day(signup, min(signup + timedelta(days=7), last)), None, "active"))
            elif scenario == "active":
                emit(record(uid, plan(), day(first, last), None, "active"))
            elif scenario == "churned":
                begin = day(first, last - timedelta(days=31))
                emit(record(uid, plan(), begin, begin + timedelta(days=int(rng.integers(30, 121))), "canceled"))
            elif scenario in ("upgrade", "overlapping_subscriptions"):
                # an upgrade; the trap never closed the old subscription
                old_start = day(first, last - timedelta(days=40))
                new_start = day(old_start + timedelta(days=20), last)
                old_plan = int(rng.integers(2))
                closed = scenario == "upgrade"
                old = emit(record(uid, old_plan, old_start, new_start if closed else None,
                                  "canceled" if closed else "active"))
                new = emit(record(uid, old_plan + 1, new_start, None, "active"))
                if not closed:
                    manifest.add(scenario, user_ids=[uid_text],
                                 subscription_ids=[old["subscription_id"], new["subscription_id"]])
            elif scenario == "reactivations":
                # churned with a month end at zero MRR, then came back
                churn_start = day(first, first + timedelta(days=20))
                churn_end = churn_start + timedelta(days=int(rng.integers(35, 46)))
                emit(record(uid, plan(), churn_start, churn_end, "canceled"))
                back = emit(record(uid, plan(), day(month_end(churn_end) + timedelta(days=1), last), None, "active"))
                manifest.add(scenario, user_ids=[uid_text], subscription_ids=[back["subscription_id"]])
            elif scenario == "canceled_without_end_date":
                rec = emit(record(uid, plan(), day(first, last), None, "canceled"))
                manifest.add(scenario, subscription_ids=[rec["subscription_id"]])
            elif scenario == "active_with_end_date":
                begin = day(first, last - timedelta(days=31))
                rec = emit(record(uid, plan(), begin, begin + timedelta(days=int(rng.integers(30, 91))), "active"))
                manifest.add(scenario, subscription_ids=[rec["subscription_id"]])
            elif scenario == "duplicate_subscription_ids":
                # Two records differing in status; one is canceled with no end_date. In turn:
                # same created_at (canceled written first); the later-written one is canceled and
                # created later; the later-written one is canceled but created earlier.
                active = record(uid, plan(), day(first, last), None, "active")
                canceled = dict(active, status="canceled")
                kind = n_duplicates % 3
                if kind:
                    newer = canceled if kind == 1 else active
                    delay = timedelta(seconds=int(rng.integers(3600, 5 * DAY)))
                    created = datetime.fromisoformat(newer["created_at"]) + delay
                    newer["created_at"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
                written_first, written_later = (canceled, active) if kind == 0 else (active, canceled)
                emit(written_first)
                later.append((n_records + int(rng.integers(0, 8)), written_later))
                n_duplicates += 1
                manifest.add(scenario, subscription_ids=[active["subscription_id"]])
                manifest.add("canceled_without_end_date", subscription_ids=[active["subscription_id"]])
            while later and later[0][0] <= n_records:
                emit(later.pop(0)[1])
        for _, rec in later:
            emit(rec)
        f.write("\n]\n" if n_records else "[]\n")
    return n_records


# --- marketing spend -----------------------------------------------------------------------------
def write_spend(cfg: Config, rng: np.random.Generator, manifest: Manifest) -> int:
    """Writes marketing_spend.csv; returns the number of data rows."""
    factor = (cfg.users / cfg.days) / (DEFAULT_USERS / DEFAULT_DAYS)  # spend follows signups per day
    days = [cfg.start + timedelta(days=d) for d in range(cfg.days)]
    missing = {(channel, int(d)) for channel in PAID_CHANNELS
               for d in rng.choice(cfg.days, max(1, round(0.05 * cfg.days)), replace=False)}
    rows: list[list[str]] = []
    for d, day in enumerate(days):
        for channel in PAID_CHANNELS:
            if (channel, d) in missing:
                continue
            cents = round(DAILY_SPEND_CENTS[channel] * factor * rng.lognormal(0, 0.25))
            rows.append([day.isoformat(), channel, money(cents)])
    n_dups = max(2, round(2 * cfg.days / DEFAULT_DAYS))
    copies = sorted(((int(i), rows[int(i)]) for i in rng.choice(len(rows), n_dups, replace=False)), reverse=True)
    for i, row in copies:  # each copy a few rows after its original
        rows.insert(min(len(rows), i + 1 + int(rng.integers(0, 8))), list(row))
    negative = int(rng.integers(len(rows)))
    rows.insert(negative, [rows[negative][0], rows[negative][1], money(-round(50_000 * rng.random()) - 100)])
    seen: set[tuple[str, ...]] = set()
    with open(cfg.out / "marketing_spend.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["date", "channel", "spend"])
        for line, row in enumerate(rows, start=2):
            writer.writerow(row)
            where = [{"file": "marketing_spend.csv", "line": line}]
            if tuple(row) in seen:
                manifest.add("spend_duplicate_rows", lines=where)
            elif row[2].startswith("-"):
                manifest.add("spend_negative_rows", lines=where)
            seen.add(tuple(row))
    manifest.add("spend_missing_days", rows=[{"date": days[d].isoformat(), "channel": channel}
                                             for d, day in enumerate(days) for channel in PAID_CHANNELS
                                             if (channel, d) in missing])
    return len(rows)

