"""Plotly figures for the report, one function per chart, from the rows of `queries`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .queries import (
    GATE_RATES,
    ChannelEconomics,
    CohortCell,
    DailyRevenue,
    MonthlyMrr,
    QualityRun,
    QuarantineCount,
    ReportData,
)

BLUE, GREEN, RED, ORANGE, PURPLE, DARK = "#2f6db5", "#2e9e5b", "#d1495b", "#edae49", "#7b5ea7", "#22313f"
CHANNEL_COLOUR, BLENDED_COLOUR = BLUE, DARK
# MRR movements: what adds MRR is drawn up, what removes it down.
MOVEMENTS_UP = (("new", "New", GREEN), ("expansion", "Expansion", BLUE), ("reactivation", "Reactivation", PURPLE))
MOVEMENTS_DOWN = (("contraction", "Contraction", ORANGE), ("churned", "Churned", RED))
SOURCE_COLOURS = {"events": BLUE, "subscriptions": PURPLE, "spend": ORANGE}
RATE_STYLES = {
    "batch_quarantine_rate": ("Quarantine rate", RED),
    "batch_duplicate_rate": ("Duplicate rate", BLUE),
    "batch_conflicting_duplicate_rate": ("Conflicting duplicate rate", ORANGE),
    "batch_late_event_rate": ("Late event rate", PURPLE),
}


@dataclass(frozen=True)
class Chart:
    """One chart of the page: its element id, heading, one-line explanation and figure."""

    chart_id: str
    title: str
    caption: str
    figure: go.Figure


def _layout(fig: go.Figure, height: int = 380, **extra: Any) -> go.Figure:
    layout: dict[str, Any] = {
        "template": "plotly_white", "height": height, "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "hovermode": "x unified", "font": {"size": 13},
    }
    fig.update_layout(layout | extra)
    return fig


def dau_figure(dau: Sequence[tuple[dt.date, int]]) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=[day for day, _ in dau], y=[users for _, users in dau], mode="lines", name="DAU",
        line={"color": BLUE, "width": 2}))
    return _layout(fig, yaxis_title="active users", showlegend=False,
                   margin={"l": 60, "r": 20, "t": 36, "b": 40})


def revenue_figure(revenue: Sequence[DailyRevenue]) -> go.Figure:
    """Gross as a line, net as an area, refunds as bars below zero."""
    days = [day.date for day in revenue]
    fig = go.Figure([
        go.Bar(x=days, y=[-day.refunds_usd for day in revenue], name="Refunds",
               marker_color=RED, customdata=[day.refunds_usd for day in revenue],
               hovertemplate="%{customdata:$,.2f}"),
        go.Scatter(x=days, y=[day.net_usd for day in revenue], name="Net", mode="lines",
                   fill="tozeroy", line={"color": GREEN, "width": 1.5}, hovertemplate="%{y:$,.2f}"),
        go.Scatter(x=days, y=[day.gross_usd for day in revenue], name="Gross", mode="lines",
                   line={"color": DARK, "width": 1.5}, hovertemplate="%{y:$,.2f}"),
    ])
    return _layout(fig, yaxis_title="USD per day", yaxis_tickformat="$,.0f", bargap=0.1)


def mrr_figure(daily: Sequence[tuple[dt.date, float]], monthly: Sequence[MonthlyMrr]) -> go.Figure:
    """MRR per day on top; each month's movements below, additions up and losses down."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.55, 0.45])
    fig.add_trace(go.Scatter(
        x=[day for day, _ in daily], y=[mrr for _, mrr in daily], name="MRR", mode="lines",
        line={"color": DARK, "width": 2}, hovertemplate="%{y:$,.2f}"), row=1, col=1)
    months = [month.month for month in monthly]
    for movements, sign in ((MOVEMENTS_UP, 1), (MOVEMENTS_DOWN, -1)):
        for attribute, label, colour in movements:
            values: list[float] = [getattr(month, f"{attribute}_usd") for month in monthly]
            fig.add_trace(go.Bar(
                x=months, y=[sign * value for value in values], name=label, marker_color=colour,
                customdata=values, hovertemplate=f"{label}: %{{customdata:$,.2f}}<extra></extra>",
                xperiod="M1", xperiodalignment="middle"), row=2, col=1)
    _layout(fig, height=520, barmode="relative")
    fig.update_yaxes(title_text="MRR (USD)", tickformat="$,.0f", row=1, col=1)
    fig.update_yaxes(title_text="monthly movement", tickformat="$,.0f", row=2, col=1)
    return fig


