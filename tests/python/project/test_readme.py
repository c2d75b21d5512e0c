"""The README's promises on a build of the bundled data/: every figure of its headline table
is what the gold tables sum to, and every query command it shows runs."""

from __future__ import annotations

import re
import shlex
import subprocess
from decimal import Decimal
from typing import Any

import pytest

from harness.lakehouse import PROJECT_DIR, Lakehouse

README = (PROJECT_DIR / "README.md").read_text()

# (the README's text, with {} where a figure goes; the SQL that yields those figures)
HEADLINES = [
    ("as of {}, the latest event day; the calendar\nstarts {}",
     "select as_of_date, first_date from silver.util_calendar_bounds"),
    ("{} / {} / {} USD ({} purchases, {} refunds; tax {} beside it)",
     "select sum(gross_revenue_usd), sum(refunds_usd), sum(net_revenue_usd),"
     " (select sum(purchases) from gold.daily_revenue_gross), sum(refunds),"
     " (select sum(tax_usd) from gold.daily_revenue_gross) from gold.daily_revenue_net"),
    ("max {}, January average {}",
     "select max(dau), round(avg(dau) filter (where date >= '2024-01-01'), 1) from gold.daily_active_users"),
    ("{} / {} / {} / {} USD ({} customers in January)",
     "select"
     " any_value(mrr_usd) filter (where month = '2023-10-01'),"
     " any_value(mrr_usd) filter (where month = '2023-11-01'),"
     " any_value(mrr_usd) filter (where month = '2023-12-01'),"
     " any_value(mrr_usd) filter (where month = '2024-01-01'),"
     " any_value(active_customers) filter (where month = '2024-01-01') from gold.mrr_monthly"),
    ("new {}, expansion {}, contraction {}, churned {}, reactivation {}",
     "select new_mrr_usd, expansion_mrr_usd, contraction_mrr_usd, churned_mrr_usd, reactivation_mrr_usd"
     " from gold.mrr_monthly where month = '2024-01-01'"),
    ("{} cohorts, {} signed-up users; {} users without signup left out",
     "select count(distinct cohort_week), sum(cohort_size) filter (where weeks_since_signup = 0),"
     " (select occurrences from gold.metric_exceptions where exception = 'user_without_signup')"
     " from gold.weekly_cohort_retention"),
    ("{} USD ({} spend / {} paid conversions)",
     "select cac_usd, spend_usd, paid_conversions from gold.cac_by_channel where channel = 'all'"),
    ("{} (average LTV of paid converters {} USD)",
     "select ltv_cac_ratio, avg_ltv_usd from gold.ltv_cac_ratio where channel = 'all'"),
    ("{} of {} ({})",
     "select (select count(*) from silver.int_events_quarantined),"
     " (select sum(raw_lines) from silver.int_event_files_reconciled),"
     " (select string_agg(lines || ' ' || quarantine_reason, ', ' order by quarantine_reason)"
     "  from (select quarantine_reason, count(*) as lines from silver.int_events_quarantined group by 1))"),
    ("duplicates dropped | {} lines",
     "select sum(duplicate_lines_dropped) from silver.int_event_files_reconciled"),
]


def as_written(value: Any) -> str:
    """A figure as the README writes it: thousands separated, cents kept."""
    if isinstance(value, (int, Decimal)):
        return f"{value:,}"
    return str(value)


@pytest.mark.parametrize(("text", "sql"), HEADLINES, ids=[t[:24] for t, _ in HEADLINES])
def test_each_headline_figure_is_what_gold_sums_to(bundled: Lakehouse, text: str, sql: str) -> None:
    (row,) = bundled.query(sql)
    expected = text.format(*(as_written(value) for value in row))
    assert expected in README, f"the README should say: {expected}"


def readme_commands() -> list[str]:
    """The query lines of the README's code blocks (those run from the venv)."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith((".venv/bin/duckdb", ".venv/bin/dbt show",
                                                        ".venv/bin/python -c"))]


def test_the_readme_shows_query_commands() -> None:
    assert len(readme_commands()) >= 5


@pytest.mark.parametrize("command", readme_commands())
def test_each_query_command_of_the_readme_runs(bundled: Lakehouse, command: str) -> None:
    # run from the project, on the bundled build instead of the project's own lakehouse.duckdb
    argv = [arg.replace("lakehouse.duckdb", str(bundled.db_path)) for arg in shlex.split(command)]
    argv[0] = str(PROJECT_DIR / argv[0])
    done = subprocess.run(argv, cwd=PROJECT_DIR, env=bundled.env(), capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Error" not in done.stdout + done.stderr
    assert len(done.stdout.splitlines()) >= 3  # a table was printed, not just a header


def test_make_builds_closing_hint_is_a_command_the_readme_shows() -> None:
    """`make build` ends by showing how to look at a gold table: with `--inline`, as the README
    does (`dbt show --select` would run an incremental model's own SQL, which computes only
    what a run would add). `make -n` prints the hint's echo without building."""
    planned = subprocess.run(["make", "-n", "build"], cwd=PROJECT_DIR, capture_output=True,
                             text=True, check=True).stdout
    (echo,) = [line for line in planned.splitlines() if "Look at a gold table:" in line]
    hint = shlex.split(shlex.split(echo)[1].split("Look at a gold table:", 1)[1])
    for flag in ("--project-dir", "--profiles-dir"):  # make runs dbt from the project directory
        at = hint.index(flag)
        del hint[at:at + 2]
    assert "--select" not in hint
    assert hint in [shlex.split(command) for command in readme_commands()]
