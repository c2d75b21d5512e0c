#!/usr/bin/env python3
"""Synthetic take-home dataset: events with every trap, subscriptions, marketing spend.

The default dataset committed in data/ is produced, from the repository root, by exactly:

    .venv/bin/python scripts/generate_data.py --events 14337 --seed 42 --out data

Usage: generate_data.py --events N --seed S --out DIR [--batches K] [--start YYYY-MM-DD] [--quiet]

Writes into DIR:
- events.ndjson, or with --batches K the files events_0001.ndjson ... events_000K.ndjson
  (their concatenation equals events.ndjson for the same seed, byte for byte). Exactly N lines.
- subscriptions.json: a JSON array, "[" on the first line, one compact object per line,
  "]" on the last line.
- marketing_spend.csv: header `date,channel,spend`.
- manifest.json: every injected trap with its count and event_ids, line numbers
  ({file, line}, 1-based, per file) or subscription_ids; lists stop at LIST_CAP entries
  ("truncated": true) while counts stay exact. Also the totals.
Stale events.ndjson / events_NNNN.ndjson files already in DIR are removed first.

Field conventions: amounts are JSON numbers with two decimals, priced locally (NGN amounts
are in the thousands); schema v1 purchases and refunds have no currency key; only v2+
purchases carry tax; `page` (on some page_views) belongs to the original data and is not
counted as an unknown field; null appears only as user_id (a trap) and as a subscription's
end_date. Manifest counts of event traps are distinct event_ids; canceled_without_end_date
also counts the canceled record of every duplicate_subscription_id.

Same arguments give byte-identical files (numpy Generator streams: pin the numpy version).
Events are generated in fixed-size chunks with vectorised draws and written as they go;
memory holds one chunk, a bounded pool of recent purchases, the pending duplicate copies
and per-user arrays (a few bytes per user), so it stays flat as N grows.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import heapq
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

# --- profile of the original take-home (14,337 lines, 500 users, one month) -----------------
DEFAULT_EVENTS = 14_337
DEFAULT_USERS = 500
DEFAULT_DAYS = 30
MIN_EVENTS = 1_000  # below this the trap catalogue does not fit
CHUNK = 65_536  # base events per chunk; fixed, so the output never depends on --batches
LIST_CAP = 10_000  # ids or lines listed per trap in the manifest (counts stay exact)
DAY = 86_400

EVENT_TYPES = ("login", "page_view", "purchase", "refund", "signup",
               "trial_start", "trial_convert", "cancel")
LOGIN, PAGE_VIEW, PURCHASE, REFUND, SIGNUP, TRIAL_START, TRIAL_CONVERT, CANCEL = range(8)
DRAWN_TYPE_P = np.array([0.72, 0.22, 0.038, 0.007])  # the rest are planned (signups, rare types)
DRAWN_TYPE_P /= DRAWN_TYPE_P.sum()
SCHEMA_V2_SHARE = 0.79
PAGE_SHARE = 0.4  # page_views carrying an extra `page` field
PAGES = ("/", "/pricing", "/features", "/blog", "/docs", "/checkout", "/account")
UNKNOWN_FIELDS = (', "device": "ios"', ', "app_version": "5.2.1"',
                  ', "utm_campaign": "winter_sale"', ', "ip_country": "NG"')

Z, NAIVE, OFFSET, OFFSET_COLON, FRACTION = range(5)  # timestamp styles
NAIVE_SHARE = 0.113
OFFSET_MINUTES = (120, 60, 0, -300)  # written +0200, +0100, +0000, -0500
COLON_OFFSET_MINUTES = (120, -300, 330, 60)  # written +02:00, -05:00, +05:30, +01:00

CURRENCIES = ("USD", "EUR", "NGN")
CURRENCY_P = (0.60, 0.22, 0.18)
PRICES_CENTS = {  # one catalogue, priced locally
    "USD": (499, 999, 1999, 2999, 4999, 9999),
    "EUR": (449, 899, 1799, 2699, 4499, 8999),
    "NGN": (750_000, 1_500_000, 3_000_000, 4_500_000, 7_500_000, 15_000_000),
}
TAX_RATE = {"USD": 0.08, "EUR": 0.20, "NGN": 0.075}
TAX_SHARE = 0.3  # v2+ purchases carrying tax

CHANNELS = ("Google", "Facebook", "TikTok", "Influencer", "Organic", "Referral")
CHANNEL_P = (0.30, 0.24, 0.14, 0.10, 0.14, 0.08)
PAID_CHANNELS = CHANNELS[:4]
CHANNEL_SPELLINGS = {  # case/spacing variants; strip().lower() maps each to its channel
    "Google": ("google", " Google", "GOOGLE"), "Facebook": (" Facebook ", "facebook"),
    "TikTok": ("TIKTOK", "tiktok", "Tiktok"), "Influencer": ("influencer", "Influencer "),
    "Organic": ("organic", "ORGANIC"), "Referral": ("referral ", "REFERRAL"),
}
SIGNUP_SHARE = 0.25  # of users; the others predate the data
DAILY_SPEND_CENTS = {"Google": 42_000, "Facebook": 31_000, "TikTok": 19_000, "Influencer": 12_000}

DUP_ID_SHARE = 0.0147  # repeated event_ids per line (~1.5% of event_ids)
DUP_CONFLICTING_SHARE = 1 / 3
DUP_EXTRA_COPIES_P = (0.80, 0.15, 0.05)  # 1, 2 or 3 copies besides the first version
REFUND_BEFORE_EVERY, ORPHAN_EVERY, NEGATIVE_REFUND_EVERY = 16, 33, 33  # ~6%, ~3%, ~3%
POOL_CAP = 4_096  # recent purchases a refund can refer to

# Per-trap counts at the default size; scaled linearly with N (at least 1).
SPECIALS_AT_DEFAULT = {  # standalone lines the pipeline must quarantine
    "truncated_json": 1, "plain_text": 1, "missing_user_key": 1, "null_user_id": 1,
    "amount_ten": 1, "negative_purchase": 3, "year_2099": 1,
}
SPECIAL_REASON = {
    "truncated_json": "invalid_json", "plain_text": "invalid_json",
    "missing_user_key": "missing_user_id", "null_user_id": "missing_user_id",
    "amount_ten": "invalid_amount", "negative_purchase": "negative_amount",
    "year_2099": "timestamp_out_of_range",
}
PLAIN_TEXT_LINES = ("ERROR 502 Bad Gateway: upstream export timed out",
                    "--- export resumed after connection reset ---")
QUOTAS_AT_DEFAULT = {
    "offset_hhmm": 29, "offset_colon": 6, "fractional": 6, "unknown_fields": 6,
    "future_schema_version": 5, "trial_start": 25, "trial_convert": 12, "cancel": 10,
    "channel_spellings": 6, "double_signups": 2,
    "overlapping_subscriptions": 3, "reactivations": 3, "canceled_without_end_date": 4,
    "active_with_end_date": 4, "duplicate_subscription_ids": 3,
}
SUBSCRIPTION_HISTORY_DAYS = 90  # subscriptions may start this long before the events do
PLANS = (("basic", 9.99), ("pro", 19.99), ("team", 49.99))
PLAN_P = (0.5, 0.35, 0.15)

TRAPS: dict[str, tuple[str, ...]] = {  # manifest key -> the lists it carries
    "invalid_json": ("lines",),
    "missing_user_id": ("lines", "event_ids"),
    "invalid_amount": ("lines", "event_ids"),
    "negative_amount": ("lines", "event_ids"),
    "timestamp_out_of_range": ("lines", "event_ids"),
    "exact_duplicates": ("event_ids",),
    "conflicting_duplicates": ("event_ids",),
    "refunds_before_purchase": ("event_ids",),
    "orphan_refunds": ("event_ids",),
    "negative_refunds": ("event_ids",),
    "offset_timestamps": ("event_ids",),
    "naive_timestamps": ("event_ids",),
    "fractional_timestamps": ("event_ids",),
    "unknown_fields": ("event_ids",),
    "future_schema_version": ("event_ids",),
    "double_signups": ("user_ids", "event_ids"),
    "channel_spellings": ("event_ids", "values"),
    "duplicate_subscription_ids": ("subscription_ids",),
    "canceled_without_end_date": ("subscription_ids",),
    "active_with_end_date": ("subscription_ids",),
    "overlapping_subscriptions": ("user_ids", "subscription_ids"),
    "reactivations": ("user_ids", "subscription_ids"),
    "spend_duplicate_rows": ("lines",),
    "spend_negative_rows": ("lines",),
    "spend_missing_days": ("rows",),
}

Int64s = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Config:
    events: int
    seed: int
    out: Path
    batches: int | None
    start: date
    quiet: bool

    @property
    def scale(self) -> float:
        return self.events / DEFAULT_EVENTS

    @property
    def days(self) -> int:
        return min(max(round(DEFAULT_DAYS * math.sqrt(self.scale)), DEFAULT_DAYS), 730)

    @property
    def users(self) -> int:
        return round(DEFAULT_USERS * self.scale)

    @property
    def t0(self) -> int:
        return int(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp())

    @property
    def t1(self) -> int:
        return self.t0 + self.days * DAY

    def count(self, at_default: int) -> int:
        """A trap's count at this size: linear in N, at least one."""
        return max(1, round(at_default * self.scale))


