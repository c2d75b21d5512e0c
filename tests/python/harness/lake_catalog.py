"""The lake target's states for the tests: each state's DuckLake has a catalog database and a
data path of its own, on the project-local PostgreSQL of scripts/lake.py (or LAKE_PG_HOST's),
which the session starts when it is not running and stops at its end if it started it."""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import lake
from harness.lakehouse import PROJECT_DIR
from lake import LakeSettings

# Set by .ci/run: a machine without PostgreSQL's server then fails the lake tests instead of
# skipping them.
REQUIRED_ENV = "LAKE_TESTS_REQUIRED"


class LakeUnavailable(Exception):
    """No catalog server can run here; the message says what is missing."""


@dataclass
class LakeServer:
    """The catalog server of the session's lakes; `close` drops them."""

    settings: LakeSettings
    started: bool  # this session started the project-local server, and stops it
    prefix: str = field(default_factory=lambda: f"lake_test_{os.getpid()}_")
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def start(cls) -> LakeServer:
        settings = LakeSettings.from_env(PROJECT_DIR)
        if not settings.host and not lake.server_binaries_present():
            raise LakeUnavailable("no PostgreSQL server binaries (Debian: apt-get install postgresql; "
                                  ".ci/run installs them) and no LAKE_PG_HOST")
        return cls(settings, lake.start_server(settings))

    def _next(self, workdir: Path) -> LakeSettings:
        return self.settings.with_db(f"{self.prefix}{next(self._numbers)}", workdir / "lake_data")

    def new_lake(self, workdir: Path) -> LakeSettings:
        """An empty DuckLake of its own, its files under workdir/lake_data."""
        settings = self._next(workdir)
        lake.create_lake(settings)
        return settings

    def fork(self, source: LakeSettings, workdir: Path) -> LakeSettings:
        """An independent copy of a lake: its catalog database copied by PostgreSQL (no build
        may be connected to it), its data files copied, and the copy's data path stored. Files
        are named relative to the data path in the catalog, so nothing else changes."""
        copy = self._next(workdir)
        lake.postgres_execute(self.settings, f'create database "{copy.db}" template "{source.db}"')
        if source.data_path.exists():
            shutil.copytree(source.data_path, copy.data_path)
        else:
            copy.data_path.mkdir(parents=True)
        con = lake.connect_duckdb(copy)
        con.execute(f"attach '{copy.libpq()}' as catalog (type postgres)")
        con.execute("call postgres_execute('catalog', ?)",
                    [f"update ducklake_metadata set value = '{copy.data_path}/' where key = 'data_path'"])
        con.close()
        return copy

    def close(self) -> None:
        """Drop every catalog database of this session; stop the server if the session
        started it."""
        con = lake.connect_duckdb(self.settings)
        con.execute(f"attach '{self.settings.libpq('postgres')}' as pg (type postgres)")
        names = [str(r[0]) for r in con.execute(
            "select datname from postgres_query('pg', 'select datname from pg_database')"
            " where starts_with(datname, ?)", [self.prefix]).fetchall()]
        for name in names:
            con.execute("call postgres_execute('pg', ?, use_transaction => false)",
                        [f'drop database "{name}" with (force)'])
        con.close()
        for lock in self.settings.build_lock.parent.glob(f"build-{self.prefix}*.lock"):
            lock.unlink()
        if self.started:
            lake.stop_local_server(PROJECT_DIR)
