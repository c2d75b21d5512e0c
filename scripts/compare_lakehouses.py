#!/usr/bin/env python3
"""Compare every table of some schemas between two lakehouses, `except all` both ways.

Usage: compare_lakehouses.py A B [--schemas gold,reports] [--skip-columns c1,c2]

A and B: a DuckDB file (the default target), or a DuckLake as `ducklake:postgres:<libpq
connection string>` (the lake target; the extensions come from scripts/lake.py's directory,
LAKE_EXTENSION_DIR). Columns that name a run (ingested_at, invocation ids, ...) are left out,
and those of --skip-columns. Prints one line per table; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from lake import LakeSettings, connect_duckdb

RUN_COLUMNS = {"ingested_at", "ingest_invocation_id", "invocation_id", "run_started_at",
               "hours_since_latest_event", "lake_snapshot_id"}


def tables(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> set[str]:
    sql = "select table_name from duckdb_tables() where database_name = ? and schema_name = ?"
    return {str(r[0]) for r in con.execute(sql, [db, schema]).fetchall()}


def columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> list[tuple[str, str]]:
    sql = ("select column_name, data_type from duckdb_columns()"
           " where database_name = ? and schema_name = ? and table_name = ? order by column_index")
    return [(str(r[0]), str(r[1])) for r in con.execute(sql, [db, schema, table]).fetchall()]


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(f"select count(*) from ({sql})").fetchone()
    assert row is not None
    return int(row[0])


def compare(a: str, b: str, schemas: list[str], skip: set[str]) -> int:
    """The number of differing tables (a table missing on one side counts)."""
    con = connect_duckdb(LakeSettings.from_env())
    con.execute("set TimeZone = 'UTC'")
    for alias, spec in (("a", a), ("b", b)):
        con.execute(f"attach '{spec}' as {alias} (read_only)")
    bad = 0
    for schema in schemas:
        ta, tb = tables(con, "a", schema), tables(con, "b", schema)
        if ta != tb:
            bad += len(ta ^ tb)
            print(f"DIFF {schema}: only in A {sorted(ta - tb)}, only in B {sorted(tb - ta)}")
        for table in sorted(ta & tb):
            ca = [c for c in columns(con, "a", schema, table) if c[0] not in skip]
            cb = [c for c in columns(con, "b", schema, table) if c[0] not in skip]
            if ca != cb:
                print(f"DIFF {schema}.{table}: columns or types differ: A {ca} B {cb}")
            shared = [name for name, kind in ca if (name, kind) in cb]
            select = ", ".join(f'"{name}"' for name in shared)
            a_only, b_only = (count(con, f"select {select} from {x}.{schema}.{table} except all"
                                         f" select {select} from {y}.{schema}.{table}")
                              for x, y in (("a", "b"), ("b", "a")))
            rows = count(con, f"select 1 from a.{schema}.{table}")
            same = a_only == b_only == 0 and ca == cb
            bad += not same
            print(f"{'same' if same else 'DIFF'} {schema}.{table}: rows {rows}, A-B {a_only}, B-A {b_only}")
    print("ALL SAME" if bad == 0 else f"{bad} DIFFERENT")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("a", help="a DuckDB file, or ducklake:postgres:<connection string>")
    parser.add_argument("b", help="the same, to compare with")
    parser.add_argument("--schemas", default="gold", help="comma-separated (default gold)")
    parser.add_argument("--skip-columns", default="", help="comma-separated columns to leave out")
    args = parser.parse_args()
    for spec in (args.a, args.b):
        if not spec.startswith("ducklake:") and not Path(spec).exists():
            parser.error(f"{spec}: no such DuckDB file")
    skip = RUN_COLUMNS | {c for c in args.skip_columns.split(",") if c}
    return 1 if compare(args.a, args.b, args.schemas.split(","), skip) else 0


if __name__ == "__main__":
    sys.exit(main())