# --- small helpers -------------------------------------------------------------------------------
def share(total: int, lo: int, hi: int, size: int) -> tuple[int, int]:
    """The slice [from, to) of `total` planned items that falls in positions [lo, hi) of `size`."""
    return total * lo // size, total * hi // size


def money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def amount_fields(cents: int, currency: str | None) -> str:
    """The amount, and the currency unless schema v1 (which has none)."""
    return f', "amount": {money(cents)}' + (f', "currency": "{currency}"' if currency else "")


def format_timestamp(epoch: int, style: int, offset_minutes: int = 0, fraction: str = "") -> str:
    """The instant `epoch` (UTC seconds) written in `style`; offsets shift the wall clock."""
    wall = datetime.fromtimestamp(epoch, UTC) + timedelta(minutes=offset_minutes)
    text = wall.strftime("%Y-%m-%dT%H:%M:%S")
    if style == NAIVE:
        return text.replace("T", " ")
    if style in (OFFSET, OFFSET_COLON):
        sign = "-" if offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(offset_minutes), 60)
        colon = ":" if style == OFFSET_COLON else ""
        return f"{text}{sign}{hours:02d}{colon}{minutes:02d}"
    return f"{text}{fraction}Z"


def event_ids(counters: npt.NDArray[np.uint64], key: np.uint64) -> list[str]:
    """Random-looking, collision-free ids: a bijective 64-bit mix (splitmix64) of a counter."""
    z = counters + key
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return [f"evt_{x:016x}" for x in z.tolist()]


