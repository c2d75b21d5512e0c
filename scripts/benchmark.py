#!/usr/bin/env python3
"""Benchmark the lakehouse end to end at several sizes (see BENCHMARKS.md).

Usage: benchmark.py [--sizes N ...] [--fixed-cost-size N] [--batches K] [--seed S] [--bench-dir DIR] [--out FILE]
                    [--memory-limit 3GB] [--project-dir DIR] [--reuse-data] [--target local|lake]

For each size N it generates N + N/100 event lines in K batch files with the generator, then
moves the last N/100 lines out into a held-back file (events_<K+1>.ndjson, the next batch in
arrival order): the full builds read exactly N lines, and the incremental step delivers 1% new
lines as a new file, with the generator's realistic mix (late duplicates, traps) since they
are the tail of the same stream. Then, against a fresh DuckDB file under DIR/<N>/ (with
--target lake: a fresh DuckLake, catalog database bench_<N> on the lake target's PostgreSQL,
data files under DIR/<N>/lake/):

  floor       one bare DuckDB query over the same N lines: read_ndjson, parse, normalize
              timestamps to UTC, aggregate per day (best of 3 runs; the reference every figure
              is a ratio to)
  full_models dbt build --full-refresh, models only (tests and unit tests excluded)
  full_tests  dbt build --full-refresh, with every test
  first_scheduled  the first scheduled run (scripts/run_batch.py) after those manual builds:
              nothing new, but no scheduled build recorded, so it builds everything without
              unit tests and records its inputs (what a no-op costs without the check)
  incr_1pct   the scheduled run after adding the held-back file: builds what the events
              source feeds (dbt build --select source:app.events+, no unit tests)
  noop        the scheduled run again: nothing changed, so it skips the build
  startup     dbt parse (warm partial parse): dbt's own start-up cost, for the no-op target

Each step: wall time, events per second, peak RSS of the whole process tree (polled every
0.1 s) and dbt's slowest models from run_results.json. A tiny size first (--fixed-cost-size,
10k events by default) moves almost no data: its steps measure dbt's fixed cost for the same
nodes, which the targets of the other sizes are set against. Writes a markdown report to --out
(default DIR/results.md) and prints it; raw figures go beside it as results.json. Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

import lake

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POLL_S = 0.1
FLOOR_RUNS = 3  # the floor is cheap: keep its best run, the least disturbed by other load
GB = 1024**3

FLOOR_SQL = """
select ts::date as day, count(*) as events, count(distinct user_id) as users, sum(amount) as amount
from (
    select
        user_id,
        amount,
        -- ISO with Z or an offset is applied; a naive timestamp is read in the session zone, UTC
        try_cast("timestamp" as timestamptz) as ts
    from read_ndjson(
        '{glob}',
        columns = {{event_id: 'VARCHAR', user_id: 'VARCHAR', event_type: 'VARCHAR',
                   "timestamp": 'VARCHAR', amount: 'DOUBLE'}},
        ignore_errors = true
    )
)
where ts is not null
group by all
order by day
"""

FLOOR_CHILD = """
import duckdb, json, sys, time
con = duckdb.connect(config={'memory_limit': sys.argv[2], 'temp_directory': sys.argv[3]})
con.sql("set TimeZone = 'UTC'")
con.sql("set enable_progress_bar = false")
times = []
for _ in range(int(sys.argv[4])):
    start = time.perf_counter()
    rows = con.sql(sys.argv[1]).fetchall()
    times.append(time.perf_counter() - start)
print(json.dumps({'seconds': min(times), 'all_seconds': times, 'days': len(rows),
                  'events': sum(r[1] for r in rows)}))
