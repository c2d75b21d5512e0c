"""scripts/run_batch.py: a scheduled run builds only what a changed raw file or code feeds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from harness.handmade import event, write_side_files
from harness.lakehouse import PROJECT_DIR, RELAXED_GATES, Lakehouse
from scheduling.fingerprints import code_fingerprint, files_fingerprint
from scheduling.plan import BuildInputs, plan_build

SCRIPT = PROJECT_DIR / "scripts" / "run_batch.py"


def run_batch(lh: Lakehouse, relaxed_gates: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**lh.env(), "DBT_USE_COLORS": "false"}
    dbt_vars = json.dumps({"raw_root": str(lh.raw_root), **(RELAXED_GATES if relaxed_gates else {})})
    return subprocess.run([sys.executable, str(SCRIPT), "--", "--vars", dbt_vars],
                          env=env, capture_output=True, text=True, check=False)


def builds(lh: Lakehouse) -> int:
    return int(lh.scalar("select count(distinct invocation_id) from audit.dbt_run_results where command = 'build'"))


def models_of_last_build(lh: Lakehouse) -> set[str]:
    rows = lh.query(
        "select node_name from audit.dbt_run_results"
        " where resource_type = 'model' and invocation_id = ("
        "   select invocation_id from audit.dbt_run_results where command = 'build'"
        "   order by run_started_at desc limit 1)")
    return {name for (name,) in rows}


@pytest.mark.slow
def test_a_scheduled_run_builds_only_what_a_changed_raw_file_feeds(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    write_side_files(raw)  # subscription s1 of u1 from 2024-01-01 at 9.99 USD; spend on 2024-01-01
    events = raw / "events_0001.ndjson"
    events.write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")

    first = run_batch(lakehouse)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no scheduled build recorded yet: building everything" in first.stdout
    assert builds(lakehouse) == 1
    assert lakehouse.scalar("select count(*) from gold.mrr_daily") == 5  # 2024-01-01 to 01-05

    # nothing new: no dbt build runs, and no unit test ran in the scheduled build either
    again = run_batch(lakehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "skipped" in again.stdout
    assert builds(lakehouse) == 1
    assert lakehouse.scalar(
        "select count(*) from audit.dbt_run_results where resource_type = 'unit_test'") == 0

    # a grown events file: the events lineage is built, the subscriptions and spend staging are
    # not; MRR still follows, since the new event stretches the shared calendar to 2024-03-10.
    # It also brings a line stamped just beyond now + max_future_days (1 day), by the machine's
    # clock: quarantined as too far ahead by this build, which starts well within 30 s
    ahead = datetime.now(UTC) + timedelta(days=1, seconds=30)
    with events.open("ab") as f:
        f.write(event("e2", "2024-03-10T10:00:00Z") + b"\n")
        f.write(event("e3", ahead.strftime("%Y-%m-%dT%H:%M:%SZ")) + b"\n")
    grown = run_batch(lakehouse)
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert ("new or changed files of app.events: building source:app.events+ rpt_data_quality_runs"
            in grown.stdout)
    assert builds(lakehouse) == 2
    built = models_of_last_build(lakehouse)
    assert {"stg_app__event_lines", "int_events_deduplicated", "mrr_daily", "mrr_monthly"} <= built
    assert not {"stg_billing__subscriptions", "stg_marketing__spend_rows"} & built
    assert lakehouse.scalar("select count(*) from silver.int_events_deduplicated") == 2
    assert lakehouse.scalar("select count(*) from gold.mrr_daily") == 31 + 29 + 10
    assert lakehouse.query("select month, mrr_usd from gold.mrr_monthly order by month") == [
        (date(2024, 1, 1), Decimal("9.99")),
        (date(2024, 2, 1), Decimal("9.99")),
        (date(2024, 3, 1), Decimal("9.99")),
    ]
    e3 = "select quarantine_reason from silver.int_events_parsed where event_id = 'e3'"
    assert lakehouse.query(e3) == [("timestamp_out_of_range",)]

    # no file changed, but the clock has caught up with e3: a build would judge it otherwise,
    # so the scheduled run builds the events lineage, which judges it again (valid now)
    time.sleep(max(0.0, (ahead - timedelta(days=1) - datetime.now(UTC)).total_seconds() + 1))
    due = run_batch(lakehouse)
    assert due.returncode == 0, due.stdout + due.stderr
    assert ("dates of app.events quarantined as too far ahead, now due:"
            " building source:app.events+") in due.stdout
    assert lakehouse.query(e3) == [(None,)]
    assert lakehouse.scalar("select count(*) from silver.int_events_deduplicated") == 3

    # a new file of another source: its lineage only, events are not read again
    (raw / "marketing_spend_0002.csv").write_text("date,channel,spend\n2024-01-02,Google,5.00\n")
    spend = run_batch(lakehouse)
    assert spend.returncode == 0, spend.stdout + spend.stderr
    assert "building source:marketing.spend+" in spend.stdout
    assert builds(lakehouse) == 4
    built = models_of_last_build(lakehouse)
    assert {"stg_marketing__spend_rows", "cac_by_channel"} <= built
    assert not {"stg_app__event_lines", "stg_billing__subscriptions"} & built
    assert lakehouse.scalar(
        "select spend_usd from gold.cac_by_channel where channel = 'Google'") == Decimal("15.00")


def test_the_build_plan_follows_what_changed() -> None:
    files = {"app.events": "e1", "billing.subscriptions": "b1", "marketing.spend": "m1"}
    last = BuildInputs("c1", dict(files))

    assert plan_build(BuildInputs("c1", files), last) == (
        None, "nothing changed since the last successful build")
    assert plan_build(BuildInputs("c1", files), last, force=True)[0] == []
    assert plan_build(BuildInputs("c1", files), None)[0] == []  # nothing recorded: everything
    assert plan_build(BuildInputs("c2", files), last)[0] == []  # code or dbt arguments changed
    both = {**files, "marketing.spend": "m2", "app.events": "e2"}
    # each partial build runs the gates too: gold is published only by a judged build
    assert plan_build(BuildInputs("c1", both), last)[0] == [
        "source:app.events+", "source:marketing.spend+", "rpt_data_quality_runs"]
    # a source whose files are gone is selected, so that the build stops with its message
    gone = {k: v for k, v in files.items() if k != "billing.subscriptions"}
    assert plan_build(BuildInputs("c1", gone), last)[0] == [
        "source:billing.subscriptions+", "rpt_data_quality_runs"]
    # a source holding a date quarantined as too far ahead that is now due: built, files or not
    assert plan_build(BuildInputs("c1", files), last, due_again=frozenset({"app.events"})) == (
        ["source:app.events+", "rpt_data_quality_runs"],
        "dates of app.events quarantined as too far ahead, now due")
    assert plan_build(BuildInputs("c1", both), last, due_again=frozenset({"app.events"})) == (
        ["source:app.events+", "source:marketing.spend+", "rpt_data_quality_runs"],
        "new or changed files of app.events, marketing.spend")
    assert plan_build(BuildInputs("c2", files), last, due_again=frozenset({"app.events"}))[0] == []


def test_a_raw_sources_files_fingerprint_follows_names_sizes_and_times(tmp_path: Path) -> None:
    first = tmp_path / "events_0001.ndjson"
    first.write_text("a\n")
    pattern = str(tmp_path / "events*.ndjson")
    assert files_fingerprint(str(tmp_path / "spend*.csv")) is None  # no file: no fingerprint
    before = files_fingerprint(pattern)
    assert before is not None and files_fingerprint(pattern) == before  # nothing is read twice
    (tmp_path / "other.csv").write_text("x")  # outside the glob
    assert files_fingerprint(pattern) == before
    first.write_text("a\nb\n")  # grew
    grown = files_fingerprint(pattern)
    assert grown != before
    (tmp_path / "events_0002.ndjson").write_text("c\n")  # a new batch file
    assert files_fingerprint(pattern) not in (before, grown)


@pytest.mark.slow
def test_a_held_build_records_nothing_and_its_retries_stay_held_until_a_person_releases_it(
    lakehouse: Lakehouse,
) -> None:
    raw = lakehouse.raw_root
    write_side_files(raw)
    # one line in two quarantined: above the quarantine-rate gate's error level (5%)
    (raw / "events_0001.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n{oops\n")
    failed = run_batch(lakehouse, relaxed_gates=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    # the build's own verdict, in one line: the gate, its figure (1 of 2 lines) and its level
    assert "run_batch: gold held: gate batch_quarantine_rate = 0.5 is above its error level 0.05" in failed.stderr
    assert builds(lakehouse) == 1
    # the same inputs are built again, not skipped; the gate judged their batch in the failed
    # build, but the hold stands until a person resolves it (doc block gold_publication)
    again = run_batch(lakehouse, relaxed_gates=False)
    assert builds(lakehouse) == 2
    assert again.returncode == 1, again.stdout + again.stderr
    assert "gold held since run" in again.stderr
    assert lakehouse.scalar("select count(*) from duckdb_tables() where schema_name = 'gold'") == 0
    lakehouse.dbt("run-operation", "publish").assert_ok()
    assert lakehouse.scalar("select count(*) from gold.daily_active_users") == 5  # 2024-01-01 to 01-05
    # the retry after the release builds, publishes and is recorded: the next run skips
    released = run_batch(lakehouse, relaxed_gates=False)
    assert released.returncode == 0, released.stdout + released.stderr
    assert builds(lakehouse) == 3
    assert "skipped" in run_batch(lakehouse, relaxed_gates=False).stdout
    assert builds(lakehouse) == 3


@pytest.mark.slow
def test_a_lakehouse_fingerprinted_by_the_older_scheduler_is_built_whole_once(
    lakehouse: Lakehouse,
) -> None:
    write_side_files(lakehouse.raw_root)
    (lakehouse.raw_root / "events_0001.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")
    with duckdb.connect(str(lakehouse.db_path)) as con:  # the one-fingerprint table of before
        con.sql("create schema audit; create table audit.build_inputs (fingerprint varchar,"
                " recorded_at timestamptz); insert into audit.build_inputs values ('abc', now())")

    first = run_batch(lakehouse)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "no scheduled build recorded yet: building everything" in first.stdout
    assert lakehouse.query("select source_name from audit.build_inputs order by 1") == [
        ("app.events",), ("billing.subscriptions",), ("marketing.spend",)]
    assert "skipped" in run_batch(lakehouse).stdout


def test_a_selection_of_the_callers_own_is_refused(lakehouse: Lakehouse) -> None:
    # recorded as a complete build, a partial one would hide the models it skipped
    refused = subprocess.run([sys.executable, str(SCRIPT), "--", "--select", "stg_app__event_lines"],
                             env=lakehouse.env(), capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert "run dbt build --select ... directly" in refused.stderr.replace("`", "")
    assert not lakehouse.db_path.exists()  # refused before dbt opened the lakehouse


def test_the_spark_target_is_refused_with_what_to_schedule_instead(lakehouse: Lakehouse) -> None:
    # its record of builds and its lock are the DuckDB file's and the lake's
    refused = subprocess.run([sys.executable, str(SCRIPT), "--", "--target", "spark"],
                             env=lakehouse.env(), capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].endswith(
        "on Spark, schedule `dbt build --target spark`, which reads only new and grown files")
    assert not lakehouse.db_path.exists()


@pytest.mark.slow
def test_missing_raw_files_fail_with_the_message_of_the_build(lakehouse: Lakehouse) -> None:
    write_side_files(lakehouse.raw_root)  # no events file
    failed = run_batch(lakehouse)
    assert failed.returncode == 1
    assert "No raw file matches" in failed.stdout + failed.stderr


def test_the_code_fingerprint_follows_the_project_files_only(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    (tmp_path / "tests" / "python").mkdir(parents=True)
    harness = tmp_path / "tests" / "python" / "test_x.py"
    harness.write_text("a = 1")
    (tmp_path / "dbt_project.yml").write_text("name: x")

    before = code_fingerprint(tmp_path, [])
    harness.write_text("a = 2")  # the pytest harness is no input of a build
    assert code_fingerprint(tmp_path, []) == before
    assert code_fingerprint(tmp_path, ["--vars", "{a: 1}"]) != before
    model.write_text("select 2")
    assert code_fingerprint(tmp_path, []) != before


def test_a_held_lakehouse_is_waited_for_then_named_in_one_line(lakehouse: Lakehouse) -> None:
    holder = duckdb.connect(str(lakehouse.db_path))  # this test's process holds the file
    try:
        waited = subprocess.run([sys.executable, str(SCRIPT), "--wait", "1"], env=lakehouse.env(),
                                capture_output=True, text=True, check=False)
        checked = subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / "check_lakehouse_free.py")],
                                 env=lakehouse.env(), capture_output=True, text=True, check=False)
    finally:
        holder.close()
    assert waited.returncode == 1
    assert "lakehouse.duckdb is held by PID" in waited.stdout
    assert "the lakehouse is still held by PID" in waited.stderr
    assert "nothing built, the next run tries again" in waited.stderr
    assert checked.returncode == 1
    assert checked.stderr.count("\n") == 1  # one line, no traceback
    assert f"{lakehouse.db_path} is held by PID" in checked.stderr
    # free again: the check passes
    free = subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / "check_lakehouse_free.py")],
                          env=lakehouse.env(), capture_output=True, text=True, check=False)
    assert free.returncode == 0
