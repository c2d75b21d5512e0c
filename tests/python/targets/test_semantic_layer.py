"""The semantic layer (`mf query`) agrees with the gold tables it mirrors, on a build of the
bundled data/ and of a generated set: every row of every table, counts exactly, money within
half a cent (gold rounds each published amount to cents; mf returns exact sums). WAU and MAU,
which no gold table holds, are checked on a hand-made history against counts worked out by
hand. The README's `mf query` lines run.

An `mf` process costs about 3 s to start (imports, dbt's project and connection checks): each
state's queries run in one process (harness/mf_batch.py, the CLI's own entry point), and one
test checks that `.venv/bin/mf` answers the same."""

from __future__ import annotations

import json
import re
import shlex
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from harness.handmade import write_side_files
from harness.lakehouse import PROJECT_DIR, Lakehouse, generate
from harness.semantic import Answers, MetricFlow, Query, Row, day, number, read_csv

pytestmark = pytest.mark.slow

HALF_CENT = Decimal("0.005")

QUERIES = {
    "daily": Query(("active_users", "gross_revenue", "refunds", "net_revenue", "mrr", "active_customers"),
                   ("metric_time__day",)),
    "weekly": Query(("gross_revenue", "refunds", "net_revenue", "signups"), ("metric_time__week",)),
    "monthly": Query(("mrr", "active_customers", "active_users"), ("metric_time__month",)),
    "channels": Query(("cac", "marketing_spend", "new_paying_customers"), ("channel",)),
    "blended": Query(("cac", "marketing_spend", "new_paying_customers")),
}


def readme_mf_commands() -> list[str]:
    """The `mf query` lines of the README's code blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", (PROJECT_DIR / "README.md").read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/mf query")]


@pytest.fixture(scope="session")
def bundled_answers(bundled: Lakehouse) -> Answers:
    """QUERIES and the README's lines on the bundled data."""
    commands = [shlex.split(line, comments=True)[1:] for line in readme_mf_commands()]
    return MetricFlow.on(bundled).ask(QUERIES, commands)


@pytest.fixture(scope="session")
def generated_answers(tmp_path_factory: pytest.TempPathFactory) -> Answers:
    """QUERIES on a generated history (another seed than data/'s), built in full."""
    workdir = tmp_path_factory.mktemp("semantic_generated")
    (workdir / "raw").mkdir()
    lakehouse = Lakehouse(workdir=workdir, raw_root=generate(workdir / "raw", events=3000, seed=11))
    lakehouse.build()
    return MetricFlow.on(lakehouse).ask(QUERIES)


@pytest.fixture(params=["bundled", "generated"])
def answers(request: pytest.FixtureRequest) -> Answers:
    answers: Answers = request.getfixturevalue(f"{request.param}_answers")
    return answers


def by_time(rows: list[Row], column: str) -> dict[date, Row]:
    keyed = {day(row[column]): row for row in rows}
    # one row per period (MetricFlow 0.213 repeats periods when it merges two spine-joined
    # metrics of one semantic model: DESIGN.md, "Semantic layer")
    assert len(keyed) == len(rows), f"more than one row per {column}"
    return keyed


def assert_money(mf_value: str, gold: Decimal, what: str, tolerance: Decimal = HALF_CENT) -> None:
    value = number(mf_value)
    assert value is not None and abs(value - gold) <= tolerance, f"{what}: mf {mf_value}, gold {gold}"


def assert_count(mf_value: str, gold: int, what: str) -> None:
    assert number(mf_value) == gold, f"{what}: mf {mf_value}, gold {gold}"


def test_daily_metrics_equal_the_daily_gold_tables(answers: Answers) -> None:
    days = by_time(answers.rows["daily"], "metric_time__day")
    gold = answers.lakehouse.query(
        "select date, dau.dau, gross.gross_revenue_usd, net.refunds_usd, net.net_revenue_usd,"
        " mrr.mrr_usd, mrr.active_customers"
        " from gold.daily_active_users as dau"
        " join gold.daily_revenue_gross as gross using (date)"
        " join gold.daily_revenue_net as net using (date)"
        " join gold.mrr_daily as mrr using (date) order by date")
    # every day of the calendar, zeros included, and no other day
    assert sorted(days) == [row[0] for row in gold]
    assert all(sum(row[i] for row in gold) > 0 for i in range(1, 7))  # no column is all zeros
    for when, dau, gross, refunds, net, mrr, customers in gold:
        row = days[when]
        assert_count(row["active_users"], dau, f"active_users on {when}")
        assert_money(row["gross_revenue"], gross, f"gross_revenue on {when}")
        assert_money(row["refunds"], refunds, f"refunds on {when}")
        # gold's net is the difference of its two rounded amounts (doc block money_rounding),
        # each within half a cent of the exact sum: a cent at most from mf's exact difference
        assert_money(row["net_revenue"], net, f"net_revenue on {when}", tolerance=2 * HALF_CENT)
        assert_money(row["mrr"], mrr, f"mrr on {when}")
        assert_count(row["active_customers"], customers, f"active_customers on {when}")


