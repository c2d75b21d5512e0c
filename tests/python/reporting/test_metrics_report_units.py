"""The metrics report's queries, figures and page on a hand-made lakehouse: every expected
number is worked out by hand from the rows below, no dbt run."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pytest

from harness.lakehouse import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from report import figures, queries  # noqa: E402
from report.cli import load, main  # noqa: E402
from report.page import headlines  # noqa: E402

D = dt.date
GOLD = """
create schema gold; create schema silver; create schema reports; create schema audit;
create table gold.daily_active_users as
    select * from (values (date '2024-01-01', 10), (date '2024-01-02', 12)) t(date, dau);
create table gold.daily_revenue_net as select * from (values
    (date '2024-01-01', 100.00::decimal(18,2), 0.00::decimal(18,2), 100.00::decimal(18,2), 0),
    (date '2024-01-02', 50.50, 20.25, 30.25, 1)) t(date, gross_revenue_usd, refunds_usd, net_revenue_usd, refunds);
create table gold.mrr_daily as select * from (values
    (date '2024-01-01', 40.00::decimal(18,2), 2), (date '2024-01-02', 55.00, 3)) t(date, mrr_usd, active_customers);
create table gold.mrr_monthly as select * from (values
    (date '2024-01-01', 55.00::decimal(18,2), 3, 30.00::decimal(18,2), 20.00::decimal(18,2),
     5.00::decimal(18,2), 0.00::decimal(18,2), 10.00::decimal(18,2), date '2024-01-02'))
    t(month, mrr_usd, active_customers, new_mrr_usd, expansion_mrr_usd, contraction_mrr_usd,
      churned_mrr_usd, reactivation_mrr_usd, month_close_date);
create table gold.weekly_cohort_retention as select * from (values
    (date '2024-01-01', 0, 4, 4, 1.0::decimal(5,4)), (date '2024-01-01', 1, 4, 1, 0.25),
    (date '2024-01-08', 0, 2, 2, 1.0)) t(cohort_week, weeks_since_signup, cohort_size, active_users, retention_rate);
create table gold.cac_by_channel as select * from (values
    ('all', 300.00::decimal(18,2), 3, 100.00::decimal(18,2)), ('Google', 300.00, 2, 150.00),
    ('Organic', 0.00, 1, 0.00)) t(channel, spend_usd, paid_conversions, cac_usd);
create table gold.ltv_cac_ratio as select * from (values
    ('all', 3, 50.00::decimal(18,2), 100.00::decimal(18,2), 0.5::decimal(18,4)),
    ('Google', 2, 60.00, 150.00, 0.4), ('Organic', 1, 30.00, 0.00, null))
    t(channel, paid_conversions, avg_ltv_usd, cac_usd, ltv_cac_ratio);
create table gold.metric_exceptions as select * from (values
    ('revenue', 'orphan_refund', null, 1, 20.25::decimal(18,2)))
    t(area, exception, channel, occurrences, amount_usd);
create table silver.int_events_quarantined as select * from (values
    ('invalid_json'), ('invalid_json'), ('missing_user_id')) t(quarantine_reason);
create table silver.int_marketing_spend_judged as select * from (values
    (null), ('negative_spend')) t(quarantine_reason);
create table reports.rpt_data_quality_runs as select * from (values
    ('run-1', timestamptz '2024-01-01 06:00:00+00', 2, 5, 1, 0.02, 0.05, 0.01, 0.0),
    ('run-2', timestamptz '2024-01-02 06:00:00+00', 3, 7, 2, 0.03, 0.07, 0.02, 0.0))
    t(invocation_id, run_started_at, quarantined_lines, duplicate_lines_dropped, conflicting_events,
      batch_quarantine_rate, batch_duplicate_rate, batch_conflicting_duplicate_rate,
      batch_late_event_rate);
create table audit.dbt_run_results as select
    'run-audit' as invocation_id, timestamptz '2024-01-03 06:00:00+00' as run_started_at;
