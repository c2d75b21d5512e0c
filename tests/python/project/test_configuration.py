"""Bad configuration fails fast, in one line that says what to fix, not in a traceback deep in
a model; raw files the sources do not read, or that vanished, are reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness.handmade import event, write_side_files
from harness.lakehouse import (
    DBT,
    PROJECT_DIR,
    SPILL_MEMORY_LIMIT,
    SPILLING_SQL,
    Lakehouse,
    show_spilling_query,
)

pytestmark = pytest.mark.slow


def ready(lh: Lakehouse) -> None:
    write_side_files(lh.raw_root)
    (lh.raw_root / "events.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")


@pytest.mark.parametrize(("vars_", "expected"), [
    ({"as_of_date": "2024-13-45"}, "var as_of_date is 2024-13-45: it must be a date YYYY-MM-DD"),
    ({"min_valid_event_ts": "then"}, "var min_valid_event_ts is then: it must be a date or timestamp"),
    ({"max_future_days": "one"}, "var max_future_days is one: it must be a number of days >= 0"),
    ({"validation_clock": "soon"}, "var validation_clock is soon: it must be a timestamp"),
    ({"dq_quarantine_rate": 0.5}, "var dq_quarantine_rate is 0.5: it must be {warn: <number or null>"),
    ({"dq_duplicate_rate": {"warn": "high", "error": None}}, "var dq_duplicate_rate is"),
], ids=["impossible_date", "not_a_timestamp", "not_a_number", "not_a_clock", "scalar_gate",
        "word_in_gate"])
def test_a_malformed_var_stops_the_run_before_any_model_naming_it(
    lakehouse: Lakehouse, vars_: dict[str, Any], expected: str
) -> None:
    ready(lakehouse)
    run = lakehouse.dbt("build", vars_=vars_)
    assert run.returncode != 0
    assert expected in run.output
    assert "Traceback" not in run.output
    assert not lakehouse.db_path.exists() or lakehouse.query(
        "select table_name from duckdb_tables() where schema_name in ('bronze', 'silver')") == []


def test_an_as_of_date_before_all_data_is_an_error_not_empty_tables(lakehouse: Lakehouse) -> None:
    ready(lakehouse)
    run = lakehouse.dbt("build", vars_={"as_of_date": "2023-01-01"})
    assert run.returncode != 0
    assert ("var as_of_date (2023-01-01) is before the first date of the data (2024-01-01)"
            in run.output)


def test_dbt_run_on_a_new_lakehouse_says_to_build_first(lakehouse: Lakehouse) -> None:
    ready(lakehouse)
    run = lakehouse.dbt("run", "--full-refresh")
    assert run.returncode != 0
    assert "The seeds are not loaded in this lakehouse" in run.output
    assert "run `dbt build`" in run.output
    lakehouse.build()  # seeds loaded: from now on a backfill with `dbt run` works
    lakehouse.dbt("run", "--full-refresh").assert_ok()


def test_files_no_source_reads_are_named_in_a_warning(lakehouse: Lakehouse) -> None:
    ready(lakehouse)
    (lakehouse.raw_root / "events_0002.ndjson.gz").write_bytes(b"\x1f\x8b")
    (lakehouse.raw_root / "EVENTS_0003.ndjson").write_text("{}\n")
    run = lakehouse.build()
    assert "raw_root holds 2 file(s) that no source reads: EVENTS_0003.ndjson, events_0002.ndjson.gz" in run.output


def test_a_raw_file_deleted_after_it_was_read_is_reported(lakehouse: Lakehouse) -> None:
    ready(lakehouse)
    second = lakehouse.raw_root / "events_0002.ndjson"
    second.write_bytes(event("e2", "2024-01-06T10:00:00Z") + b"\n")
    lakehouse.build()
    second.unlink()
    run = lakehouse.build()
    assert "WARN 1 accepted_values_int_event_files_reconciled_is_on_disk" in run.output
    assert lakehouse.query("select source_file, is_on_disk from silver.int_event_files_reconciled"
                           " order by 1") == [("events.ndjson", True), ("events_0002.ndjson", False)]
    assert lakehouse.scalar("select count(*) from silver.int_events_deduplicated") == 2


def test_a_subscriptions_file_with_one_null_record_still_builds(lakehouse: Lakehouse) -> None:
    ready(lakehouse)
    (lakehouse.raw_root / "subscriptions.json").write_text(json.dumps([None]))
    lakehouse.build()
    assert lakehouse.query("select record_index, quarantine_reason"
                           " from silver.int_subscriptions_judged") == [(1, "not_an_object")]


def test_dbt_started_outside_the_project_does_not_build_a_second_lakehouse(
    lakehouse: Lakehouse,
) -> None:
    ready(lakehouse)
    elsewhere = lakehouse.workdir / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in lakehouse.env().items() if k != "LAKEHOUSE_DB"}  # the default path
    proc = subprocess.run(
        [str(DBT), "--no-use-colors", "build", "--project-dir", str(PROJECT_DIR), "--profiles-dir",
         str(PROJECT_DIR), "--vars", json.dumps({"raw_root": str(lakehouse.raw_root)})],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (f"The lakehouse path lakehouse.duckdb resolved against the directory dbt was started"
            f" from, {elsewhere}, which is not the project ({PROJECT_DIR})") in output
    assert "Traceback" not in output
    stray = duckdb.connect(str(elsewhere / "lakehouse.duckdb"), read_only=True)
    assert stray.sql("select count(*) from duckdb_tables()").fetchone() == (0,)


def test_a_query_that_must_spill_runs_from_a_directory_without_target(
    lakehouse: Lakehouse, tmp_path: Path
) -> None:
    """The default spill directory must be creatable wherever dbt starts: DuckDB creates only
    its last level, so a default of target/duckdb_spill failed in a directory without target/
    (a scheduler's, or a fresh clone built with --target-path elsewhere)."""
    # the control: under this memory limit the query spills, so a spill directory DuckDB
    # cannot create fails it
    control = duckdb.connect(config={"memory_limit": SPILL_MEMORY_LIMIT,
                                     "temp_directory": str(tmp_path / "missing" / "spill")})
    with pytest.raises(duckdb.IOException, match="Failed to create directory"):
        control.sql(SPILLING_SQL).fetchall()
    control.close()

    scheduler_dir = tmp_path / "scheduler"
    scheduler_dir.mkdir()
    shown = show_spilling_query(lakehouse, scheduler_dir)
    assert shown.returncode == 0, shown.output
    assert "2000000" in shown.output
    assert list(scheduler_dir.iterdir()) == []  # nothing left where dbt was started
