#!/usr/bin/env python3
"""Benchmark the lakehouse end to end at several sizes (see BENCHMARKS.md).

Usage: benchmark.py [--sizes N ...] [--fixed-cost-size N] [--arrival time|stream|both] [--batches K]
                    [--seed S] [--bench-dir DIR] [--out FILE] [--memory-limit 2GB] [--project-dir DIR]
                    [--reuse-data] [--target local|lake]

For each size N, and each arrival mode asked for, the data (benchmarking/data.py): a history
of N lines that the full builds read, then two deliveries of new files, the hourly batch
(0.1% of N) and the +1% batch (1% of N, ten hourly windows at once).

- time arrival (the default): the generator's `--arrival time` with 1011 time windows of
  about N/1000 lines each, every window its events plus a late tail (held-back events, resent
  duplicates, corrections, refunds whose purchase is in another file). Windows 1-1000 are the
  history, concatenated in order into K files (--batches, 10) so that the full build does not
  scan 1000 files; window 1001 is the hourly batch, windows 1002-1011 the +1% batch (ten files).
- stream arrival: the generator's unordered stream in K files, its last 11 N/1000 lines cut
  off into 11 files of N/1000 lines (one for the hourly batch, ten for the +1% batch), as
  earlier versions of this benchmark did with one held-back file.
`--arrival both` runs each size in both modes, into DIR/time/<N>/ and DIR/stream/<N>/.

Against a fresh DuckDB file per size, the steps (benchmarking/steps.py): floor (one bare
read_ndjson pass over the history), full_models, full_tests, first_scheduled, hourly,
incr_1pct, noop, startup. Each: wall time, dbt's own elapsed time, peak RSS of the process
tree, dbt's slowest models. With --target lake, every dbt step (the scheduled runs too) builds
a fresh DuckLake per size and arrival mode instead: catalog database bench_<arrival>_<N> on the
lake target's PostgreSQL (the project-local one is started for the run and stopped after it,
unless it was running), data files under DIR/<arrival>/<N>/lake/. A tiny size runs first
(--fixed-cost-size, 10k by default): it moves almost no data, so its steps measure dbt's fixed
cost for the same nodes. The targets of issues 14 (the full build) and 13 (incremental runs,
judged in time arrival only) are judged in benchmarking/targets.py. Writes a markdown report
to --out (default DIR/results.md) and prints it; raw figures go beside it as results.json.
Progress on stderr. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import lake
from benchmarking.data import HISTORY_WINDOWS, prepare
from benchmarking.report import render
from benchmarking.steps import TARGETS, SizeRun, run_size
from benchmarking.targets import human

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000], metavar="N")
    parser.add_argument("--fixed-cost-size", type=int, default=10_000, metavar="N",
                        help="a tiny size run first, no targets: dbt's fixed cost per step (0: skip)")
    parser.add_argument("--arrival", choices=("time", "stream", "both"), default="time",
                        help="time windows with late tails (default), the unordered stream, or both")
    parser.add_argument("--batches", type=int, default=10, metavar="K",
                        help="files the history is delivered in (default 10)")
    parser.add_argument("--seed", type=int, default=2024, metavar="S")
    parser.add_argument("--bench-dir", type=Path, default=ROOT / "bench", metavar="DIR")
    parser.add_argument("--out", type=Path, metavar="FILE", help="default <bench-dir>/results.md")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit (default 2GB, as profiles.yml)")
    parser.add_argument("--project-dir", type=Path, default=ROOT, metavar="DIR",
                        help="dbt project to benchmark (default: this repository)")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep generated data from an earlier run with the same arguments")
    parser.add_argument("--target", choices=TARGETS, default="local",
                        help="local: a DuckDB file (default); lake: a DuckLake (starts its catalog server)")
    args = parser.parse_args()
    if min(args.sizes) < HISTORY_WINDOWS or 0 < args.fixed_cost_size < HISTORY_WINDOWS:
        parser.error(f"each size needs at least {HISTORY_WINDOWS} events, so that an hourly batch has a line")
    if not 1 <= args.batches <= HISTORY_WINDOWS:
        parser.error(f"--batches must be 1 to {HISTORY_WINDOWS}")
    project_dir: Path = args.project_dir.resolve()
    out: Path = args.out or args.bench_dir / "results.md"
    sizes = sorted({args.fixed_cost_size, *args.sizes} - {0})
    fixed_size = args.fixed_cost_size if args.fixed_cost_size not in args.sizes else None
    arrivals = ["time", "stream"] if args.arrival == "both" else [args.arrival]

    results: dict[str, dict[int, SizeRun]] = {}
    # the lake's catalog server: stopped at the end only if this run started it
    started = args.target == "lake" and lake.start_server(lake.LakeSettings.from_env(project_dir))
    try:
        for arrival in arrivals:
            results[arrival] = {}
            for size in sizes:
                label = f"{arrival} {human(size)}"
                work = (args.bench_dir / arrival / str(size)).resolve()
                work.mkdir(parents=True, exist_ok=True)
                print(f"[{label}] preparing the data ...", file=sys.stderr, flush=True)
                data = prepare(size, arrival, work, args.seed, args.batches, args.reuse_data)
                how = f"generated in {data.generate_s:.1f} s" if data.generate_s else "reused an earlier run's data"
                print(f"[{label}] {how}: history {data.history.lines:,} lines in {len(data.history.files)} files, "
                      f"hourly {data.hourly.lines:,} lines, +1% {data.incr.lines:,} lines in "
                      f"{len(data.incr.files)} files", file=sys.stderr, flush=True)
                results[arrival][size] = run_size(data, work, project_dir, args.memory_limit, label, args.target)
    finally:
        if started:
            lake.stop_local_server(project_dir)

    text = render(results, fixed_size, args.memory_limit,
                  "python scripts/benchmark.py " + " ".join(sys.argv[1:]), project_dir,
                  args.target)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(
        {arrival: {str(size): {"data": asdict(run.data), "steps": [asdict(s) for s in run.steps.values()]}
                   for size, run in runs.items()} for arrival, runs in results.items()},
        indent=2, default=str))
    print(text)


if __name__ == "__main__":
    main()