"""


class NoProgress:
    def set_description(self, desc: str) -> None:
        pass

    def update(self) -> None:
        pass


@pytest.fixture
def hand_made(tmp_path: Path) -> Path:
    db = tmp_path / "lakehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(GOLD)
    return db


def test_queries_read_the_hand_made_numbers(hand_made: Path) -> None:
    data = load(hand_made, NoProgress())
    assert data.as_of == D(2024, 1, 2)
    assert (data.gross_revenue_usd, data.refunds_usd, data.net_revenue_usd) == (150.5, 20.25, 130.25)
    assert data.latest_mrr == (D(2024, 1, 2), 55.0)
    assert data.mrr_monthly == [queries.MonthlyMrr(D(2024, 1, 1), 55.0, 30.0, 20.0, 10.0, 5.0, 0.0)]
    # channels alphabetically, the blended `all` row last; no ratio where there is no spend
    assert [(row.channel, row.cac_usd, row.avg_ltv_usd, row.ltv_cac_ratio) for row in data.channels] == [
        ("Google", 150.0, 60.0, 0.4), ("Organic", 0.0, 30.0, None), ("all", 100.0, 50.0, 0.5)]
    # no subscriptions table in this file: that source counts none
    assert data.quarantined_by_source == {"events": 3, "subscriptions": 0, "spend": 1}
    assert [(row.source, row.reason, row.lines) for row in data.quarantine] == [
        ("events", "invalid_json", 2), ("events", "missing_user_id", 1), ("spend", "negative_spend", 1)]
    assert data.run == queries.BuildRun("run-2", dt.datetime(2024, 1, 2, 6, tzinfo=dt.UTC))
    assert [run.rates["batch_duplicate_rate"] for run in data.quality_runs] == [0.05, 0.07]
    assert {(h.label, h.value) for h in headlines(data)} >= {
        ("Gross revenue", "$150.50"), ("Net revenue", "$130.25"), ("MRR", "$55.00"),
        ("Blended CAC", "$100.00"), ("Blended LTV:CAC", "0.5000"), ("Quarantined lines", "4")}


def test_without_data_quality_rows_the_run_comes_from_the_run_log(hand_made: Path) -> None:
    with duckdb.connect(str(hand_made)) as con:
        con.execute("drop table reports.rpt_data_quality_runs")
    data = load(hand_made, NoProgress())
    assert data.run == queries.BuildRun("run-audit", dt.datetime(2024, 1, 3, 6, tzinfo=dt.UTC))
    assert data.quality_runs == []


def test_the_page_names_the_published_run_and_shows_a_hold_with_every_verdict(
    hand_made: Path, tmp_path: Path,
) -> None:
    with duckdb.connect(str(hand_made)) as con:
        con.execute("""
            create table audit.gold_publications as select * from (values
                ('run-1', timestamptz '2024-01-01 06:00:00+00', 'build', 'published', 'every error-level test passed'),
                ('run-2', timestamptz '2024-01-02 06:00:00+00', 'build', 'held',
                 'gate batch_quarantine_rate = 0.2 is above its error level 0.05'))
            t(invocation_id, run_started_at, command, verdict, reason)""")
    data = load(hand_made, NoProgress())
    # gold is the first run's: the second one's is held, although its report row is the latest
    assert data.run == queries.BuildRun("run-1", dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC))
    assert data.holding is not None and data.holding.reason.startswith("gate batch_quarantine_rate")
    out = tmp_path / "page.html"
    assert main(["--db", str(hand_made), "--out", str(out), "--quiet"]) == 0
    html = out.read_text()
    assert "published by run <code>run-1</code>" in html
    assert 'class="held"' in html and "Gold is held: gate batch_quarantine_rate = 0.2" in html
    # the verdicts, newest first
    assert html.index("<td>held</td>") < html.index("<td>published</td>")


def test_figures_draw_losses_below_zero_and_the_blended_row_apart(hand_made: Path) -> None:
    data = load(hand_made, NoProgress())

    refunds, net, gross = figures.revenue_figure(data.revenue).data
    assert list(refunds.y) == [-0.0, -20.25] and list(net.y) == [100.0, 30.25] and list(gross.y) == [100.0, 50.5]

    mrr = figures.mrr_figure(data.mrr_daily, data.mrr_monthly)
    movements = {trace.name: list(trace.y) for trace in mrr.data[1:]}
    assert movements == {"New": [30.0], "Expansion": [20.0], "Reactivation": [10.0],
                         "Contraction": [-5.0], "Churned": [-0.0]}

    heatmap = figures.cohort_figure(data.cohorts).data[0]
    assert [list(row) for row in heatmap.z] == [[1.0, 0.25], [1.0, None]]
    assert list(heatmap.y) == ["2024-01-01 (n=4)", "2024-01-08 (n=2)"]

    spend, cac, ratio = figures.acquisition_figure(data.channels).data
    assert list(spend.x) == ["Google", "Organic", "all (blended)"]
    assert list(spend.marker.color) == [figures.CHANNEL_COLOUR, figures.CHANNEL_COLOUR, figures.BLENDED_COLOUR]
    assert list(ratio.text) == ["0.400", "n/a", "0.500"] and list(cac.text) == ["$150.00", "$0.00", "$100.00"]

    gates = figures.gates_figure(data.quality_runs)
    assert [trace.name for trace in gates.data] == [
        "Quarantine rate", "Duplicate rate", "Conflicting duplicate rate", "Late event rate"]
    # room either side of the runs: 1/20 of their span (24 h: 72 min), at least an hour
    assert tuple(gates.layout.xaxis.range) == (dt.datetime(2024, 1, 1, 4, 48, tzinfo=dt.UTC),
                                               dt.datetime(2024, 1, 2, 7, 12, tzinfo=dt.UTC))
    one_run = figures.gates_figure(data.quality_runs[-1:])
    assert tuple(one_run.layout.xaxis.range) == (dt.datetime(2024, 1, 2, 5, tzinfo=dt.UTC),
                                                 dt.datetime(2024, 1, 2, 7, tzinfo=dt.UTC))

    assert [chart.chart_id for chart in figures.build_charts(data)] == [
        "dau", "revenue", "mrr", "cohorts", "acquisition", "quarantine", "duplicates", "gates"]


def test_cli_writes_the_page_and_prints_its_path(hand_made: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nested" / "report.html"
    assert main(["--db", str(hand_made), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == f"metrics report: {out.resolve()}\n"
    html = out.read_text()
    assert "SaaS metrics as of 2024-01-02" in html and "run-2" in html and "$130.25" in html
    assert html.count('<section class="chart"') == 8


def test_an_empty_or_outdated_lakehouse_is_one_line_to_build_first(hand_made: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(hand_made)) as con:
        con.execute("drop table gold.cac_by_channel")
    assert main(["--db", str(hand_made), "--out", str(tmp_path / "page.html"), "--quiet"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "cac_by_channel does not exist" in error and "run `make build` first" in error
