"""Data-quality gates and the run audit, on a hand-made file with a known quarantine rate."""

from __future__ import annotations

import json

from harness.lakehouse import Lakehouse


def write_raw(lh: Lakehouse, valid: int, broken: int) -> None:
    lines = [
        json.dumps({"event_id": f"e{i}", "user_id": "u1", "event_type": "login",
                    "timestamp": f"2024-01-0{1 + i % 9}T10:00:00Z"})
        for i in range(valid)
    ] + ["not json"] * broken
    (lh.raw_root / "events.ndjson").write_text("\n".join(lines) + "\n")
    (lh.raw_root / "subscriptions.json").write_text("[]")
    (lh.raw_root / "marketing_spend.csv").write_text("date,channel,spend\n2024-01-01,Google,1\n")


def test_quarantine_rate_gate_warns_or_fails_by_its_thresholds(lakehouse: Lakehouse) -> None:
    write_raw(lakehouse, valid=8, broken=2)  # quarantine rate 2 / 10 = 0.2

    failed = lakehouse.dbt("build")  # above the default warn (1%) and error (5%) levels
    assert failed.returncode != 0
    assert "FAIL 2 within_thresholds_rpt_data_quality_runs_quarantine_rate" in failed.output

    assert lakehouse.scalar(
        "select quarantine_rate from reports.rpt_data_quality_runs") == 0.2

    warned = lakehouse.build(vars_={"dq_quarantine_rate": {"warn": 0.1, "error": 0.5}})
    assert "WARN 1 within_thresholds_rpt_data_quality_runs_quarantine_rate" in warned.output

    passed = lakehouse.build(vars_={"dq_quarantine_rate": {"warn": 0.25, "error": None}})
    assert "within_thresholds_rpt_data_quality_runs_quarantine_rate" in passed.output
    assert "WARN 1 within_thresholds_rpt_data_quality_runs_quarantine_rate" not in passed.output


def test_run_audit_has_a_row_per_node_per_invocation(lakehouse: Lakehouse) -> None:
    write_raw(lakehouse, valid=3, broken=0)
    lakehouse.build()
    lakehouse.build()
    relations = {r[0] for r in lakehouse.query(
        "select table_name from duckdb_tables() where schema_name in"
        " ('bronze', 'silver', 'gold', 'reports')"
        " union all select view_name from duckdb_views() where schema_name in"
        " ('bronze', 'silver', 'gold', 'reports')")}
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