def cohort_figure(cells: Sequence[CohortCell]) -> go.Figure:
    """Retention heatmap: one row per cohort week, one column per week since signup."""
    cohorts = sorted({cell.cohort_week for cell in cells})
    weeks = list(range(max((cell.weeks_since_signup for cell in cells), default=-1) + 1))
    sizes = {cell.cohort_week: cell.cohort_size for cell in cells}
    by_key = {(cell.cohort_week, cell.weeks_since_signup): cell for cell in cells}
    z: list[list[float | None]] = []
    active: list[list[int | None]] = []
    for cohort in cohorts:
        row = [by_key.get((cohort, week)) for week in weeks]
        z.append([cell.retention_rate if cell else None for cell in row])
        active.append([cell.active_users if cell else None for cell in row])
    labels = [f"{cohort:%Y-%m-%d} (n={sizes[cohort]})" for cohort in cohorts]
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"week {week}" for week in weeks], y=labels, customdata=active,
        zmin=0, zmax=1, colorscale="Blues", texttemplate="%{z:.0%}",
        colorbar={"title": {"text": "retained"}, "tickformat": ".0%", "dtick": 0.25},
        hovertemplate="cohort %{y}<br>%{x}: %{z:.1%} (%{customdata} users)<extra></extra>"))
    fig = _layout(fig, height=max(260, 60 + 48 * len(cohorts)), hovermode="closest")
    fig.update_yaxes(autorange="reversed", title_text="cohort week (signups)")
    fig.update_xaxes(title_text="weeks since signup", side="top")
    return fig


def _channel_colours(channels: Sequence[ChannelEconomics]) -> list[str]:
    return [BLENDED_COLOUR if row.is_blended else CHANNEL_COLOUR for row in channels]


def acquisition_figure(channels: Sequence[ChannelEconomics]) -> go.Figure:
    """Spend, CAC and LTV:CAC per channel; the blended `all` row in a darker, hatched bar."""
    names = ["all (blended)" if row.is_blended else row.channel for row in channels]
    colours = _channel_colours(channels)
    patterns = ["/" if row.is_blended else "" for row in channels]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.07,
                        subplot_titles=("Spend (USD)", "CAC (USD)", "LTV : CAC"))
    panels: list[tuple[list[float | None], str]] = [
        ([row.spend_usd for row in channels], "$,.0f"),
        ([row.cac_usd for row in channels], "$,.2f"),
        ([row.ltv_cac_ratio for row in channels], ".3f"),
    ]
    for col, (values, number_format) in enumerate(panels, start=1):
        text = ["n/a" if value is None else f"{value:{number_format.lstrip('$')}}" for value in values]
        if number_format.startswith("$"):
            text = [label if label == "n/a" else f"${label}" for label in text]
        fig.add_trace(go.Bar(
            x=names, y=[value or 0 for value in values], text=text, textposition="outside",
            cliponaxis=False, marker={"color": colours, "pattern": {"shape": patterns}},
            showlegend=False, hovertemplate="%{x}: %{text}<extra></extra>"), row=1, col=col)
        fig.update_yaxes(tickformat=number_format, rangemode="tozero", row=1, col=col)
    _layout(fig, height=400, hovermode="closest", margin={"l": 60, "r": 20, "t": 50, "b": 80})
    fig.update_xaxes(tickangle=-40)
    return fig


