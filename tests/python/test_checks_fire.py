"""Every check a build runs can fail: on a copy of the bundled build (whose build passed every
data test), one violation is planted for each check, and each check fails on it.

- each of the project's own generic tests (tests/generic/) on one of the relations it guards
  (`within_thresholds`, the gates' test, fires in test_quality_gates.py);
- the record-by-record reconciliations of subscriptions and spend, on a subscription the
  dedupe lost and a spend copy counted twice (the difference of counts they replaced balanced
  both);
- the exact LTV total, on one refund of 1.00 USD missing from a user's lifetime value (the
  tolerance of half a cent per rounded amount it replaced allowed several dollars).

Two dbt runs: the reconciliations are models, rebuilt from the planted silver tables; then
the checks, selected one by one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from harness.lakehouse import Lakehouse

# (test name, relation it is attached to) -> how many rows it must find: one violation each
PLANTED: dict[tuple[str, str], int] = {
    ("accepted_range", "daily_active_users"): 1,  # a day with dau -1
    ("equal_rowcount", "daily_active_users"): 1,  # the last day's row gone: one count differs
    ("expression_is_true", "util_calendar_bounds"): 1,  # as_of_week moved off its Monday
    ("sequential_values", "weekly_cohort_retention"): 1,  # week 1 of the first cohort gone
    ("unique_combination_of_columns", "int_user_plan_periods_resolved"): 1,  # a period twice
    ("accepted_values", "int_subscription_files_reconciled"): 1,  # its one file unbalanced
    ("accepted_values", "int_marketing_spend_files_reconciled"): 1,  # its one file unbalanced
    ("assert_ltv_total_equals_net_revenue", ""): 1,  # the exact totals differ by 1.00
}

PLANT_SQL = """
update gold_candidate.daily_active_users set dau = -1
    where date = (select min(date) from gold_candidate.daily_active_users);
delete from gold_candidate.daily_active_users where date = (select max(date) from gold_candidate.daily_active_users);
update silver.util_calendar_bounds set as_of_week = as_of_week + 1;
delete from gold_candidate.weekly_cohort_retention
where weeks_since_signup = 1
    and cohort_week = (select min(cohort_week) from gold_candidate.weekly_cohort_retention);
insert into silver.int_user_plan_periods_resolved
select * from silver.int_user_plan_periods_resolved
order by user_id, valid_from limit 1;
-- the dedupe loses a subscription that had one record
delete from silver.int_subscriptions_deduplicated
where subscription_id = (
    select min(subscription_id) from silver.int_subscriptions_deduplicated where record_count = 1);
-- a day's spend counts its one row twice (a day whose row was sent once)
update silver.int_marketing_spend_summed_daily
set spend_usd = 2 * spend_usd, spend_rows = 2
where (spend_date, channel) = (
    select (spend_date, channel) from silver.int_marketing_spend_summed_daily
    where spend_rows = 1 and (spend_date, channel) not in (
        select (spend_date, channel) from silver.int_marketing_spend_judged
        where quarantine_reason is null group by all having count(*) > 1)
    order by spend_date, channel limit 1);
"""


def checks_of(target: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """Each check of the last `dbt test`: (test name, attached relation) -> (status, rows)."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    results: list[dict[str, Any]] = json.loads((target / "run_results.json").read_text())["results"]
    checks: dict[tuple[str, str], tuple[str, int]] = {}
    for result in results:
        node = nodes[result["unique_id"]]
        if node["resource_type"] != "test":
            continue
        metadata = node.get("test_metadata") or {}
        attached = (node.get("attached_node") or "").rsplit(".", 1)[-1]
        key = (metadata.get("name") or node["name"], attached)
        assert key not in checks, f"two checks selected as {key}"
        checks[key] = (result["status"], int(result["failures"] or 0))
    return checks


def test_each_check_fails_on_its_planted_violation(bundled: Lakehouse, tmp_path: Path) -> None:
    lh = Lakehouse(workdir=tmp_path, raw_root=bundled.raw_root)
    shutil.copy2(bundled.db_path, lh.db_path)
    with duckdb.connect(str(lh.db_path)) as con:
        con.execute(PLANT_SQL)
        # one user's lifetime value misses 1.00 USD of refunds, consistently in silver and in
        # gold (published refunds still its exact ones rounded, ltv still gross - refunds)
        (user,) = con.sql("select min(user_id) from silver.int_user_revenue_summed"
                          " where refunds_usd >= 1").fetchone() or (None,)
        assert user is not None
        con.execute("update silver.int_user_revenue_summed set refunds_usd = refunds_usd - 1"
                    " where user_id = ?", [user])
        con.execute("update gold_candidate.ltv_per_user set refunds_usd = refunds_usd - 1,"
                    " ltv_usd = ltv_usd + 1 where user_id = ?", [user])

    reconciliations = ("int_subscription_files_reconciled", "int_marketing_spend_files_reconciled")
    lh.dbt("run", "--select", *reconciliations).assert_ok()
    assert lh.query("select records_without_verdict, is_balanced"
                    " from silver.int_subscription_files_reconciled") == [(1, False)]
    assert lh.query("select lines_without_verdict, is_balanced"
                    " from silver.int_marketing_spend_files_reconciled") == [(1, False)]

    selected = [f"test_name:{name},{relation}" if relation else name for name, relation in PLANTED]
    checked = lh.dbt("test", "--select", *selected, "--exclude", "test_type:unit")
    assert checked.returncode != 0
    assert checks_of(tmp_path / "target") == {key: ("fail", rows) for key, rows in PLANTED.items()}
