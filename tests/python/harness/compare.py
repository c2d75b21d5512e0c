"""Whole-schema snapshots of a lakehouse (a DuckDB file or a DuckLake, through a read-only
connection), and their comparison relation by relation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

# Columns that say when a row was computed: each run that recomputes a row stamps it again.
COMPUTED_AT_COLUMNS = frozenset({"computed_at", "deduplicated_at", "recorded_at"})
# Columns that record how a row was read (which run, the file's size then, a re-read of a
# grown file): they differ between two histories of the same files.
RUN_DEPENDENT_COLUMNS = COMPUTED_AT_COLUMNS | {
    "ingested_at", "ingest_invocation_id", "file_size_bytes", "reread_from_line",
    "replaced_event_id", "replaced_user_id", "replaced_event_date"}
# Relations that log the runs themselves (what each run touched): a history has its own.
RUN_LOGS = frozenset({"silver.int_events_touched"})

Rows = list[tuple[Any, ...]]


def relations(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> list[str]:
    """Every table and view of the given schemas of the database in use, as schema.name."""
    listed = ", ".join(f"'{s}'" for s in schemas)
    in_use = "database_name = current_database()"
    return [r[0] for r in con.sql(
        "select schema_name || '.' || table_name from duckdb_tables()"
        f" where {in_use} and schema_name in ({listed})"
        " union all select schema_name || '.' || view_name from duckdb_views()"
        f" where {in_use} and not internal and schema_name in ({listed}) order by 1").fetchall()]


def contents(con: duckdb.DuckDBPyConnection, schemas: Sequence[str],
             exclude: frozenset[str] = RUN_DEPENDENT_COLUMNS, at_version: int | None = None) -> dict[str, Rows]:
    """All rows of every relation of the schemas (but the run logs), in a canonical order,
    without the `exclude` columns. Floating-point values are rounded to 9 decimals: their last
    bits depend on the order in which a parallel aggregate added them up. With `at_version`,
    the relations (as listed now) of a DuckLake as of that snapshot: `at (version => n)`."""
    at = f" at (version => {at_version})" if at_version is not None else ""
    result: dict[str, Rows] = {}
    for relation in relations(con, schemas):
        if relation in RUN_LOGS:
            continue
        schema, name = relation.split(".")
        columns = [
            f'round("{column}", 9)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
            for column, data_type in con.execute(
                "select column_name, data_type from duckdb_columns()"
                " where database_name = current_database() and schema_name = ? and table_name = ?"
                " order by column_index",
                [schema, name]).fetchall()
            if column not in exclude]
        select = ", ".join(columns)
        result[relation] = con.sql(
            f"select {select} from {relation}{at} order by all").fetchall()
    return result


def assert_same_contents(actual: dict[str, Rows], expected: dict[str, Rows]) -> None:
    """Relation by relation, row for row; the message shows a few rows on each side only."""
    assert sorted(actual) == sorted(expected), "not the same relations"
    differing: list[str] = []
    for relation, rows in expected.items():
        if actual[relation] != rows:
            got, want = set(actual[relation]), set(rows)
            differing.append(
                f"{relation}: {len(actual[relation])} rows vs {len(rows)} expected;"
                f" unexpected {sorted(got - want, key=repr)[:3]};"
                f" missing {sorted(want - got, key=repr)[:3]}")
    assert not differing, "\n".join(differing)
