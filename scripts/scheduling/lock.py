"""Who holds the lakehouse. On the default target, DuckDB lets one process at a time open the
database file read-write: the scheduled run probes that file lock. A DuckLake (the lake target)
takes writers from several processes, so there is no file lock to probe; two builds of the same
lake would both append a new raw file's lines, so the scheduled run holds the lake's build lock
(scripts/lake.py, the same one `make build-lake` takes) for its whole run instead."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dbt.clients.yaml_helper import load_yaml_text

from lake import LakeSettings, build_lock

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


def dbt_target(dbt_args: Sequence[str]) -> str | None:
    """The target named by the dbt arguments (--target X, -t X, --target=X) or DBT_TARGET;
    None for the profile's default."""
    for i, arg in enumerate(dbt_args):
        if arg in ("--target", "-t") and i + 1 < len(dbt_args):
            return dbt_args[i + 1]
        if arg.startswith("--target="):
            return arg.split("=", 1)[1]
    return os.environ.get("DBT_TARGET") or None


def is_ducklake_target(project_dir: Path, dbt_args: Sequence[str]) -> bool:
    """Whether the target the build writes to is a DuckLake: profiles.yml (in the project, as
    the scheduled run passes --profiles-dir) attaches its database with a `ducklake:` path."""
    project: Any = load_yaml_text((project_dir / "dbt_project.yml").read_text()) or {}
    profiles: Any = load_yaml_text((project_dir / "profiles.yml").read_text()) or {}
    profile = profiles.get(project.get("profile"), {})
    output = profile.get("outputs", {}).get(dbt_target(dbt_args) or profile.get("target"), {})
    database = output.get("database")
    return any(str(attached.get("path", "")).startswith("ducklake:")
               and attached.get("alias") == database for attached in output.get("attach") or [])


@contextmanager
def lakehouse_held(project_dir: Path, dbt_args: Sequence[str], seconds: float,
                   say: Callable[[str], None], poll: float = 5.0) -> Iterator[str | None]:
    """For the block, the target's lakehouse to build: yields None when it is free, else who
    still holds it after waiting up to `seconds`. A DuckDB file is probed (DuckDB locks it
    while a build writes); for a DuckLake, the lake's build lock is taken and held."""
    if not is_ducklake_target(project_dir, dbt_args):
        yield wait_until_free(lakehouse_path(project_dir), seconds, say, poll)
        return
    settings = LakeSettings.from_env(project_dir)
    lock = settings.build_lock

    def waiting() -> None:
        say(f"another build of lake {settings.db} holds {lock}: waiting up to {seconds:.0f} s")

    with build_lock(settings, seconds, poll, waiting) as held:
        yield None if held else f"another build of lake {settings.db} (it holds {lock})"