def test_weekly_revenue_adds_up_the_days_of_the_week(answers: Answers) -> None:
    weeks = by_time(answers.rows["weekly"], "metric_time__week")
    gold_weeks: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    days_in_week: dict[date, int] = defaultdict(int)
    for when, gross, refunds, net in answers.lakehouse.query(
            "select date, gross_revenue_usd, refunds_usd, net_revenue_usd from gold.daily_revenue_net"):
        monday = when - timedelta(days=when.weekday())
        gold_weeks[monday] = [total + value for total, value in zip(gold_weeks[monday], (gross, refunds, net))]
        days_in_week[monday] += 1
    assert sorted(weeks) == sorted(gold_weeks)
    for monday, (gross, refunds, net) in gold_weeks.items():
        # each day's published amount is within half a cent of its exact total (net a cent)
        slack = days_in_week[monday] * HALF_CENT
        assert_money(weeks[monday]["gross_revenue"], gross, f"gross_revenue of {monday}", slack)
        assert_money(weeks[monday]["refunds"], refunds, f"refunds of {monday}", slack)
        assert_money(weeks[monday]["net_revenue"], net, f"net_revenue of {monday}", 2 * slack)


def test_mrr_by_month_is_mrr_at_each_month_close(answers: Answers) -> None:
    months = by_time(answers.rows["monthly"], "metric_time__month")
    gold = answers.lakehouse.query("select month, mrr_usd, active_customers from gold.mrr_monthly order by month")
    assert sorted(months) == [row[0] for row in gold]
    for month, mrr, customers in gold:
        assert_money(months[month]["mrr"], mrr, f"mrr of {month}")
        assert_count(months[month]["active_customers"], customers, f"active_customers of {month}")


def test_cac_by_channel_equals_cac_by_channel(answers: Answers) -> None:
    channels = {row["channel"]: row for row in answers.rows["channels"]}
    (blended,) = answers.rows["blended"]  # the metrics with nothing to group by
    gold = answers.lakehouse.query("select channel, spend_usd, paid_conversions, cac_usd from gold.cac_by_channel")
    # mf has the channels that spent or converted; gold also lists the alias seed's others at 0
    assert set(channels) == {row[0] for row in gold if row[0] != "all" and (row[1] > 0 or row[2] > 0)}
    assert any(spend > 0 and conversions > 0 for channel, spend, conversions, _ in gold if channel != "all")
    for channel, spend, conversions, cac in gold:
        if channel != "all" and channel not in channels:
            continue
        row = blended if channel == "all" else channels[channel]
        assert_money(row["marketing_spend"], spend, f"spend of {channel}")
        assert_count(row["new_paying_customers"], conversions, f"paid conversions of {channel}")
        if cac is None:  # no conversions
            assert row["cac"] == "", f"cac of {channel}: mf {row['cac']}, gold null"
        else:
            assert_money(row["cac"], cac, f"cac of {channel}")


def test_signups_by_week_are_the_cohort_sizes(answers: Answers) -> None:
    weeks = by_time(answers.rows["weekly"], "metric_time__week")
    cohorts = dict(answers.lakehouse.query(
        "select cohort_week, cohort_size from gold.weekly_cohort_retention where weeks_since_signup = 0"))
    assert cohorts and set(cohorts) <= set(weeks)
    for week, row in weeks.items():
        # a week without a cohort is a week nobody signed up in
        assert_count(row["signups"], cohorts.get(week, 0), f"signups in the week of {week}")


