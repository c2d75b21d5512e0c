"""The lake target (DuckLake: Parquet files and a PostgreSQL catalog) builds what the DuckDB file
builds, incrementally as by one full refresh, recovers from a killed build, keeps every build's
gold readable (time travel), and takes readers and a second build beside a build.

The states are the trust suite's (harness.trust_states): the trust data in 3 arrival-ordered
files, built batch by batch and by one full refresh, on the lake target (`lake_batched_states`)
and on the DuckDB file (`batched_states`), whose states are the expected values. The session
starts the project-local PostgreSQL when it is not running (scripts/lake.py) and gives each
state a catalog database and a data path of its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import lake
from harness.compare import Rows, assert_same_contents, contents
from harness.handmade import event, write_side_files
from harness.kill_points import (
    LATER_KILL_POINTS,
    NEW_FILES,
    KillPoint,
    assert_nothing_half_done,
    count_new,
    merge_statement_sent,
    name_of,
    node_of,
    statement_sent,
)
from harness.lake_catalog import LakeServer
from harness.lakehouse import PROJECT_DIR, RELAXED_GATES, Lakehouse, show_spilling_query
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import BatchedStates, TrustEnv

pytestmark = [pytest.mark.slow, pytest.mark.lake]

# the models' own schemas (the trust builds leave the gates out, so they publish nothing)
LAYERS = ("bronze", "silver", "gold_candidate")
RUN_BATCH = PROJECT_DIR / "scripts" / "run_batch.py"
LAKE_SCRIPT = PROJECT_DIR / "scripts" / "lake.py"


def model_finished(model: str) -> KillPoint:
    """dbt reports the model done: its transaction committed."""
    def when(event: dict[str, Any]) -> bool:
        return name_of(event) == "LogModelResult" and node_of(event) == f"model.lakehouse.{model}"
    return when


def with_new_files(state: TrustLakehouse, source: TrustLakehouse) -> TrustLakehouse:
    for name in NEW_FILES:
        shutil.copy2(source.raw_root / name, state.raw_root / name)
    return state


def test_gold_on_the_lake_equals_gold_on_the_duckdb_file_for_the_bundled_data(
    lake_server: LakeServer, tmp_path: Path
) -> None:
    data = PROJECT_DIR / "data"
    (tmp_path / "local").mkdir()
    (tmp_path / "lake").mkdir()
    local = Lakehouse(workdir=tmp_path / "local", raw_root=data)
    on_lake = Lakehouse(workdir=tmp_path / "lake", raw_root=data, lake=lake_server.new_lake(tmp_path / "lake"))
    local.build()
    on_lake.build()

    # the README's headline figures of data/: 14,337 lines, 9 quarantined, 249 duplicates dropped
    assert on_lake.query("select sum(gross_revenue_usd), sum(refunds_usd), sum(net_revenue_usd)"
                         " from gold.daily_revenue_net") == [
        (Decimal("20405.76"), Decimal("3628.58"), Decimal("16777.18"))]
    assert on_lake.scalar("select count(*) from silver.int_events_deduplicated") == 14337 - 9 - 249
    # the content hash went through Parquet as a UUID, and comes back as DuckDB computed it
    assert on_lake.scalar("select data_type from duckdb_columns() where table_name = 'int_events_deduplicated'"
                          " and column_name = 'content_hash'") == "UUID"
    with local.connect() as a, on_lake.connect() as b:
        assert_same_contents(contents(b, (*LAYERS, "gold", "reference")), contents(a, (*LAYERS, "gold", "reference")))


def test_batch_by_batch_on_the_lake_ends_where_one_full_refresh_ends_and_the_duckdb_file_ends(
    lake_batched_states: BatchedStates, batched_states: BatchedStates
) -> None:
    on_lake, local = lake_batched_states(3), batched_states(3)
    assert_same_contents(on_lake.incremental.contents(LAYERS), on_lake.full_refresh.contents(LAYERS))
    assert_same_contents(on_lake.full_refresh.contents(LAYERS), local.full_refresh.contents(LAYERS))
    assert on_lake.incremental.query(
        "select count(*), bool_and(is_balanced) from silver.int_event_files_reconciled") == [(3, True)]


def test_the_run_audit_counts_the_rows_of_a_lake_table_after_a_merge_exactly(
    lake_batched_states: BatchedStates,
) -> None:
    with lake_batched_states(3).incremental.connect() as con:
        # the last batch holds later versions that win: the merge deleted their earlier rows,
        # and DuckLake keeps those deletions in delete files beside the data files
        assert con.sql("select count(*) from ducklake_list_files('lake', 'int_events_deduplicated',"
                       " schema => 'silver') where delete_file is not null").fetchall() != [(0,)]
        audited = con.sql(
            "select node_name, schema_name, row_count from audit.dbt_run_results as r"
            " inner join (select node_id, max(run_started_at) as run_started_at from audit.dbt_run_results"
            "   group by node_id) as latest using (node_id, run_started_at)"
            " inner join duckdb_tables() as t on t.table_name = r.node_name and t.database_name = 'lake'"
            " where r.resource_type = 'model'").fetchall()
        assert "int_events_deduplicated" in {name for name, _, _ in audited}
        for name, schema, row_count in audited:
            assert [(row_count,)] == con.sql(f"select count(*) from {schema}.{name}").fetchall(), name


def test_the_candidate_gold_as_of_each_build_is_read_back_after_later_builds(
    lake_batched_states: BatchedStates, batched_states: BatchedStates
) -> None:
    lh = lake_batched_states(3).incremental
    builds = lh.query(
        "select invocation_id, min(lake_snapshot_id), max(lake_snapshot_id) from audit.dbt_run_results"
        " where command = 'build' group by invocation_id order by min(run_started_at)")
    assert len(builds) == 3  # one per batch
    snapshots = [first for _, first, last in builds if first == last]  # one snapshot per build
    assert len(snapshots) == 3 and snapshots == sorted(set(snapshots))
    for invocation_id, _, _ in builds:  # the audit's own commit names the build
        assert lh.scalar("select count(*) from lake.snapshots()"
                         f" where commit_message = 'dbt build {invocation_id}' and author = 'dbt'") == 1

    after_first = batched_states(3).after_first_batch.contents(["gold_candidate"])
    assert after_first != lh.contents(["gold_candidate"])  # the later batches changed gold
    assert_same_contents(lh.contents(["gold_candidate"], at_version=snapshots[0]), after_first)
    # a build's own models as of that build, by its invocation id (published gold has its
    # own list of states: test_publication)
    with lh.connect() as con:
        con.execute("set variable run_snapshot = (select max(lake_snapshot_id)"
                    f" from audit.dbt_run_results where invocation_id = '{builds[0][0]}')")
        rows: Rows = con.sql("from gold_candidate.daily_revenue_net at (version => getvariable('run_snapshot'))"
                             " order by all").fetchall()
    assert rows == after_first["gold_candidate.daily_revenue_net"]


def test_a_lake_build_killed_in_the_merge_then_rerun_ends_like_an_uninterrupted_run(
    lake_batched_states: BatchedStates, lake_trust_env: TrustEnv
) -> None:
    state = lake_batched_states(3)
    lh = with_new_files(state.after_first_batch.fork(lake_trust_env.root / "killed_in_merge"),
                        state.incremental)

    killed, output = lh.build_killed_at(merge_statement_sent("int_events_deduplicated"))
    assert killed, f"dbt was not killed in the merge:\n{output[-3000:]}"
    # bronze and the parse committed the new lines, the merge's transaction never did
    assert count_new(lh, "bronze.stg_app__event_lines") > 0
    assert count_new(lh, "silver.int_events_parsed") > 0
    assert count_new(lh, "silver.int_events_deduplicated") == 0
    assert_nothing_half_done(lh)

    lh.build()
    assert_nothing_half_done(lh)
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))


@pytest.mark.parametrize("case", ["gold_replace", "run_audit_insert"])
def test_a_lake_build_killed_in_gold_or_before_its_audit_then_rerun_ends_like_an_uninterrupted_run(
    case: str, lake_batched_states: BatchedStates, lake_trust_env: TrustEnv
) -> None:
    state = lake_batched_states(3)
    lh = with_new_files(state.after_first_batch.fork(lake_trust_env.root / f"killed_{case}"), state.incremental)
    killed, output = lh.build_killed_at(LATER_KILL_POINTS[case])
    assert killed, f"dbt was not killed at {case}:\n{output[-3000:]}"
    assert_nothing_half_done(lh)
    lh.build()
    assert_nothing_half_done(lh)
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))


def as_published(candidate: dict[str, Rows]) -> dict[str, Rows]:
    """A candidate gold snapshot under the published tables' names."""
    return {name.replace("gold_candidate.", "gold.", 1): rows for name, rows in candidate.items()}


