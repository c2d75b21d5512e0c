#!/usr/bin/env python3
"""The lake target's infrastructure: DuckDB extensions, the PostgreSQL catalog, the lake.

Usage: lake.py extensions | start | stop | status | drop | build [DBT_ARGS ...]

  extensions  install the ducklake and postgres extensions from their PyPI wheels
              (requirements.txt) into the project's extension directory, so that no ATTACH
              ever downloads; idempotent
  start       extensions, then the catalog server: when LAKE_PG_HOST is set, only check that
              it answers; otherwise init (once) and start a project-local PostgreSQL on
              127.0.0.1:LAKE_PG_PORT. Then the catalog database LAKE_PG_DB and the DuckLake in
              it, if there is none yet, with its data path (LAKE_DATA_PATH, stored absolute);
              idempotent
  stop        stop the project-local PostgreSQL if it runs (its data stays); idempotent
  status      whether the project-local PostgreSQL runs
  drop        delete the lake of the project-local server: its catalog database and its
              data files (a fresh start)
  build       `dbt build --target lake DBT_ARGS`, holding the lake's build lock: a second
              build of the same lake on this machine exits at once (status 75)

Environment, with its defaults (profiles.yml reads the same variables):
  LAKE_PG_HOST    unset: the project-local server, on 127.0.0.1
  LAKE_PG_PORT    55432
  LAKE_PG_USER    lake (PGPASSWORD, if the server asks for one, is read by libpq)
  LAKE_PG_DB      lake
  LAKE_DATA_PATH  <project>/lake/ (only read when the lake is created)
  LAKE_EXTENSION_DIR  .lake/extensions (relative to the project)
  LAKE_PG_BINDIR  the newest /usr/lib/postgresql/*/bin (Debian's postgresql package)
  LAKE_PG_DIR     .lake/pg (the local cluster; a folder under the temp directory when run as
                  root in a project that user postgres cannot enter)
Operating details: LAKE.md.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
EXTENSION_PACKAGES = ("duckdb_extension_ducklake", "duckdb_extension_postgres_scanner")
LOCAL_HOST = "127.0.0.1"
LOCKED = 75  # exit status of a build that found the lake's build lock held (EX_TEMPFAIL)


class LakeError(Exception):
    """Something the lake needs is missing or broken; the message says what to do."""


@dataclass(frozen=True)
class LakeSettings:
    """Where the lake's catalog, files and extensions are (the environment of LAKE_*)."""

    project: Path
    host: str | None  # None: the project-local server on 127.0.0.1
    port: str
    user: str
    db: str
    data_path: Path  # used when the lake is created; an existing lake keeps its own
    extension_dir: Path

    @classmethod
    def from_env(cls, project: Path = ROOT, env: dict[str, str] | None = None) -> LakeSettings:
        env = dict(os.environ) if env is None else env
        extension_dir = Path(env.get("LAKE_EXTENSION_DIR") or ".lake/extensions")
        return cls(
            project=project,
            host=env.get("LAKE_PG_HOST") or None,
            port=env.get("LAKE_PG_PORT") or "55432",
            user=env.get("LAKE_PG_USER") or "lake",
            db=env.get("LAKE_PG_DB") or "lake",
            data_path=Path(env.get("LAKE_DATA_PATH") or project / "lake").resolve(),
            extension_dir=extension_dir if extension_dir.is_absolute() else project / extension_dir,
        )

    def with_db(self, db: str, data_path: Path) -> LakeSettings:
        return replace(self, db=db, data_path=data_path.resolve())

    def libpq(self, db: str | None = None) -> str:
        """The libpq connection string of the catalog database (or of another one)."""
        return f"dbname={db or self.db} host={self.host or LOCAL_HOST} port={self.port} user={self.user}"

    @property
    def attach_path(self) -> str:
        return f"ducklake:postgres:{self.libpq()}"

    @property
    def build_lock(self) -> Path:
        """The file a build of this lake holds (flock) on this machine: `make build-lake` and
        the scheduled run take it, so that two of them never build the same lake at once."""
        return self.project / ".lake" / f"build-{self.db}.lock"


