"""Command line: `scripts/metrics_report.py [--db FILE] [--out FILE]` (`make report`)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import duckdb
from tqdm import tqdm

from . import queries
from .figures import build_charts
from .page import render
from .queries import LakehouseNotReady, ReportData

DEFAULT_OUT = Path("target") / "metrics_report.html"
T = TypeVar("T")


class Progress(Protocol):
    """What load() needs of a progress bar (tqdm's)."""

    def set_description(self, desc: str, /) -> object: ...

    def update(self) -> object: ...


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="metrics_report.py",
        description="Write the metrics report, one self-contained HTML page, from the lakehouse's "
        "gold tables (the DuckDB file is opened read-only).")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("LAKEHOUSE_DB", "lakehouse.duckdb")),
                        help="the lakehouse file (default: $LAKEHOUSE_DB, else lakehouse.duckdb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the page to write (default: {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def load(db_path: Path, progress: Progress) -> ReportData:
    """Read every table the page shows, one progress step per query."""
    def step(label: str, read: Callable[[], T]) -> T:
        progress.set_description(label)
        try:
            value = read()
        except duckdb.CatalogException as error:  # a table or column of an older build
            why = str(error).splitlines()[0].rstrip("!")
            raise LakehouseNotReady(f"{db_path} is not a complete build ({why}): {queries.BUILD_FIRST}") from error
        progress.update()
        return value

    with queries.connect(db_path) as con:
        dau = step("daily active users", lambda: queries.daily_active_users(con))
        if not dau:
            raise LakehouseNotReady(f"gold.daily_active_users in {db_path} is empty: {queries.BUILD_FIRST}")
        runs = step("data-quality runs", lambda: queries.quality_runs(con))
        return ReportData(
            db_path=db_path,
            as_of=dau[-1][0],
            run=queries.latest_run(con, runs),
            dau=dau,
            revenue=step("revenue", lambda: queries.daily_revenue(con)),
            mrr_daily=step("MRR per day", lambda: queries.mrr_daily(con)),
            mrr_monthly=step("MRR per month", lambda: queries.mrr_monthly(con)),
            cohorts=step("cohorts", lambda: queries.cohort_retention(con)),
            channels=step("channels", lambda: queries.channel_economics(con)),
            quarantine=step("quarantine", lambda: queries.quarantine_counts(con)),
            quality_runs=runs,
            exceptions=step("metric exceptions", lambda: queries.metric_exceptions(con)),
            publications=step("publications", lambda: queries.publications(con)),
        )


QUERY_STEPS = 10  # the step() calls in load()


def write_report(db_path: Path, out: Path, quiet: bool = False) -> Path:
    """Read, draw and write the page; returns its path. Raises LakehouseNotReady."""
    # disable=None: a bar on a terminal only (not in CI logs); --quiet never draws one
    bar = tqdm(total=QUERY_STEPS + 2, disable=True if quiet else None, unit="step", file=sys.stderr, leave=False)
    with bar as progress:
        data = load(db_path, progress)
        progress.set_description("drawing charts")
        charts = build_charts(data)
        progress.update()
        progress.set_description("writing page")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(data, charts, dt.datetime.now(dt.UTC)), encoding="utf-8")
        progress.update()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        out = write_report(args.db, args.out, quiet=args.quiet)
    except LakehouseNotReady as error:
        print(f"metrics report: {error}", file=sys.stderr)
        return 1
    print(f"metrics report: {out.resolve()}")
    return 0
