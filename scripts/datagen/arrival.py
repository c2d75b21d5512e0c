"""Time-ordered arrival (`--batches K --arrival time`): batch files that look like hourly deliveries.

The data's time range [t0, t1) is cut into K windows of equal length (whole seconds: window k,
0-based, starts at t0 + (t1 - t0) * k // K). File k + 1 (events_<k+1>.ndjson) holds

- on time: the lines whose instant falls in window k, in stream order (so the versions of an
  event keep their order). A corrupted line without a readable instant in the data's range
  (not JSON, or in 2099) goes with the base event it follows in the stream;
- then a late tail, sorted by instant: lines whose instant is LATE_MIN (1 hour) to LATE_MAX
  (7 days) before the window's start, of four kinds:
  - held_back: a line of the dataset kept out of its own window's file, delivered only here
    (an event with a single version and no purchase: those keep their place);
  - refund_elsewhere: a held-back refund whose purchase is in another file (an earlier one,
    or a later one for a refund dated before its purchase);
  - resent_duplicate: an exact copy of a line delivered in an earlier file (a new line);
  - correction: a new version of an event delivered in an earlier file (a new line): same
    event_id, and a purchase's amount changed (its tax follows), or a login's or page view's
    timestamp moved by 1 to 8 hours (sometimes across a day boundary), or its user_id changed.

Every line of the dataset (the events.ndjson that the same --events and --seed write without
--batches) appears exactly once across the files, on time or held back. Resent duplicates and
corrections are extra lines: the files hold N + manifest["arrival"]["added_lines"] lines. Each
event gets at most one of held back, resent or corrected, and only events with a single
version in the dataset do, so a resent event counts as an exact duplicate and a corrected one
as a conflicting duplicate in the manifest's traps.

The late tail of every file after the first aims at LATE_SHARE (2.5%) of the file's lines
(file 1 has no earlier window). Held-back lines are drawn while the stream is generated (each
eligible line with probability HOLD_P, a refund of a generated purchase with REFUND_HOLD_P,
to a window chosen evenly among those starting 1 hour to 7 days after it); resent
duplicates and corrections top the tail up to its quota. They are made from a sample of the
on-time lines of the last 7 days before the window (SOURCE_P of them), so windows much longer
than 7 days (K small for the time range) get a smaller tail: there are not enough late
candidates. The manifest counts what was made.

Memory stays flat: two passes over a temporary spill in DIR/.arrival-spill/ (about the size
of the output), removed at the end. Pass 1 buffers FLUSH_LINES lines of the stream with a
fixed-size record each (what pass 2 needs: stream index, instant, role, type, held-back kind,
sampled as a source) and appends them to the spill sorted by (window, held back), noting
where each window's segment lies. Pass 2 writes the files in window order: for each, its
segments are read back (one seek per flush), its on-time lines copied through, its late tail
written. Memory holds a chunk, the flush buffer, one window's lines and the sampled sources
of the last 7 days, whatever N and K are.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from datagen.config import DAY, Config
from datagen.entities import LOGIN, PAGE_VIEW, PURCHASE, REFUND, TAX_RATE, Int64s
from datagen.events import SINGLE, SPECIAL, LineMeta
from datagen.formats import Z, format_timestamp, money, user_id
from datagen.manifest import LIST_CAP, Manifest

LATE_SHARE = 0.025  # of each file's lines, after the first file
LATE_MIN, LATE_MAX = 3_600, 7 * DAY  # how long before its window's start a late line happened
HOLD_P = 0.01  # eligible lines held back to a later file
REFUND_HOLD_P = 0.25  # refunds of generated purchases held back (to a file without their purchase)
SOURCE_P = 0.08  # on-time lines of a window's last 7 days sampled as sources of resends and corrections
CORRECTION_SHARE = 0.6  # of the added late lines; the others are resent duplicates
CORRECTABLE = (LOGIN, PAGE_VIEW, PURCHASE)
MOVE_P = 0.7  # corrections of a login or page view that move its timestamp (the others change the user)
SPILL_DIR = ".arrival-spill"
FLUSH_LINES = 131_072  # lines buffered in pass 1 before they are appended to the spill

HELD_BACK, REFUND_ELSEWHERE, RESENT_DUPLICATE, CORRECTION = 1, 2, 3, 4
KIND_NAMES = {HELD_BACK: "held_back", REFUND_ELSEWHERE: "refund_elsewhere",
              RESENT_DUPLICATE: "resent_duplicate", CORRECTION: "correction"}
RECORD = np.dtype([("index", "<i8"), ("epoch", "<i8"), ("role", "u1"), ("etype", "i1"),
                   ("kind", "u1"), ("source", "u1")])  # per spilled line

EVENT_ID = re.compile(r'\{"event_id": "([^"]+)"')
REFERS_TO = re.compile(r'"refers_to_event_id": "([^"]+)"')
USER = re.compile(r'"user_id": "u_(\d+)"')
TIMESTAMP = re.compile(r'"timestamp": "[^"]*"')
AMOUNT = re.compile(r'"amount": ([0-9.]+)')
CURRENCY = re.compile(r'"currency": "([A-Z]+)"')
TAX = re.compile(r'"tax": [0-9.]+')


def event_id(text: str) -> str:
    found = EVENT_ID.match(text)
    assert found, f"not an event line: {text!r}"
    return found[1]


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Sources:
    """Sampled on-time lines, the candidates for resent duplicates and corrections: their spill
    records, and their texts by stream index. A used one is dropped, and so is one too old for
    any window still to come."""

    def __init__(self) -> None:
        self.records: npt.NDArray[Any] = np.zeros(0, dtype=RECORD)
        self.text: dict[int, str] = {}

    def add(self, records: npt.NDArray[Any], text: list[str]) -> None:
        self.records = np.concatenate([self.records, records])
        self.text.update(zip(records["index"].tolist(), text))

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        for index in self.records["index"][~mask].tolist():
            del self.text[index]
        self.records = self.records[mask]


class Spill:
    """Pass 1's output: every line of the stream, with its RECORD, in two files (text, records)
    under DIR/.arrival-spill/. Each flush appends its lines sorted by key (2 * window, + 1 when
    held back to that window; stream order within a key) and notes where each key's segment
    lies, so pass 2 reads a window's lines with a seek per flush."""

    def __init__(self, where: Path) -> None:
        self.where = where
        shutil.rmtree(where, ignore_errors=True)
        where.mkdir()
        self.texts, self.records = where / "lines.ndjson", where / "lines.rec"
        self.text_size = self.record_count = 0
        # per flush: keys of its segments, their text offsets and lengths, first records and counts
        self.segments: list[tuple[Int64s, Int64s, Int64s, Int64s, Int64s]] = []
        self.table: list[Int64s] = []  # the segments of every flush, by key (set by done())

    def append(self, lines: list[str], records: npt.NDArray[Any], keys: Int64s) -> None:
        order = np.argsort(keys, kind="stable")
        lines = [lines[i] for i in order.tolist()]
        keys, records = keys[order], records[order]
        text = "".join(lines).encode("ascii")  # ASCII, so a line's length in characters is in bytes
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        first = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1]).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])[first]
        self.segments.append((keys[first], self.text_size + offsets, np.diff(np.append(offsets, len(text))),
                              self.record_count + first, np.diff(np.append(first, len(keys)))))
        with open(self.texts, "ab") as f:
            f.write(text)
        with open(self.records, "ab") as f:
            f.write(records.tobytes())
        self.text_size += len(text)
        self.record_count += len(records)

    def done(self) -> None:
        """Indexes the segments by key, spill order kept within a key."""
        columns = [np.concatenate(column) for column in zip(*self.segments)]
        order = np.argsort(columns[0], kind="stable")
        self.table = [column[order] for column in columns]

    def segments_of(self, window: int, texts: BinaryIO,
                    records: BinaryIO) -> Iterator[tuple[bool, npt.NDArray[Any], bytes]]:
        """The window's segments in spill order: (held back, records, text)."""
        keys, text_at, text_len, first, count = self.table
        for i in range(int(np.searchsorted(keys, 2 * window)), int(np.searchsorted(keys, 2 * window + 2))):
            texts.seek(int(text_at[i]))
            records.seek(int(first[i]) * RECORD.itemsize)
            recs = np.frombuffer(records.read(int(count[i]) * RECORD.itemsize), dtype=RECORD)
            yield bool(keys[i] % 2), recs, texts.read(int(text_len[i]))

    def remove(self) -> None:
        shutil.rmtree(self.where, ignore_errors=True)


