"""The event stream: planned up front (counts only), then generated and written chunk by chunk.

Events are generated in fixed-size chunks with vectorised draws and written as they go;
memory holds one chunk, a bounded pool of recent purchases, the pending duplicate copies
and per-user arrays (a few bytes per user), so it stays flat as N grows.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from datagen.config import CHUNK, DAY, Config
from datagen.entities import (
    CANCEL,
    CURRENCIES,
    CURRENCY_P,
    EVENT_TYPES,
    LOGIN,
    PAGE_VIEW,
    PRICES_CENTS,
    PURCHASE,
    REFUND,
    SIGNUP,
    TAX_RATE,
    TAX_SHARE,
    TRIAL_CONVERT,
    TRIAL_START,
    Amount,
    Int64s,
    Purchase,
    Users,
)
from datagen.formats import (
    FRACTION,
    NAIVE,
    OFFSET,
    OFFSET_COLON,
    Z,
    amount_fields,
    event_ids,
    format_timestamp,
    money,
    user_id,
)
from datagen.manifest import LIST_CAP, Manifest
from datagen.traps import (
    DUP_CONFLICTING_SHARE,
    DUP_EXTRA_COPIES_P,
    DUP_ID_SHARE,
    NEGATIVE_REFUND_EVERY,
    ORPHAN_EVERY,
    PLAIN_TEXT_LINES,
    QUOTAS_AT_DEFAULT,
    REFUND_BEFORE_EVERY,
    SPECIAL_REASON,
    SPECIALS_AT_DEFAULT,
    UNKNOWN_FIELDS,
)

DRAWN_TYPE_P = np.array([0.72, 0.22, 0.038, 0.007])  # the rest are planned (signups, rare types)
DRAWN_TYPE_P /= DRAWN_TYPE_P.sum()
SCHEMA_V2_SHARE = 0.79
PAGE_SHARE = 0.4  # page_views carrying an extra `page` field
PAGES = ("/", "/pricing", "/features", "/blog", "/docs", "/checkout", "/account")
NAIVE_SHARE = 0.113
OFFSET_MINUTES = (120, 60, 0, -300)  # written +0200, +0100, +0000, -0500
COLON_OFFSET_MINUTES = (120, -300, 330, 60)  # written +02:00, -05:00, +05:30, +01:00
POOL_CAP = 4_096  # recent purchases a refund can refer to


def share(total: int, lo: int, hi: int, size: int) -> tuple[int, int]:
    """The slice [from, to) of `total` planned items that falls in positions [lo, hi) of `size`."""
    return total * lo // size, total * hi // size


# --- what the time-ordered arrival (datagen.arrival) needs to know of each line ---------------------
SINGLE, WITH_COPIES, COPY, SPECIAL = range(4)  # a line's role: see LineMeta


@dataclass
class LineMeta:
    """Per line of a chunk, in output order. `epoch`: the instant the line reports (a corrupted
    line without a readable one in the data's range takes the base event it follows); `role`:
    SINGLE for a base event without copies, WITH_COPIES for one with copies, COPY for a
    duplicate copy, SPECIAL for a corrupted line; `etype`: the event type (-1 for corrupted
    lines); `purchase_epoch`: for a refund of a generated purchase, that purchase's instant
    (else -1)."""

    epoch: Int64s
    role: npt.NDArray[np.uint8]
    etype: npt.NDArray[np.int8]
    purchase_epoch: Int64s


class EventSink(Protocol):
    """Where the stream's lines go: datagen.writers.EventWriter or datagen.arrival.ArrivalWriter."""

    index: int  # lines written so far
    wants_meta: bool  # whether write() needs each line's LineMeta

    def write(self, lines: list[str], meta: LineMeta | None) -> None: ...


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
        # heap of (after base index, seq, line, epoch, event type) of the copies still to place
        self.pending: list[tuple[int, int, str, int, int]] = []
        self.seq = 0
        self.pool: list[Purchase] = []
        self.refunds_seen = 0
        self.orphans = 0
        self.next_special = 0
        self.emitted = 0  # lines returned so far
        self.special_lines: list[tuple[int, str, str | None]] = []  # (line index, reason, event_id)
        self.type_counts = np.zeros(len(EVENT_TYPES), dtype=np.int64)
        self.seen_users = np.zeros(cfg.users, dtype=np.bool_)

    def run(self, writer: EventSink, progress: tqdm[Any]) -> None:
        """Generates every line into `writer`; the corrupted lines' 0-based indexes in the stream
        are left in `special_lines`, for the writer to locate once it is done."""
        for lo in range(0, self.base, CHUNK):
            lines, meta = self.chunk(lo, min(lo + CHUNK, self.base), writer.wants_meta)
            writer.write(lines, meta)
            progress.update(len(lines))
        assert writer.index == self.cfg.events and not self.pending

    def pick(self, candidates: npt.NDArray[np.bool_], k: int) -> Int64s:
        where = np.flatnonzero(candidates)
        return self.rng.choice(where, min(k, len(where)), replace=False)

    def chunk(self, lo: int, hi: int, with_meta: bool) -> tuple[list[str], LineMeta | None]:
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
        purchase_ts = np.full(n, -1, dtype=np.int64)
        amounts = self.money_events(types, version, user, ts, stamps, extras, ids, style, purchase_ts)
        unknown = self.pick(np.ones(n, dtype=np.bool_), self.planned("unknown_fields", lo, hi))
        for i, f in zip(unknown.tolist(), rng.integers(len(UNKNOWN_FIELDS), size=len(unknown)).tolist()):
            extras[i] += UNKNOWN_FIELDS[f]

        lines = [f'{{"event_id": "{e}", "user_id": "u_{u + 1:06d}", "event_type": "{EVENT_TYPES[t]}", '
                 f'"timestamp": "{s}", "schema_version": {v}{x}}}\n'
                 for e, u, t, s, v, x in zip(ids, user.tolist(), types.tolist(), stamps, version.tolist(), extras)]

        self.record(ids, style, version, unknown)
        self.type_counts += np.bincount(types, minlength=len(EVENT_TYPES))
        self.seen_users[user] = True
        sources = self.schedule_copies(lo, hi, lines, ids, amounts, ts, types)
        meta = None
        if with_meta:
            role = np.full(n, SINGLE, dtype=np.uint8)
            role[sources] = WITH_COPIES
            meta = LineMeta(ts, role, types.astype(np.int8), purchase_ts)
        return self.splice(lo, hi, lines, meta)

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
                     extras: list[str], ids: list[str], style: Int64s, purchase_ts: Int64s) -> dict[int, Amount]:
        """Amount fields of purchases and refunds, in file order (refunds need earlier purchases);
        a refund of a generated purchase gets that purchase's instant in `purchase_ts`."""
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
                purchase_ts[i] = bought.ts
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

    def schedule_copies(self, lo: int, hi: int, lines: list[str], ids: list[str], amounts: dict[int, Amount],
                        ts: Int64s, types: Int64s) -> Int64s:
        """Choose this chunk's duplicated events and queue their copies for later places; returns
        the chunk offsets of the duplicated events."""
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
                heapq.heappush(self.pending, (at[c], self.seq, line, int(ts[src]), int(types[src])))
                self.seq += 1
                c += 1
        self.manifest.add("exact_duplicates", event_ids=exact_ids)
        self.manifest.add("conflicting_duplicates", event_ids=conflicting_ids)
        return sources

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
        if currency is not None and currency != amount.currency and ', "tax": ' in line:
            # a tax follows its amount into the new currency
            tax = f', "tax": {money(round(cents * TAX_RATE[currency]))}'
            line = re.sub(r', "tax": [0-9.]+', tax, line, count=1)
        return line.replace(amount.text, amount_fields(sign * cents, currency), 1)

    def splice(self, lo: int, hi: int, lines: list[str], base: LineMeta | None) -> tuple[list[str], LineMeta | None]:
        """Insert the copies and corrupted lines due after base events lo..hi-1; with the base
        events' LineMeta, the LineMeta of the lines returned."""
        inserts: list[tuple[int, int, str, str | None, str | None, int | None, int]] = []
        while self.pending and self.pending[0][0] < hi:
            at, seq, line, epoch, etype = heapq.heappop(self.pending)
            inserts.append((at, seq, line, None, None, epoch, etype))
        while self.next_special < len(self.specials) and self.special_at[self.next_special] < hi:
            kind = self.specials[self.next_special]
            line, eid, own_epoch = self.special_line(kind)
            inserts.append((int(self.special_at[self.next_special]), self.seq, line, kind, eid, own_epoch, -1))
            self.seq += 1
            self.next_special += 1
        inserts.sort()
        out: list[str] = []
        done = 0
        for after, _, text, special, special_id, _, _ in inserts:
            cut = after - lo + 1
            out.extend(lines[done:cut])
            done = cut
            if special:
                self.special_lines.append((self.emitted + len(out), SPECIAL_REASON[special], special_id))
            out.append(text)
        out.extend(lines[done:])
        self.emitted += len(out)
        return out, None if base is None else self.spliced_meta(lo, hi, base, inserts)

    @staticmethod
    def spliced_meta(lo: int, hi: int, base: LineMeta,
                     inserts: list[tuple[int, int, str, str | None, str | None, int | None, int]]) -> LineMeta:
        """The LineMeta of the lines splice() returned: base events and inserts at their places."""
        cuts = np.array([after - lo + 1 for after, *_ in inserts], dtype=np.int64)
        base_at = np.arange(hi - lo) + np.searchsorted(cuts, np.arange(hi - lo), side="right")
        insert_at = cuts + np.arange(len(cuts))
        total = hi - lo + len(cuts)
        meta = LineMeta(np.empty(total, dtype=np.int64), np.empty(total, dtype=np.uint8),
                        np.empty(total, dtype=np.int8), np.full(total, -1, dtype=np.int64))
        for field, values in (("epoch", base.epoch), ("role", base.role), ("etype", base.etype),
                              ("purchase_epoch", base.purchase_epoch)):
            getattr(meta, field)[base_at] = values
        # a corrupted line without a readable instant of its own takes the base event it follows
        meta.epoch[insert_at] = [base.epoch[after - lo] if epoch is None else epoch
                                 for after, _, _, _, _, epoch, _ in inserts]
        meta.role[insert_at] = [COPY if special is None else SPECIAL for _, _, _, special, *_ in inserts]
        meta.etype[insert_at] = [etype for *_, etype in inserts]
        return meta

    def special_line(self, kind: str) -> tuple[str, str | None, int | None]:
        """A corrupted line, its event_id when it has one, and the instant it reports when that
        is readable and in the data's range."""
        rng, cfg = self.srng, self.cfg
        eid = event_ids(np.array([(1 << 40) + self.next_special], dtype=np.uint64), self.id_key)[0]
        uid = user_id(int(rng.integers(cfg.users)))
        epoch = cfg.t0 + int(rng.integers(cfg.t1 - cfg.t0))
        if kind == "year_2099":
            epoch += int(datetime(2099, 1, 1, tzinfo=UTC).timestamp()) - cfg.t0
        head = f'{{"event_id": "{eid}", "user_id": "{uid}", '
        body = f'"event_type": "login", "timestamp": "{format_timestamp(epoch, Z)}", "schema_version": 2'
        if kind == "plain_text":
            return PLAIN_TEXT_LINES[int(rng.integers(len(PLAIN_TEXT_LINES)))] + "\n", None, None
        if kind == "truncated_json":
            full = head + body + "}"
            return full[:int(rng.integers(30, len(full) - 2))] + "\n", None, None
        if kind == "missing_user_key":
            head = f'{{"event_id": "{eid}", '
        elif kind == "null_user_id":
            head = f'{{"event_id": "{eid}", "user_id": null, '
        elif kind in ("amount_ten", "negative_purchase"):
            cents = PRICES_CENTS["USD"][int(rng.integers(len(PRICES_CENTS["USD"])))]
            amount = '"ten"' if kind == "amount_ten" else money(-cents)
            body = body.replace('"login"', '"purchase"') + f', "amount": {amount}, "currency": "USD"'
        return head + body + "}\n", eid, None if kind == "year_2099" else epoch