"""


@dataclass
class Step:
    name: str
    command: str
    wall_s: float
    peak_rss_bytes: int
    events: int
    exit_code: int
    failed_tests: list[str] = field(default_factory=list)  # data tests that ran and failed
    broken_nodes: list[str] = field(default_factory=list)  # errored or skipped: the run is partial
    dbt_elapsed_s: float = 0.0  # dbt's own elapsed_time: the wall time minus start-up and parsing
    top_models: list[tuple[str, float]] = field(default_factory=list)
    top_tests: list[tuple[str, float]] = field(default_factory=list)
    test_seconds: float = 0.0

    @property
    def completed(self) -> bool:
        """Every node ran (failing data tests still count: their cost was paid)."""
        return self.exit_code == 0 or (self.exit_code == 1 and bool(self.failed_tests)
                                       and not self.broken_nodes)

    @property
    def outcome(self) -> str:
        if not self.completed:
            return f"error (exit {self.exit_code})"
        return f"ok, {len(self.failed_tests)} tests failed" if self.failed_tests else "ok"

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.events and self.wall_s else 0.0


def measure(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, int, int]:
    """Run cmd, output to log; return wall seconds, peak RSS summed over its process tree, exit code."""
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    total += p.memory_info().rss
            except psutil.NoSuchProcess:  # a process ended between listing and reading
                pass
            peak = max(peak, total)
            time.sleep(POLL_S)
    return time.perf_counter() - start, peak, proc.returncode


def count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as f:
            data = b""
            for data in iter(lambda: f.read(1 << 24), b""):
                total += data.count(b"\n")
            if data and not data.endswith(b"\n"):
                total += 1
    return total


def hold_back_tail(last_file: Path, lines: int, held: Path) -> None:
    """Move the last `lines` lines of last_file into held (a new, later batch file)."""
    data = last_file.read_bytes()
    cut = len(data) - 1 if data.endswith(b"\n") else len(data)
    for _ in range(lines):
        cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            raise SystemExit(f"{last_file} has fewer than {lines} lines to hold back")
    held.write_bytes(data[cut + 1:])
    with last_file.open("r+b") as f:
        f.truncate(cut + 1)


def generate(size: int, args: argparse.Namespace, work: Path) -> tuple[Path, Path, float]:
    raw, held = work / "raw", work / "held" / f"events_{args.batches + 1:04d}.ndjson"
    stamp = work / "generated.json"
    wanted = {"events": size + size // 100, "seed": args.seed, "batches": args.batches}
    if args.reuse_data and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return raw, held, 0.0
    shutil.rmtree(work / "held", ignore_errors=True)
    held.parent.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_data.py"), "--events",
         str(wanted["events"]), "--seed", str(args.seed), "--out", str(raw),
         "--batches", str(args.batches), "--quiet"],
        check=True,
    )
    hold_back_tail(raw / f"events_{args.batches:04d}.ndjson", size // 100, held)
    stamp.write_text(json.dumps(wanted))
    return raw, held, time.perf_counter() - start


def read_run_results(step: Step, target: Path) -> None:
    """dbt's elapsed time, slowest models and tests, summed test time, nodes that failed."""
    run_results = json.loads((target / "run_results.json").read_text())
    results = run_results["results"]
    step.dbt_elapsed_s = run_results["elapsed_time"]
    step.failed_tests = [r["unique_id"] for r in results if r["status"] == "fail"]
    step.broken_nodes = [r["unique_id"] for r in results if r["status"] in ("error", "skipped")]

    def slowest(prefixes: tuple[str, ...], count: int) -> list[tuple[str, float]]:
        # model.<project>.<name>, test.<project>.<name>.<hash>, unit_test.<project>.<model>.<name>
        nodes = [(".".join(r["unique_id"].split(".")[2:4 if r["unique_id"].startswith("unit_") else 3]),
                  r["execution_time"]) for r in results if r["unique_id"].startswith(prefixes)]
        return sorted(nodes, key=lambda n: -n[1])[:count]

    step.top_models = slowest(("model.",), 5)
    step.top_tests = slowest(("test.", "unit_test."), 3)
    step.test_seconds = sum(r["execution_time"] for r in results
                            if r["unique_id"].startswith(("test.", "unit_test.")))