def connect_duckdb(settings: LakeSettings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that loads the extensions from the project's directory only."""
    return duckdb.connect(config={"extension_directory": str(settings.extension_dir),
                                  "autoinstall_known_extensions": False})


def connect(settings: LakeSettings, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB session with the lake attached as `lake` and in use, UTC like the builds."""
    con = connect_duckdb(settings)
    mode = " (read_only)" if read_only else ""
    con.execute(f"attach '{settings.attach_path}' as lake{mode}")
    con.execute("use lake")
    con.execute("set TimeZone = 'UTC'")
    return con


def install_extensions(settings: LakeSettings) -> None:
    """Copy each wheel's extension file into the extension directory (FORCE INSTALL from the
    file), then load it once to check it. The wheels ship
    <package>/extensions/v<duckdb version>/<name>.duckdb_extension."""
    files: list[Path] = []
    for package in EXTENSION_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LakeError(f"python package {package} is missing: pip install -r requirements.txt")
        pattern = f"{spec.submodule_search_locations[0]}/extensions/v{duckdb.__version__}/*.duckdb_extension"
        found = glob.glob(pattern)
        if len(found) != 1:
            raise LakeError(f"expected one extension file at {pattern} (duckdb {duckdb.__version__}), found {found}")
        files.append(Path(found[0]))
    settings.extension_dir.mkdir(parents=True, exist_ok=True)
    con = connect_duckdb(settings)
    for path in files:
        con.execute(f"force install '{path}'")
        con.execute(f"load '{path.stem}'")
    say(f"extensions {', '.join(p.stem for p in files)} installed in {settings.extension_dir}")


def pg_bin(tool: str) -> str:
    bindir = os.environ.get("LAKE_PG_BINDIR")
    if not bindir:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        bindir = candidates[-1] if candidates else ""
    path = Path(bindir) / tool
    if not path.exists():
        raise LakeError(
            "no PostgreSQL server binaries (looked for /usr/lib/postgresql/*/bin): install them "
            "(Debian: apt-get install -y postgresql), set LAKE_PG_BINDIR, or point LAKE_PG_HOST at a running server")
    return str(path)


def server_binaries_present() -> bool:
    try:
        pg_bin("initdb")
    except LakeError:
        return False
    return True


def as_cluster_owner() -> list[str]:
    """PostgreSQL refuses to run as root: as root, its tools run as user `postgres`."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as missing:
        raise LakeError("running as root and there is no `postgres` user to own the cluster "
                        "(Debian's postgresql package creates it)") from missing
    return ["runuser", "-u", "postgres", "--"]


def run(args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, text=True, capture_output=True)


def cluster_dir(project: Path = ROOT) -> Path:
    """The local cluster's folder (data/ in it, its log and socket beside): LAKE_PG_DIR, else
    .lake/pg; as root in a project whose folders user postgres cannot enter (a clone under
    /root), a folder of its own in the temp directory, named after the project."""
    if os.environ.get("LAKE_PG_DIR"):
        return Path(os.environ["LAKE_PG_DIR"]).resolve()
    local = project / ".lake" / "pg"
    if os.geteuid() != 0 or local.exists():
        return local
    local.parent.mkdir(parents=True, exist_ok=True)
    if run([*as_cluster_owner(), "test", "-x", str(local.parent)], check=False).returncode == 0:
        return local
    digest = hashlib.md5(str(project).encode()).hexdigest()[:8]
    return Path(tempfile.gettempdir()) / f"lakehouse-pg-{digest}"


def server_running(pg_dir: Path) -> bool:
    if not (pg_dir / "data" / "PG_VERSION").exists():
        return False
    status = run([*as_cluster_owner(), pg_bin("pg_ctl"), "status", "-D", str(pg_dir / "data")], check=False)
    return status.returncode == 0


def start_local_server(settings: LakeSettings) -> bool:
    """Init (once) and start the project-local cluster; True when this call started it."""
    pg_dir = cluster_dir(settings.project)
    data = pg_dir / "data"
    owner = as_cluster_owner()
    if not (data / "PG_VERSION").exists():
        pg_dir.mkdir(parents=True, exist_ok=True)
        if owner:
            shutil.chown(pg_dir, "postgres", "postgres")
        run([*owner, pg_bin("initdb"), "-D", str(data), "-U", settings.user, "--auth=trust",
             "-E", "UTF8", "--no-locale"])
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n# scripts/lake.py: loopback only, the socket beside the cluster\n"
                       f"listen_addresses = '{LOCAL_HOST}'\n"
                       f"unix_socket_directories = '{pg_dir}'\n")
    if server_running(pg_dir):
        say(f"local PostgreSQL already runs on {LOCAL_HOST}:{settings.port} ({data})")
        return False
    started = run([*owner, pg_bin("pg_ctl"), "start", "-D", str(data), "-l", str(pg_dir / "server.log"),
                   "-w", "-o", f"-p {settings.port}"], check=False)
    if started.returncode != 0:
        log = (pg_dir / "server.log").read_text(errors="replace")[-2000:] if (pg_dir / "server.log").exists() else ""
        raise LakeError(f"PostgreSQL did not start on port {settings.port}: {started.stdout}{started.stderr}{log}")
    say(f"local PostgreSQL started on {LOCAL_HOST}:{settings.port} ({data}, log {pg_dir / 'server.log'})")
    return True


