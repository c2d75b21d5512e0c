"""`python -m report` (from scripts/): the same as scripts/metrics_report.py."""

import sys

from .cli import main

sys.exit(main())