def user_id(index: int) -> str:
    return f"u_{index + 1:06d}"


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

    def write(self, lines: list[str]) -> None:
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


# --- users and signups ---------------------------------------------------------------------------
@dataclass
class Users:
    first_seen: Int64s  # earliest instant a user acts: the data's start, or their signup
    cdf: npt.NDArray[np.float64]  # who acts: weight proportional to the user's active span
    signed_up: npt.NDArray[np.bool_]
    # signup events in the order they are placed in the stream
    signup_user: Int64s
    signup_ts: Int64s
    signup_channel: list[str]
    signup_second: list[bool]  # the second signup of a user who signed up twice
    signup_spelled: list[bool]  # channel written in a non-canonical spelling


def make_users(cfg: Config, rng: np.random.Generator) -> Users:
    n = cfg.users
    first_seen = np.full(n, cfg.t0, dtype=np.int64)
    n_signed = round(SIGNUP_SHARE * n)
    signed = rng.choice(n, n_signed, replace=False)
    signup_ts = cfg.t0 + rng.integers(0, cfg.t1 - cfg.t0 - 3600, n_signed)
    first_seen[signed] = signup_ts
    span = (cfg.t1 - first_seen).astype(np.float64)
    channel = rng.choice(len(CHANNELS), n_signed, p=CHANNEL_P)
    spelled = np.zeros(n_signed, dtype=np.bool_)
    n_spelled = cfg.count(QUOTAS_AT_DEFAULT["channel_spellings"])
    for c in range(len(CHANNELS)):  # spread over every channel
        candidates = np.flatnonzero(channel == c)
        wanted = len(range(c, n_spelled, len(CHANNELS)))
        spelled[rng.choice(candidates, min(wanted, len(candidates)), replace=False)] = True
    texts = [rng.choice(CHANNEL_SPELLINGS[CHANNELS[c]]) if s else CHANNELS[c]
             for c, s in zip(channel.tolist(), spelled.tolist())]
    # users who sign up twice: a second, later signup through another channel
    twice = rng.choice(n_signed, cfg.count(QUOTAS_AT_DEFAULT["double_signups"]), replace=False)
    again_ts = signup_ts[twice] + rng.integers(3600, cfg.t1 - signup_ts[twice])
    again = [CHANNELS[(c + 1 + int(rng.integers(len(CHANNELS) - 1))) % len(CHANNELS)]
             for c in channel[twice].tolist()]
    order = rng.permutation(n_signed + len(twice))  # the order signups are placed in the stream
    texts += again
    second = [False] * n_signed + [True] * len(twice)
    spelled_all = spelled.tolist() + [False] * len(twice)
    signed_mask = np.zeros(n, dtype=np.bool_)
    signed_mask[signed] = True
    return Users(
        first_seen=first_seen, cdf=np.cumsum(span) / span.sum(), signed_up=signed_mask,
        signup_user=np.concatenate([signed, signed[twice]])[order],
        signup_ts=np.concatenate([signup_ts, again_ts])[order],
        signup_channel=[str(texts[i]) for i in order.tolist()],
        signup_second=[second[i] for i in order.tolist()],
        signup_spelled=[spelled_all[i] for i in order.tolist()],
    )


