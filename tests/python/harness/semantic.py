"""`mf` (MetricFlow's CLI) on one built state: the semantic layer queried the way a user
queries it, each result read back from the CSV file `mf query --csv` writes."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from harness.lakehouse import PROJECT_DIR, Lakehouse

MF = Path(sys.executable).with_name("mf")
MF_BATCH = Path(__file__).with_name("mf_batch.py")

Row = dict[str, str]


@dataclass(frozen=True)
class Query:
    """`mf query --metrics ... --group-by ...`."""

    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()

    def args(self, csv_path: Path) -> list[str]:
        group_by = ["--group-by", ",".join(self.group_by)] if self.group_by else []
        return ["query", "--metrics", ",".join(self.metrics), *group_by, "--csv", str(csv_path), "--quiet"]


@dataclass(frozen=True)
class MetricFlow:
    """`mf` reads the semantic manifest at <project dir>/target/semantic_manifest.json, a path
    it does not let DBT_TARGET_PATH move; so each state gets a project directory of its own
    (links to the project's dbt_project.yml and profiles.yml, and the manifest its last dbt
    run wrote), and never reads or writes the project's own target/. The lakehouse comes from
    the state's LAKEHOUSE_DB, as for dbt. mf opens it read-write, as dbt does: never while a
    build holds it."""

    lakehouse: Lakehouse
    project_dir: Path

    @classmethod
    def on(cls, lakehouse: Lakehouse) -> MetricFlow:
        project_dir = lakehouse.workdir / "mf_project"
        (project_dir / "target").mkdir(parents=True, exist_ok=True)
        for name in ("dbt_project.yml", "profiles.yml"):
            if not (project_dir / name).exists():
                (project_dir / name).symlink_to(PROJECT_DIR / name)
        shutil.copy2(lakehouse.workdir / "target" / "semantic_manifest.json", project_dir / "target")
        return cls(lakehouse, project_dir)

    def env(self) -> dict[str, str]:
        return {**self.lakehouse.env(), "DBT_PROJECT_DIR": str(self.project_dir),
                "DBT_PROFILES_DIR": str(self.project_dir)}

    def run(self, *args: str) -> str:
        """`.venv/bin/mf <args>` from the state's project directory: what it printed. Fails the
        test if mf fails."""
        done = subprocess.run([str(MF), *args], cwd=self.project_dir, env=self.env(),
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "ERROR" not in done.stdout, \
            f"mf {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
        return done.stdout

    def run_many(self, commands: list[list[str]]) -> list[str]:
        """Each `mf <args>` of `commands`, in one process (harness/mf_batch.py): what each
        printed. Fails the test if one fails."""
        spec, results = self.project_dir / "commands.json", self.project_dir / "results.json"
        spec.write_text(json.dumps(commands))
        done = subprocess.run([sys.executable, str(MF_BATCH), str(spec), str(results)],
                              cwd=self.project_dir, env=self.env(), capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, f"mf_batch failed:\n{done.stdout}{done.stderr}"
        outputs = []
        for result in json.loads(results.read_text()):
            assert result["exit_code"] == 0 and "ERROR" not in result["output"], \
                f"mf {' '.join(result['args'])} failed:\n{result['output']}"
            outputs.append(str(result["output"]))
        return outputs

    def ask(self, queries: dict[str, Query], commands: list[list[str]] | None = None) -> Answers:
        """Each named query, then each other command, in one process."""
        paths = {name: self.project_dir / f"{name}.csv" for name in queries}
        for path in paths.values():
            path.unlink(missing_ok=True)
        outputs = self.run_many([query.args(paths[name]) for name, query in queries.items()]
                                + (commands or []))
        return Answers(self.lakehouse, {name: read_csv(path) for name, path in paths.items()},
                       outputs[len(queries):])


@dataclass(frozen=True)
class Answers:
    """What mf answered on one state: each named query's rows (CSV text by column name), and
    what each other command printed."""

    lakehouse: Lakehouse
    rows: dict[str, list[Row]]
    printed: list[str]


def read_csv(path: Path) -> list[Row]:
    """The rows mf wrote ([] for an empty result, which mf reports instead of writing the file)."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def day(value: str) -> date:
    """A metric_time value as mf writes it (`2024-01-01 00:00:00`), as a date."""
    return datetime.fromisoformat(value).date()


def number(value: str) -> Decimal | None:
    """A metric value as mf writes it: a number, or empty for null."""
    return Decimal(value) if value != "" else None
