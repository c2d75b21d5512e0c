"""Incremental gold equals a full refresh, run after run, on the changes hourly deliveries
bring: a late event for a day already published, a correction that moves an event to another
day and another user, a refund before its purchase, a batch of only duplicates, a batch that
extends the as-of date, a subscriptions snapshot that changes. Each step's gold numbers are also
checked against values worked out by hand from the lines below (DESIGN.md, "Incremental
strategy"), and a generated time-ordered history with late tails ends like one full refresh.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.compare import assert_same_contents
from harness.lakehouse import generate
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustEnv

pytestmark = pytest.mark.slow

LAYERS = ("silver", "gold_candidate")
# what scripts/run_batch.py builds when only events arrived
SCHEDULED_EVENTS_BUILD = "source:app.events+"


def line(event_id: str, user_id: str, event_type: str, ts: str, **fields: Any) -> str:
    return json.dumps({"event_id": event_id, "user_id": user_id, "event_type": event_type,
                       "timestamp": ts, **fields})


def subscription(sid: str, user_id: str, start: str, price: float) -> dict[str, Any]:
    return {"subscription_id": sid, "user_id": user_id, "plan_id": "basic", "price": price,
            "currency": "USD", "start_date": start, "end_date": None, "status": "active",
            "created_at": f"{start}T00:00:00Z"}


BATCH_1 = [
    line("s1", "u1", "signup", "2024-01-01T09:00:00Z", acquisition_channel="Google"),
    line("s2", "u2", "signup", "2024-01-02T09:00:00Z", acquisition_channel="fb"),
    line("l1", "u1", "login", "2024-01-02T10:00:00Z"),
    # a refund whose purchase comes in the next batch: an orphan until then
    line("r1", "u2", "refund", "2024-01-03T10:00:00Z", amount=5, refers_to_event_id="p1"),
    line("x1", "u1", "page_view", "2024-01-03T11:00:00Z"),
]
BATCH_2 = [
    line("p1", "u2", "purchase", "2024-01-03T12:00:00Z", amount=20),
    line("l2", "u3", "login", "2024-01-02T15:00:00Z"),  # late: Jan 2 is already published
    # a correction of x1 (later timestamp: it wins) on another day, by another user
    line("x1", "u2", "page_view", "2024-01-04T08:00:00Z"),
]
BATCH_4 = [  # a week later: the as-of day and week move on
    line("l4", "u1", "login", "2024-01-10T10:00:00Z"),
    line("p2", "u1", "purchase", "2024-01-10T11:00:00Z", amount=30),
]
SUBSCRIPTIONS = [subscription("sa", "u1", "2024-01-01", 9.99)]
CHANGED_SUBSCRIPTIONS = [*SUBSCRIPTIONS, subscription("sb", "u3", "2024-01-05", 10.0)]
SPEND = "date,channel,spend\n2024-01-01,Google,10.00\n"


def deliver(lh: TrustLakehouse, name: str, lines: list[str]) -> None:
    (lh.raw_root / name).write_text("".join(x + "\n" for x in lines))


def full_refresh_of(lh: TrustLakehouse, env: TrustEnv, name: str,
                    vars_: dict[str, Any] | None = None) -> TrustLakehouse:
    """The same raw files, read by one full refresh."""
    full = env.lakehouse(name)
    shutil.rmtree(full.raw_root)
    shutil.copytree(lh.raw_root, full.raw_root)
    full.build("--full-refresh", vars_=vars_)
    return full


def gold(lh: TrustLakehouse, sql: str) -> list[tuple[Any, ...]]:
    return lh.query(sql)


@pytest.fixture(scope="session")
def steps(trust_env: TrustEnv) -> dict[str, tuple[TrustLakehouse, TrustLakehouse]]:
    """Each step's incremental state (a fork of the running lakehouse) and its full refresh."""
    lh = trust_env.lakehouse("gold_steps")
    (lh.raw_root / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    (lh.raw_root / "marketing_spend.csv").write_text(SPEND)
    done: dict[str, tuple[TrustLakehouse, TrustLakehouse]] = {}

    def step(name: str, vars_: dict[str, Any] | None = None, events_only: bool = False) -> None:
        # a delivery of events alone is built the way the scheduled run builds it: the lineage
        # of the events source only, so the subscriptions tables keep their last build
        lh.build(*(["--select", SCHEDULED_EVENTS_BUILD] if events_only else []), vars_=vars_)
        done[name] = (lh.fork(trust_env.root / f"gold_steps_{name}"),
                      full_refresh_of(lh, trust_env, f"gold_steps_{name}_full", vars_))

    deliver(lh, "events_0001.ndjson", BATCH_1)
    step("first")
    deliver(lh, "events_0002.ndjson", BATCH_2)
    step("late_correction_purchase", events_only=True)
    deliver(lh, "events_0003.ndjson", BATCH_1)  # delivered again: only duplicates
    step("only_duplicates", events_only=True)
    deliver(lh, "events_0004.ndjson", BATCH_4)
    step("later_as_of", events_only=True)
    (lh.raw_root / "subscriptions.json").write_text(json.dumps(CHANGED_SUBSCRIPTIONS))
    step("subscriptions_changed")
    # the as-of day set back to the first day, then released again
    step("earlier_as_of", {"as_of_date": "2024-01-01"})
    step("as_of_released")
    return done


@pytest.mark.parametrize("step", ["first", "late_correction_purchase", "only_duplicates",
                                  "later_as_of", "subscriptions_changed", "earlier_as_of",
                                  "as_of_released"])
def test_each_incremental_run_ends_where_a_full_refresh_ends(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]], step: str
) -> None:
    incremental, full = steps[step]
    assert_same_contents(incremental.contents(LAYERS), full.contents(LAYERS))


