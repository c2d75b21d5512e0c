"""Trust-suite harness (test_trust_*.py): many dbt runs over many small states. The helpers keep
each run cheap (one parsed project shared by all states), fork built states instead of
rebuilding them, kill a run at a chosen model, and compare whole schemas table by table."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness import DBT, PROJECT_DIR, DbtRun, Lakehouse, generate

TRUST_DBT_THREADS = "4"  # models are small: more threads than cores hide dbt's per-model latency
# Data-quality gates judge whether a run's data is acceptable, not whether the pipeline is
# correct; the trust suite's inputs are extreme on purpose (a batch of only duplicates, files of
# only bad lines), so its builds leave the gates out. Unit tests run in test_unit_tests.py.
TRUST_EXCLUDE = ("resource_type:unit_test", "test_name:within_thresholds")
# Columns that record which run ingested a row: they differ between any two histories.
RUN_DEPENDENT_COLUMNS = frozenset({"ingested_at", "ingest_invocation_id"})

Rows = list[tuple[Any, ...]]


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
                "--vars", repr(all_vars), "--threads", TRUST_DBT_THREADS, *args]

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

    def relations(self, schemas: Sequence[str]) -> list[str]:
        """Every table and view of the given schemas, as schema.name."""
        listed = ", ".join(f"'{s}'" for s in schemas)
        return [r[0] for r in self.query(
            "select schema_name || '.' || table_name from duckdb_tables()"
            f" where schema_name in ({listed})"
            " union all select schema_name || '.' || view_name from duckdb_views()"
            f" where not internal and schema_name in ({listed}) order by 1")]

    def contents(self, schemas: Sequence[str],
                 exclude: frozenset[str] = RUN_DEPENDENT_COLUMNS) -> dict[str, Rows]:
        """All rows of every relation of the schemas, in a canonical order, without the
        `exclude` columns. Floating-point values are rounded to 9 decimals: their last bits
        depend on the order in which a parallel aggregate added them up."""
        result: dict[str, Rows] = {}
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            for relation in self.relations(schemas):
                schema, name = relation.split(".")
                columns = [
                    f'round("{column}", 9)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
                    for column, data_type in con.execute(
                        "select column_name, data_type from duckdb_columns()"
                        " where schema_name = ? and table_name = ? order by column_index",
                        [schema, name]).fetchall()
                    if column not in exclude]
                select = ", ".join(columns)
                result[relation] = con.sql(
                    f"select {select} from {relation} order by all").fetchall()
        return result


def _kill_group(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process group of a dbt this suite started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended on its own just before
        return False
    return True


def assert_same_contents(actual: dict[str, Rows], expected: dict[str, Rows]) -> None:
    """Relation by relation, row for row; the message shows a few rows on each side only."""
    assert sorted(actual) == sorted(expected), "not the same relations"
    differing: list[str] = []
    for relation, rows in expected.items():
        if actual[relation] != rows:
            got, want = set(actual[relation]), set(rows)
            differing.append(
                f"{relation}: {len(actual[relation])} rows vs {len(rows)} expected;"
                f" unexpected {sorted(got - want, key=repr)[:3]};"
                f" missing {sorted(want - got, key=repr)[:3]}")
    assert not differing, "\n".join(differing)


@dataclass(frozen=True)
class TrustEnv:
    """Where trust-suite states live, and the link and target their dbt runs share."""

    root: Path

    def lakehouse(self, name: str) -> TrustLakehouse:
        workdir = self.root / name
        workdir.mkdir()
        return TrustLakehouse(workdir=workdir, raw_root=workdir / "raw", link=self.link,
                              shared_target=self.root / "dbt_target")

    @property
    def link(self) -> Path:
        return self.root / "current"


@pytest.fixture(scope="session")
def trust_env(tmp_path_factory: pytest.TempPathFactory) -> TrustEnv:
    return TrustEnv(tmp_path_factory.mktemp("trust"))


@dataclass(frozen=True)
class EventLine:
    """One raw events line (without its terminator) and the fields batching cares about."""

    text: bytes
    event_id: str | None = None
    event_type: str | None = None
    refers_to: str | None = None

    @classmethod
    def parse(cls, text: bytes) -> EventLine:
        try:
            body = json.loads(text)
        except ValueError:
            return cls(text)
        if not isinstance(body, dict):
            return cls(text)
        return cls(text, body.get("event_id"), body.get("event_type"),
                    body.get("refers_to_event_id"))


def late_versions(lines: Sequence[EventLine]) -> list[EventLine]:
    """New versions of events that occur once: 10 logins or page views an hour later (they
    win on timestamp), 10 purchases a day earlier at twice the amount (they lose on timestamp),
    5 purchases at the same instant with 1.00 more (they win as the later arrival)."""
    counts: dict[str, int] = {}
    for line in lines:
        if line.event_id:
            counts[line.event_id] = counts.get(line.event_id, 0) + 1
    single = [json.loads(x.text) for x in lines if x.event_id and counts[x.event_id] == 1]
    valid = [e for e in single if isinstance(e.get("user_id"), str)
             and str(e.get("timestamp", "")).endswith("Z") and e["timestamp"] < "2090"]
    visits = [e for e in valid if e["event_type"] in ("login", "page_view")][:10]
    purchases = [e for e in valid if e["event_type"] == "purchase"
                 and isinstance(e.get("amount"), float | int) and e["amount"] > 0][:15]
    shifted: list[dict[str, Any]] = []
    for e in visits:
        shifted.append({**e, "timestamp": _shift(e["timestamp"], hours=1)})
    for e in purchases[:10]:
        shifted.append({**e, "timestamp": _shift(e["timestamp"], hours=-24),
                        "amount": round(2 * e["amount"], 2)})
    for e in purchases[10:]:
        shifted.append({**e, "amount": round(e["amount"] + 1, 2)})
    return [EventLine.parse(json.dumps(e).encode()) for e in shifted]


def _shift(stamp: str, hours: int) -> str:
    instant = datetime.fromisoformat(stamp) + timedelta(hours=hours)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Batches:
    files: list[list[bytes]]  # the lines of events_0001.ndjson, events_0002.ndjson, ...
    moved_refunds: frozenset[str]  # refunds placed a batch before their purchase


def split_into_batches(lines: Sequence[EventLine], k: int) -> Batches:
    """The lines as k arrival-ordered files. For k > 1 the last file holds only the later
    versions (exact or conflicting) of events first seen in earlier files, and refunds whose
    purchase falls in file j > 1 move to the end of file j - 1. Versions of one event keep
    their relative order, so every split has the same dedupe winners as the single file."""
    if k == 1:
        return Batches([[x.text for x in lines]], frozenset())
    seen: set[str] = set()
    later: list[EventLine] = []
    first: list[EventLine] = []
    for line in lines:
        if line.event_id and line.event_id in seen:
            later.append(line)
        else:
            first.append(line)
            if line.event_id:
                seen.add(line.event_id)
    bounds = [len(first) * i // (k - 1) for i in range(k)]
    chunks = [first[bounds[i]:bounds[i + 1]] for i in range(k - 1)]
    chunk_of = {x.event_id: i for i, chunk in enumerate(chunks) for x in chunk
                if x.event_type == "purchase"}
    versioned = {x.event_id for x in later}
    moved: dict[int, list[EventLine]] = {}
    for chunk in chunks:
        for x in chunk:
            target = chunk_of.get(x.refers_to or "", 0) - 1
            if x.event_type == "refund" and target >= 0 and x.event_id not in versioned:
                moved.setdefault(target, []).append(x)
    moved_ids = {x.event_id for group in moved.values() for x in group}
    files = [[x.text for x in chunk if x.event_id not in moved_ids]
             + [x.text for x in moved.get(i, [])] for i, chunk in enumerate(chunks)]
    files.append([x.text for x in later])
    return Batches(files, frozenset(str(x) for x in moved_ids))


def write_events(raw: Path, files: Sequence[Sequence[bytes]], first: int = 1) -> list[Path]:
    written: list[Path] = []
    for number, lines in enumerate(files, start=first):
        path = raw / f"events_{number:04d}.ndjson"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        written.append(path)
    return written


@dataclass(frozen=True)
class TrustData:
    """Generated events (plus late versions of some) and the two side files beside them."""

    source: Path
    lines: tuple[EventLine, ...]

    def lakehouse(self, env: TrustEnv, name: str) -> TrustLakehouse:
        """A new state with this data's subscriptions and spend files and no events file."""
        lh = env.lakehouse(name)
        for side in ("subscriptions.json", "marketing_spend.csv"):
            shutil.copy2(self.source / side, lh.raw_root / side)
        return lh


