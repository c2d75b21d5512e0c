"""A Spark state's tables, read by DuckDB: the spark target writes each table as Parquet files
in <warehouse>/<schema>.db/<table>/, so the suite compares them with the same snapshot code as
a DuckDB file (harness.compare), without a Spark session of its own. Spark's views live only in
its metastore and are not seen here; they are queries over the tables that are."""

from __future__ import annotations

from pathlib import Path

import duckdb


def connect_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per Spark table, under the table's schema."""
    if not warehouse.is_dir():
        raise FileNotFoundError(f"no Spark warehouse at {warehouse}: build the spark target first")
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for schema_dir in sorted(warehouse.glob("*.db")):
        schema = schema_dir.name.removesuffix(".db")
        con.execute(f'create schema if not exists "{schema}"')
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
            files = str(table_dir / "*.parquet").replace("'", "''")
            con.execute(f'create view "{schema}"."{table_dir.name}" as '
                        f"select * from read_parquet('{files}')")
    return con
