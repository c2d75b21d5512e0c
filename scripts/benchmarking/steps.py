"""The steps of one size, run against a fresh lakehouse and measured: a DuckDB file (target
`local`, the profile's default) or a DuckLake (target `lake`: catalog database
bench_<arrival>_<size> on the lake target's PostgreSQL, files under the size's lake/).

  floor            one bare DuckDB query over the history: read_ndjson, parse, normalize
                   timestamps to UTC, aggregate per day (best of FLOOR_RUNS: the reference
                   every figure is a ratio to)
  full_models      dbt build --full-refresh, models only (data and unit tests excluded)
  full_tests       dbt build --full-refresh, with every test
  first_scheduled  the first scheduled run (scripts/run_batch.py) after those manual builds:
                   nothing new, but no scheduled build recorded, so it builds everything
                   without unit tests and records its inputs
  hourly           the scheduled run after delivering the hourly batch (one new file)
  incr_1pct        the scheduled run after delivering the +1% batch (ten new files at once)
  noop             the scheduled run again: nothing changed, so it skips the build
  startup          dbt parse (warm partial parse): dbt's own start-up cost

Each step: wall time, peak RSS of the whole process tree (polled every POLL_S) and, from
dbt's run_results.json, its own elapsed time, the slowest models and tests and what failed.
Every dbt step, the scheduled runs included, builds the target asked for; the floor is the same
bare DuckDB query on both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

import lake
from benchmarking.data import Dataset

POLL_S = 0.1
FLOOR_RUNS = 3  # the floor is cheap: keep its best run, the least disturbed by other load
GB = 1024**3
TARGETS = ("local", "lake")  # profiles.yml's outputs: the DuckDB file (default), the DuckLake
STEPS = ("floor", "full_models", "full_tests", "first_scheduled", "hourly", "incr_1pct", "noop", "startup")

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
    lines: int  # lines read (floor, full builds) or delivered (hourly, incr_1pct)
    exit_code: int
    failed_tests: list[str] = field(default_factory=list)  # data tests that ran and failed
    broken_nodes: list[str] = field(default_factory=list)  # errored or skipped: the run is partial
    dbt_elapsed_s: float = 0.0  # dbt's own elapsed_time: the wall time minus start-up and parsing
    top_models: list[tuple[str, float]] = field(default_factory=list)
    top_tests: list[tuple[str, float]] = field(default_factory=list)
    test_seconds: float = 0.0
    publish_s: float | None = None  # the copy of gold to the published schema, when the step published

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


@dataclass
class SizeRun:
    """One size in one arrival mode: its data and its steps by name."""

    data: Dataset
    steps: dict[str, Step]


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


def publish_seconds(target_dir: Path, env: dict[str, str], project_dir: Path, target: str) -> float | None:
    """How long the step's publication of gold took (audit.gold_publications, written by the
    step's own invocation), or None when it published nothing."""
    invocation = json.loads((target_dir / "run_results.json").read_text())["metadata"]["invocation_id"]
    if target == "lake":
        settings = lake.LakeSettings.from_env(project_dir)
        con = lake.connect(settings.with_db(env["LAKE_PG_DB"], settings.data_path))
    else:
        con = duckdb.connect(env["LAKEHOUSE_DB"], read_only=True)
    with con:
        row = con.execute("select publish_seconds from audit.gold_publications where invocation_id = ?"
                          " and verdict = 'published'", [invocation]).fetchone()
    return float(row[0]) if row else None


def fresh_lake(project_dir: Path, db: str, data_path: Path) -> dict[str, str]:
    """An empty DuckLake (catalog database `db`, files under data_path) on the lake target's
    server, replacing one of an earlier run; the environment that points the profile at it.
    The server must answer (lake.start_server)."""
    settings = lake.LakeSettings.from_env(project_dir).with_db(db, data_path)
    lake.drop_lake(settings)
    lake.create_lake(settings)
    return {"LAKE_PG_DB": settings.db, "LAKE_EXTENSION_DIR": str(settings.extension_dir)}


