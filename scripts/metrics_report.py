#!/usr/bin/env python3
"""Write the metrics report (`make report`): a self-contained HTML page from the gold tables.

Usage: metrics_report.py [--db FILE] [--out FILE] [--quiet]

Opens the lakehouse read-only ($LAKEHOUSE_DB, default lakehouse.duckdb) and writes
target/metrics_report.html, plotly.js included, so the page works offline. The code is the
package scripts/report/ (queries, figures, page, cli).
"""

import sys

from report.cli import main

if __name__ == "__main__":
    sys.exit(main())