def stop_local_server(project: Path = ROOT) -> bool:
    """Stop the project-local cluster; True when it was running."""
    pg_dir = cluster_dir(project)
    if not server_running(pg_dir):
        return False
    run([*as_cluster_owner(), pg_bin("pg_ctl"), "stop", "-D", str(pg_dir / "data"), "-m", "fast", "-w"])
    return True


def postgres_execute(settings: LakeSettings, sql: str) -> None:
    """Run one statement in the server's `postgres` database (no psql needed)."""
    con = connect_duckdb(settings)
    con.execute(f"attach '{settings.libpq('postgres')}' as pg (type postgres)")
    con.execute("call postgres_execute('pg', ?, use_transaction => false)", [sql])
    con.close()


def database_exists(settings: LakeSettings) -> bool:
    con = connect_duckdb(settings)
    con.execute(f"attach '{settings.libpq('postgres')}' as pg (type postgres, read_only)")
    rows = con.execute("select 1 from postgres_query('pg', 'select datname from pg_database') where datname = ?",
                       [settings.db]).fetchall()
    con.close()
    return bool(rows)


def wait_for_server(settings: LakeSettings, seconds: float = 30.0) -> None:
    """Whether the catalog server answers (someone else's, or one just started)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            database_exists(settings)
            return
        except duckdb.Error as error:
            if time.monotonic() > deadline:
                raise LakeError(f"PostgreSQL at {settings.host or LOCAL_HOST}:{settings.port} (user "
                                f"{settings.user}) does not answer: {error}") from error
            time.sleep(0.5)


def create_lake(settings: LakeSettings) -> None:
    """The catalog database and the DuckLake in it, unless they exist. The first ATTACH of a
    database creates the DuckLake's tables and needs the data path, stored absolute (DuckLake
    resolves a relative one against each reader's working directory); later ATTACHes take the
    stored one. Inlining is switched off in the catalog itself, for every writer."""
    if not database_exists(settings):
        postgres_execute(settings, f'create database "{settings.db}"')
        say(f"created database {settings.db}")
    con = connect_duckdb(settings)
    try:
        con.execute(f"attach '{settings.attach_path}' as lake (data_path '')")
        say(f"DuckLake present in database {settings.db}, data path {stored_data_path(con)}")
    except duckdb.Error as error:
        if "data_path is not set" not in str(error):
            raise
        con.execute(f"attach '{settings.attach_path}' as lake (data_path '{settings.data_path}/')")
        say(f"DuckLake created in database {settings.db}, data path {stored_data_path(con)}")
    con.execute("call lake.set_option('data_inlining_row_limit', 0)")
    con.close()


def stored_data_path(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select value from lake.options() where option_name = 'data_path'").fetchone()
    assert row is not None, "a DuckLake always has a data path"
    return str(row[0])


def drop_lake(settings: LakeSettings) -> None:
    """Delete the catalog database and the lake's data files (the stored data path)."""
    if not database_exists(settings):
        return
    stored: str | None = None
    con = connect_duckdb(settings)
    try:
        con.execute(f"attach '{settings.attach_path}' as lake (data_path '', read_only)")
        stored = stored_data_path(con)
    except duckdb.Error:
        pass  # a database without a DuckLake
    con.close()
    postgres_execute(settings, f'drop database "{settings.db}" with (force)')
    say(f"dropped database {settings.db}")
    if stored and Path(stored).is_absolute() and Path(stored).is_dir():
        shutil.rmtree(stored)
        say(f"removed the data files in {stored}")