def bench_size(size: int, args: argparse.Namespace) -> tuple[list[Step], float]:
    label = human(size)
    work = (args.bench_dir / str(size)).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"[{label}] generating {size + size // 100:,} events in {args.batches} files ...",
          file=sys.stderr, flush=True)
    raw, held, gen_s = generate(size, args, work)
    (raw / held.name).unlink(missing_ok=True)  # delivered by an earlier run's incremental step
    held_lines = size // 100
    events = count_lines(sorted(raw.glob("events*.ndjson")))
    how = f"generated in {gen_s:.1f} s" if gen_s else "reused the data of an earlier run"
    print(f"[{label}] {how} ({events:,} lines in raw, {held_lines:,} held back)",
          file=sys.stderr, flush=True)

    for stale in ["lakehouse.duckdb", "lakehouse.duckdb.wal", "spill", "target", "logs"]:
        path = work / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LAKEHOUSE_DB": str(work / "lakehouse.duckdb"),
        "LAKEHOUSE_TEMP_DIR": str(work / "spill"),
        "LAKEHOUSE_MEMORY_LIMIT": args.memory_limit,
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    if args.target == "lake":
        env.update(fresh_lake(args.project_dir, f"bench_{size}", work / "lake"))
    dbt = [str(BIN / "dbt"), "--no-use-colors"]
    raw_vars = ["--vars", json.dumps({"raw_root": str(raw)}), *target_args(args.target)]
    where = ["--project-dir", str(args.project_dir), "--profiles-dir", str(args.project_dir), *raw_vars]
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    # the scheduled run: a build without unit tests of what changed, skipped when nothing did
    scheduled = [sys.executable, str(args.project_dir / "scripts" / "run_batch.py"),
                 "--project-dir", str(args.project_dir), "--", "--no-use-colors", *raw_vars]
    plan: list[tuple[str, list[str], int]] = [
        ("floor", [], events),
        ("full_models", [*dbt, "build", "--full-refresh", *where, *no_tests], events),
        ("full_tests", [*dbt, "build", "--full-refresh", *where], events),
        ("first_scheduled", scheduled, 0),
        ("incr_1pct", scheduled, held_lines),
        ("noop", scheduled, 0),
        ("startup", [*dbt, "parse", *where], 0),
    ]
    steps: list[Step] = []
    for name, cmd, step_events in plan:
        if name == "floor":
            sql = FLOOR_SQL.format(glob=raw / "events*.ndjson")
            cmd = [sys.executable, "-c", FLOOR_CHILD, sql, args.memory_limit, str(work / "spill"),
                   str(FLOOR_RUNS)]
        if name == "incr_1pct":
            shutil.copy(held, raw / held.name)
        print(f"[{label}] {name} ...", file=sys.stderr, flush=True)
        (work / "target" / "run_results.json").unlink(missing_ok=True)
        wall, peak, code = measure(cmd, env, work / f"{name}.log")
        step = Step(name, " ".join(cmd[2:]), wall, peak, step_events, code)
        if name == "floor" and code == 0:
            floor = json.loads((work / f"{name}.log").read_text().strip().splitlines()[-1])
            step.wall_s = floor["seconds"]  # the query alone, without starting Python
            step.command = (f"python -c <duckdb query: read_ndjson, timestamptz, group by day>, best of "
                            f"{', '.join(f'{t:.1f}' for t in floor['all_seconds'])} s")
        elif name not in ("floor", "startup") and (work / "target" / "run_results.json").exists():
            read_run_results(step, work / "target")
            shutil.copy(work / "target" / "run_results.json", work / f"run_results_{name}.json")
        steps.append(step)
        status = step.outcome
        if step.failed_tests or not step.completed:
            status += f": see {work / name}.log {' '.join(step.failed_tests + step.broken_nodes)}"
        print(f"[{label}] {name}: {step.wall_s:.1f} s, peak {step.peak_rss_bytes / GB:.2f} GB, {status}",
              file=sys.stderr, flush=True)
    return steps, gen_s