def test_an_analyst_reading_during_a_lake_build_sees_only_published_gold_and_never_blocks_it(
    lake_batched_states: BatchedStates, batched_states: BatchedStates, lake_trust_env: TrustEnv
) -> None:
    state, local = lake_batched_states(3), batched_states(3)
    lh = with_new_files(state.after_first_batch.fork(lake_trust_env.root / "analyst"), state.incremental)
    # the trust builds leave the gates out, so nothing was published: release the first batch's
    lh.dbt("run-operation", "publish").assert_ok()
    before = as_published(local.after_first_batch.contents(["gold_candidate"]))
    after = as_published(local.full_refresh.contents(["gold_candidate"]))
    assert before["gold.daily_active_users"] != after["gold.daily_active_users"]
    published_before = lh.scalar("select max(snapshot_id) from lake.snapshots()")

    analyst = lh.connect()  # read-only, in this process: the build is another
    analyst.execute("begin transaction")
    assert_same_contents(contents(analyst, ["gold"]), before)
    with lh.start_build(judged=True, vars_=RELAXED_GATES) as build:
        # dbt committed one gold model and is paused a page of log later, mid-build
        assert build.read_until(model_finished("daily_active_users")), build.output[-3000:]
        with lh.connect() as reader:
            # a new reader sees the model committed into the candidate, and gold unchanged
            assert (contents(reader, ["gold_candidate"])["gold_candidate.daily_active_users"]
                    == after["gold.daily_active_users"])
            assert_same_contents(contents(reader, ["gold"]), before)
        # the analyst's open transaction keeps its snapshot
        assert_same_contents(contents(analyst, ["gold"]), before)
        assert build.finish() == 0, build.messages()[-3000:]
    assert "gold published: 10 tables" in build.messages()
    assert_same_contents(contents(analyst, ["gold"]), before)
    analyst.execute("commit")
    assert_same_contents(contents(analyst, ["gold"]), after)
    analyst.close()
    # whatever moment another process read at, it saw one of the two published states: every
    # snapshot the build committed holds gold as before or as after, and only the one its
    # publication committed (named so in the lake's snapshot list) holds it as after
    with lh.connect() as reader:
        snapshots = reader.sql("select snapshot_id, commit_message from lake.snapshots()"
                               f" where snapshot_id > {published_before} order by 1").fetchall()
        assert len(snapshots) > 20  # every model of the build committed on its own
        first_after = [n for n, message in snapshots if contents(reader, ["gold"], at_version=n) == after]
        assert [n for n, _ in snapshots if n >= first_after[0]] == first_after
        assert all(contents(reader, ["gold"], at_version=n) == before for n, _ in snapshots if n < first_after[0])
        assert dict(snapshots)[first_after[0]].startswith("gold published by dbt build")


