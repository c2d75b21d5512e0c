"""Tests of scripts/generate_data.py.

The files are re-read and every line is classified here, with rules written from the issue and
the metric contract (not from the generator's code); the manifest must agree with that recount.
"""

from __future__ import annotations

import calendar
import csv
import json
import math
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, TypeGuard

import duckdb
import pytest

import generate_data
from datagen import formats

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_data.py"
DEFAULT_COMMAND = "scripts/generate_data.py --events 14337 --seed 42 --out data"
DEFAULT_N = 14_337
START = datetime(2024, 1, 1, tzinfo=UTC)

EVENT_TYPES = {"signup", "login", "page_view", "purchase", "refund", "trial_start", "trial_convert", "cancel"}
KNOWN_FIELDS = {"event_id", "user_id", "event_type", "timestamp", "schema_version", "amount", "currency",
                "tax", "refers_to_event_id", "acquisition_channel", "page"}  # `page` is in the original data
PAID = ("Google", "Facebook", "TikTok", "Influencer")
CHANNELS = {*PAID, "Organic", "Referral"}
PLAN_PRICES = {"basic": 9.99, "pro": 19.99, "team": 49.99}
TS_FORMATS = {
    "utc": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    "naive": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    "offset": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:?\d\d"),
    "fractional": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z"),
}
QUARANTINE = ("invalid_json", "missing_user_id", "invalid_amount", "negative_amount", "timestamp_out_of_range")
ALL_TRAPS = (*QUARANTINE, "exact_duplicates", "conflicting_duplicates", "refunds_before_purchase",
             "orphan_refunds", "negative_refunds", "offset_timestamps", "naive_timestamps",
             "fractional_timestamps", "unknown_fields", "future_schema_version", "double_signups",
             "duplicate_subscription_ids", "canceled_without_end_date", "active_with_end_date",
             "overlapping_subscriptions", "reactivations", "spend_duplicate_rows", "spend_negative_rows",
             "spend_missing_days")


def expected_days(n: int) -> int:
    return min(max(round(30 * math.sqrt(n / DEFAULT_N)), 30), 730)


def expected_users(n: int) -> int:
    return round(500 * n / DEFAULT_N)


def run_generator(out: Path, events: int, seed: int = 42, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--events", str(events), "--seed", str(seed),
                           "--out", str(out), "--quiet", *extra], capture_output=True, text=True)


def generate(out: Path, events: int, seed: int = 42, *extra: str) -> dict[str, Any]:
    result = run_generator(out, events, seed, *extra)
    assert result.returncode == 0, result.stderr
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return manifest


def instant(text: str) -> datetime:
    """The UTC instant of an accepted timestamp (naive means UTC)."""
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def plus_month(day: date) -> date:
    year, month = day.year + day.month // 12, day.month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Recount:
    """What the files contain, per trap class: a set of ids, lines or rows."""
    found: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    versions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # event_id -> raw lines
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # first valid version per event_id
    event_lines: int = 0
    lines_per_file: dict[str, int] = field(default_factory=dict)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    spend_rows: list[list[str]] = field(default_factory=list)


