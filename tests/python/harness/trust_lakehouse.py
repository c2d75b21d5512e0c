"""The trust suite's dbt processes: many runs over many small states. Every run sees the same
paths (one parsed project shared by all states), built states are forked instead of rebuilt,
and a run can be killed at a chosen model."""

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

    def __post_init__(self) -> None:
        super().__post_init__()
        assert self.raw_root == self.workdir / "raw", "raw files live in workdir/raw"
        self.raw_root.mkdir(parents=True, exist_ok=True)

    def _command(self, command: str, *args: str, vars_: dict[str, Any] | None,
                 log_flags: Sequence[str] = ()) -> list[str]:
        all_vars = {"raw_root": str(self.link / "raw"), **(vars_ or {})}
        return [str(DBT), "--no-use-colors", *log_flags, command,
                "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                "--vars", json.dumps(all_vars), "--threads", TRUST_DBT_THREADS, *args]

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
        }

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

    def build_killed_at(self, when: Callable[[dict[str, Any]], bool]) -> tuple[bool, str]:
        """Start `dbt build` in its own process group, logging every event (SQL statements
        included) as a JSON line, and SIGKILL that group at the first event for which `when`
        is true. Returns whether dbt died of that kill, and its output up to then.

        dbt logs a statement before it runs it, and its output goes through a pipe of one page:
        once the reader stops at the event, dbt can log at most a page more before it blocks,
        so how far it gets before the kill is bounded by log volume, not left to timing."""
        cmd = self._command("build", "--exclude", *TRUST_EXCLUDE, "resource_type:test",
                            vars_=None, log_flags=("--log-format", "json", "--log-level", "debug"))
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen(cmd, env=self._env(), stdout=write_end,
                                stderr=subprocess.STDOUT, start_new_session=True)
        os.close(write_end)
        output: list[str] = []
        killed = False
        try:
            with open(read_end, encoding="utf-8", errors="replace") as stream:
                for line in stream:
                    output.append(line)
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(event, dict) and when(event):
                        killed = _kill_group(proc)
                        break
        finally:
            if proc.poll() is None:  # the test failed while dbt was running: stop it
                _kill_group(proc)
            proc.wait()
        return killed and proc.returncode == -signal.SIGKILL, "".join(output)

    def fork(self, workdir: Path) -> TrustLakehouse:
        """An independent copy of this state (database and raw files), to change freely."""
        workdir.mkdir(parents=True)
        shutil.copytree(self.raw_root, workdir / "raw")
        for suffix in ("", ".wal"):
            stored = self.db_path.with_name(self.db_path.name + suffix)
            if stored.exists():
                shutil.copy2(stored, workdir / stored.name)
        return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                              shared_target=self.shared_target)

    def contents(self, schemas: Sequence[str],
                 exclude: frozenset[str] = RUN_DEPENDENT_COLUMNS) -> dict[str, Rows]:
        """This state's snapshot (harness.compare.contents)."""
        return contents(self.db_path, schemas, exclude)


def _kill_group(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process group of a dbt this suite started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended on its own just before
        return False
    return True