@pytest.fixture(scope="session")
def trust_data(tmp_path_factory: pytest.TempPathFactory) -> TrustData:
    source = generate(tmp_path_factory.mktemp("trust_gen"), events=3000, seed=5)
    generated = [EventLine.parse(x) for x in (source / "events.ndjson").read_bytes().splitlines()]
    return TrustData(source, tuple(generated + late_versions(generated)))


@dataclass(frozen=True)
class BatchedState:
    batches: Batches
    incremental: TrustLakehouse  # built batch by batch
    full_refresh: TrustLakehouse  # one `--full-refresh` build over the same files
    after_first_batch: TrustLakehouse  # a copy of `incremental` after its first batch
    orphans_after_first_batch: frozenset[str] | None  # refund ids flagged orphan then


class BatchedStates:
    """The trust data split into k files and built both ways, once per k for the session.
    Up to 3 files every batch gets a full build; with more, the batches before the last ingest
    through the incremental events chain only (the other models are tables, rebuilt from
    silver by the last build). The last incremental build runs the data tests too."""

    def __init__(self, data: TrustData, env: TrustEnv) -> None:
        self.data, self.env = data, env
        self.built: dict[int, BatchedState] = {}

    def __call__(self, k: int) -> BatchedState:
        if k not in self.built:
            self.built[k] = self._build(k)
        return self.built[k]

    def _build(self, k: int) -> BatchedState:
        batches = split_into_batches(self.data.lines, k)
        inc = self.data.lakehouse(self.env, f"k{k}_incremental")
        after_first: TrustLakehouse | None = None
        orphans: frozenset[str] | None = None
        for number, lines in enumerate(batches.files, start=1):
            write_events(inc.raw_root, [lines], first=number)
            if k <= 3 or number == k:
                inc.build(data_tests=number == k)
            else:
                inc.build_events_only()
            if number == 1:
                after_first = inc.fork(self.env.root / f"k{k}_after_first_batch")
                if k <= 3:
                    orphans = frozenset(r[0] for r in inc.query(
                        "select event_id from silver.int_revenue_transactions"
                        " where transaction_type = 'refund' and is_orphan_refund"))
        full = self.env.lakehouse(f"k{k}_full_refresh")
        shutil.rmtree(full.raw_root)
        shutil.copytree(inc.raw_root, full.raw_root)
        full.build("--full-refresh")
        assert after_first is not None
        return BatchedState(batches, inc, full, after_first, orphans)


@pytest.fixture(scope="session")
def batched_states(trust_data: TrustData, trust_env: TrustEnv) -> BatchedStates:
    return BatchedStates(trust_data, trust_env)
