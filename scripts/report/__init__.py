"""The metrics report: one self-contained HTML page drawn from the lakehouse's gold tables.

Split by job: `queries` reads the DuckDB file (read-only) into plain dataclasses, `figures`
turns them into plotly figures, `page` assembles the HTML and `cli` is the command line
(`scripts/metrics_report.py`, `make report`).
"""
