"""Who holds the lakehouse: DuckDB lets one process at a time open a database file read-write."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

LOCK_ERROR = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def lakehouse_path(project_dir: Path) -> Path:
    """The DuckDB file the default target opens: LAKEHOUSE_DB, or lakehouse.duckdb in the
    project (profiles.yml reads the same variable)."""
    return project_dir / os.environ.get("LAKEHOUSE_DB", "lakehouse.duckdb")


def holder(message: str) -> str | None:
    """'PID 123 (/usr/bin/python3)' when the message is DuckDB's lock conflict, else None."""
    if LOCK_ERROR not in message:
        return None
    found = _HOLDER.search(message)
    return f"PID {found['pid']} ({found['program']})" if found else "another process"


def who_holds(path: Path) -> str | None:
    """The process that holds the file read-write, or None when it is free (or absent)."""
    if not path.exists():
        return None
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        return holder(str(error))
    return None


def wait_until_free(path: Path, seconds: float, say: Callable[[str], None],
                    poll: float = 5.0) -> str | None:
    """Wait up to `seconds` for the file to be free; None when it is, else who still holds it."""
    deadline = time.monotonic() + seconds
    held_by = who_holds(path)
    if held_by:
        say(f"{path.name} is held by {held_by}: waiting up to {seconds:.0f} s")
    while held_by and time.monotonic() < deadline:
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        held_by = who_holds(path)
    return held_by
