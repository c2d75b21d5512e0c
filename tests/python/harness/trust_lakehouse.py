"""The trust suite's dbt processes: many runs over many small states. Every run sees the same
paths (one parsed project shared by all states), built states are forked instead of rebuilt,
and a run can be killed, or paused, at a chosen event. A state is a DuckDB file, or a DuckLake
of its own (the lake target)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.compare import RUN_DEPENDENT_COLUMNS, Rows, contents
from harness.lake_catalog import LakeServer
from harness.lakehouse import DBT, PROJECT_DIR, DbtRun, Lakehouse

TRUST_DBT_THREADS = "4"  # models are small: more threads than cores hide dbt's per-model latency
# Data-quality gates judge whether a run's data is acceptable, not whether the pipeline is
# correct; the trust suite's inputs are extreme on purpose (a batch of only duplicates, files of
# only bad lines), so its builds leave the gates out. Unit tests run in test_unit_tests.py.
TRUST_EXCLUDE = ("resource_type:unit_test", "test_name:within_thresholds")


@dataclass
class TrustLakehouse(Lakehouse):
    """A Lakehouse whose dbt runs all see the same paths: `link` is a symlink repointed at this
    workdir before each run, so the database is `link/lakehouse.duckdb` and raw_root is
    `link/raw` for every state, and all states share one target directory. dbt then reuses its
    parsed project (partial parse) across states; a changed database path or raw_root var would
    force a full parse, several seconds per run."""

    link: Path = field(kw_only=True)
    shared_target: Path = field(kw_only=True)
    # the server of `lake` (None for a DuckDB file), to fork it
    lake_server: LakeServer | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        assert self.raw_root == self.workdir / "raw", "raw files live in workdir/raw"
        assert (self.lake is None) == (self.lake_server is None), "a lake state knows its server"
        self.raw_root.mkdir(parents=True, exist_ok=True)

    def _command(self, command: str, *args: str, vars_: dict[str, Any] | None,
                 log_flags: Sequence[str] = ()) -> list[str]:
        all_vars = {"raw_root": str(self.link / "raw"), **(vars_ or {})}
        # the lake target keeps its profile's one thread (DuckLake 1.5.5's commits race), and
        # parses the project again for each state: its catalog database is in the profile
        threads = [] if self.lake else ["--threads", TRUST_DBT_THREADS]
        return [str(DBT), "--no-use-colors", *log_flags, *command.split(), *self.target_args,
                "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                "--vars", json.dumps(all_vars), *threads, *args]

    def _env(self) -> dict[str, str]:
        staged = self.link.with_name(self.link.name + ".next")
        staged.unlink(missing_ok=True)
        staged.symlink_to(self.workdir, target_is_directory=True)
        os.replace(staged, self.link)
        return {
            **os.environ,
            "PYTHONUNBUFFERED": "1",  # dbt's log lines reach a pipe as they are written
            "LAKEHOUSE_DB": str(self.link / "lakehouse.duckdb"),
            "LAKEHOUSE_TEMP_DIR": str(self.link / "spill"),
            "DBT_TARGET_PATH": str(self.shared_target),
            "DBT_LOG_PATH": str(self.workdir / "logs"),
            **self.lake_env(),
            **self.spark_env(self.link),
        }

    def env(self) -> dict[str, str]:
        """The environment of this state's dbt runs, the shared link pointed at it."""
        return self._env()

    def dbt(self, command: str, *args: str, vars_: dict[str, Any] | None = None) -> DbtRun:
        cmd = self._command(command, *args, vars_=vars_)
        proc = subprocess.run(cmd, env=self._env(), capture_output=True, text=True, check=False)
        return DbtRun(proc.returncode, proc.stdout + proc.stderr)

    def build(self, *args: str, vars_: dict[str, Any] | None = None,
              data_tests: bool = False) -> DbtRun:
        """`dbt build` of seeds and models; with `data_tests`, their data tests too (they
        take longer than the models, so the suite runs them on chosen states only). Never
        unit tests or data-quality gates."""
        exclude = TRUST_EXCLUDE if data_tests else (*TRUST_EXCLUDE, "resource_type:test")
        run = self.dbt("build", "--exclude", *exclude, *args, vars_=vars_)
        run.assert_ok()
        return run

    def build_events_only(self) -> DbtRun:
        """Only the incremental events chain (bronze lines, parsed, deduplicated) and what it
        reads: enough to ingest a batch; every other model is a table rebuilt from silver."""
        run = self.dbt("build", "--select", "+int_events_deduplicated",
                       "--exclude", "resource_type:test", "resource_type:unit_test")
        run.assert_ok()
        return run

    def start_build(self, *, judged: bool = False, vars_: dict[str, Any] | None = None) -> StreamedBuild:
        """`dbt build` (no tests; with `judged`, every data test and gate, so that it publishes
        gold when they pass) in its own process group, logging every event (SQL statements
        included) as a JSON line into a pipe of one page that the caller reads
        (StreamedBuild)."""
        exclude = ("resource_type:unit_test",) if judged else (*TRUST_EXCLUDE, "resource_type:test")
        cmd = self._command("build", "--exclude", *exclude, vars_=vars_,
                            log_flags=("--log-format", "json", "--log-level", "debug"))
        return StreamedBuild(cmd, self._env())

    def build_killed_at(self, when: Callable[[dict[str, Any]], bool]) -> tuple[bool, str]:
        """Start `dbt build` and SIGKILL its process group at the first event for which `when`
        is true. Returns whether dbt died of that kill, and its output up to then."""
        with self.start_build() as build:
            killed = build.read_until(when) and build.kill()
            returncode = build.wait()
        return killed and returncode == -signal.SIGKILL, build.output

    def fork(self, workdir: Path) -> TrustLakehouse:
        """An independent copy of this state (database or lake, and raw files), to change
        freely."""
        workdir.mkdir(parents=True)
        shutil.copytree(self.raw_root, workdir / "raw")
        if self.lake is not None and self.lake_server is not None:
            return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                                  shared_target=self.shared_target,
                                  lake=self.lake_server.fork(self.lake, workdir),
                                  lake_server=self.lake_server)
        for suffix in ("", ".wal"):
            stored = self.db_path.with_name(self.db_path.name + suffix)
            if stored.exists():
                shutil.copy2(stored, workdir / stored.name)
        return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                              shared_target=self.shared_target)

    def contents(self, schemas: Sequence[str], exclude: frozenset[str] = RUN_DEPENDENT_COLUMNS,
                 at_version: int | None = None) -> dict[str, Rows]:
        """This state's snapshot (harness.compare.contents); with `at_version`, a lake's as of
        that snapshot."""
        with self.connect() as con:
            return contents(con, schemas, exclude, at_version)


