"""The metrics report (`make report`) on a lakehouse built from data/, drawn in headless
Chromium, and the DuckDB CLI of `make shell` on the same file.

The browser test loads the page over the DevTools protocol (browser.py) and asks each chart's
plotly div what it drew: an svg.main-svg, one drawn trace per non-empty data trace, and marks
(paths, the heatmap image) inside them. It fails on any uncaught exception, console.error or
error log entry, and keeps a full-page screenshot in target/test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness.browser import Chromium, find_chromium
from harness.lakehouse import PROJECT_DIR, Lakehouse

pytestmark = pytest.mark.slow

REPORT_SCRIPT = PROJECT_DIR / "scripts" / "metrics_report.py"
ARTIFACT = PROJECT_DIR / "target" / "test-artifacts" / "metrics_report.png"
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
CHARTS = ["dau", "revenue", "mrr", "cohorts", "acquisition", "quarantine", "duplicates", "gates"]

# Set by .ci/run: a machine without chromium then fails the browser tests instead of skipping
# them, as LAKE_TESTS_REQUIRED and SPARK_TESTS_REQUIRED do for the lake and Spark.
REQUIRED_ENV = "CHROMIUM_TESTS_REQUIRED"
MISSING = "chromium is not installed here (`apt-get install chromium`; .ci/run installs it)"


def require_chromium() -> None:
    """Skip the calling test where chromium is missing, or fail it when it is required."""
    if find_chromium() is None:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"browser tests required ({REQUIRED_ENV}), but {MISSING}")
        pytest.skip(MISSING)


@pytest.fixture
def chromium() -> None:
    require_chromium()

# What each chart drew, read from the page: plotly keeps its data on the div (`data`,
# `_fullData`) and draws each trace as a `.trace` group (`.hm` for a heatmap).
CHART_STATUS_JS = """
Array.from(document.querySelectorAll("section.chart")).map(section => {
  const plot = section.querySelector(".js-plotly-plot");
  if (!plot) return {id: section.dataset.chart, svg: 0, traces: 0, drawn: 0, marks: 0};
  const nonEmpty = (plot._fullData || []).filter(
    trace => trace.visible === true && ((trace.x || []).length || (trace.z || []).length));
  const marks = Array.from(plot.querySelectorAll(".cartesianlayer .trace path, .heatmaplayer .hm image"))
    .filter(mark => (mark.getAttribute("d") || mark.getAttribute("href")
                     || mark.getAttribute("xlink:href") || "").length > 8);
  return {
    id: section.dataset.chart,
    svg: plot.querySelectorAll("svg.main-svg").length,
    traces: nonEmpty.length,
    drawn: plot.querySelectorAll(".cartesianlayer .trace, .heatmaplayer .hm").length,
    marks: marks.length,
  };
})
"""


def drawn(status: dict[str, Any]) -> bool:
    return bool(status["svg"] >= 1 and status["traces"] >= 1 and status["drawn"] == status["traces"]
                and status["marks"] >= 1)


def chart_statuses(browser: Chromium, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The charts' status once every chart drew (or as it stands when `timeout` runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        statuses: list[dict[str, Any]] = browser.evaluate(CHART_STATUS_JS)
        if (statuses and all(drawn(status) for status in statuses)) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.2)


def run_report(db: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPORT_SCRIPT), "--db", str(db), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, check=False, cwd=PROJECT_DIR)


@pytest.fixture
def built(bundled: Lakehouse) -> Lakehouse:
    """The lakehouse built once from the committed data/ (conftest's `bundled`)."""
    return bundled


def test_report_draws_every_chart_without_errors(chromium: None, built: Lakehouse, tmp_path: Path) -> None:
    page = tmp_path / "metrics_report.html"
    report = run_report(built.db_path, page)
    assert report.returncode == 0, report.stderr
    assert str(page) in report.stdout

    html = page.read_text()
    # self-contained, so it works offline: plotly.js inline, nothing loaded from elsewhere
    assert "plotly.js v" in html and not re.search(r"<(script|link|img)[^>]*\s(src|href)=", html)
    invocation_id = built.scalar(
        "select invocation_id from reports.rpt_data_quality_runs order by run_started_at desc limit 1")
    for headline in ("as of 2024-01-30", invocation_id, "$20,405.76", "$16,777.18", "$7,146.65",
                     "$363.37", "0.0813", ">10<"):
        assert headline in html, headline

    with Chromium(tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        statuses = chart_statuses(browser)
        screenshot = browser.screenshot(tmp_path / "metrics_report.png")
        errors = browser.errors()

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACT)
    assert errors == []
    assert [status["id"] for status in statuses] == CHARTS
    assert [status for status in statuses if not drawn(status)] == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_browser_check_sees_errors_and_charts_that_did_not_draw(chromium: None, tmp_path: Path) -> None:
    """The checks above can fail: a thrown error, a console.error and an empty chart are seen."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<section class="chart" data-chart="empty"><div class="js-plotly-plot"></div></section>'
        '<script>console.error("drawing failed"); undefinedFunction();</script>')
    with Chromium(tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        statuses = chart_statuses(browser, timeout=0)
        errors = browser.errors()
    assert statuses == [{"id": "empty", "svg": 0, "traces": 0, "drawn": 0, "marks": 0}]
    assert errors[0] == "drawing failed"
    assert "undefinedFunction is not defined" in errors[1]


def test_a_missing_chromium_fails_when_required_and_skips_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "find_chromium", lambda: None)
    monkeypatch.setenv(REQUIRED_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"browser tests required .{REQUIRED_ENV}."):
        require_chromium()
    monkeypatch.delenv(REQUIRED_ENV)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        require_chromium()


def test_report_without_a_lakehouse_says_to_build_first(tmp_path: Path) -> None:
    missing = run_report(tmp_path / "missing.duckdb", tmp_path / "page.html")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    empty = run_report(tmp_path / "empty.duckdb", tmp_path / "page.html")
    for run, why in ((missing, "does not exist"), (empty, "has no gold tables")):
        assert run.returncode == 1
        assert run.stderr.count("\n") == 1 and why in run.stderr and "run `make build` first" in run.stderr
    assert not (tmp_path / "page.html").exists()


def test_duckdb_cli_opens_the_lakehouse_read_only(built: Lakehouse) -> None:
    version = subprocess.run([str(DUCKDB_CLI), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(f"v{duckdb.__version__} "), "the CLI must match the duckdb library"

    def cli(sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(built.db_path), sql],
                              capture_output=True, text=True, check=False)

    answer = cli("select count(*), max(mrr_usd) from gold.mrr_monthly")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "4,7146.65"
    refused = cli("create table gold.scratch as select 1 as x")
    assert refused.returncode != 0 and "read-only" in (refused.stdout + refused.stderr)

    # `make shell` reads SQL from its input when it is not a terminal
    query = "select count(*) as cohorts from gold.weekly_cohort_retention where weeks_since_signup = 0;"
    shell = subprocess.run(["make", "-s", "shell"], input=query, capture_output=True, text=True, check=False,
                           cwd=PROJECT_DIR, env={**os.environ, "LAKEHOUSE_DB": str(built.db_path)})
    assert shell.returncode == 0, shell.stderr
    assert "cohorts" in shell.stdout and "5" in shell.stdout