def run_size(data: Dataset, work: Path, project_dir: Path, memory_limit: str, label: str,
             target: str = "local") -> SizeRun:
    """Every step of STEPS against a fresh lakehouse of `target` under work/, in order."""
    for stale in ["lakehouse.duckdb", "lakehouse.duckdb.wal", "spill", "target", "logs", "lake"]:
        path = work / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LAKEHOUSE_DB": str(work / "lakehouse.duckdb"),
        "LAKEHOUSE_TEMP_DIR": str(work / "spill"),
        "LAKEHOUSE_MEMORY_LIMIT": memory_limit,
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    if target == "lake":
        env.update(fresh_lake(project_dir, f"bench_{data.arrival}_{data.size}", work / "lake"))
    bin_dir = Path(sys.executable).parent
    dbt = [str(bin_dir / "dbt"), "--no-use-colors"]
    target_args = ["--target", target] if target != "local" else []  # local: the profile's default
    # every dbt command and the scheduled run's dbt: the raw files and the target
    raw_vars = ["--vars", json.dumps({"raw_root": str(data.raw)}), *target_args]
    where = ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir), *raw_vars]
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    # the scheduled run: a build without unit tests of what changed, skipped when nothing did
    scheduled = [sys.executable, str(project_dir / "scripts" / "run_batch.py"),
                 "--project-dir", str(project_dir), "--", "--no-use-colors", *raw_vars]
    floor_sql = FLOOR_SQL.format(glob=data.raw / "events*.ndjson")
    floor = [sys.executable, "-c", FLOOR_CHILD, floor_sql, memory_limit, str(work / "spill"), str(FLOOR_RUNS)]
    plan: dict[str, tuple[list[str], int, list[Path]]] = {  # command, lines, files delivered first
        "floor": (floor, data.history.lines, []),
        "full_models": ([*dbt, "build", "--full-refresh", *where, *no_tests], data.history.lines, []),
        "full_tests": ([*dbt, "build", "--full-refresh", *where], data.history.lines, []),
        "first_scheduled": (scheduled, 0, []),
        "hourly": (scheduled, data.hourly.lines, data.delivery_paths(data.hourly)),
        "incr_1pct": (scheduled, data.incr.lines, data.delivery_paths(data.incr)),
        "noop": (scheduled, 0, []),
        "startup": ([*dbt, "parse", *where], 0, []),
    }
    steps: dict[str, Step] = {}
    for name in STEPS:
        cmd, lines, deliver = plan[name]
        for path in deliver:  # new files, new modification times: the scheduled run sees them
            shutil.copy(path, data.raw / path.name)
        print(f"[{label}] {name} ...", file=sys.stderr, flush=True)
        (work / "target" / "run_results.json").unlink(missing_ok=True)
        wall, peak, code = measure(cmd, env, work / f"{name}.log")
        step = Step(name, " ".join(cmd[2:]), wall, peak, lines, code)
        if name == "floor" and code == 0:
            result = json.loads((work / f"{name}.log").read_text().strip().splitlines()[-1])
            step.wall_s = result["seconds"]  # the query alone, without starting Python
            step.command = (f"python -c <duckdb query: read_ndjson, timestamptz, group by day>, best of "
                            f"{', '.join(f'{t:.1f}' for t in result['all_seconds'])} s")
        elif name not in ("floor", "startup") and (work / "target" / "run_results.json").exists():
            read_run_results(step, work / "target")
            shutil.copy(work / "target" / "run_results.json", work / f"run_results_{name}.json")
            step.publish_s = publish_seconds(work / "target", env, project_dir, target)
        steps[name] = step
        status = step.outcome
        if step.failed_tests or not step.completed:
            status += f": see {work / name}.log {' '.join(step.failed_tests + step.broken_nodes)}"
        print(f"[{label}] {name}: {step.wall_s:.1f} s, peak {step.peak_rss_bytes / GB:.2f} GB, {status}",
              file=sys.stderr, flush=True)
    return SizeRun(data, steps)