def test_a_late_event_and_a_moved_correction_change_the_days_they_touch(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    dau = "select date, dau from gold_candidate.daily_active_users order by 1"
    before, _ = steps["first"]
    after, _ = steps["late_correction_purchase"]
    # Jan 2: u1 and u2, then u3's late login too; Jan 3: u2 (refund) and u1 (x1), then x1 is
    # u2's on Jan 4
    assert gold(before, dau) == [(date(2024, 1, 1), 1), (date(2024, 1, 2), 2), (date(2024, 1, 3), 2)]
    assert gold(after, dau) == [(date(2024, 1, 1), 1), (date(2024, 1, 2), 3), (date(2024, 1, 3), 1),
                                (date(2024, 1, 4), 1)]


def test_a_refund_before_its_purchase_moves_to_the_purchase_once_it_arrives(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    net = ("select gross_revenue_usd, refunds_usd, net_revenue_usd from gold_candidate.daily_revenue_net"
           " where date = '2024-01-03'")
    before, _ = steps["first"]
    after, _ = steps["late_correction_purchase"]
    assert gold(before, net) == [(Decimal("0.00"), Decimal("5.00"), Decimal("-5.00"))]  # orphan
    assert gold(after, net) == [(Decimal("20.00"), Decimal("5.00"), Decimal("15.00"))]
    assert gold(after, "select user_id, ltv_usd from gold_candidate.ltv_per_user order by 1") == [
        ("u1", Decimal("0.00")), ("u2", Decimal("15.00")), ("u3", Decimal("0.00"))]


def test_a_batch_of_only_duplicates_changes_no_gold_table(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    assert_same_contents(steps["only_duplicates"][0].contents(["gold_candidate"]),
                         steps["late_correction_purchase"][0].contents(["gold_candidate"]))


def test_a_batch_extending_the_as_of_date_adds_its_days_and_week(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    lh, _ = steps["later_as_of"]
    assert gold(lh, "select count(*), max(date) from gold_candidate.daily_active_users") == [(10, date(2024, 1, 10))]
    assert gold(lh, "select gross_revenue_usd from gold_candidate.daily_revenue_gross where date = '2024-01-10'") == [
        (Decimal("30.00"),)]
    # cohorts of Monday Jan 1 (u1, u2): week 0 both active, week 1 (Jan 8) u1 only
    assert gold(lh, "select weeks_since_signup, cohort_size, active_users"
                    " from gold_candidate.weekly_cohort_retention order by 1") == [(0, 2, 2), (1, 2, 1)]


def test_a_changed_subscriptions_snapshot_reaches_mrr_and_users(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    lh, _ = steps["subscriptions_changed"]
    assert gold(lh, "select date, mrr_usd, active_customers from gold_candidate.mrr_daily"
                    " where date in ('2024-01-04', '2024-01-05') order by 1") == [
        (date(2024, 1, 4), Decimal("9.99"), 1), (date(2024, 1, 5), Decimal("19.99"), 2)]
    assert gold(lh, "select mrr_usd, new_mrr_usd from gold_candidate.mrr_monthly") == [
        (Decimal("19.99"), Decimal("19.99"))]


def test_an_as_of_day_set_back_shrinks_every_table_to_it(
    steps: dict[str, tuple[TrustLakehouse, TrustLakehouse]],
) -> None:
    lh, _ = steps["earlier_as_of"]
    # by Jan 1 only u1 has signed up and been active; sa (9.99 from Jan 1) is the only plan
    assert gold(lh, "select date, dau from gold_candidate.daily_active_users") == [(date(2024, 1, 1), 1)]
    assert gold(lh, "select cohort_week, weeks_since_signup, cohort_size, active_users"
                    " from gold_candidate.weekly_cohort_retention") == [(date(2024, 1, 1), 0, 1, 1)]
    assert gold(lh, "select mrr_usd, new_mrr_usd from gold_candidate.mrr_monthly") == [
        (Decimal("9.99"), Decimal("9.99"))]
    assert gold(lh, "select user_id from gold_candidate.ltv_per_user") == [("u1",)]
    assert gold(lh, "select count(*) from gold_candidate.daily_revenue_net") == [(1,)]


# The clock moved by var validation_clock. A line stamped more than max_future_days (1) ahead
# of now is quarantined; once now has caught up with it, the next run judges it again, as a
# full refresh at that clock judges it (DESIGN.md, "Quarantine").
CLOCK_BEFORE = "2024-01-10 00:00:00+00"  # the correction of p1 (Jan 20, 10:00) is 10 days ahead
CLOCK_AFTER = "2024-01-19 12:00:00+00"  # now it is 22 hours ahead: within the day allowed
AHEAD = [
    line("s1", "u1", "signup", "2024-01-01T09:00:00Z", acquisition_channel="Google"),
    line("p1", "u1", "purchase", "2024-01-02T10:00:00Z", amount=20),
    line("p1", "u1", "purchase", "2024-01-20T10:00:00Z", amount=25),  # a correction, stamped ahead
    line("l9", "u2", "login", "2024-03-01T00:00:00Z"),  # still too far ahead at the later clock
]


def test_a_line_too_far_ahead_is_judged_again_once_its_time_comes_as_a_full_refresh_judges_it(
    trust_env: TrustEnv,
) -> None:
    lh = trust_env.lakehouse("ahead")
    (lh.raw_root / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    (lh.raw_root / "marketing_spend.csv").write_text(SPEND)
    deliver(lh, "events_0001.ndjson", AHEAD)
    quarantined = ("select line_number, quarantine_reason from silver.int_events_parsed"
                   " where quarantine_reason is not null order by 1")
    gross = "select date, gross_revenue_usd from gold_candidate.daily_revenue_gross where gross_revenue_usd <> 0"

    lh.build(vars_={"validation_clock": CLOCK_BEFORE})
    assert lh.query(quarantined) == [(3, "timestamp_out_of_range"), (4, "timestamp_out_of_range")]
    assert lh.query(gross) == [(date(2024, 1, 2), Decimal("20.00"))]

    # no new file: the clock alone moved on; built as the scheduled run builds events
    lh.build("--select", SCHEDULED_EVENTS_BUILD, vars_={"validation_clock": CLOCK_AFTER},
             data_tests=True)
    assert lh.query(quarantined) == [(4, "timestamp_out_of_range")]
    # the correction now wins: p1 moves from Jan 2 (20) to Jan 20 (25), which the calendar gains
    assert lh.query(gross) == [(date(2024, 1, 20), Decimal("25.00"))]
    assert lh.query("select event_id, line_number, amount from silver.int_events_deduplicated"
                    " order by 1") == [("p1", 3, 25), ("s1", 1, None)]
    assert lh.query("select event_id, valid_lines, distinct_contents"
                    " from silver.int_event_duplicates_counted") == [("p1", 2, 2)]
    # every line has one verdict: 4 = 2 accepted (s1, p1's correction) + 1 quarantined + 1 dropped
    assert lh.query("select raw_lines, accepted_lines, quarantined_lines, duplicate_lines_dropped,"
                    " is_balanced from silver.int_event_files_reconciled") == [(4, 2, 1, 1, True)]
    # the run brought no line, but judged one again: the report counts it in its batch
    assert lh.query(
        "select raw_lines, valid_lines, quarantined_lines, events, duplicate_lines_dropped,"
        " conflicting_events, new_raw_lines, batch_valid_lines, batch_quarantined_lines"
        " from reports.rpt_data_quality_runs order by run_started_at desc limit 1") == [
        (4, 3, 1, 2, 1, 1, 0, 1, 0)]

    full = full_refresh_of(lh, trust_env, "ahead_full", {"validation_clock": CLOCK_AFTER})
    assert_same_contents(lh.contents(("bronze", *LAYERS)), full.contents(("bronze", *LAYERS)))


@pytest.fixture(scope="session")
def hourly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated history delivered as time windows with late tails (held-back events,
    re-sent copies, corrections, refunds whose purchase is in another file)."""
    return generate(tmp_path_factory.mktemp("hourly"), events=3000, seed=13, batches=8,
                    arrival="time")


def test_a_generated_hourly_history_ends_like_one_full_refresh(
    hourly: Path, trust_env: TrustEnv
) -> None:
    lh = trust_env.lakehouse("hourly_incremental")
    for side in ("subscriptions.json", "marketing_spend.csv"):
        shutil.copy2(hourly / side, lh.raw_root / side)
    manifest = json.loads((hourly / "manifest.json").read_text())
    late = sum(f["late_lines"]["count"] for f in manifest["arrival"]["files"])
    assert late > 0, "the generated files carry no late tail"
    for number, batch in enumerate(sorted(hourly.glob("events_*.ndjson"))):
        shutil.copy2(batch, lh.raw_root / batch.name)
        lh.build(*(["--select", SCHEDULED_EVENTS_BUILD] if number else []))
    assert_same_contents(lh.contents(LAYERS),
                         full_refresh_of(lh, trust_env, "hourly_full").contents(LAYERS))
