"""A Spark state's tables, read by DuckDB: the spark target writes each table as Parquet files
in <warehouse>/<schema>.db/<table>/, so the suite compares them with the same snapshot code as
a DuckDB file (harness.compare), without a Spark session of its own. Spark's views live only in
its metastore and are not seen here; they are queries over the tables that are. The published
gold views are rebuilt here the way Spark defines them (macro spark__publish_gold): each
<schema>_versions.<table> partition of the latest publication listed in
<schema>_versions.publications, as <schema>.<table>."""

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
        if schema.endswith("_versions"):
            _published_views(con, schema_dir, schema.removesuffix("_versions"))
            continue
        con.execute(f'create schema if not exists "{schema}"')
        # a table without a file (Spark writes none for no row) gets no view: its columns are
        # in the metastore only
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir() and any(p.glob("*.parquet"))):
            files = str(table_dir / "*.parquet").replace("'", "''")
            con.execute(f'create view "{schema}"."{table_dir.name}" as '
                        f"select * from read_parquet('{files}')")
    return con


def _published_views(con: duckdb.DuckDBPyConnection, versions_dir: Path, schema: str) -> None:
    """The published tables of a Spark publication log: a view per table, on the partition of
    the latest publication the log lists (none before the first one)."""
    log = versions_dir / "publications"
    if not any(log.glob("*.parquet")):
        return
    latest = f"(select max(publication) from read_parquet('{_sql_path(log / '*.parquet')}'))"
    con.execute(f'create schema if not exists "{schema}"')
    for table_dir in sorted(p for p in versions_dir.iterdir() if p.is_dir() and p != log):
        if not any(table_dir.glob("*/*.parquet")):  # Spark writes no file for an empty table
            con.execute(f'create view "{schema}"."{table_dir.name}" as'
                        f' select * from "{schema}_candidate"."{table_dir.name}" where false')
            continue
        files = _sql_path(table_dir / "*" / "*.parquet")
        con.execute(f'create view "{schema}"."{table_dir.name}" as select * exclude (publication)'
                    f" from read_parquet('{files}', hive_partitioning = true) where publication = {latest}")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
