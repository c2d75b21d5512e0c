"""scripts/run_batch.py: a scheduled run builds only when a raw file or the code changed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from harness import PROJECT_DIR, RELAXED_GATES, Lakehouse
from test_bronze_silver import event, write_side_files

SCRIPT = PROJECT_DIR / "scripts" / "run_batch.py"


def load_run_batch():  # noqa: ANN201  (a module)
    spec = importlib.util.spec_from_file_location("run_batch", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_batch(lh: Lakehouse, relaxed_gates: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**lh.env(), "DBT_USE_COLORS": "false"}
    dbt_vars = repr({"raw_root": str(lh.raw_root), **(RELAXED_GATES if relaxed_gates else {})})
    return subprocess.run([sys.executable, str(SCRIPT), "--", "--vars", dbt_vars],
                          env=env, capture_output=True, text=True, check=False)


def builds(lh: Lakehouse) -> int:
    return lh.scalar("select count(distinct invocation_id) from audit.dbt_run_results where command = 'build'")


def test_a_scheduled_run_builds_only_when_a_raw_file_changed(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    write_side_files(raw)
    events = raw / "events_0001.ndjson"
    events.write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")

    first = run_batch(lakehouse)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "run_batch: built" in first.stdout
    assert builds(lakehouse) == 1

    # nothing new: no dbt build runs, and no unit test ran in the scheduled build either
    again = run_batch(lakehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "skipped" in again.stdout
    assert builds(lakehouse) == 1
    assert lakehouse.scalar(
        "select count(*) from audit.dbt_run_results where resource_type = 'unit_test'") == 0

    # a grown file is a change: the next run builds and bronze gets the new line
    with events.open("ab") as f:
        f.write(event("e2", "2024-01-06T10:00:00Z") + b"\n")
    grown = run_batch(lakehouse)
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert builds(lakehouse) == 2
    assert lakehouse.scalar("select count(*) from silver.int_events_deduplicated") == 2

    # a new file of another source is a change too
    (raw / "marketing_spend_0002.csv").write_text("date,channel,spend\n2024-01-02,Google,5.00\n")
    assert run_batch(lakehouse).returncode == 0
    assert builds(lakehouse) == 3


def test_a_failed_build_records_nothing_so_the_next_run_builds_again(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    write_side_files(raw)
    # one line in two quarantined: above the quarantine-rate gate's error level (5%)
    (raw / "events_0001.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n{oops\n")
    for attempt in (1, 2):
        failed = run_batch(lakehouse, relaxed_gates=False)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "dbt build failed" in failed.stderr
        assert builds(lakehouse) == attempt  # the same inputs are built again, not skipped


def test_missing_raw_files_fail_with_the_message_of_the_build(lakehouse: Lakehouse) -> None:
    write_side_files(lakehouse.raw_root)  # no events file
    failed = run_batch(lakehouse)
    assert failed.returncode == 1
    assert "No raw file matches" in failed.stdout + failed.stderr


def test_the_code_fingerprint_follows_the_project_files_only(tmp_path: Path) -> None:
    run_batch_module = load_run_batch()
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    (tmp_path / "tests" / "python").mkdir(parents=True)
    harness = tmp_path / "tests" / "python" / "test_x.py"
    harness.write_text("a = 1")
    (tmp_path / "dbt_project.yml").write_text("name: x")

    before = run_batch_module.code_fingerprint(tmp_path, [])
    harness.write_text("a = 2")  # the pytest harness is no input of a build
    assert run_batch_module.code_fingerprint(tmp_path, []) == before
    assert run_batch_module.code_fingerprint(tmp_path, ["--vars", "{a: 1}"]) != before
    model.write_text("select 2")
    assert run_batch_module.code_fingerprint(tmp_path, []) != before
