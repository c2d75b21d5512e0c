"""The size profile of the generated data, its Config and the command line that makes one."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

DESCRIPTION = "Synthetic take-home dataset: events with every trap, subscriptions, marketing spend."

# --- profile of the original take-home (14,337 lines, 500 users, one month) -----------------
DEFAULT_EVENTS = 14_337
DEFAULT_USERS = 500
DEFAULT_DAYS = 30
MIN_EVENTS = 1_000  # below this the trap catalogue does not fit
CHUNK = 65_536  # base events per chunk; fixed, so the output never depends on --batches
DAY = 86_400


@dataclass(frozen=True)
class Config:
    events: int
    seed: int
    out: Path
    batches: int | None
    start: date
    quiet: bool
    arrival: str = "stream"  # how --batches cuts the events: "stream" or "time" (datagen.arrival)

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
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--events", type=positive_int, required=True, metavar="N", help="event lines to write")
    parser.add_argument("--seed", type=int, required=True, metavar="S")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--batches", type=positive_int, metavar="K", help="split events into K files")
    parser.add_argument("--start", type=iso_date, default=date(2024, 1, 1), metavar="YYYY-MM-DD",
                        help="first day of the data (default 2024-01-01)")
    parser.add_argument("--arrival", choices=("stream", "time"), default="stream",
                        help="with --batches: consecutive pieces of the stream (default), or time windows "
                             "with late tails, like hourly deliveries")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.events < MIN_EVENTS:
        parser.error(f"--events must be at least {MIN_EVENTS} to hold every trap, got {args.events}")
    if args.batches and args.batches > args.events:
        parser.error(f"--batches ({args.batches}) cannot exceed --events ({args.events})")
    if args.arrival == "time" and not args.batches:
        parser.error("--arrival time needs --batches K")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"--out {args.out}: cannot create directory: {err.strerror}")
    if not os.access(args.out, os.W_OK | os.X_OK):
        parser.error(f"--out {args.out}: directory is not writable")
    return Config(args.events, args.seed, args.out, args.batches, args.start, args.quiet, args.arrival)
