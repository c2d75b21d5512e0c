"""The markdown report: machine, data, every step's figures, the targets, the slowest nodes."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import psutil

from benchmarking.data import HISTORY_WINDOWS, Delivery
from benchmarking.steps import FLOOR_RUNS, GB, SizeRun
from benchmarking.targets import Judge, human

ARRIVAL = {
    "time": "time arrival: files are time windows with late tails, like hourly deliveries",
    "stream": "stream arrival: files cut from the unordered stream (issue 13's figures for comparison, "
              "not judged)",
}

TARGET = {
    "local": "a DuckDB file",
    "lake": "a DuckLake: Parquet files, its catalog in PostgreSQL",
}


def git_state(project: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(project), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"


def versions() -> str:
    pkgs = ", ".join(f"{p} {metadata.version(p)}" for p in ("dbt-core", "dbt-duckdb", "duckdb"))
    return f"{pkgs}, python {platform.python_version()}"


def batch(delivered: Delivery, history_lines: int) -> str:
    plural = "s" if len(delivered.files) > 1 else ""
    text = f"+{len(delivered.files)} file{plural}, {delivered.lines:,} lines = {delivered.lines / history_lines:.2%}"
    if delivered.windows:
        return f"{text} (window{plural} {delivered.windows}; {delivered.late_lines:,} late lines)"
    return f"{text} (the stream's next lines)"


def render(results: dict[str, dict[int, SizeRun]], fixed_size: int | None, memory_limit: str, argv: str,
           project_dir: Path, target: str = "local") -> str:
    mem = psutil.virtual_memory().total / GB
    lines = [
        f"# Benchmark results ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {platform.machine()}, {psutil.cpu_count()} cores, {mem:.0f} GB RAM; "
        f"load average at the end {os.getloadavg()[0]:.1f} (other work shares the CPU: figures are noisy)",
        f"- versions: {versions()}",
        f"- target {target} ({TARGET[target]}); DuckDB memory_limit {memory_limit}, dbt threads from profiles.yml",
        f"- command: `{argv}`",
        f"- project: {project_dir} ({git_state(project_dir)})",
        "",
        "## Data",
        "",
        "The full builds read the history; the hourly batch (0.1% of it) and then the +1% batch arrive "
        "as new files.",
        "",
        "| arrival | size | history (full builds) | hourly batch | +1% batch | generated s |",
        "|---|---|---|---|---|---:|",
    ]
    for arrival, runs in results.items():
        for size, run in runs.items():
            data = run.data
            history = f"{data.history.lines:,} lines in {len(data.history.files)} files"
            if data.history.windows:
                history += (f" ({HISTORY_WINDOWS} windows, {data.history.windows}; "
                            f"{data.history.late_lines:,} late lines)")
            generated = f"{data.generate_s:.1f}" if data.generate_s else "reused"
            lines.append(f"| {arrival} | {human(size)} | {history} | {batch(data.hourly, data.history.lines)} | "
                         f"{batch(data.incr, data.history.lines)} | {generated} |")
    lines += [
        "",
        "## Steps",
        "",
        "wall s: the whole command (dbt start-up and parsing included); dbt s: dbt's own elapsed_time; "
        f"floor: the query alone, best of {FLOOR_RUNS} runs; lines: read (floor, full builds) or delivered "
        "(hourly, incr_1pct); publish s: the copy of gold to the published schema "
        "(audit.gold_publications), in the steps that published.",
        "",
        "| arrival | size | step | lines | wall s | dbt s | x floor | peak RSS GB | publish s | result |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for arrival, runs in results.items():
        for size, run in runs.items():
            floor = run.steps["floor"].wall_s
            for s in run.steps.values():
                elapsed = f"{s.dbt_elapsed_s:.1f}" if s.dbt_elapsed_s else ""
                count = f"{s.lines:,}" if s.lines else ""
                wall = f"{s.wall_s:.2f}" if s.wall_s < 1 else f"{s.wall_s:.1f}"
                published = "" if s.publish_s is None else f"{s.publish_s:.2f}"
                lines.append(f"| {arrival} | {human(size)} | {s.name} | {count} | {wall} | {elapsed} | "
                             f"{s.wall_s / floor:.1f} | {s.peak_rss_bytes / GB:.2f} | {published} | {s.outcome} |")
    lines += ["", "## Targets", ""]
    if fixed_size:
        lines += [f"{human(fixed_size)} gets no targets: it moves almost no data, so its steps measure dbt's "
                  "fixed cost for the same nodes. The issues set the targets at 10M (issue 13: 1M and 10M); "
                  "they are checked at every other size measured.", ""]
    for arrival, runs in results.items():
        judge = Judge(runs, fixed_size, arrival == "time")
        lines += [f"### {ARRIVAL[arrival]}", "", "Issue 14, the full build:", "", *judge.full_build(), "",
                  "Issue 13, incremental runs:", "", *judge.incremental(), ""]
    overlap = "one thread" if target == "lake" else "threads overlap"
    lines += [f"## Slowest nodes per step (dbt run_results.json, seconds; {overlap})", ""]
    for arrival, runs in results.items():
        for size, run in runs.items():
            for s in run.steps.values():
                if s.top_models:
                    models = ", ".join(f"{m} {t:.1f}" for m, t in s.top_models)
                    tests = ", ".join(f"{m[:60]} {t:.1f}" for m, t in s.top_tests)
                    lines.append(f"- {arrival} {human(size)} {s.name}: models: {models}; "
                                 f"tests (all: {s.test_seconds:.1f}): {tests}")
    return "\n".join(lines) + "\n"