def quarantine_figure(counts: Sequence[QuarantineCount]) -> go.Figure:
    """Quarantined lines per reason code, coloured by source (events, subscriptions, spend)."""
    fig = go.Figure()
    for source, colour in SOURCE_COLOURS.items():
        rows = [row for row in counts if row.source == source]
        fig.add_trace(go.Bar(
            y=[f"{source}: {row.reason}" for row in rows], x=[row.lines for row in rows],
            orientation="h", name=source, marker_color=colour, text=[row.lines for row in rows],
            textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x} lines<extra></extra>"))
    height = max(220, 100 + 32 * len(counts))
    _layout(fig, height=height, hovermode="closest", xaxis_title="lines in quarantine")
    if max((row.lines for row in counts), default=0) <= 10:  # whole lines: no 0.5 ticks
        fig.update_xaxes(dtick=1)
    fig.update_yaxes(autorange="reversed", automargin=True)
    if not counts:
        fig.add_annotation(text="no quarantined lines", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    return fig


def _run_label(run: QualityRun) -> str:
    return f"{run.run_started_at:%Y-%m-%d %H:%M:%S}"


def duplicates_figure(runs: Sequence[QualityRun]) -> go.Figure:
    """After each run: valid lines dropped as duplicates, and events whose versions conflict."""
    labels = [_run_label(run) for run in runs]
    fig = go.Figure([
        go.Bar(x=labels, y=[run.duplicate_lines_dropped for run in runs], name="duplicate lines dropped",
               marker_color=BLUE, text=[run.duplicate_lines_dropped for run in runs], textposition="outside"),
        go.Bar(x=labels, y=[run.conflicting_events for run in runs], name="events with conflicting versions",
               marker_color=ORANGE, text=[run.conflicting_events for run in runs], textposition="outside"),
    ])
    _layout(fig, height=340, barmode="group", hovermode="closest", yaxis_title="count (cumulative)")
    fig.update_xaxes(type="category", title_text="run started at (UTC)")
    return fig


def gates_figure(runs: Sequence[QualityRun]) -> go.Figure:
    """The data-quality gate rates of every run, over its start time."""
    fig = go.Figure([
        go.Scatter(x=[run.run_started_at for run in runs], y=[run.rates[rate] for run in runs],
                   name=label, mode="lines+markers", marker={"size": 9, "color": colour},
                   line={"color": colour}, hovertemplate=f"{label}: %{{y:.3%}}<extra></extra>")
        for rate, (label, colour) in ((rate, RATE_STYLES[rate]) for rate in GATE_RATES)
    ])
    _layout(fig, height=360, hovermode="closest", yaxis_title="rate", yaxis_tickformat=".2%",
            xaxis_title="run started at (UTC)")
    fig.update_yaxes(rangemode="tozero")
    if runs:  # at least an hour either side, so one run or close runs get readable ticks
        first, last = runs[0].run_started_at, runs[-1].run_started_at
        pad = max((last - first) / 20, dt.timedelta(hours=1))
        fig.update_xaxes(range=[first - pad, last + pad], tickformat="%b %d %H:%M")
    return fig


def build_charts(data: ReportData) -> list[Chart]:
    """Every chart of the page, in page order."""
    return [
        Chart("dau", "Daily active users", "Distinct users with at least one event per UTC day "
              "(gold.daily_active_users).", dau_figure(data.dau)),
        Chart("revenue", "Revenue per day", "Gross purchases, net of refunds (area); refunds drawn "
              "below zero (gold.daily_revenue_net).", revenue_figure(data.revenue)),
        Chart("mrr", "MRR and its monthly movements", "MRR per day (gold.mrr_daily); below, each "
              "month's new, expansion and reactivation MRR up, contraction and churn down "
              "(gold.mrr_monthly).", mrr_figure(data.mrr_daily, data.mrr_monthly)),
        Chart("cohorts", "Weekly cohort retention", "Share of each signup week's users active "
              "n weeks later (gold.weekly_cohort_retention).", cohort_figure(data.cohorts)),
        Chart("acquisition", "Spend, CAC and LTV:CAC by channel", "Per signup channel; the dark "
              "hatched bar is the blended `all` row. n/a: no spend, so no ratio "
              "(gold.cac_by_channel, gold.ltv_cac_ratio).", acquisition_figure(data.channels)),
        Chart("quarantine", "Quarantined lines by reason", "Lines and records kept out of silver, "
              "by source and reason code (DESIGN.md, \"Quarantine\").", quarantine_figure(data.quarantine)),
        Chart("duplicates", "Duplicates", "Valid event lines dropped as duplicates, and events whose "
              "versions conflict, after each run (reports.rpt_data_quality_runs).",
              duplicates_figure(data.quality_runs)),
        Chart("gates", "Data-quality gates over runs", "The rates the dq_* gates test, per run "
              "(reports.rpt_data_quality_runs).", gates_figure(data.quality_runs)),
    ]