def test_two_lake_builds_at_once_the_loser_fails_clearly_and_nothing_is_corrupted(
    lake_batched_states: BatchedStates, lake_trust_env: TrustEnv
) -> None:
    state = lake_batched_states(3)
    lh = with_new_files(state.after_first_batch.fork(lake_trust_env.root / "two_builds"), state.incremental)

    with lh.start_build() as first:
        # the first build ingested the new files and, in the open transaction of the table
        # gold.cac_by_channel, built the new table and moves the old one aside; it pauses there
        assert first.read_until(statement_sent("cac_by_channel", 'rename to "cac_by_channel__dbt_backup"'))
        lh.build()  # a second build runs whole meanwhile, and commits that model first
        assert first.finish() == 1, "the first build should have lost on cac_by_channel"
    assert "Transaction conflict" in first.messages()
    assert lh.query("select status, message like '%Transaction conflict%' from audit.dbt_run_results"
                    " where node_name = 'cac_by_channel' and status <> 'success'") == [("error", True)]
    # what both builds committed is one consistent state, and a rerun keeps it
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))
    assert_nothing_half_done(lh)
    lh.build()
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))


def run_batch(lh: Lakehouse, *args: str) -> subprocess.CompletedProcess[str]:
    dbt_vars = json.dumps({"raw_root": str(lh.raw_root), **RELAXED_GATES})
    return subprocess.run([sys.executable, str(RUN_BATCH), *args, "--", "--target", "lake", "--vars", dbt_vars],
                          env={**lh.env(), "DBT_USE_COLORS": "false"}, capture_output=True, text=True,
                          check=False)