def target_args(target: str) -> list[str]:
    return ["--target", target] if target != "local" else []


def fresh_lake(project_dir: Path, db: str, data_path: Path) -> dict[str, str]:
    """An empty DuckLake (catalog database `db`, files under data_path) on the lake target's
    server, replacing one of an earlier run; the environment that points the profile at it."""
    settings = lake.LakeSettings.from_env(project_dir).with_db(db, data_path)
    lake.drop_lake(settings)
    lake.create_lake(settings)
    return {"LAKE_PG_DB": settings.db, "LAKE_EXTENSION_DIR": str(settings.extension_dir)}


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def git_state(project: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(project), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def versions() -> str:
    pkgs = ", ".join(f"{p} {metadata.version(p)}" for p in ("dbt-core", "dbt-duckdb", "duckdb"))
    return f"{pkgs}, python {platform.python_version()}"


def report(results: dict[int, tuple[list[Step], float]], args: argparse.Namespace, argv: str) -> str:
    mem = psutil.virtual_memory().total / GB
    lines = [
        f"# Benchmark results ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {platform.machine()}, {psutil.cpu_count()} cores, {mem:.0f} GB RAM; "
        f"load average at the end {os.getloadavg()[0]:.1f} (other work shares the CPU: figures are noisy)",
        f"- versions: {versions()}",
        f"- target {args.target}; DuckDB memory_limit {args.memory_limit}, dbt threads from profiles.yml",
        f"- command: `{argv}`",
        f"- project: {args.project_dir} ({git_state(args.project_dir)})",
        "",
        "wall s: the whole command (dbt start-up and parsing included); dbt s: dbt's own "
        f"elapsed_time; floor: the query alone, best of {FLOOR_RUNS} runs.",
        "",
        "| size | step | wall s | dbt s | events | events/s | x floor | peak RSS GB | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    checks: list[str] = []
    # the tiny size is a reference only when it ran complete and was not asked for in --sizes
    fixed_size = args.fixed_cost_size if args.fixed_cost_size not in args.sizes else None
    fixed = {s.name: s for s in results[fixed_size][0]} if fixed_size in results else {}
    if not all(s.completed for s in fixed.values()):
        fixed = {}
    for size, (steps, gen_s) in results.items():
        by = {s.name: s for s in steps}
        floor = by["floor"].wall_s
        generated = f"{gen_s:.1f}" if gen_s else "reused"
        lines.append(f"| {human(size)} | generate | {generated} | | {size + size // 100:,} | | | | |")
        for s in steps:
            eps = f"{s.events_per_s:,.0f}" if s.events_per_s else ""
            elapsed = f"{s.dbt_elapsed_s:.1f}" if s.dbt_elapsed_s else ""
            lines.append(f"| {human(size)} | {s.name} | {s.wall_s:.1f} | {elapsed} | {s.events:,} | {eps} | "
                         f"{s.wall_s / floor:.1f} | {s.peak_rss_bytes / GB:.2f} | {s.outcome} |")
        if size == fixed_size:  # a reference, complete or not: no targets of its own
            checks.append(f"- {human(size)}: no targets; this size measures dbt's fixed cost per step")
            continue

        def check(text: str, passed: bool, *names: str) -> None:
            broken = [n for n in names if not by[n].completed]
            verdict = f"NOT MEASURED ({', '.join(broken)} did not complete)" if broken else \
                "PASS" if passed else "FAIL"
            checks.append(f"- {human(size)}: {verdict}: {text}")

        def against_fixed_cost(name: str, budget_s: float, net_ratio: Callable[[float], str]) -> str:
            """The budget a target leaves, the same step with almost no data, and the rest's ratio."""
            if not fixed:
                return ""
            assert fixed_size is not None  # `fixed` holds its steps
            fixed_s = fixed[name].wall_s
            return (f"; budget {budget_s:.1f} s; the same step at {human(fixed_size)} events "
                    f"{fixed_s:.1f} s; net of that, {net_ratio(by[name].wall_s - fixed_s)}")

        for name in ("full_models", "full_tests"):
            ratio = by[name].wall_s / floor
            detail = against_fixed_cost(name, 3 * floor, lambda net_s: f"{net_s / floor:.1f}x")
            check(f"{name} within 3x of the floor ({ratio:.1f}x{detail})", ratio <= 3, "floor", name)
        full_s = by["full_tests"].wall_s
        incr = by["incr_1pct"].wall_s / full_s
        detail = against_fixed_cost("incr_1pct", 0.10 * full_s,
                                    lambda net_s: f"{net_s / (full_s - fixed['full_tests'].wall_s):.0%}")
        check(f"incremental +1% within 10% of the full build with tests ({incr:.0%}{detail})",
              incr <= 0.10, "incr_1pct", "full_tests")
        noop = by["noop"].wall_s / by["startup"].wall_s
        check(f"no-op re-run close to dbt start-up, <= 2x `dbt parse` ({noop:.1f}x)", noop <= 2,
              "noop", "startup")
        peak = max(s.peak_rss_bytes for s in steps)
        check(f"peak memory under 4 GB ({peak / GB:.2f} GB)", peak < 4 * GB, *by)
    lines += ["", "## Targets", "", *checks, "",
              "## Slowest nodes per step (dbt run_results.json, seconds; "
              f"{'one thread' if args.target == 'lake' else 'two threads overlap'})", ""]
    for size, (steps, _) in results.items():
        for s in steps:
            if s.top_models:
                models = ", ".join(f"{m} {t:.1f}" for m, t in s.top_models)
                tests = ", ".join(f"{m[:60]} {t:.1f}" for m, t in s.top_tests)
                lines.append(f"- {human(size)} {s.name}: models: {models}; "
                             f"tests (all: {s.test_seconds:.1f}): {tests}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000], metavar="N")
    parser.add_argument("--fixed-cost-size", type=int, default=10_000, metavar="N",
                        help="a tiny size run first, no targets: dbt's fixed cost per step (0: skip)")
    parser.add_argument("--batches", type=int, default=10, metavar="K", help="events files per size")
    parser.add_argument("--seed", type=int, default=2024, metavar="S")
    parser.add_argument("--bench-dir", type=Path, default=ROOT / "bench", metavar="DIR")
    parser.add_argument("--out", type=Path, metavar="FILE", help="default <bench-dir>/results.md")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit (default 3GB)")
    parser.add_argument("--project-dir", type=Path, default=ROOT, metavar="DIR",
                        help="dbt project to benchmark (default: this repository)")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep generated data from an earlier run with the same arguments")
    parser.add_argument("--target", choices=["local", "lake"], default="local",
                        help="local: a DuckDB file (default); lake: a DuckLake (starts its catalog server)")
    args = parser.parse_args()
    if min(args.sizes) < 100 or 0 < args.fixed_cost_size < 100:
        parser.error("each size needs at least 100 events, so that the +1% batch has a line")
    args.project_dir = args.project_dir.resolve()
    out: Path = args.out or args.bench_dir / "results.md"
    sizes = sorted({args.fixed_cost_size, *args.sizes} - {0})
    started = args.target == "lake" and lake.start_server(lake.LakeSettings.from_env(args.project_dir))
    try:
        results = {size: bench_size(size, args) for size in sizes}
    finally:
        if started:
            lake.stop_local_server(args.project_dir)
    text = report(results, args, "python scripts/benchmark.py " + " ".join(sys.argv[1:]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(
        {str(size): {"generate_s": gen, "steps": [asdict(s) for s in steps]}
         for size, (steps, gen) in results.items()}, indent=2))
    print(text)


if __name__ == "__main__":
    main()
