"""Assemble the self-contained HTML page: headline figures, charts, metric exceptions.

plotly.js is inlined once in the head, so the page works offline and from a file:// URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import plotly.offline

from .figures import Chart
from .queries import MetricException, Publication, ReportData

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f4f6f8; color: #22313f; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { margin: 0 0 4px; font-size: 26px; }
.meta { color: #5c6b7a; font-size: 14px; margin: 0 0 16px; }
.meta code { background: #e6eaee; padding: 1px 4px; border-radius: 3px; }
.headlines { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px;
             margin-bottom: 20px; }
.headline { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0001; }
.headline .label { font-size: 13px; color: #5c6b7a; text-transform: uppercase; letter-spacing: .03em; }
.headline .value { font-size: 26px; font-weight: 600; margin: 2px 0; }
.headline .detail { font-size: 13px; color: #5c6b7a; }
section { background: #fff; border-radius: 8px; padding: 12px 16px 4px; margin-bottom: 16px;
          box-shadow: 0 1px 2px #0001; }
h2 { font-size: 19px; margin: 4px 0 2px; }
section p { color: #5c6b7a; font-size: 14px; margin: 0 0 4px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 12px; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #e6eaee; }
td.num { text-align: right; }
.held { background: #fdecea; color: #8a1c12; border-radius: 8px; padding: 8px 16px; margin-bottom: 16px; }
footer { color: #5c6b7a; font-size: 12px; text-align: center; padding: 8px 0 24px; }
"""

# Charts drawn side by side, by id.
PAIRED = ("duplicates", "gates")


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    detail: str


def usd(value: float | None, decimals: int = 2) -> str:
    return "n/a" if value is None else f"${value:,.{decimals}f}"


def headlines(data: ReportData) -> list[Headline]:
    """The figures at the top of the page."""
    latest = data.latest_mrr
    blended = data.blended
    quarantined = data.quarantined_by_source
    return [
        Headline("Gross revenue", usd(data.gross_revenue_usd), f"{usd(data.refunds_usd)} refunded"),
        Headline("Net revenue", usd(data.net_revenue_usd), "gross minus refunds"),
        Headline("MRR", usd(latest[1] if latest else None),
                 f"on {latest[0]:%Y-%m-%d}" if latest else "no MRR yet"),
        Headline("Blended CAC", usd(blended.cac_usd if blended else None),
                 f"{blended.paid_conversions} paid conversions" if blended else "no channel data"),
        Headline("Blended LTV:CAC",
                 "n/a" if blended is None or blended.ltv_cac_ratio is None else f"{blended.ltv_cac_ratio:.4f}",
                 f"average LTV {usd(blended.avg_ltv_usd)}" if blended else "no channel data"),
        Headline("Quarantined lines", f"{sum(quarantined.values()):,}",
                 ", ".join(f"{lines} {source}" for source, lines in quarantined.items())),
    ]


def _headline_html(headline: Headline) -> str:
    return (f'<div class="headline"><div class="label">{escape(headline.label)}</div>'
            f'<div class="value">{escape(headline.value)}</div>'
            f'<div class="detail">{escape(headline.detail)}</div></div>')


def _chart_html(chart: Chart) -> str:
    div = chart.figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.chart_id}",
                               config=PLOTLY_CONFIG)
    return (f'<section class="chart" data-chart="{escape(chart.chart_id)}">'
            f"<h2>{escape(chart.title)}</h2><p>{escape(chart.caption)}</p>{div}</section>")


def _exceptions_html(exceptions: Sequence[MetricException]) -> str:
    rows = "".join(
        f"<tr><td>{escape(row.area)}</td><td>{escape(row.exception)}</td><td>{escape(row.channel or '')}</td>"
        f'<td class="num">{row.occurrences:,}</td>'
        f'<td class="num">{"" if row.amount_usd is None else usd(row.amount_usd)}</td></tr>'
        for row in exceptions
    )
    return ('<section><h2>Metric exceptions</h2><p>Reported beside the figures they qualify, not counted '
            "in them (gold.metric_exceptions).</p><table><thead><tr><th>area</th><th>exception</th>"
            f'<th>channel</th><th class="num">occurrences</th><th class="num">amount</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


# The latest verdicts shown on the page, newest first.
PUBLICATIONS_SHOWN = 20


def _publications_html(publications: Sequence[Publication]) -> str:
    rows = "".join(
        f"<tr><td>{row.run_started_at:%Y-%m-%d %H:%M:%S}</td><td>{escape(row.command)}</td>"
        f"<td>{escape(row.verdict)}</td><td>{escape(row.reason)}</td></tr>"
        for row in list(reversed(publications))[:PUBLICATIONS_SHOWN]
    )
    return ("<section><h2>Publications</h2><p>What became of each run's gold, newest first "
            "(audit.gold_publications): gold is published only by a run whose error-level tests "
            "passed, or released by a person after a hold.</p><table><thead><tr><th>run started</th>"
            "<th>command</th><th>verdict</th><th>reason</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")


def _held_html(data: ReportData) -> str:
    held = data.holding
    if held is None:
        return ""
    return (f'<p class="held" data-held="true">Gold is held: {escape(held.reason)}. The figures below are '
            "the last published ones; `make publish` releases the held build, `make forget FILE=...` "
            "drops a delivery.</p>")


def render(data: ReportData, charts: Sequence[Chart], generated_at: dt.datetime) -> str:
    """The whole page as one HTML string, plotly.js included."""
    run = (f"published by run <code>{escape(data.run.invocation_id)}</code> started "
           f"{data.run.run_started_at:%Y-%m-%d %H:%M:%S %Z}" if data.run else "no run recorded")
    body: list[str] = []
    paired = [chart for chart in charts if chart.chart_id in PAIRED]
    for chart in charts:
        if chart.chart_id not in PAIRED:
            body.append(_chart_html(chart))
        elif chart is paired[0]:
            body.append('<div class="pair">' + "".join(_chart_html(each) for each in paired) + "</div>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SaaS metrics as of {data.as_of:%Y-%m-%d}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>SaaS metrics as of {data.as_of:%Y-%m-%d}</h1>
<p class="meta">From <code>{escape(str(data.db_path))}</code>, {run}.</p>
{_held_html(data)}
<div class="headlines">{"".join(_headline_html(headline) for headline in headlines(data))}</div>
</header>
<main>
{"".join(body)}
{_exceptions_html(data.exceptions)}
{_publications_html(data.publications) if data.publications else ""}
</main>
<footer>Generated {generated_at:%Y-%m-%d %H:%M:%S %Z} by scripts/metrics_report.py. Money in USD.</footer>
</body>
</html>
"""
