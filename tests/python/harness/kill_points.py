"""Where the trust suite stops a dbt run (events of dbt's JSON log), and what a stopped run
may leave behind: the kill-and-rerun tests on either target."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.trust_lakehouse import TrustLakehouse

# the files the killed runs ingest, after a state that holds the first batch
NEW_FILES = ("events_0002.ndjson", "events_0003.ndjson")


def assert_nothing_half_done(lh: TrustLakehouse) -> None:
    """Each file is in bronze whole or not at all; each run's bronze lines are parsed all or
    none; every valid version up to the merge watermark (the latest ingested_at stored in
    int_events_deduplicated) has its event merged, since the next run only merges later ones."""
    per_file = lh.query(
        "select source_file, count(*), max(line_number) from bronze.stg_app__event_lines"
        " group by 1 order by 1")
    for source_file, lines, last in per_file:
        on_disk = len((lh.raw_root / source_file).read_bytes().splitlines())
        assert lines == last == on_disk, f"{source_file} is partly in bronze"
    assert lh.query(
        "select b.ingested_at from bronze.stg_app__event_lines as b"
        " left join silver.int_events_parsed as p using (source_file, line_number)"
        " group by b.ingested_at"
        " having count(p.source_file) not in (0, count(*))") == [], "a run is partly parsed"
    assert lh.scalar(
        "select count(*) from silver.int_events_parsed as p"
        " where p.quarantine_reason is null"
        "   and p.ingested_at <= (select max(ingested_at) from silver.int_events_deduplicated)"
        "   and p.event_id not in (select event_id from silver.int_events_deduplicated)"
    ) == 0, "a version below the merge watermark is not merged"


def count_new(lh: TrustLakehouse, relation: str) -> int:
    files = ", ".join(f"'{f}'" for f in NEW_FILES)
    return int(lh.scalar(f"select count(*) from {relation} where source_file in ({files})"))


KillPoint = Callable[[dict[str, Any]], bool]


def model_starts(model: str) -> KillPoint:
    """dbt announces the model (the 'START sql incremental model silver.<model>' line)."""
    def when(event: dict[str, Any]) -> bool:
        return name_of(event) == "LogStartLine" and node_of(event) == f"model.lakehouse.{model}"
    return when


def merge_statement_sent(model: str) -> KillPoint:
    """dbt sends the model's MERGE statement, inside the model's open transaction."""
    def when(event: dict[str, Any]) -> bool:
        return (name_of(event) == "SQLQuery" and node_of(event) == f"model.lakehouse.{model}"
                and "merge into" in str(event.get("data", {}).get("sql", "")).lower())
    return when


def statement_sent(model: str, text: str) -> KillPoint:
    """dbt sends a statement of the model containing `text` (after the statements before it
    ran, inside the model's open transaction)."""
    def when(event: dict[str, Any]) -> bool:
        return (name_of(event) == "SQLQuery" and node_of(event) == f"model.lakehouse.{model}"
                and text in str(event.get("data", {}).get("sql", "")))
    return when


def run_audit_insert_sent(event: dict[str, Any]) -> bool:
    """The on-run-end hook sends the run audit's insert: every model of the run has committed,
    and the audit (each incremental gold model's watermark) does not yet say so."""
    return (name_of(event) == "SQLQuery"
            and "insert into audit.dbt_run_results" in str(event.get("data", {}).get("sql", "")))


# Kill points after the silver events chain, each with the relation whose new rows it must not
# have committed: bronze's settle (its post-hook, inside bronze's transaction), the touch log
# as it starts, a gold model's replace of the keys it recomputes (the recompute_keys
# strategy's delete, in the model's transaction), and the run audit's insert (after every
# model committed).
LATER_KILL_POINTS: dict[str, KillPoint] = {
    "bronze_settle": statement_sent("stg_app__event_lines", "delete from"),
    "touch_log_starts": model_starts("int_events_touched"),
    "gold_replace": statement_sent("daily_active_users", "delete from"),
    "run_audit_insert": run_audit_insert_sent,
}


def name_of(event: dict[str, Any]) -> str:
    return str(event.get("info", {}).get("name", ""))


def node_of(event: dict[str, Any]) -> str:
    return str((event.get("data", {}).get("node_info") or {}).get("unique_id", ""))