def recount(out: Path, n: int) -> Recount:
    rc = Recount()
    last_instant = START + timedelta(days=expected_days(n))
    batch_files = sorted(out.glob("events_*.ndjson"))
    for path in batch_files or [out / "events.ndjson"]:
        with open(path, encoding="utf-8") as f:
            count = 0
            for count, raw in enumerate(f, start=1):
                where = (path.name, count)
                try:
                    event = json.loads(raw)
                except json.JSONDecodeError:
                    event = None
                if not isinstance(event, dict):
                    rc.found["invalid_json"].add(where)
                    continue
                kind, amount = event.get("event_type"), event.get("amount")
                if event.get("user_id") is None:
                    rc.found["missing_user_id"].add(where)
                elif kind in ("purchase", "refund") and not is_number(amount):
                    rc.found["invalid_amount"].add(where)
                elif kind == "purchase" and is_number(amount) and amount < 0:
                    rc.found["negative_amount"].add(where)
                elif instant(event["timestamp"]) >= last_instant:
                    rc.found["timestamp_out_of_range"].add(where)
                else:
                    assert kind in EVENT_TYPES and event["event_id"]
                    rc.versions[event["event_id"]].append(raw)
                    rc.events.setdefault(event["event_id"], event)
            rc.lines_per_file[path.name] = count
            rc.event_lines += count

    for eid, raws in rc.versions.items():
        if len(raws) > 1:
            rc.found["exact_duplicates" if len(set(raws)) == 1 else "conflicting_duplicates"].add(eid)
    purchases = {eid: e for eid, e in rc.events.items() if e["event_type"] == "purchase"}
    signups: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for eid, e in rc.events.items():
        ts = e["timestamp"]
        for name, pattern in TS_FORMATS.items():
            if pattern.fullmatch(ts) and name != "utc":
                rc.found[f"{name}_timestamps"].add(eid)
        if set(e) - KNOWN_FIELDS:
            rc.found["unknown_fields"].add(eid)
        if e["schema_version"] not in (1, 2):
            rc.found["future_schema_version"].add(eid)
        if e["event_type"] == "signup":
            signups[e["user_id"]].append((instant(ts), eid))
            if e["acquisition_channel"] not in CHANNELS:
                rc.found["channel_spellings"].add(eid)
        if e["event_type"] == "refund":
            bought = purchases.get(e["refers_to_event_id"])
            if bought is None:
                rc.found["orphan_refunds"].add(eid)
            elif instant(ts) < instant(bought["timestamp"]):
                rc.found["refunds_before_purchase"].add(eid)
            if e["amount"] < 0:
                rc.found["negative_refunds"].add(eid)
    for uid, times in signups.items():
        if len(times) > 1:
            rc.found["double_signups"].add(uid)

    lines = (out / "subscriptions.json").read_text().splitlines()
    assert lines[0] == "[" and lines[-1] == "]", "layout: '[' line, one object per line, ']' line"
    rc.subscriptions = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert rc.subscriptions == json.loads("\n".join(lines))
    rc.lines_per_file["subscriptions.json"] = len(lines)
    subscription_traps(rc)

    with open(out / "marketing_spend.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["date", "channel", "spend"]
    rc.lines_per_file["marketing_spend.csv"] = len(rows)
    rc.spend_rows = rows[1:]
    seen: set[tuple[str, ...]] = set()
    for line, row in enumerate(rows[1:], start=2):
        if tuple(row) in seen:
            rc.found["spend_duplicate_rows"].add(("marketing_spend.csv", line))
        if float(row[2]) < 0:
            rc.found["spend_negative_rows"].add(("marketing_spend.csv", line))
        seen.add(tuple(row))
    present = {(r[0], r[1]) for r in rows[1:]}
    for d in range(expected_days(n)):
        for channel in PAID:
            if ((START.date() + timedelta(days=d)).isoformat(), channel) not in present:
                rc.found["spend_missing_days"].add(((START.date() + timedelta(days=d)).isoformat(), channel))
    return rc


def subscription_traps(rc: Recount) -> None:
    """Record-level traps, then the contract's dedupe and intervals for overlaps and reactivations."""
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in rc.subscriptions:
        by_id[s["subscription_id"]].append(s)
        if s["status"] == "canceled" and s["end_date"] is None:
            rc.found["canceled_without_end_date"].add(s["subscription_id"])
        if s["status"] == "active" and s["end_date"] is not None:
            rc.found["active_with_end_date"].add(s["subscription_id"])
    per_user: dict[str, list[tuple[date, date | None, str]]] = defaultdict(list)
    for sid, records in by_id.items():
        if len(records) > 1:
            rc.found["duplicate_subscription_ids"].add(sid)
        s = max(records, key=lambda r: (r["created_at"], r["status"] == "canceled"))
        start = date.fromisoformat(s["start_date"])
        end = date.fromisoformat(s["end_date"]) if s["end_date"] else None
        if end is None and s["status"] == "canceled":
            end = plus_month(start)
        per_user[s["user_id"]].append((start, end, sid))
    for uid, subs in per_user.items():
        subs.sort()
        for i, (start, end, sid) in enumerate(subs):
            for other_start, other_end, _ in subs[i + 1:]:
                if other_start < (end or date.max) and start < (other_end or date.max):
                    rc.found["overlapping_subscriptions"].add(uid)
            ends = [e for _, e, _ in subs[:i]]
            closed = [e for e in ends if e is not None]
            if ends and len(closed) == len(ends) and month_end(max(closed)) < start:  # a month end at zero MRR
                rc.found["reactivations"].add(sid)


def manifest_items(trap: str, entry: dict[str, Any]) -> set[Any]:
    if "lines" in entry:
        return {(x["file"], x["line"]) for x in entry["lines"]}
    if "rows" in entry:
        return {(x["date"], x["channel"]) for x in entry["rows"]}
    if trap in ("double_signups", "overlapping_subscriptions"):
        return set(entry["user_ids"])
    if trap == "reactivations":
        return set(entry["subscription_ids"])
    return set(entry.get("event_ids", entry.get("subscription_ids", [])))


def assert_manifest_matches(manifest: dict[str, Any], rc: Recount, n: int, added: int = 0) -> None:
    """`n` lines of the dataset, plus `added` lines of a time-ordered arrival (resent, corrected)."""
    traps = manifest["traps"]
    assert set(ALL_TRAPS) <= set(traps)
    for trap, entry in traps.items():
        listed, found = manifest_items(trap, entry), rc.found[trap]
        assert entry["count"] == len(found), trap
        if entry.get("truncated"):
            assert listed < found, trap
        else:
            assert listed == found, trap
    totals = manifest["totals"]
    assert totals["lines"] == rc.lines_per_file
    assert totals["event_lines"] == rc.event_lines == n + added
    assert totals["events"] == len(rc.events)
    assert totals["quarantined_lines"] == sum(len(rc.found[t]) for t in QUARANTINE)
    assert totals["duplicate_copy_lines"] == sum(len(v) - 1 for v in rc.versions.values())
    assert totals["users"] == expected_users(n)
    assert totals["users_with_events"] == len({e["user_id"] for e in rc.events.values()})
    assert totals["event_types"] == dict(Counter(e["event_type"] for e in rc.events.values()))
    assert totals["subscription_records"] == len(rc.subscriptions)
    assert totals["spend_rows"] == len(rc.spend_rows)


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def default_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("default")
    generate(out, DEFAULT_N)
    return out


@pytest.fixture(scope="session")
def default_manifest(default_out: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((default_out / "manifest.json").read_text())
    return manifest


@pytest.fixture(scope="session")
def default_recount(default_out: Path) -> Recount:
    return recount(default_out, DEFAULT_N)


@pytest.fixture(scope="session")
def module() -> ModuleType:
    """The command line (scripts/generate_data.py); the generator itself is scripts/datagen."""
    return generate_data


# --- tests ----------------------------------------------------------------------------------------
def test_same_arguments_give_identical_bytes(default_out: Path, tmp_path: Path) -> None:
    generate(tmp_path, DEFAULT_N)
    for name in ("events.ndjson", "subscriptions.json", "marketing_spend.csv", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (default_out / name).read_bytes(), name


def test_another_seed_gives_other_data(default_out: Path, tmp_path: Path) -> None:
    generate(tmp_path, DEFAULT_N, 43)
    assert (tmp_path / "events.ndjson").read_bytes() != (default_out / "events.ndjson").read_bytes()


def test_committed_dataset_is_the_documented_command(default_out: Path, module: ModuleType) -> None:
    assert DEFAULT_COMMAND in (module.__doc__ or "")
    for name in ("events.ndjson", "subscriptions.json", "marketing_spend.csv", "manifest.json"):
        assert (ROOT / "data" / name).read_bytes() == (default_out / name).read_bytes(), name


def test_manifest_equals_recount_at_default_size(default_manifest: dict[str, Any], default_recount: Recount) -> None:
    assert_manifest_matches(default_manifest, default_recount, DEFAULT_N)


def test_every_trap_class_present_at_default_size(default_manifest: dict[str, Any], default_recount: Recount) -> None:
    missing = [t for t in ALL_TRAPS if not default_recount.found[t]]
    assert not missing
    assert len(default_recount.found["invalid_json"]) >= 2  # a truncated line and a plain-text line
    assert len(default_recount.found["missing_user_id"]) >= 2  # a missing and a null user_id
    assert default_recount.found["channel_spellings"]


def test_default_profile_follows_the_issue(default_out: Path, default_recount: Recount) -> None:
    rc = default_recount
    events = list(rc.events.values())
    n_ids = len(events)
    types = Counter(e["event_type"] for e in events)
    for kind, share, tolerance in (("login", 0.72, 0.02), ("page_view", 0.22, 0.02), ("purchase", 0.038, 0.006),
                                   ("refund", 0.007, 0.0025), ("signup", 0.009, 0.002)):
        assert abs(types[kind] / n_ids - share) < tolerance, kind
    assert set(types) == EVENT_TYPES
    assert abs(sum(e["schema_version"] == 2 for e in events) / n_ids - 0.79) < 0.02
    assert abs(len(rc.found["naive_timestamps"]) / n_ids - 0.113) < 0.015
    assert 0.001 < len(rc.found["offset_timestamps"]) / n_ids < 0.004
    offsets = {rc.events[e]["timestamp"][19:] for e in rc.found["offset_timestamps"]}
    assert any(":" in o for o in offsets) and any(":" not in o for o in offsets)
    repeated = rc.found["exact_duplicates"] | rc.found["conflicting_duplicates"]
    assert abs(len(repeated) / n_ids - 0.015) < 0.004
    assert 0.2 < len(rc.found["conflicting_duplicates"]) / len(repeated) < 0.45
    assert max(len(rc.versions[e]) for e in repeated) <= 4
    refunds = [e for e in events if e["event_type"] == "refund"]
    assert 0.03 < len(rc.found["refunds_before_purchase"]) / len(refunds) < 0.1
    assert len(rc.found["double_signups"]) >= 2
    users_with_signup = {e["user_id"] for e in events if e["event_type"] == "signup"}
    assert abs(len(users_with_signup) / expected_users(DEFAULT_N) - 0.25) < 0.03
    assert abs(len(rc.subscriptions) / expected_users(DEFAULT_N) - 0.9) < 0.1
    # every valid timestamp lies in the covered month once read as UTC
    assert all(START <= instant(e["timestamp"]) < START + timedelta(days=30) for e in events)
    assert {r[1] for r in rc.spend_rows} == set(PAID)
    assert len(rc.found["spend_negative_rows"]) == 1


def test_field_conventions(default_recount: Recount) -> None:
    rc = default_recount
    money = [e for e in rc.events.values() if e["event_type"] in ("purchase", "refund")]
    for e in money:
        if e["schema_version"] == 1:
            assert "currency" not in e and "tax" not in e
        else:
            assert e["currency"] in ("USD", "EUR", "NGN")
    assert any("tax" in e for e in money)
    assert all(e.get("refers_to_event_id") for e in money if e["event_type"] == "refund")
    assert any("page" in e for e in rc.events.values() if e["event_type"] == "page_view")
    assert all("acquisition_channel" in e for e in rc.events.values() if e["event_type"] == "signup")
    spellings = {rc.events[e]["acquisition_channel"] for e in rc.found["channel_spellings"]}
    canonical = {c.lower(): c for c in CHANNELS}
    assert all(s.strip().lower() in canonical for s in spellings)
    assert {canonical[s.strip().lower()] for s in spellings} >= set(PAID)  # every alias of a paid channel used
    for eid in rc.found["conflicting_duplicates"]:
        versions = [json.loads(raw) for raw in rc.versions[eid]]
        assert len({v["timestamp"] for v in versions}) == 1
        assert len({v["amount"] for v in versions}) > 1
    for s in rc.subscriptions:
        assert s["price"] == PLAN_PRICES[s["plan_id"]] and s["currency"] == "USD"
        assert s["status"] in ("active", "canceled")
        date.fromisoformat(s["start_date"])
        instant(s["created_at"])


def test_timestamp_styles_encode_the_same_instant() -> None:
    epoch = int(datetime(2024, 1, 5, 10, 0, tzinfo=UTC).timestamp())
    fmt = formats.format_timestamp
    assert fmt(epoch, formats.Z) == "2024-01-05T10:00:00Z"
    assert fmt(epoch, formats.NAIVE) == "2024-01-05 10:00:00"
    assert fmt(epoch, formats.OFFSET, 120) == "2024-01-05T12:00:00+0200"
    assert fmt(epoch, formats.OFFSET_COLON, 120) == "2024-01-05T12:00:00+02:00"
    assert fmt(epoch, formats.OFFSET, -300) == "2024-01-05T05:00:00-0500"
    assert fmt(epoch, formats.OFFSET_COLON, 330) == "2024-01-05T15:30:00+05:30"
    assert fmt(epoch, formats.FRACTION, fraction=".123") == "2024-01-05T10:00:00.123Z"


def test_batches_concatenate_to_the_unbatched_file(default_out: Path, tmp_path: Path) -> None:
    whole = (default_out / "events.ndjson").read_bytes()
    all_lines = whole.decode().splitlines(keepends=True)
    for k in (4, 7):
        out = tmp_path / f"k{k}"
        manifest = generate(out, DEFAULT_N, 42, "--batches", str(k))
        names = sorted(p.name for p in out.glob("events*.ndjson"))
        assert names == [f"events_{i:04d}.ndjson" for i in range(1, k + 1)]
        assert b"".join((out / name).read_bytes() for name in names) == whole
        for name in ("subscriptions.json", "marketing_spend.csv"):
            assert (out / name).read_bytes() == (default_out / name).read_bytes()
        assert_manifest_matches(manifest, recount(out, DEFAULT_N), DEFAULT_N)
        # {file, line} points at the same raw line as in the unbatched file
        offsets = {}
        for name in names:
            offsets[name] = sum(manifest["totals"]["lines"][m] for m in names if m < name)
        for x in manifest["traps"]["invalid_json"]["lines"]:
            batch_lines = (out / x["file"]).read_text().splitlines(keepends=True)
            assert batch_lines[x["line"] - 1] == all_lines[offsets[x["file"]] + x["line"] - 1]
    # some copies arrive far later: an event_id whose versions span two batch files
    where: dict[str, set[str]] = defaultdict(set)
    for name in names:
        for raw in (out / name).read_text().splitlines():
            match = re.match(r'\{"event_id": "([^"]+)"', raw)
            if match:
                where[match[1]].add(name)
    assert any(len(files) > 1 for files in where.values())


def test_rerun_with_batches_removes_the_stale_single_file(tmp_path: Path) -> None:
    generate(tmp_path, 2_000)
    generate(tmp_path, 2_000, 42, "--batches", "2")
    assert sorted(p.name for p in tmp_path.glob("events*")) == ["events_0001.ndjson", "events_0002.ndjson"]


def test_files_are_readable_by_duckdb(default_out: Path) -> None:
    con = duckdb.connect()
    subs = con.execute(f"select count(*), count(end_date) from read_json('{default_out}/subscriptions.json', "
                       "format='array')").fetchone()
    assert subs and subs[0] == len(json.loads((default_out / "subscriptions.json").read_text()))
    spend = con.execute(f"select count(*) from read_csv('{default_out}/marketing_spend.csv')").fetchone()
    assert spend and spend[0] == len((default_out / "marketing_spend.csv").read_text().splitlines()) - 1


def test_smallest_size_still_has_every_trap(tmp_path: Path) -> None:
    manifest = generate(tmp_path, 1_000, 7)
    rc = recount(tmp_path, 1_000)
    assert_manifest_matches(manifest, rc, 1_000)
    assert not [t for t in ALL_TRAPS if not rc.found[t]]


@pytest.mark.parametrize(("args", "message"), [
    (["--events", "0"], "must be > 0"),
    (["--events", "-5"], "must be > 0"),
    (["--events", "ten"], "not an integer"),
    (["--events", "500"], "at least 1000"),
    (["--events", "2000", "--batches", "0"], "must be > 0"),
    (["--events", "2000", "--batches", "2001"], "cannot exceed --events"),
    (["--events", "2000", "--start", "2024-13-01"], "not a YYYY-MM-DD date"),
])
def test_bad_arguments_fail_fast(tmp_path: Path, args: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--seed", "1", "--out", str(tmp_path), *args],
                            capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr
    assert not list(tmp_path.iterdir())


def test_unwritable_out_fails_fast(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    result = run_generator(blocker / "sub", 2_000)
    assert result.returncode == 2 and "cannot create directory" in result.stderr


def test_one_million_events(tmp_path: Path) -> None:
    """Every trap class at 1M events, the manifest equal to the recount (about 20 s)."""
    n = 1_000_000
    manifest = generate(tmp_path, n, 3)
    rc = recount(tmp_path, n)
    assert_manifest_matches(manifest, rc, n)
    assert not [t for t in ALL_TRAPS if not rc.found[t]]
    assert manifest["totals"]["users"] == expected_users(n) == 34_875
    assert manifest["generator"]["days"] == expected_days(n) == 251
    assert len(rc.found["timestamp_out_of_range"]) == round(n / DEFAULT_N)  # one per 14,337 lines


# --- time-ordered arrival (--batches K --arrival time) ---------------------------------------------
# 5,000 events span 30 days (expected_days), so 10 windows are 3 days each: file k (1-based) holds
# [Jan 1 + 3(k-1) days, Jan 1 + 3k days). Rules from the issue: on-time lines inside their window,
# then a late tail of 2-3% of the file, 1 hour to 7 days before the window's start.
TIME_N, TIME_K = 5_000, 10
TIME_ARGS = ("--batches", str(TIME_K), "--arrival", "time")
WINDOW = timedelta(days=3)
HOUR, WEEK = timedelta(hours=1), timedelta(days=7)
LATE_KINDS = ("held_back", "resent_duplicate", "correction", "refund_elsewhere")


@dataclass
class TimeFiles:
    out: Path
    manifest: dict[str, Any]
    lines: dict[str, list[str]]  # file name -> its raw lines
    late: dict[tuple[str, int], dict[str, Any]]  # (file, line) -> the manifest's late entry

    def names(self) -> list[str]:
        return sorted(self.lines)


def read_time_files(out: Path, manifest: dict[str, Any]) -> TimeFiles:
    lines = {p.name: p.read_text(encoding="utf-8").splitlines(keepends=True) for p in out.glob("events_*.ndjson")}
    late = {(x["file"], x["line"]): x for x in manifest["arrival"]["late"]}
    return TimeFiles(out, manifest, lines, late)


def reported_instant(raw: str) -> datetime | None:
    """The instant a line reports, if it is an event with a timestamp in the data's 30 days."""
    try:
        event = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("timestamp"), str):
        return None
    at = instant(event["timestamp"])
    return at if START <= at < START + timedelta(days=30) else None


@pytest.fixture(scope="session")
def time_files(tmp_path_factory: pytest.TempPathFactory) -> TimeFiles:
    out = tmp_path_factory.mktemp("time")
    return read_time_files(out, generate(out, TIME_N, 42, *TIME_ARGS))


@pytest.fixture(scope="session")
def stream_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("stream")
    generate(out, TIME_N, 42)
    return (out / "events.ndjson").read_text(encoding="utf-8").splitlines(keepends=True)


def test_time_windows_split_the_range_evenly(time_files: TimeFiles) -> None:
    files = time_files.manifest["arrival"]["files"]
    assert time_files.names() == [f"events_{k:04d}.ndjson" for k in range(1, TIME_K + 1)]
    assert [(f["file"], f["start"], f["end"]) for f in files] == [
        (f"events_{k + 1:04d}.ndjson", f"2024-01-{1 + 3 * k:02d}T00:00:00Z", f"2024-01-{4 + 3 * k:02d}T00:00:00Z")
        for k in range(TIME_K)]
    assert time_files.manifest["generator"]["arrival"] == "time"


def test_on_time_lines_fall_in_their_window_and_the_late_tail_ends_the_file(time_files: TimeFiles) -> None:
    unreadable = 0
    for k, name in enumerate(time_files.names()):
        start = START + k * WINDOW
        lines = time_files.lines[name]
        late_lines = sorted(line for file, line in time_files.late if file == name)
        # the tail is the file's last lines
        assert late_lines == list(range(len(lines) - len(late_lines) + 1, len(lines) + 1))
        for number, raw in enumerate(lines, start=1):
            at = reported_instant(raw)
            if (name, number) in time_files.late:
                assert at is not None and HOUR <= start - at <= WEEK, (name, number)
            elif at is None:
                unreadable += 1  # corrupted: travels with the event before it in the stream
            else:
                assert start <= at < start + WINDOW, (name, number)
    # the lines without a readable instant in range are the corrupted ones: not JSON, or in 2099
    traps = time_files.manifest["traps"]
    assert unreadable == traps["invalid_json"]["count"] + traps["timestamp_out_of_range"]["count"]


def test_late_tails_are_two_to_three_percent_of_every_file_after_the_first(time_files: TimeFiles) -> None:
    per_file = Counter(file for file, _ in time_files.late)
    assert per_file["events_0001.ndjson"] == 0  # nothing happened before the first window
    for name in time_files.names()[1:]:
        assert 0.02 <= per_file[name] / len(time_files.lines[name]) <= 0.03, name
    kinds = Counter(x["kind"] for x in time_files.late.values())
    assert set(kinds) == set(LATE_KINDS) and all(kinds[k] > 0 for k in LATE_KINDS)
    counts = time_files.manifest["arrival"]["late_lines"]
    assert counts == {"count": len(time_files.late), **{k: kinds[k] for k in LATE_KINDS}}


def test_every_line_of_the_stream_arrives_exactly_once(time_files: TimeFiles, stream_lines: list[str]) -> None:
    delivered: Counter[str] = Counter()
    added = 0
    for name in time_files.names():
        for number, raw in enumerate(time_files.lines[name], start=1):
            kind = time_files.late.get((name, number), {}).get("kind")
            if kind in ("resent_duplicate", "correction"):
                added += 1  # new lines, not of the dataset
            else:
                delivered[raw] += 1
    assert delivered == Counter(stream_lines)
    assert added == time_files.manifest["arrival"]["added_lines"]
    assert sum(len(lines) for lines in time_files.lines.values()) == TIME_N + added


def test_late_lines_are_what_their_kind_says(time_files: TimeFiles, stream_lines: list[str]) -> None:
    # where each event_id's lines are, in arrival order
    event_id = re.compile(r'\{"event_id": "([^"]+)"')
    seen: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for name in time_files.names():
        for number, raw in enumerate(time_files.lines[name], start=1):
            if match := event_id.match(raw):
                seen[match[1]].append((name, number, raw))
    in_stream = Counter(match[1] for raw in stream_lines if (match := event_id.match(raw)))
    changes: Counter[str] = Counter()
    for (name, number), entry in time_files.late.items():
        raw = time_files.lines[name][number - 1]
        event = json.loads(raw)
        assert event["event_id"] == entry["event_id"]
        versions = seen[entry["event_id"]]
        if entry["kind"] in ("held_back", "refund_elsewhere"):
            # the only line of a single-version event: nowhere else
            assert versions == [(name, number, raw)] and in_stream[entry["event_id"]] == 1
        else:
            # the event's one line of the dataset came in an earlier file; this is a second line
            (first_file, _, first_raw), (late_file, late_number, _) = versions
            assert first_file < name and (late_file, late_number) == (name, number)
            if entry["kind"] == "resent_duplicate":
                assert raw == first_raw
            else:
                assert raw != first_raw
                original = json.loads(first_raw)
                assert set(original) == set(event)
                changed = {key for key in event if event[key] != original[key]}
                assert changed in ({"amount"}, {"amount", "tax"}, {"timestamp"}, {"user_id"}), changed
                changes["amount" if "amount" in changed else changed.pop()] += 1
                if "timestamp" in event and instant(event["timestamp"]) != instant(original["timestamp"]):
                    moved = abs(instant(event["timestamp"]) - instant(original["timestamp"]))
                    assert HOUR <= moved <= 8 * HOUR
                    if instant(event["timestamp"]).date() != instant(original["timestamp"]).date():
                        changes["across_a_day"] += 1
        if entry["kind"] == "refund_elsewhere":
            assert event["event_type"] == "refund"
            purchase_file = seen[event["refers_to_event_id"]][0][0]  # where the purchase first arrived
            assert purchase_file != name
    assert {"amount", "timestamp", "user_id", "across_a_day"} <= set(changes), changes


def test_time_arrival_manifest_equals_recount(time_files: TimeFiles) -> None:
    rc = recount(time_files.out, TIME_N)
    assert_manifest_matches(time_files.manifest, rc, TIME_N, time_files.manifest["arrival"]["added_lines"])
    assert not [t for t in ALL_TRAPS if not rc.found[t]]


def test_time_arrival_trap_lines_hold_their_traps(time_files: TimeFiles) -> None:
    traps = time_files.manifest["traps"]
    for trap in QUARANTINE:
        assert traps[trap]["lines"], trap
        for where in traps[trap]["lines"]:
            raw = time_files.lines[where["file"]][where["line"] - 1]
            try:
                event = json.loads(raw)
            except json.JSONDecodeError:
                event = None
            if trap == "invalid_json":
                assert not isinstance(event, dict), raw
                continue
            assert isinstance(event, dict), raw
            if trap == "missing_user_id":
                assert event.get("user_id") is None, raw
            elif trap == "invalid_amount":
                assert not is_number(event["amount"]), raw
            elif trap == "negative_amount":
                assert event["event_type"] == "purchase" and event["amount"] < 0, raw
            else:
                assert instant(event["timestamp"]) >= START + timedelta(days=30), raw


def test_time_arrival_is_deterministic_and_leaves_the_side_files_alone(time_files: TimeFiles, tmp_path: Path) -> None:
    generate(tmp_path, TIME_N, 42, *TIME_ARGS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in time_files.out.iterdir())
    for path in time_files.out.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    stream = tmp_path / "stream"
    generate(stream, TIME_N, 42, "--batches", str(TIME_K))
    for name in ("subscriptions.json", "marketing_spend.csv"):
        assert (stream / name).read_bytes() == (tmp_path / name).read_bytes()


def test_time_arrival_needs_batches(tmp_path: Path) -> None:
    result = run_generator(tmp_path, 2_000, 42, "--arrival", "time")
    assert result.returncode == 2 and "--arrival time needs --batches" in result.stderr
