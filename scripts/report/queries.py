"""Read what the report shows from the lakehouse, read-only, into plain typed rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

BUILD_FIRST = "run `make build` first"


class LakehouseNotReady(Exception):
    """The file is missing, cannot be opened, or holds no gold tables: nothing to report on."""


@dataclass(frozen=True)
class DailyRevenue:
    date: dt.date
    gross_usd: float
    refunds_usd: float
    net_usd: float


@dataclass(frozen=True)
class MonthlyMrr:
    month: dt.date
    mrr_usd: float
    new_usd: float
    expansion_usd: float
    reactivation_usd: float
    contraction_usd: float
    churned_usd: float


@dataclass(frozen=True)
class CohortCell:
    cohort_week: dt.date
    weeks_since_signup: int
    cohort_size: int
    active_users: int
    retention_rate: float


@dataclass(frozen=True)
class ChannelEconomics:
    channel: str
    spend_usd: float
    paid_conversions: int
    cac_usd: float | None
    avg_ltv_usd: float | None
    ltv_cac_ratio: float | None

    @property
    def is_blended(self) -> bool:
        """The `all` row: every channel together."""
        return self.channel == "all"


@dataclass(frozen=True)
class QuarantineCount:
    source: str  # events, subscriptions or spend
    reason: str
    lines: int


@dataclass(frozen=True)
class QualityRun:
    invocation_id: str
    run_started_at: dt.datetime
    quarantined_lines: int
    duplicate_lines_dropped: int
    conflicting_events: int
    rates: dict[str, float | None]


@dataclass(frozen=True)
class MetricException:
    area: str
    exception: str
    channel: str | None
    occurrences: int
    amount_usd: float | None


@dataclass(frozen=True)
class BuildRun:
    invocation_id: str
    run_started_at: dt.datetime


@dataclass(frozen=True)
class Publication:
    """One verdict of audit.gold_publications: what became of a run's gold."""

    run_started_at: dt.datetime
    command: str
    verdict: str  # published, held, not_published, released or dropped
    reason: str

    @property
    def publishes(self) -> bool:
        return self.verdict in ("published", "released")


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows."""

    db_path: Path
    as_of: dt.date
    run: BuildRun | None
    dau: list[tuple[dt.date, int]]
    revenue: list[DailyRevenue]
    mrr_daily: list[tuple[dt.date, float]]
    mrr_monthly: list[MonthlyMrr]
    cohorts: list[CohortCell]
    channels: list[ChannelEconomics]
    quarantine: list[QuarantineCount]
    quality_runs: list[QualityRun]
    exceptions: list[MetricException]
    publications: list[Publication]

    @property
    def holding(self) -> Publication | None:
        """The verdict that holds gold, when the latest one is a hold."""
        latest = self.publications[-1] if self.publications else None
        return latest if latest is not None and latest.verdict == "held" else None

    @property
    def gross_revenue_usd(self) -> float:
        return sum(day.gross_usd for day in self.revenue)

    @property
    def refunds_usd(self) -> float:
        return sum(day.refunds_usd for day in self.revenue)

    @property
    def net_revenue_usd(self) -> float:
        return sum(day.net_usd for day in self.revenue)

    @property
    def latest_mrr(self) -> tuple[dt.date, float] | None:
        return self.mrr_daily[-1] if self.mrr_daily else None

    @property
    def blended(self) -> ChannelEconomics | None:
        return next((row for row in self.channels if row.is_blended), None)

    @property
    def quarantined_by_source(self) -> dict[str, int]:
        totals = dict.fromkeys(QUARANTINE_SOURCES, 0)
        for row in self.quarantine:
            totals[row.source] += row.lines
        return totals


# The gate figures of reports.rpt_data_quality_runs drawn over runs: each run's batch, as judged.
GATE_RATES = ("batch_quarantine_rate", "batch_duplicate_rate", "batch_conflicting_duplicate_rate",
              "batch_late_event_rate")

# Where quarantined lines come from: the source and the silver model holding its verdicts.
QUARANTINE_SOURCES = {
    "events": "silver.int_events_quarantined",
    "subscriptions": "silver.int_subscriptions_judged",
    "spend": "silver.int_marketing_spend_judged",
}


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the lakehouse read-only; LakehouseNotReady (one line) when there is nothing to read."""
    if not db_path.is_file():
        raise LakehouseNotReady(f"{db_path} does not exist: {BUILD_FIRST}")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LakehouseNotReady(f"cannot open {db_path} read-only ({first_line})") from error
    has_gold = con.sql(
        "select count(*) from information_schema.tables "
        "where table_schema = 'gold' and table_name = 'daily_active_users'"
    ).fetchone()
    if not has_gold or not has_gold[0]:
        con.close()
        raise LakehouseNotReady(f"{db_path} has no gold tables: {BUILD_FIRST}")
    con.execute("set TimeZone = 'UTC'")
    return con