class ArrivalWriter:
    """Writes the stream as K time-window files with late tails (see the module docstring)."""

    wants_meta = True

    def __init__(self, cfg: Config, rng: np.random.Generator) -> None:
        assert cfg.batches, "time-ordered arrival needs --batches"
        self.cfg, self.rng, self.k = cfg, rng, cfg.batches
        self.names = [f"events_{i:04d}.ndjson" for i in range(1, self.k + 1)]
        self.starts = np.array([cfg.t0 + (cfg.t1 - cfg.t0) * i // self.k for i in range(self.k + 1)], dtype=np.int64)
        self.spill = Spill(cfg.out / SPILL_DIR)
        self.index = 0  # lines of the stream received
        self.on_time = np.zeros(self.k, dtype=np.int64)  # lines spilled per window, on time
        self.held = np.zeros(self.k, dtype=np.int64)  # lines held back to each window
        self.buffer: list[tuple[list[str], npt.NDArray[Any], Int64s]] = []  # (lines, records, keys) not spilled yet
        self.buffered = 0
        self.located: dict[int, dict[str, Any]] = {}  # stream index -> {file, line}, corrupted lines only
        self.lines: dict[str, int] = {}
        self.files: list[dict[str, Any]] = []
        self.late: list[dict[str, Any]] = []  # listed late lines, up to LIST_CAP
        self.kinds = dict.fromkeys(KIND_NAMES.values(), 0)

    # --- pass 1: the stream into the spill --------------------------------------------------------
    def window_of(self, epoch: Int64s) -> Int64s:
        return np.clip(np.searchsorted(self.starts, epoch, side="right") - 1, 0, self.k - 1)

    def write(self, lines: list[str], meta: LineMeta | None) -> None:
        assert meta is not None and len(meta.epoch) == len(lines)
        n, starts, rng = len(lines), self.starts, self.rng
        hold_draw, target_draw, source_draw = rng.random(n), rng.random(n), rng.random(n)
        epoch, role, etype = meta.epoch, meta.role, meta.etype
        window = self.window_of(epoch)
        # held back: to a window starting LATE_MIN to LATE_MAX after the line's instant
        first = np.searchsorted(starts[:-1], epoch + LATE_MIN, side="left")
        last = np.searchsorted(starts[:-1], epoch + LATE_MAX, side="right") - 1
        target = first + (target_draw * (last - first + 1)).astype(np.int64)
        refund = (etype == REFUND) & (meta.purchase_epoch >= 0)
        held = ((role == SINGLE) & (etype != PURCHASE) & (first <= last)
                & (hold_draw < np.where(refund, REFUND_HOLD_P, HOLD_P))
                & ~(refund & (target == self.window_of(meta.purchase_epoch))))
        destination = np.where(held, target, window)
        records = np.zeros(n, dtype=RECORD)
        records["index"] = self.index + np.arange(n)
        records["epoch"], records["role"], records["etype"] = epoch, role, etype
        records["kind"] = np.where(held, np.where(refund, REFUND_ELSEWHERE, HELD_BACK), 0)
        # sources: on-time single events late enough in their window to be late in a later one
        records["source"] = (~held & (role == SINGLE) & (window < self.k - 1)
                             & (epoch >= starts[window + 1] - LATE_MAX) & (source_draw < SOURCE_P))
        self.index += n
        self.on_time += np.bincount(destination[~held], minlength=self.k)
        self.held += np.bincount(destination[held], minlength=self.k)
        self.buffer.append((lines, records, destination * 2 + held))
        self.buffered += n
        if self.buffered >= FLUSH_LINES:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.spill.append([line for lines, _, _ in self.buffer for line in lines],
                              np.concatenate([records for _, records, _ in self.buffer]),
                              np.concatenate([keys for _, _, keys in self.buffer]))
        self.buffer.clear()
        self.buffered = 0

    def close(self) -> None:
        self.flush()

    # --- pass 2: the files, in order ----------------------------------------------------------------
    def deliver(self, manifest: Manifest, progress: tqdm[Any]) -> None:
        """Writes every file from the spill, then removes it."""
        sources = Sources()
        target_so_far = 0.0
        try:
            self.spill.done()
            with open(self.spill.texts, "rb") as texts, open(self.spill.records, "rb") as records:
                for k, name in enumerate(self.names):
                    with open(self.cfg.out / name, "wb") as out:
                        line, held = self.copy_on_time(k, name, out, sources, texts, records)
                        previous = round(target_so_far)
                        if k:
                            target_so_far += LATE_SHARE / (1 - LATE_SHARE) * int(self.on_time[k])
                        tail = self.late_tail(k, held, round(target_so_far) - previous, sources, manifest)
                        kinds = dict.fromkeys(KIND_NAMES.values(), 0)
                        for _, _, _, text, kind, event_id in tail:
                            out.write(text.encode("utf-8"))
                            line += 1
                            kinds[KIND_NAMES[kind]] += 1
                            if len(self.late) < LIST_CAP:
                                self.late.append({"file": name, "line": line, "kind": KIND_NAMES[kind],
                                                  "event_id": event_id})
                    self.lines[name] = line
                    for kind_name, count in kinds.items():
                        self.kinds[kind_name] += count
                    self.files.append({"file": name, "start": iso(int(self.starts[k])),
                                       "end": iso(int(self.starts[k + 1])), "lines": line,
                                       "on_time_lines": int(self.on_time[k]),
                                       "late_lines": {"count": len(tail), **kinds}})
                    # sources young enough for the next window, whose late lines start LATE_MAX before it
                    if k + 1 < self.k:
                        sources.keep(sources.records["epoch"] >= self.starts[k + 1] - LATE_MAX)
                    progress.update(1)
        finally:
            self.spill.remove()

    def copy_on_time(self, k: int, name: str, out: BinaryIO, sources: Sources, texts: BinaryIO,
                     records: BinaryIO) -> tuple[int, list[tuple[npt.NDArray[Any], list[str]]]]:
        """Copies window k's on-time lines into `out`, locating its corrupted lines and keeping
        its sampled sources (for the windows after it). Returns the lines written and the
        blocks of lines held back to this window (records, texts)."""
        line = 0
        held: list[tuple[npt.NDArray[Any], list[str]]] = []
        sampled: list[npt.NDArray[Any]] = []
        sampled_text: list[str] = []
        for late, recs, text in self.spill.segments_of(k, texts, records):
            lines = text.decode("ascii").splitlines(keepends=True)
            if late:
                held.append((recs, lines))
                continue
            out.write(text)
            for i in np.flatnonzero(recs["role"] == SPECIAL).tolist():
                self.located[int(recs["index"][i])] = {"file": name, "line": line + i + 1}
            picked = np.flatnonzero(recs["source"])
            sampled.append(recs[picked])
            sampled_text += [lines[i] for i in picked.tolist()]
            line += len(recs)
        if sampled:
            sources.add(np.concatenate(sampled), sampled_text)
        return line, held

    def late_tail(self, k: int, held: list[tuple[npt.NDArray[Any], list[str]]], quota: int, sources: Sources,
                  manifest: Manifest) -> list[tuple[int, int, int, str, int, str]]:
        """Window k's late tail, sorted by instant: its held-back lines, topped up to `quota` with
        resent duplicates and corrections of sampled earlier lines. Each entry is (instant,
        stream index, 0 for held back or 1 for added, text, kind, event_id)."""
        tail: list[tuple[int, int, int, str, int, str]] = []
        refunded: set[str] = set()  # purchases of refunds held back to this file: left alone
        for records, texts in held:
            for (index, epoch, _, _, kind, _), text in zip(records.tolist(), texts):
                tail.append((epoch, index, 0, text, kind, event_id(text)))
                if (refers := REFERS_TO.search(text)) is not None:
                    refunded.add(refers[1])
        lo = max(self.cfg.t0, int(self.starts[k]) - LATE_MAX)
        hi = int(self.starts[k]) - LATE_MIN
        wanted = quota - len(tail)
        if k and wanted > 0:
            records = sources.records
            candidates = np.flatnonzero((records["epoch"] >= lo) & (records["epoch"] <= hi))
            if refunded:
                purchases = candidates[records["etype"][candidates] == PURCHASE]
                left_alone = [c for c in purchases.tolist()
                              if event_id(sources.text[int(records["index"][c])]) in refunded]
                candidates = np.setdiff1d(candidates, np.array(left_alone, dtype=np.int64))
            picked = self.rng.permutation(candidates)[:wanted].tolist()
            corrections = round(CORRECTION_SHARE * len(picked))
            for c in picked:
                epoch, index, etype = (int(records[field][c]) for field in ("epoch", "index", "etype"))
                text = sources.text[index]
                eid = event_id(text)
                if corrections and etype in CORRECTABLE:
                    corrections -= 1
                    text, epoch = self.correction(text, epoch, etype, lo, hi)
                    tail.append((epoch, index, 1, text, CORRECTION, eid))
                    manifest.add("conflicting_duplicates", event_ids=[eid])
                else:
                    tail.append((epoch, index, 1, text, RESENT_DUPLICATE, eid))
                    manifest.add("exact_duplicates", event_ids=[eid])
            unused = np.ones(len(records), dtype=np.bool_)
            unused[picked] = False
            sources.keep(unused)
        tail.sort()
        return tail

    def correction(self, text: str, epoch: int, etype: int, lo: int, hi: int) -> tuple[str, int]:
        """Another version of the event in `text`, and the instant it reports (kept in [lo, hi])."""
        rng = self.rng
        if etype == PURCHASE:  # another amount; a tax follows it
            found = AMOUNT.search(text)
            assert found, text
            cents = round(float(found[1]) * 100)
            step = max(1, round(cents * (0.05, 0.1, 0.25, 0.5)[int(rng.integers(4))]))
            cents = cents + step if rng.random() < 0.5 or cents <= step else cents - step
            text = text[:found.start(1)] + money(cents) + text[found.end(1):]
            currency = CURRENCY.search(text)
            if currency and TAX.search(text):
                text = TAX.sub(f'"tax": {money(round(cents * TAX_RATE[currency[1]]))}', text, count=1)
            return text, epoch
        if rng.random() < MOVE_P:  # the timestamp moved by 1 to 8 hours, either way
            shift = int(rng.integers(3_600, 8 * 3_600 + 1))
            for moved in ((epoch + shift, epoch - shift) if rng.random() < 0.5 else (epoch - shift, epoch + shift)):
                if lo <= moved <= hi:
                    return TIMESTAMP.sub(f'"timestamp": "{format_timestamp(moved, Z)}"', text, count=1), moved
        found = USER.search(text)  # another user
        assert found, text
        other = (int(found[1]) + int(rng.integers(self.cfg.users - 1))) % self.cfg.users  # never the same
        return text[:found.start()] + f'"user_id": "{user_id(other)}"' + text[found.end():], epoch

    # --- what the manifest needs ---------------------------------------------------------------------
    def locate(self, index: int) -> dict[str, Any]:
        """File and 1-based line of the corrupted line at 0-based `index` of the stream."""
        return self.located[index]

    def lines_per_file(self) -> dict[str, int]:
        return dict(self.lines)

    def added_lines(self) -> int:
        return self.kinds["resent_duplicate"] + self.kinds["correction"]

    def summary(self) -> dict[str, Any]:
        """manifest.json's "arrival": the windows, their late lines and the counts."""
        summary: dict[str, Any] = {
            "mode": "time",
            "late_share_target": LATE_SHARE,
            "late_by_seconds": {"min": LATE_MIN, "max": LATE_MAX},
            "dataset_lines": self.cfg.events,
            "added_lines": self.added_lines(),
            "late_lines": {"count": sum(self.kinds.values()), **self.kinds},
            "files": self.files,
            "late": self.late,
        }
        if sum(self.kinds.values()) > len(self.late):
            summary["late_truncated"] = True
        return summary
