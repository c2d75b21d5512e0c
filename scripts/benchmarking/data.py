"""A size's data: the history the full builds read, and the two deliveries that follow it.

For a size N, a window is N/1000 lines (0.1% of the history); the generator
(scripts/generate_data.py, --seed S) writes the history and the windows after it: N + 12 N/1000
dataset lines in time arrival, N + 11 N/1000 in stream arrival.

- time arrival (`--arrival time --batches 1012`): 1012 time windows, each its on-time
  events plus a late tail (scripts/datagen/arrival.py). Windows 1..1000 are the history; to
  spare the full build 1000 per-file scans they are concatenated, in order, into `files`
  files, each named after its first window (with 10 files, events_0001.ndjson holds windows
  1-100, events_0101.ndjson windows 101-200, ...). Window 1001 is the hourly batch and windows
  1002..1011 the +1% batch, kept as the generator wrote them (events_1001.ndjson ...). Window
  1012, the data's last, is never delivered (the benchmark stops before the data's end): the
  generator dates every refund due after the data's end at its last second, which swells that
  window (to about 2.5x its neighbours at 20k events). Windows are equal spans of time, the
  generator's activity grows over time and resent and corrected lines come on top: the
  history is about N lines and each later window a little more than N/1000 (the report gives
  the exact counts and shares).
- stream arrival (`--arrival stream --batches files`): the generator's unordered stream in
  `files` files; the last 11 N/1000 lines are cut off the last file into 11 files of N/1000
  lines (events_<files+1> ...): one for the hourly batch, ten for the +1% batch. The history
  is exactly N lines.

The deliveries wait in held/ (the steps copy them into raw/ as new files); raw/ holds the
history and the generator's subscriptions, spend and manifest (whose file names and line
numbers are the generator's, before this layout).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
HISTORY_WINDOWS = 1000  # a window is 0.1% of the history: the hourly batch
HOURLY_WINDOWS, INCR_WINDOWS = 1, 10
UNDELIVERED_WINDOWS = 1  # time arrival: the data's last window, swollen by refunds due after its end
LAYOUT = 3  # data laid out by an earlier version of this module is not reused


@dataclass
class Delivery:
    """The history, or a batch delivered by a step: its files, lines and time windows."""

    files: list[str]  # names: in raw/ for the history, in held/ for a batch
    lines: int
    windows: str = ""  # first window's start to last window's end (time arrival)
    late_lines: int = 0  # lines of the windows' late tails (time arrival)


@dataclass
class Dataset:
    arrival: str  # "time" or "stream"
    size: int
    raw: Path
    held: Path
    history: Delivery
    hourly: Delivery
    incr: Delivery
    generate_s: float = 0.0  # 0: reused from an earlier run
    windows: int = 0  # time windows generated (time arrival)

    def delivery_paths(self, batch: Delivery) -> list[Path]:
        return [self.held / name for name in batch.files]


def prepare(size: int, arrival: str, work: Path, seed: int, files: int, reuse: bool) -> Dataset:
    """Generates and lays out the data under work/ (raw/, held/), or reuses an earlier layout."""
    raw, held, stamp = work / "raw", work / "held", work / "data.json"
    wanted = {"layout": LAYOUT, "size": size, "arrival": arrival, "seed": seed, "files": files}
    if reuse and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved["wanted"] == wanted:
            data = from_json(saved["dataset"])
            for path in data.delivery_paths(data.hourly) + data.delivery_paths(data.incr):
                (raw / path.name).unlink(missing_ok=True)  # delivered by the earlier run
            return data
    stamp.unlink(missing_ok=True)
    for stale in (raw, held):
        shutil.rmtree(stale, ignore_errors=True)
    held.mkdir(parents=True)
    start = time.perf_counter()
    window = size // HISTORY_WINDOWS
    after = HOURLY_WINDOWS + INCR_WINDOWS + (UNDELIVERED_WINDOWS if arrival == "time" else 0)
    batches = HISTORY_WINDOWS + after if arrival == "time" else files
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_data.py"), "--quiet", "--seed", str(seed),
         "--events", str(size + after * window), "--out", str(raw),
         "--batches", str(batches), "--arrival", arrival],
        check=True,
    )
    if arrival == "time":
        data = lay_out_windows(size, raw, held, files)
    else:
        data = lay_out_stream(size, raw, held, files, window)
    data.generate_s = time.perf_counter() - start
    stamp.write_text(json.dumps({"wanted": wanted, "dataset": asdict(data)}, default=str, indent=2))
    return data


def lay_out_windows(size: int, raw: Path, held: Path, files: int) -> Dataset:
    """Time arrival: the history windows concatenated into `files` files, the later ones held."""
    windows: list[dict[str, Any]] = json.loads((raw / "manifest.json").read_text())["arrival"]["files"]
    history = windows[:HISTORY_WINDOWS]
    later = windows[HISTORY_WINDOWS:HISTORY_WINDOWS + HOURLY_WINDOWS + INCR_WINDOWS]
    per_file = -(-HISTORY_WINDOWS // files)
    names = []
    for first in range(0, HISTORY_WINDOWS, per_file):
        group = [raw / w["file"] for w in history[first:first + per_file]]
        joined = raw / "concatenating.tmp"
        with joined.open("wb") as out:
            for path in group:  # every generated file ends with a newline
                with path.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 24)
                path.unlink()
        joined.rename(group[0])
        names.append(group[0].name)
    for w in later:
        (raw / w["file"]).rename(held / w["file"])
    for w in windows[HISTORY_WINDOWS + len(later):]:
        (raw / w["file"]).unlink()

    def delivery(part: list[dict[str, Any]], names: list[str]) -> Delivery:
        return Delivery(names, sum(w["lines"] for w in part), f"{part[0]['start']} to {part[-1]['end']}",
                        sum(w["late_lines"]["count"] for w in part))

    hourly, incr = later[:HOURLY_WINDOWS], later[HOURLY_WINDOWS:]
    return Dataset("time", size, raw, held, delivery(history, names),
                   delivery(hourly, [w["file"] for w in hourly]), delivery(incr, [w["file"] for w in incr]),
                   windows=len(windows))


def lay_out_stream(size: int, raw: Path, held: Path, files: int, window: int) -> Dataset:
    """Stream arrival: the last 11 windows' worth of lines cut off the last file into held files."""
    last = raw / f"events_{files:04d}.ndjson"
    data = last.read_bytes()
    bounds = [len(data)]  # where the held pieces start and end, from the file's end back
    for _ in range(HOURLY_WINDOWS + INCR_WINDOWS):
        cut = bounds[-1]
        for _ in range(window):  # the generator ends every line with a newline
            cut = data.rfind(b"\n", 0, cut - 1) + 1
            if cut == 0:
                raise SystemExit(f"{last} has too few lines to hold back {HOURLY_WINDOWS + INCR_WINDOWS} batches")
        bounds.append(cut)
    bounds.reverse()
    names = [f"events_{files + i:04d}.ndjson" for i in range(1, len(bounds))]
    for name, begin, end in zip(names, bounds, bounds[1:]):
        (held / name).write_bytes(data[begin:end])
    with last.open("r+b") as f:
        f.truncate(bounds[0])
    history = Delivery([f"events_{i:04d}.ndjson" for i in range(1, files + 1)], size)
    return Dataset("stream", size, raw, held, history, Delivery(names[:HOURLY_WINDOWS], window * HOURLY_WINDOWS),
                   Delivery(names[HOURLY_WINDOWS:], window * INCR_WINDOWS))


def from_json(saved: dict[str, Any]) -> Dataset:
    batches = {key: Delivery(**saved[key]) for key in ("history", "hourly", "incr")}
    return Dataset(saved["arrival"], saved["size"], Path(saved["raw"]), Path(saved["held"]), **batches,
                   generate_s=0.0, windows=saved["windows"])
