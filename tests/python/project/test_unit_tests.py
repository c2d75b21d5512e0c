"""The project's dbt unit tests (hand-worked inputs and outputs in the models' yml files)."""

from __future__ import annotations

import json

import pytest

from harness.lakehouse import Lakehouse

pytestmark = pytest.mark.slow


def test_dbt_unit_tests_pass(lakehouse: Lakehouse) -> None:
    (lakehouse.raw_root / "events.ndjson").write_text(json.dumps(
        {"event_id": "e1", "user_id": "u1", "event_type": "login",
         "timestamp": "2024-01-01T10:00:00Z"}) + "\n")
    (lakehouse.raw_root / "subscriptions.json").write_text("[]")
    (lakehouse.raw_root / "marketing_spend.csv").write_text("date,channel,spend\n")
    # unit tests need the upstream relations to exist: build models and seeds first
    lakehouse.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    run = lakehouse.dbt("test", "--select", "test_type:unit")
    run.assert_ok()
    assert "PASS=" in run.output and " ERROR=0 " in run.output
    passed = int(run.output.split("PASS=")[1].split()[0])
    assert passed >= 10, run.output[-3000:]