class StreamedBuild:
    """A dbt build whose JSON log the test reads event by event. dbt logs a statement before
    it runs it, and its output goes through a pipe of one page: once the reader stops at an
    event, dbt can log at most a page more before it blocks, so how far it gets past that
    event is bounded by log volume, not left to timing. The build is then paused there until
    the reader reads on (`finish`) or kills it."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
        self.proc = subprocess.Popen(cmd, env=env, stdout=write_end, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        os.close(write_end)
        self.stream = open(read_end, encoding="utf-8", errors="replace")
        self.lines: list[str] = []

    def __enter__(self) -> StreamedBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:  # the test failed while dbt was running: stop it
            _kill_group(self.proc)
        self.proc.wait()
        self.stream.close()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def read_until(self, when: Callable[[dict[str, Any]], bool]) -> bool:
        """Read dbt's events up to the first for which `when` is true; False if dbt ended
        first."""
        for line in self.stream:
            self.lines.append(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and when(event):
                return True
        return False

    def kill(self) -> bool:
        return _kill_group(self.proc)

    def wait(self) -> int:
        return self.proc.wait()

    def finish(self, timeout: float = 900) -> int:
        """Read to the end and wait for dbt; its exit status. The timeout only keeps a hung
        build from hanging the suite."""
        self.lines.extend(self.stream)
        return self.proc.wait(timeout=timeout)

    def messages(self) -> str:
        """dbt's human-readable messages (the `msg` of each JSON event), one per line."""
        found: list[str] = []
        for line in self.lines:
            try:
                event = json.loads(line)
            except ValueError:
                found.append(line.rstrip("\n"))
                continue
            if isinstance(event, dict):
                found.append(str(event.get("info", {}).get("msg", "")))
        return "\n".join(found)


def _kill_group(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process group of a dbt this suite started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended on its own just before
        return False
    return True
