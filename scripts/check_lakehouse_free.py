#!/usr/bin/env python3
"""Stop in one line when another process holds the lakehouse file (`make build` runs this
first): DuckDB lets one process at a time open it read-write, and dbt's own report of the
conflict is an IO error followed by Python tracebacks.

Exit status: 0 when the file is free (or absent), 1 when it is held.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scheduling.lock import lakehouse_path, who_holds

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    path = lakehouse_path(ROOT)
    held_by = who_holds(path)
    if held_by is None:
        return 0
    print(f"{path} is held by {held_by}, another build or a session with it open: wait for it "
          "to finish or stop it, then run this again (`make update` waits on its own)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
