"""Data-quality gates and the run audit, on hand-made files with known rates. A gate judges
the batch a run brings, not all history (DESIGN.md, "Data-quality gates")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.lakehouse import Lakehouse

pytestmark = pytest.mark.slow

GATE = "within_thresholds_rpt_data_quality_runs_batch_{}"


def events_file(raw: Path, name: str, valid: int, broken: int = 0, first: int = 0) -> None:
    lines = [
        json.dumps({"event_id": f"e{i}", "user_id": "u1", "event_type": "login",
                    "timestamp": f"2024-01-0{1 + i % 9}T10:00:00Z"})
        for i in range(first, first + valid)
    ] + ["not json"] * broken
    (raw / name).write_text("\n".join(lines) + "\n")


def side_files(raw: Path) -> None:
    (raw / "subscriptions.json").write_text("[]")
    (raw / "marketing_spend.csv").write_text("date,channel,spend\n2024-01-01,Google,1\n")


def test_quarantine_rate_gate_warns_or_fails_by_its_thresholds_on_the_batch(
    lakehouse: Lakehouse,
) -> None:
    raw = lakehouse.raw_root
    side_files(raw)
    events_file(raw, "events_0001.ndjson", valid=8, broken=2)  # batch rate 2 / 10 = 0.2

    failed = lakehouse.dbt("build")  # above the default warn (1%) and error (5%) levels
    assert failed.returncode != 0
    assert f"FAIL 2 {GATE.format('quarantine_rate')}" in failed.output
    assert lakehouse.scalar(
        "select batch_quarantine_rate from reports.rpt_data_quality_runs") == 0.2
    # gold is held until a person releases it (test_publication.py): released here
    lakehouse.dbt("run-operation", "publish").assert_ok()

    # the next batch: 1 broken line in 10 (0.1), between these levels: a warning
    events_file(raw, "events_0002.ndjson", valid=9, broken=1, first=100)
    warned = lakehouse.build(vars_={"dq_quarantine_rate": {"warn": 0.05, "error": 0.5}})
    assert f"WARN 1 {GATE.format('quarantine_rate')}" in warned.output

    # a clean batch passes at the default levels, although history is 3 in 30 (10%) broken
    events_file(raw, "events_0003.ndjson", valid=10, first=200)
    passed = lakehouse.build()
    assert GATE.format("quarantine_rate") in passed.output
    assert f"WARN 1 {GATE.format('quarantine_rate')}" not in passed.output
    assert lakehouse.query(
        "select batch_quarantine_rate, quarantine_rate from reports.rpt_data_quality_runs"
        " order by run_started_at desc limit 1") == [(0.0, 0.1)]

    # a run that brings nothing has no batch to judge
    assert GATE.format("quarantine_rate") in lakehouse.build().output
    assert lakehouse.query(
        "select new_raw_lines, batch_quarantine_rate from reports.rpt_data_quality_runs"
        " order by run_started_at desc limit 1") == [(0, None)]


def test_a_batch_of_only_bad_lines_fails_however_clean_the_history(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    side_files(raw)
    events_file(raw, "events_0001.ndjson", valid=60)
    lakehouse.build()
    events_file(raw, "events_0002.ndjson", valid=0, broken=2)  # history: 2 in 62, about 3%
    failed = lakehouse.dbt("build")
    assert failed.returncode != 0
    assert f"FAIL 2 {GATE.format('quarantine_rate')}" in failed.output


def test_a_redelivered_file_fails_its_own_build_only(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    side_files(raw)
    events_file(raw, "events_0001.ndjson", valid=20)
    lakehouse.build()
    (raw / "events_0002.ndjson").write_bytes((raw / "events_0001.ndjson").read_bytes())
    failed = lakehouse.dbt("build")  # every line of the batch is a copy: rate 1.0
    assert failed.returncode != 0
    assert f"FAIL 2 {GATE.format('duplicate_rate')}" in failed.output
    lakehouse.dbt("run-operation", "publish").assert_ok()  # a person releases the held gold
    events_file(raw, "events_0003.ndjson", valid=20, first=100)
    lakehouse.build()  # a clean batch builds, though history holds 20 copies in 60 lines
    assert lakehouse.query(
        "select batch_duplicate_rate, round(duplicate_rate, 4) from reports.rpt_data_quality_runs"
        " order by run_started_at desc limit 1") == [(0.0, 0.3333)]


def login(event_id: str, day: int, **fields: object) -> str:
    return json.dumps({"event_id": event_id, "user_id": "u1", "event_type": "login",
                       "timestamp": f"2024-01-{day:02d}T10:00:00Z", **fields})


def test_every_gate_fires_on_a_batch_built_to_breach_it(lakehouse: Lakehouse) -> None:
    """One hand-made batch breaches the conflict, late-event, volume, orphan-refund and
    spend-gap gates by known amounts; thresholds set around them make each one warn or fail
    (a value equal to a threshold would not fire: the gates fire above it)."""
    raw = lakehouse.raw_root
    (raw / "subscriptions.json").write_text("[]")
    # spend covers Jan 1 to 5; Facebook every day, Google not on Jan 3 and 4: 2 gap days
    (raw / "marketing_spend.csv").write_text(
        "date,channel,spend\n" + "".join(f"2024-01-0{d},Facebook,1\n" for d in range(1, 6))
        + "".join(f"2024-01-0{d},Google,1\n" for d in (1, 2, 5)))
    models_only = ("--exclude", "resource_type:unit_test", "resource_type:test")
    # the first load (no volume baseline): e0..e9 on Jan 1..10
    (raw / "events_0001.ndjson").write_text("".join(login(f"e{i}", 1 + i) + "\n" for i in range(10)))
    lakehouse.dbt("build", *models_only).assert_ok()
    # a batch of 10 (the volume baseline): e10..e19 on Jan 11..20, so the newest event is Jan 20
    (raw / "events_0002.ndjson").write_text(
        "".join(login(f"e{i}", 1 + i) + "\n" for i in range(10, 20)))
    lakehouse.dbt("build", *models_only).assert_ok()

    batch = (
        # 4 conflicting versions of e0..e3 (same time, another page): as later arrivals they
        # win, so they are stored by this batch, and late (older than Jan 20)
        [login(f"e{i}", 1 + i, page="/changed") for i in range(4)]
        # 6 new events, late: Jan 5..10
        + [login(f"l{i}", 5 + i) for i in range(6)]
        # 2 refunds of purchases nobody sent: orphans
        + [json.dumps({"event_id": f"r{i}", "user_id": "u1", "event_type": "refund", "amount": 5,
                       "refers_to_event_id": f"nope{i}", "timestamp": "2024-01-21T10:00:00Z"})
           for i in range(2)]
        # 28 new events on time: Jan 21..28
        + [login(f"n{i}", 21 + i % 8) for i in range(28)]
    )
    (raw / "events_0003.ndjson").write_text("".join(x + "\n" for x in batch))
    # 40 lines, 40 events, all stored by this batch: conflicts 4 / 40 = 0.1; late 10 / 40 =
    # 0.25; volume 40 lines against the baseline's 10 = 4.0; 2 orphan refunds; 2 gap days
    run = lakehouse.dbt("build", vars_={
        "dq_conflicting_duplicate_rate": {"warn": 0.05, "error": 0.5},
        "dq_late_event_rate": {"warn": 0.1, "error": 0.2},
        "dq_batch_volume_deviation": {"warn": 3, "error": 5},
        "dq_orphan_refunds": {"warn": 0, "error": 1},
        "dq_spend_gap_days": {"warn": 1, "error": None},
    })
    assert run.returncode != 0  # two gates above their error level
    assert lakehouse.query(
        "select new_raw_lines, batch_events, batch_conflicting_events, batch_late_events,"
        " batch_conflicting_duplicate_rate, batch_late_event_rate, batch_volume_deviation,"
        " orphan_refunds, spend_gap_days from reports.rpt_data_quality_runs"
        " order by run_started_at desc limit 1") == [(40, 40, 4, 10, 0.1, 0.25, 4.0, 2, 2)]
    for level, gate in [("WARN 1", "batch_conflicting_duplicate_rate"),
                        ("FAIL 2", "batch_late_event_rate"),
                        ("WARN 1", "batch_volume_deviation"),
                        ("FAIL 2", "orphan_refunds"),
                        ("WARN 1", "spend_gap_days")]:
        assert f"{level} within_thresholds_rpt_data_quality_runs_{gate}" in run.output, gate
    # the other gates had nothing to judge above their defaults
    for gate in ("batch_quarantine_rate", "batch_duplicate_rate"):
        assert f"PASS within_thresholds_rpt_data_quality_runs_{gate}" in run.output, gate


def test_run_audit_has_a_row_per_node_per_invocation(lakehouse: Lakehouse) -> None:
    side_files(lakehouse.raw_root)
    events_file(lakehouse.raw_root, "events.ndjson", valid=3)
    lakehouse.build()
    lakehouse.build()
    relations = {r[0] for r in lakehouse.query(
        "select table_name from duckdb_tables() where schema_name in"
        " ('bronze', 'silver', 'gold_candidate', 'reports')"
        " union all select view_name from duckdb_views() where schema_name in"
        " ('bronze', 'silver', 'gold_candidate', 'reports')")}
    invocations = [r[0] for r in lakehouse.query(
        "select distinct invocation_id from audit.dbt_run_results")]
    assert len(invocations) == 2
    for invocation in invocations:
        models = {r[0] for r in lakehouse.query(
            "select node_name from audit.dbt_run_results"
            f" where invocation_id = '{invocation}' and resource_type = 'model'")}
        assert models == relations
        assert lakehouse.scalar(
            "select count(*) from audit.dbt_run_results"
            f" where invocation_id = '{invocation}' and resource_type in ('model', 'seed', 'test')"
            " and status not in ('success', 'pass')") == 0
    # bronze holds 3 lines after both runs: the second run added none
    assert lakehouse.query(
        "select row_count from audit.dbt_run_results where node_name = 'stg_app__event_lines'"
    ) == [(3,), (3,)]


def test_a_failure_message_cut_inside_its_quotes_is_still_recorded(lakehouse: Lakehouse) -> None:
    """Messages are kept to 500 characters. Doubling the quotes before cutting could cut a
    doubled quote in two, break the statement and lose the run's audit: here the 500th
    character is a quote, as a failing model's message can have."""
    message = "x" * 499 + "'" + "'" * 20 + " more"
    result = {"node": {"unique_id": "model.lakehouse.m", "name": "m", "resource_type": "model",
                       "schema": "silver", "alias": "m"},
              "status": "error", "execution_time": 1.5, "message": message}
    run = lakehouse.dbt("run-operation", "record_run_audit",
                        "--args", json.dumps({"results": [result]}))
    run.assert_ok()
    assert lakehouse.query("select node_name, status, message from audit.dbt_run_results") == [
        ("m", "error", message[:500])]
