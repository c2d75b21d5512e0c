#!/usr/bin/env python3
"""DuckDB and Spark side by side: the same project on the same data, one engine after the
other in one run (BENCHMARKS.md, "DuckDB and Spark").

For each dataset (the bundled data/, then generated sizes in time arrival, as
scripts/benchmark.py lays them out) and each engine (the default target's DuckDB file, the
spark target's local Spark), in order:
  startup  `dbt debug`: the engine's connection, for Spark its JVM and session
  full     `dbt build --full-refresh`, models only (data and unit tests excluded)
  hourly   `dbt build`, models only, after delivering the hourly batch (0.1% of the size;
           the bundled data has none: the run then finds nothing new)
Each step: wall time (start-up included, as a user waits for it) and peak RSS of the process
tree. Spark needs `make venv-spark` and Java 17.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarking.data import prepare
from benchmarking.steps import GB, measure
from benchmarking.targets import human

ROOT = Path(__file__).resolve().parent.parent
ENGINES = {"duckdb": [], "spark": ["--target", "spark"]}
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


@dataclass
class Measured:
    dataset: str
    engine: str
    step: str
    wall_s: float
    peak_rss_bytes: int
    exit_code: int


def run_engine(dataset: str, raw: Path, deliveries: list[Path], engine: str, work: Path,
               project_dir: Path) -> list[Measured]:
    """The steps on one engine, from an empty lakehouse under work/<engine>."""
    state = work / engine
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    env = {**os.environ, "LAKEHOUSE_DB": str(state / "lakehouse.duckdb"),
           "LAKEHOUSE_TEMP_DIR": str(state / "spill"), "LAKEHOUSE_SPARK_DIR": str(state / "spark"),
           "DBT_TARGET_PATH": str(state / "target"), "DBT_LOG_PATH": str(state / "logs")}
    dbt = [str(Path(sys.executable).with_name("dbt")), "--no-use-colors"]
    where = ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
             "--vars", json.dumps({"raw_root": str(raw)}), *ENGINES[engine]]
    plan = {"startup": [*dbt, "debug", *where],
            "full": [*dbt, "build", "--full-refresh", *where, *MODELS_ONLY],
            "hourly": [*dbt, "build", *where, *MODELS_ONLY]}
    measured: list[Measured] = []
    try:
        for step, cmd in plan.items():
            if step == "hourly":
                for path in deliveries:
                    shutil.copy(path, raw / path.name)
            print(f"[{dataset} {engine}] {step} ...", file=sys.stderr, flush=True)
            wall, peak, code = measure(cmd, env, state / f"{step}.log")
            print(f"[{dataset} {engine}] {step}: {wall:.1f} s, peak {peak / GB:.2f} GB"
                  + ("" if code == 0 else f", exit {code}: see {state / step}.log"),
                  file=sys.stderr, flush=True)
            measured.append(Measured(dataset, engine, step, wall, peak, code))
    finally:  # the next engine starts from the same history
        for path in deliveries:
            (raw / path.name).unlink(missing_ok=True)
    return measured


def render(results: list[Measured], command: str) -> str:
    lines = [f"Command: `{command}`", "",
             "| data | step | DuckDB s | Spark s | Spark / DuckDB | DuckDB peak GB | Spark peak GB |",
             "|---|---|---:|---:|---:|---:|---:|"]
    keys = dict.fromkeys((m.dataset, m.step) for m in results)
    by = {(m.dataset, m.step, m.engine): m for m in results}
    for dataset, step in keys:
        duck, spark = by.get((dataset, step, "duckdb")), by.get((dataset, step, "spark"))
        if duck is None or spark is None:
            continue

        def wall(m: Measured) -> str:
            return f"{m.wall_s:.1f}" + ("" if m.exit_code == 0 else " (failed)")

        lines.append(f"| {dataset} | {step} | {wall(duck)} | {wall(spark)} | "
                     f"{spark.wall_s / duck.wall_s:.1f}x | {duck.peak_rss_bytes / GB:.2f} | "
                     f"{spark.peak_rss_bytes / GB:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000], metavar="N",
                        help="generated sizes after the bundled data (default 1M; none: bundled only)")
    parser.add_argument("--seed", type=int, default=2024, metavar="S")
    parser.add_argument("--bench-dir", type=Path, default=ROOT / "bench" / "engines", metavar="DIR")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep generated data from an earlier run with the same arguments")
    parser.add_argument("--project-dir", type=Path, default=ROOT, metavar="DIR")
    args = parser.parse_args()
    project_dir: Path = args.project_dir.resolve()
    bench: Path = args.bench_dir.resolve()
    results: list[Measured] = []
    datasets: list[tuple[str, Path, list[Path]]] = [("bundled", project_dir / "data", [])]
    for size in args.sizes:
        print(f"[{human(size)}] preparing the data ...", file=sys.stderr, flush=True)
        data = prepare(size, "time", bench / str(size), args.seed, 10, args.reuse_data)
        datasets.append((human(size), data.raw, data.delivery_paths(data.hourly)))
    for name, raw, deliveries in datasets:
        for engine in ENGINES:
            results += run_engine(name, raw, deliveries, engine, bench / name, project_dir)
    text = render(results, "python scripts/benchmark_engines.py " + " ".join(sys.argv[1:]))
    bench.mkdir(parents=True, exist_ok=True)
    (bench / "results.md").write_text(text)
    (bench / "results.json").write_text(json.dumps([asdict(m) for m in results], indent=2))
    print(text)


if __name__ == "__main__":
    main()