# A hand-made history for WAU and MAU (times UTC unless an offset is written). January 1, 2024
# is a Monday, so the ISO weeks start on Jan 1, 8, 15, 22, 29 and Feb 5; the week of Jan 29
# runs into February.
HANDMADE_EVENTS = [
    {"event_id": "e1", "user_id": "u1", "event_type": "login", "timestamp": "2024-01-01T09:00:00Z"},
    {"event_id": "e2", "user_id": "u1", "event_type": "page_view", "timestamp": "2024-01-07T12:00:00Z"},
    {"event_id": "e3", "user_id": "u2", "event_type": "login", "timestamp": "2024-01-07T23:59:59Z"},
    {"event_id": "e4", "user_id": "u2", "event_type": "login", "timestamp": "2024-01-08T00:00:00Z"},
    # not a valid event (unknown type): quarantined, u6 is never active
    {"event_id": "e5", "user_id": "u6", "event_type": "teleport", "timestamp": "2024-01-10T10:00:00Z"},
    {"event_id": "e6", "user_id": "u3", "event_type": "login", "timestamp": "2024-01-31T10:00:00Z"},
    {"event_id": "e7", "user_id": "u3", "event_type": "login", "timestamp": "2024-02-01T10:00:00Z"},
    # 01:00 at +02:00 on Feb 1 is 23:00 UTC on Jan 31: January
    {"event_id": "e8", "user_id": "u4", "event_type": "login", "timestamp": "2024-02-01T01:00:00+02:00"},
    {"event_id": "e9", "user_id": "u1", "event_type": "login", "timestamp": "2024-02-03T10:00:00Z"},
    {"event_id": "e10", "user_id": "u5", "event_type": "login", "timestamp": "2024-02-05T10:00:00Z"},
]
# By week: Jan 1 has u1 (twice) and u2 (Sunday 23:59:59) = 2; Jan 8 has u2 (Monday 00:00) = 1;
# nobody in the weeks of Jan 15 and 22 = 0; Jan 29 has u3 (Jan 31 and Feb 1, once), u4 and u1
# (Feb 3) = 3; Feb 5 has u5 = 1.
HAND_COUNTED_WAU = {date(2024, 1, 1): 2, date(2024, 1, 8): 1, date(2024, 1, 15): 0,
                    date(2024, 1, 22): 0, date(2024, 1, 29): 3, date(2024, 2, 5): 1}
# By month: January has u1, u2, u3, u4 = 4 (on 6 user-days); February has u3 (Feb 1), u1 (Feb 3)
# and u5 = 3, not u4, whose event is on Jan 31 in UTC.
HAND_COUNTED_MAU = {date(2024, 1, 1): 4, date(2024, 2, 1): 3}


def test_active_users_by_week_and_month_are_wau_and_mau(lakehouse: Lakehouse) -> None:
    (lakehouse.raw_root / "events.ndjson").write_text(
        "".join(json.dumps(event) + "\n" for event in HANDMADE_EVENTS))
    # a subscription and a spend row on Jan 1: the calendar runs from Jan 1 to Feb 5
    write_side_files(lakehouse.raw_root)
    # active_users reads the events and the calendar only: build those (their data tests too)
    lakehouse.build("--select", "+util_calendar_days", "--indirect-selection", "cautious")
    answers = MetricFlow.on(lakehouse).ask({
        "weekly": Query(("active_users",), ("metric_time__week",)),
        "monthly": Query(("active_users",), ("metric_time__month",)),
    })
    weeks = by_time(answers.rows["weekly"], "metric_time__week")
    months = by_time(answers.rows["monthly"], "metric_time__month")
    assert {week: number(row["active_users"]) for week, row in weeks.items()} == HAND_COUNTED_WAU
    assert {month: number(row["active_users"]) for month, row in months.items()} == HAND_COUNTED_MAU


def test_mf_itself_answers_as_the_batch_does(bundled: Lakehouse, bundled_answers: Answers) -> None:
    mf = MetricFlow.on(bundled)
    out = mf.project_dir / "mau_by_mf.csv"
    mf.run("query", "--metrics", "mrr,active_customers,active_users", "--group-by", "metric_time__month",
           "--csv", str(out), "--quiet")
    def rows(table: list[Row]) -> list[tuple[str, ...]]:
        return sorted(tuple(row.values()) for row in table)

    assert rows(read_csv(out)) == rows(bundled_answers.rows["monthly"])


def test_the_readme_shows_mf_queries() -> None:
    assert len(readme_mf_commands()) >= 3


def test_each_mf_query_of_the_readme_runs(bundled_answers: Answers) -> None:
    assert len(bundled_answers.printed) == len(readme_mf_commands())
    for line, printed in zip(readme_mf_commands(), bundled_answers.printed):
        lines = printed.splitlines()
        # a table: a header, a rule of dashes, then rows
        rules = [i for i, text in enumerate(lines) if text and set(text) <= {"-", " "}]
        assert rules and len(lines) >= rules[0] + 3, f"{line} printed no table:\n{printed}"