def start_server(settings: LakeSettings) -> bool:
    """The extensions and a catalog server that answers; True when this call started the
    project-local one."""
    install_extensions(settings)
    if settings.host:
        wait_for_server(settings, seconds=0)
        say(f"using PostgreSQL at {settings.host}:{settings.port}")
        return False
    started = start_local_server(settings)
    wait_for_server(settings)
    return started


def start(settings: LakeSettings) -> None:
    """Everything `dbt build --target lake` needs: extensions, server, the lake."""
    start_server(settings)
    create_lake(settings)


@contextmanager
def build_lock(settings: LakeSettings, wait: float = 0.0, poll: float = 1.0,
               waiting: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold the lake's build lock (settings.build_lock, a flock) for the block. When another
    process holds it, wait up to `wait` seconds (calling `waiting` once); yields whether it is
    held."""
    settings.build_lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with open(settings.build_lock, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                if waiting is not None:
                    waiting()
                    waiting = None
                time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(settings: LakeSettings, dbt_args: list[str]) -> int:
    with build_lock(settings) as held:
        if not held:
            say(f"another build of lake {settings.db} is running (it holds {settings.build_lock}): nothing done")
            return LOCKED
        dbt = Path(sys.executable).with_name("dbt")
        return subprocess.run([str(dbt), "build", "--project-dir", str(settings.project),
                               "--profiles-dir", str(settings.project), "--target", "lake", *dbt_args],
                              check=False).returncode


def say(message: str) -> None:
    print(f"lake: {message}", flush=True)


def main(argv: list[str]) -> int:
    settings = LakeSettings.from_env()
    if argv[:1] == ["build"]:
        return build(settings, argv[1:])
    if len(argv) != 1 or argv[0] not in ("extensions", "start", "stop", "status", "drop"):
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[0]
    try:
        if command == "extensions":
            install_extensions(settings)
        elif command == "start":
            start(settings)
        elif command == "stop":
            say("local PostgreSQL stopped" if stop_local_server() else "local PostgreSQL is not running")
        elif command == "status":
            running = server_binaries_present() and server_running(cluster_dir())
            say(f"local PostgreSQL {'runs on ' + LOCAL_HOST + ':' + settings.port if running else 'is not running'}")
        else:
            if settings.host:
                raise LakeError("drop only deletes a lake of the project-local server (LAKE_PG_HOST is set)")
            if not server_running(cluster_dir()):
                raise LakeError("the local PostgreSQL is not running: make lake-start")
            drop_lake(settings)
    except LakeError as error:
        print(f"lake: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