# --- events --------------------------------------------------------------------------------------
@dataclass
class Purchase:
    event_id: str
    ts: int
    user: int
    cents: int
    currency: str | None  # None for schema v1 (USD by contract)


@dataclass
class Amount:
    """An amount event's money fields, as written in its line."""
    cents: int
    currency: str | None

    @property
    def text(self) -> str:
        return amount_fields(self.cents, self.currency)


class EventStream:
    """Plans the whole stream up front (counts only), then generates and writes it chunk by chunk.

    The N lines are B base events (each a distinct valid event_id, in file order), C copies of
    earlier base events (duplicates) and X standalone corrupted lines. Copies and corrupted lines
    are inserted after a chosen base event, so their places never depend on chunking or batching.
    """

    def __init__(self, cfg: Config, users: Users, manifest: Manifest, seeds: list[np.random.SeedSequence]) -> None:
        self.cfg, self.users, self.manifest = cfg, users, manifest
        self.rng = np.random.Generator(np.random.PCG64(seeds[0]))  # base events
        self.srng = np.random.Generator(np.random.PCG64(seeds[1]))  # specials and duplicates plan
        self.id_key = np.uint64(self.srng.integers(0, 2**63))
        self.specials = [kind for kind, k in SPECIALS_AT_DEFAULT.items() for _ in range(cfg.count(k))]
        self.srng.shuffle(self.specials)
        n_groups = round(DUP_ID_SHARE * cfg.events)
        self.dup_conflicting = self.srng.random(n_groups) < DUP_CONFLICTING_SHARE
        self.dup_copies = 1 + self.srng.choice(3, n_groups, p=DUP_EXTRA_COPIES_P)
        self.base = cfg.events - len(self.specials) - int(self.dup_copies.sum())
        self.special_at = np.sort(self.srng.integers(0, self.base, len(self.specials)))
        self.quotas = {name: cfg.count(QUOTAS_AT_DEFAULT[name]) for name in (
            "offset_hhmm", "offset_colon", "fractional", "unknown_fields", "future_schema_version",
            "trial_start", "trial_convert", "cancel")}
        self.pending: list[tuple[int, int, str]] = []  # heap of (after base index, seq, line)
        self.seq = 0
        self.pool: list[Purchase] = []
        self.refunds_seen = 0
        self.orphans = 0
        self.next_special = 0
        self.type_counts = np.zeros(len(EVENT_TYPES), dtype=np.int64)
        self.seen_users = np.zeros(cfg.users, dtype=np.bool_)

    def run(self, writer: EventWriter, progress: tqdm[Any]) -> None:
        for lo in range(0, self.base, CHUNK):
            lines = self.chunk(lo, min(lo + CHUNK, self.base), writer)
            writer.write(lines)
            progress.update(len(lines))
        assert writer.index == self.cfg.events and not self.pending

    def pick(self, candidates: npt.NDArray[np.bool_], k: int) -> Int64s:
        where = np.flatnonzero(candidates)
        return self.rng.choice(where, min(k, len(where)), replace=False)

    def chunk(self, lo: int, hi: int, writer: EventWriter) -> list[str]:
        cfg, users, rng, n = self.cfg, self.users, self.rng, hi - lo
        user = np.minimum(np.searchsorted(users.cdf, rng.random(n), side="right"), cfg.users - 1)
        start = users.first_seen[user]
        ts = start + (rng.random(n) * (cfg.t1 - start)).astype(np.int64)
        types = rng.choice(len(DRAWN_TYPE_P), n, p=DRAWN_TYPE_P)
        extras = [""] * n
        ids = event_ids(np.arange(lo, hi, dtype=np.uint64), self.id_key)

        s_from, s_to = share(len(users.signup_user), lo, hi, self.base)
        at = rng.choice(n, s_to - s_from, replace=False)
        types[at], user[at], ts[at] = SIGNUP, users.signup_user[s_from:s_to], users.signup_ts[s_from:s_to]
        for i, s in zip(at.tolist(), range(s_from, s_to)):
            extras[i] = f', "acquisition_channel": "{users.signup_channel[s]}"'
            if users.signup_second[s]:
                self.manifest.add("double_signups", user_ids=[user_id(int(user[i]))], event_ids=[ids[i]])
            if users.signup_spelled[s]:
                self.manifest.add("channel_spellings", event_ids=[ids[i]], values=[users.signup_channel[s]])
        for kind, name in ((TRIAL_START, "trial_start"), (TRIAL_CONVERT, "trial_convert"), (CANCEL, "cancel")):
            types[self.pick(types <= PAGE_VIEW, self.planned(name, lo, hi))] = kind

        version = np.where(rng.random(n) < SCHEMA_V2_SHARE, 2, 1)
        future = self.pick(np.ones(n, dtype=np.bool_), self.planned("future_schema_version", lo, hi))
        version[future] = 3
        style = np.where(rng.random(n) < NAIVE_SHARE, NAIVE, Z)
        has_money = (types == PURCHASE) | (types == REFUND)
        style[self.pick(style <= NAIVE, self.planned("offset_hhmm", lo, hi))] = OFFSET
        style[self.pick(style <= NAIVE, self.planned("offset_colon", lo, hi))] = OFFSET_COLON
        style[self.pick((style <= NAIVE) & ~has_money, self.planned("fractional", lo, hi))] = FRACTION
        text = np.datetime_as_string(ts.astype("datetime64[s]"), unit="s")
        stamps: list[str] = np.where(style == NAIVE, np.strings.replace(text, "T", " "),
                                     np.strings.add(text, "Z")).tolist()
        for i in np.flatnonzero(style >= OFFSET).tolist():
            stamps[i] = self.stamp(int(ts[i]), int(style[i]))

        pages = np.flatnonzero((types == PAGE_VIEW) & (rng.random(n) < PAGE_SHARE))
        for i, p in zip(pages.tolist(), rng.integers(len(PAGES), size=len(pages)).tolist()):
            extras[i] = f', "page": "{PAGES[p]}"'
        amounts = self.money_events(types, version, user, ts, stamps, extras, ids, style)
        unknown = self.pick(np.ones(n, dtype=np.bool_), self.planned("unknown_fields", lo, hi))
        for i, f in zip(unknown.tolist(), rng.integers(len(UNKNOWN_FIELDS), size=len(unknown)).tolist()):
            extras[i] += UNKNOWN_FIELDS[f]

        lines = [f'{{"event_id": "{e}", "user_id": "u_{u + 1:06d}", "event_type": "{EVENT_TYPES[t]}", '
                 f'"timestamp": "{s}", "schema_version": {v}{x}}}\n'
                 for e, u, t, s, v, x in zip(ids, user.tolist(), types.tolist(), stamps, version.tolist(), extras)]

        self.record(ids, style, version, unknown)
        self.type_counts += np.bincount(types, minlength=len(EVENT_TYPES))
        self.seen_users[user] = True
        self.schedule_copies(lo, hi, lines, ids, amounts)
        return self.splice(lo, hi, lines, writer)

    def planned(self, name: str, lo: int, hi: int) -> int:
        first, last = share(self.quotas[name], lo, hi, self.base)
        return last - first

    def stamp(self, epoch: int, style: int) -> str:
        if style == OFFSET:
            return format_timestamp(epoch, style, OFFSET_MINUTES[int(self.rng.integers(len(OFFSET_MINUTES)))])
        if style == OFFSET_COLON:
            offset = COLON_OFFSET_MINUTES[int(self.rng.integers(len(COLON_OFFSET_MINUTES)))]
            return format_timestamp(epoch, style, offset)
        if style == FRACTION:
            digits = 3 if self.rng.random() < 0.5 else 6
            return format_timestamp(epoch, style, fraction=f".{int(self.rng.integers(10**digits)):0{digits}d}")
        return format_timestamp(epoch, style)

    def money_events(self, types: Int64s, version: Int64s, user: Int64s, ts: Int64s, stamps: list[str],
                     extras: list[str], ids: list[str], style: Int64s) -> dict[int, Amount]:
        """Amount fields of purchases and refunds, in file order (refunds need earlier purchases)."""
        rng, cfg = self.rng, self.cfg
        where = np.flatnonzero((types == PURCHASE) | (types == REFUND)).tolist()
        currency_idx = rng.choice(len(CURRENCIES), len(where), p=CURRENCY_P).tolist()
        price_idx = rng.integers(len(PRICES_CENTS["USD"]), size=len(where)).tolist()
        draws = rng.random((len(where), 4)).tolist()  # tax?, which purchase, delay, partial refund
        amounts: dict[int, Amount] = {}
        rows = zip(where, currency_idx, price_idx, draws)
        for i, cur, price, (tax_draw, pick_draw, delay_draw, partial_draw) in rows:
            schema_v1 = version[i] == 1
            if types[i] == PURCHASE:
                currency = None if schema_v1 else CURRENCIES[cur]
                amount = Amount(PRICES_CENTS[currency or "USD"][price], currency)
                extras[i] = amount.text
                if amount.currency and tax_draw < TAX_SHARE:
                    extras[i] += f', "tax": {money(round(amount.cents * TAX_RATE[amount.currency]))}'
                self.remember(Purchase(ids[i], int(ts[i]), int(user[i]), amount.cents, amount.currency), pick_draw)
                amounts[i] = amount
                continue
            r = self.refunds_seen
            if r % ORPHAN_EVERY == 1:  # refers to a purchase that exists nowhere
                self.orphans += 1
                ref = event_ids(np.array([(1 << 41) + self.orphans], dtype=np.uint64), self.id_key)[0]
                currency, cents = CURRENCIES[cur], PRICES_CENTS[CURRENCIES[cur]][price]
                self.manifest.add("orphan_refunds", event_ids=[ids[i]])
            elif self.pool:
                j = int(pick_draw * len(self.pool))  # each purchase is refunded at most once
                bought, self.pool[j] = self.pool[j], self.pool[-1]
                self.pool.pop()
                ref, currency, user[i] = bought.event_id, bought.currency or "USD", bought.user
                cents = bought.cents if partial_draw < 0.8 else max(1, round(bought.cents * (partial_draw - 0.7) * 3))
                room = bought.ts - cfg.t0
                if r % REFUND_BEFORE_EVERY == 0 and room >= 120:
                    ts[i] = bought.ts - 60 - int(delay_draw * (min(3 * DAY, room) - 60))
                else:
                    ts[i] = min(bought.ts + 300 + int(delay_draw * 14 * DAY), cfg.t1 - 1)
                if ts[i] < bought.ts:
                    self.manifest.add("refunds_before_purchase", event_ids=[ids[i]])
                stamps[i] = self.stamp(int(ts[i]), int(style[i]))
            else:  # nothing bought yet: this event becomes a login
                types[i] = LOGIN
                continue
            self.refunds_seen += 1
            if r % NEGATIVE_REFUND_EVERY == 2:
                cents = -cents
                self.manifest.add("negative_refunds", event_ids=[ids[i]])
            amounts[i] = Amount(cents, None if schema_v1 else currency)
            extras[i] = amounts[i].text + f', "refers_to_event_id": "{ref}"'
        return amounts

    def remember(self, purchase: Purchase, draw: float) -> None:
        if len(self.pool) < POOL_CAP:
            self.pool.append(purchase)
        else:
            self.pool[int(draw * POOL_CAP)] = purchase

    def record(self, ids: list[str], style: Int64s, version: Int64s, unknown: Int64s) -> None:
        def listed(mask: npt.NDArray[np.bool_]) -> list[str]:
            return [ids[i] for i in np.flatnonzero(mask)[:LIST_CAP].tolist()]

        for name, mask in (("offset_timestamps", (style == OFFSET) | (style == OFFSET_COLON)),
                           ("naive_timestamps", style == NAIVE), ("fractional_timestamps", style == FRACTION),
                           ("future_schema_version", version == 3)):
            self.manifest.add(name, count=int(mask.sum()), event_ids=listed(mask))
        self.manifest.add("unknown_fields", event_ids=[ids[i] for i in sorted(unknown.tolist())])

    def schedule_copies(self, lo: int, hi: int, lines: list[str], ids: list[str], amounts: dict[int, Amount]) -> None:
        """Choose this chunk's duplicated events and queue their copies for later places."""
        rng = self.srng
        g_from, g_to = share(len(self.dup_copies), lo, hi, self.base)
        conflicting = self.dup_conflicting[g_from:g_to].copy()
        copies = self.dup_copies[g_from:g_to]
        with_money = np.array(sorted(amounts), dtype=np.int64)
        n_conf = min(int(conflicting.sum()), len(with_money))
        conflicting[np.flatnonzero(conflicting)[n_conf:]] = False  # not enough amounts: exact copies
        sources = np.empty(len(copies), dtype=np.int64)
        sources[conflicting] = rng.choice(with_money, n_conf, replace=False)
        free = np.ones(hi - lo, dtype=np.bool_)
        free[sources[conflicting]] = False
        sources[~conflicting] = rng.choice(np.flatnonzero(free), int((~conflicting).sum()), replace=False)

        n_copies = int(copies.sum())
        near, kind = rng.integers(0, 20, n_copies), rng.random(n_copies)
        delay = np.where(kind < 0.6, near, np.where(kind < 0.92, rng.integers(20, 3_000, n_copies),
                                                    rng.integers(self.base // 4, 3 * self.base // 4 + 1, n_copies)))
        at = np.minimum(lo + np.repeat(sources, copies) + delay, self.base - 1).tolist()
        c = 0
        exact_ids: list[str] = []
        conflicting_ids: list[str] = []
        for src, k, conf in zip(sources.tolist(), copies.tolist(), conflicting.tolist()):
            (conflicting_ids if conf else exact_ids).append(ids[src])
            for _ in range(k):
                line = self.conflicting_copy(lines[src], amounts[src]) if conf else lines[src]
                heapq.heappush(self.pending, (at[c], self.seq, line))
                self.seq += 1
                c += 1
        self.manifest.add("exact_duplicates", event_ids=exact_ids)
        self.manifest.add("conflicting_duplicates", event_ids=conflicting_ids)

    def conflicting_copy(self, line: str, amount: Amount) -> str:
        """Same event_id and timestamp; another amount, or another amount and currency."""
        rng, cents, currency = self.srng, abs(amount.cents), amount.currency
        if currency and rng.random() < 0.5:
            currency = [c for c in CURRENCIES if c != currency][int(rng.integers(2))]
            cents = PRICES_CENTS[currency][int(rng.integers(len(PRICES_CENTS[currency])))]
        else:
            step = max(1, round(cents * (0.05, 0.1, 0.25, 0.5)[int(rng.integers(4))]))
            cents = cents + step if rng.random() < 0.5 or cents <= step else cents - step
        sign = 1 if amount.cents > 0 else -1  # a negative refund stays negative
        if currency != amount.currency and ', "tax": ' in line:
            # a tax follows its amount into the new currency
            tax = f', "tax": {money(round(cents * TAX_RATE[currency]))}'
            line = re.sub(r', "tax": [0-9.]+', tax, line, count=1)
        return line.replace(amount.text, amount_fields(sign * cents, currency), 1)

    def splice(self, lo: int, hi: int, lines: list[str], writer: EventWriter) -> list[str]:
        """Insert the copies and corrupted lines due after base events lo..hi-1."""
        inserts: list[tuple[int, int, str, str | None, str | None]] = []
        while self.pending and self.pending[0][0] < hi:
            at, seq, line = heapq.heappop(self.pending)
            inserts.append((at, seq, line, None, None))
        while self.next_special < len(self.specials) and self.special_at[self.next_special] < hi:
            kind = self.specials[self.next_special]
            line, eid = self.special_line(kind)
            inserts.append((int(self.special_at[self.next_special]), self.seq, line, kind, eid))
            self.seq += 1
            self.next_special += 1
        inserts.sort()
        out: list[str] = []
        done = 0
        for after, _, text, special, special_id in inserts:
            cut = after - lo + 1
            out.extend(lines[done:cut])
            done = cut
            if special:
                where = [writer.locate(writer.index + len(out))]
                if special_id:
                    self.manifest.add(SPECIAL_REASON[special], lines=where, event_ids=[special_id])
                else:
                    self.manifest.add(SPECIAL_REASON[special], lines=where)
            out.append(text)
        out.extend(lines[done:])
        return out

    def special_line(self, kind: str) -> tuple[str, str | None]:
        """A corrupted line, and its event_id when it has one."""
        rng, cfg = self.srng, self.cfg
        eid = event_ids(np.array([(1 << 40) + self.next_special], dtype=np.uint64), self.id_key)[0]
        uid = user_id(int(rng.integers(cfg.users)))
        epoch = cfg.t0 + int(rng.integers(cfg.t1 - cfg.t0))
        if kind == "year_2099":
            epoch += int(datetime(2099, 1, 1, tzinfo=UTC).timestamp()) - cfg.t0
        head = f'{{"event_id": "{eid}", "user_id": "{uid}", '
        body = f'"event_type": "login", "timestamp": "{format_timestamp(epoch, Z)}", "schema_version": 2'
        if kind == "plain_text":
            return PLAIN_TEXT_LINES[int(rng.integers(len(PLAIN_TEXT_LINES)))] + "\n", None
        if kind == "truncated_json":
            full = head + body + "}"
            return full[:int(rng.integers(30, len(full) - 2))] + "\n", None
        if kind == "missing_user_key":
            head = f'{{"event_id": "{eid}", '
        elif kind == "null_user_id":
            head = f'{{"event_id": "{eid}", "user_id": null, '
        elif kind in ("amount_ten", "negative_purchase"):
            cents = PRICES_CENTS["USD"][int(rng.integers(len(PRICES_CENTS["USD"])))]
            amount = '"ten"' if kind == "amount_ten" else money(-cents)
            body = body.replace('"login"', '"purchase"') + f', "amount": {amount}, "currency": "USD"'
        return head + body + "}\n", eid


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


# --- command line --------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=positive_int, required=True, metavar="N", help="event lines to write")
    parser.add_argument("--seed", type=int, required=True, metavar="S")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--batches", type=positive_int, metavar="K", help="split events into K files")
    parser.add_argument("--start", type=iso_date, default=date(2024, 1, 1), metavar="YYYY-MM-DD",
                        help="first day of the data (default 2024-01-01)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.events < MIN_EVENTS:
        parser.error(f"--events must be at least {MIN_EVENTS} to hold every trap, got {args.events}")
    if args.batches and args.batches > args.events:
        parser.error(f"--batches ({args.batches}) cannot exceed --events ({args.events})")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"--out {args.out}: cannot create directory: {err.strerror}")
    if not os.access(args.out, os.W_OK | os.X_OK):
        parser.error(f"--out {args.out}: directory is not writable")
    return Config(args.events, args.seed, args.out, args.batches, args.start, args.quiet)


def generate(cfg: Config) -> dict[str, Any]:
    for stale in cfg.out.iterdir():
        if re.fullmatch(r"events(_\d{4})?\.ndjson", stale.name):
            stale.unlink()
    seeds = np.random.SeedSequence(cfg.seed).spawn(5)
    manifest = Manifest()
    users = make_users(cfg, np.random.Generator(np.random.PCG64(seeds[0])))
    stream = EventStream(cfg, users, manifest, seeds[1:3])
    writer = EventWriter(cfg.out, cfg.events, cfg.batches)
    with tqdm(total=cfg.events, unit="line", unit_scale=True, desc="events",
              disable=cfg.quiet or not sys.stderr.isatty()) as progress:
        try:
            stream.run(writer, progress)
        finally:
            writer.close()
    n_subscriptions = write_subscriptions(cfg, users, np.random.Generator(np.random.PCG64(seeds[3])), manifest)
    n_spend = write_spend(cfg, np.random.Generator(np.random.PCG64(seeds[4])), manifest)
    quarantined = len(stream.specials)
    result = {
        "generator": {"events": cfg.events, "seed": cfg.seed, "batches": cfg.batches,
                      "start": cfg.start.isoformat(), "days": cfg.days},
        "totals": {
            "lines": {**writer.lines_per_file(), "subscriptions.json": n_subscriptions + 2,
                      "marketing_spend.csv": n_spend + 1},
            "event_lines": cfg.events,
            "events": stream.base,  # distinct valid event_ids: the rows silver must hold
            "duplicate_copy_lines": cfg.events - stream.base - quarantined,
            "quarantined_lines": quarantined,
            "event_types": dict(zip(EVENT_TYPES, stream.type_counts.tolist())),
            "users": cfg.users,
            "users_with_events": int(stream.seen_users.sum()),
            "users_with_signup": int(users.signed_up.sum()),
            "subscription_records": n_subscriptions,
            "spend_rows": n_spend,
            "first_day": cfg.start.isoformat(),
            "last_day": (cfg.start + timedelta(days=cfg.days - 1)).isoformat(),
        },
        "traps": manifest.traps,
    }
    (cfg.out / "manifest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: Sequence[str] | None = None) -> None:
    generate(parse_args(argv))


if __name__ == "__main__":
    main()