def test_the_scheduled_run_builds_the_lake_and_waits_for_its_build_lock(
    lake_server: LakeServer, tmp_path: Path
) -> None:
    (tmp_path / "raw").mkdir()
    lh = Lakehouse(workdir=tmp_path, raw_root=tmp_path / "raw", lake=lake_server.new_lake(tmp_path))
    assert lh.lake is not None
    write_side_files(lh.raw_root)  # subscription s1 of u1 from 2024-01-01; spend on 2024-01-01
    (lh.raw_root / "events_0001.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")

    with lake.build_lock(lh.lake) as held:  # another build of this lake holds its lock
        assert held
        busy = run_batch(lh, "--wait", "0")
        assert busy.returncode == 1, busy.stdout + busy.stderr
        assert f"still held by another build of lake {lh.lake.db}" in busy.stderr
        blocked = subprocess.run([sys.executable, str(LAKE_SCRIPT), "build"], env=lh.env(),
                                 capture_output=True, text=True, check=False)
        assert blocked.returncode == lake.LOCKED, blocked.stdout + blocked.stderr
        assert "another build of lake" in blocked.stdout
    assert lh.scalar("select count(*) from duckdb_tables() where database_name = 'lake'") == 0  # nothing built

    first = run_batch(lh)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no scheduled build recorded yet: building everything" in first.stdout
    assert lh.scalar("select count(*) from gold.mrr_daily") == 5  # 2024-01-01 to 01-05
    again = run_batch(lh)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing changed since the last successful build: skipped" in again.stdout


def test_a_lake_query_that_must_spill_runs_from_a_directory_without_target(
    lake_server: LakeServer, tmp_path: Path
) -> None:
    """The lake's DuckDB is in memory, with no database file to spill beside: its default
    spill directory is named after the lake in the system temp directory, which exists
    wherever dbt starts (a default of target/duckdb_spill failed without target/; the query
    spills under this memory limit: test_configuration's control). DuckDB removes it at the
    end."""
    (tmp_path / "raw").mkdir()
    lh = Lakehouse(workdir=tmp_path, raw_root=tmp_path / "raw", lake=lake_server.new_lake(tmp_path))
    scheduler_dir = tmp_path / "scheduler"
    scheduler_dir.mkdir()
    spill_dirs = set(Path(tempfile.gettempdir()).glob("lakehouse-spill-*"))
    shown = show_spilling_query(lh, scheduler_dir)
    assert shown.returncode == 0, shown.output
    assert "2000000" in shown.output
    assert list(scheduler_dir.iterdir()) == []
    assert set(Path(tempfile.gettempdir()).glob("lakehouse-spill-*")) <= spill_dirs