def _money(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.sql(sql).fetchall()


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def daily_active_users(con: duckdb.DuckDBPyConnection) -> list[tuple[dt.date, int]]:
    return [(day, int(dau)) for day, dau in _rows(con, "select date, dau from gold.daily_active_users order by date")]


def daily_revenue(con: duckdb.DuckDBPyConnection) -> list[DailyRevenue]:
    rows = _rows(con, """
        select date, gross_revenue_usd, refunds_usd, net_revenue_usd
        from gold.daily_revenue_net order by date
    """)
    return [DailyRevenue(day, float(gross), float(refunds), float(net)) for day, gross, refunds, net in rows]


def mrr_daily(con: duckdb.DuckDBPyConnection) -> list[tuple[dt.date, float]]:
    return [(day, float(mrr)) for day, mrr in _rows(con, "select date, mrr_usd from gold.mrr_daily order by date")]


def mrr_monthly(con: duckdb.DuckDBPyConnection) -> list[MonthlyMrr]:
    rows = _rows(con, """
        select month, mrr_usd, new_mrr_usd, expansion_mrr_usd, reactivation_mrr_usd,
            contraction_mrr_usd, churned_mrr_usd
        from gold.mrr_monthly order by month
    """)
    return [MonthlyMrr(row[0], *(float(value) for value in row[1:])) for row in rows]


def cohort_retention(con: duckdb.DuckDBPyConnection) -> list[CohortCell]:
    rows = _rows(con, """
        select cohort_week, weeks_since_signup, cohort_size, active_users, retention_rate
        from gold.weekly_cohort_retention order by cohort_week, weeks_since_signup
    """)
    return [CohortCell(week, int(since), int(size), int(active), float(rate))
            for week, since, size, active, rate in rows]


def channel_economics(con: duckdb.DuckDBPyConnection) -> list[ChannelEconomics]:
    """Spend and CAC (cac_by_channel) beside LTV:CAC (ltv_cac_ratio); the `all` row last."""
    rows = _rows(con, """
        select
            coalesce(cac.channel, ltv.channel) as channel_name,
            coalesce(cac.spend_usd, 0) as spend_usd,
            coalesce(cac.paid_conversions, ltv.paid_conversions, 0) as paid_conversions,
            cac.cac_usd,
            ltv.avg_ltv_usd,
            ltv.ltv_cac_ratio
        from gold.cac_by_channel as cac
        full outer join gold.ltv_cac_ratio as ltv on cac.channel = ltv.channel
        order by channel_name = 'all', channel_name
    """)
    return [
        ChannelEconomics(channel, float(spend), int(conversions), _money(cac), _money(ltv), _money(ratio))
        for channel, spend, conversions, cac, ltv, ratio in rows
    ]


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> list[QuarantineCount]:
    """Quarantined lines per source and reason code (sources absent from the file count none)."""
    counts: list[QuarantineCount] = []
    for source, model in QUARANTINE_SOURCES.items():
        if not _table_exists(con, model):
            continue
        rows = _rows(con, f"""
            select quarantine_reason, count(*) from {model}
            where quarantine_reason is not null
            group by quarantine_reason order by count(*) desc, quarantine_reason
        """)
        counts += [QuarantineCount(source, reason, int(lines)) for reason, lines in rows]
    return counts


def quality_runs(con: duckdb.DuckDBPyConnection) -> list[QualityRun]:
    if not _table_exists(con, "reports.rpt_data_quality_runs"):
        return []
    rate_columns = ", ".join(GATE_RATES)
    rows = _rows(con, f"""
        select invocation_id, run_started_at, quarantined_lines, duplicate_lines_dropped,
            conflicting_events, {rate_columns}
        from reports.rpt_data_quality_runs order by run_started_at
    """)
    return [
        QualityRun(invocation_id, started, int(quarantined), int(dropped), int(conflicting),
                   dict(zip(GATE_RATES, (_money(rate) for rate in rates), strict=True)))
        for invocation_id, started, quarantined, dropped, conflicting, *rates in rows
    ]


def metric_exceptions(con: duckdb.DuckDBPyConnection) -> list[MetricException]:
    rows = _rows(con, """
        select area, exception, channel, occurrences, amount_usd
        from gold.metric_exceptions order by area, exception, channel nulls first
    """)
    return [MetricException(area, exception, channel, int(occurrences), _money(amount))
            for area, exception, channel, occurrences, amount in rows]


def publications(con: duckdb.DuckDBPyConnection) -> list[Publication]:
    """Every verdict on gold, oldest first (none before the first build that recorded one)."""
    if not _table_exists(con, "audit.gold_publications"):
        return []
    rows = _rows(con, """
        select run_started_at, command, verdict, reason
        from audit.gold_publications order by run_started_at
    """)
    return [Publication(started, command, verdict, reason) for started, command, verdict, reason in rows]


def latest_run(con: duckdb.DuckDBPyConnection, runs: list[QualityRun]) -> BuildRun | None:
    """The run the published gold comes from: the latest publication or release, else (a
    lakehouse built before publications were recorded) the latest data-quality row, else the
    run log's."""
    if _table_exists(con, "audit.gold_publications"):
        row = con.sql("""
            select invocation_id, run_started_at from audit.gold_publications
            where verdict in ('published', 'released') order by run_started_at desc limit 1
        """).fetchone()
        if row:
            return BuildRun(row[0], row[1])
    if runs:
        return BuildRun(runs[-1].invocation_id, runs[-1].run_started_at)
    if not _table_exists(con, "audit.dbt_run_results"):
        return None
    row = con.sql("""
        select invocation_id, run_started_at from audit.dbt_run_results
        order by run_started_at desc limit 1
    """).fetchone()
    return BuildRun(row[0], row[1]) if row else None
