"""Bronze and silver on small hand-made files, whose expected outcome is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from harness.handmade import SUBSCRIPTIONS, event, write_side_files
from harness.lakehouse import RELAXED_GATES, Lakehouse

pytestmark = pytest.mark.slow


def reconciliation(lh: Lakehouse) -> dict[str, tuple[int, int, int, int, bool]]:
    rows = lh.query(
        "select source_file, raw_lines, accepted_lines, quarantined_lines,"
        " duplicate_lines_dropped, is_balanced from silver.int_event_files_reconciled"
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def silver_snapshot(lh: Lakehouse) -> dict[str, list[tuple[object, ...]]]:
    return {
        "events": lh.query(
            "select event_id, user_id, event_type, event_ts, amount, currency, source_file,"
            " line_number from silver.int_events_deduplicated order by event_id"),
        "quarantine": lh.query(
            "select source_file, line_number, quarantine_reason, raw_line"
            " from silver.int_events_quarantined order by 1, 2"),
        "bronze": lh.query(
            "select source_file, line_number, raw_line, reader_error"
            " from bronze.stg_app__event_lines order by 1, 2"),
    }


def test_every_line_is_kept_numbered_and_accounted_for_across_incremental_runs(
    lakehouse: Lakehouse, tmp_path: Path
) -> None:
    raw = lakehouse.raw_root
    write_side_files(raw)
    first = raw / "events_0001.ndjson"
    # 6 lines, the last without a trailing newline.
    first.write_bytes(b"\n".join([
        event("e1", "2024-01-05T10:00:00Z"),                               # 1 valid
        b"",                                                               # 2 empty
        b'{"event_id": "bad", "note": "caf\xff\xfe"}',                     # 3 invalid UTF-8
        b'{"event_id": "t1", "user_id": "u1", "event_ty',                 # 4 truncated
        event("p1", "2024-01-05T11:00:00Z", "purchase", amount=10),        # 5 valid
        event("p1", "2024-01-05T11:00:00Z", "purchase", amount=10),        # 6 exact repeat
    ]))
    lakehouse.build(vars_=RELAXED_GATES)

    bronze = lakehouse.query(
        "select line_number, reader_error is not null from bronze.stg_app__event_lines"
        " order by line_number")
    assert bronze == [(1, False), (2, False), (3, True), (4, False), (5, False), (6, False)]
    assert lakehouse.query(
        "select line_number, quarantine_reason from silver.int_events_quarantined order by 1"
    ) == [(2, "empty_line"), (3, "unreadable_line"), (4, "invalid_json")]
    # an exact repeat is no new version: p1 is stored where it was first seen, the copy dropped
    assert lakehouse.query(
        "select event_id, line_number from silver.int_events_deduplicated order by 1"
    ) == [("e1", 1), ("p1", 5)]
    assert reconciliation(lakehouse) == {"events_0001.ndjson": (6, 2, 3, 1, True)}

    # The file grows: its unterminated last line gets its newline, then three more lines.
    with first.open("ab") as f:
        f.write(b"\n" + b"\n".join([
            event("e2", "2024-01-06T09:00:00Z"),                            # 7 valid
            b"\xc3\x28 not utf-8",                                          # 8 invalid UTF-8
            event("p1", "2024-01-05T11:00:00Z", "purchase", amount=12),     # 9 conflicting
        ]) + b"\n")
    lakehouse.build(vars_=RELAXED_GATES)

    assert lakehouse.query(
        "select line_number, reader_error is not null from bronze.stg_app__event_lines"
        " where line_number > 6 order by 1") == [(7, False), (8, True), (9, False)]
    assert lakehouse.scalar("select count(*) from bronze.stg_app__event_lines") == 9
    # same timestamp: the later arrival (line 9, amount 12) replaces the stored version
    assert lakehouse.query(
        "select event_id, line_number, amount from silver.int_events_deduplicated order by 1"
    ) == [("e1", 1, None), ("e2", 7, None), ("p1", 9, 12)]
    assert reconciliation(lakehouse) == {"events_0001.ndjson": (9, 3, 4, 2, True)}
    assert lakehouse.scalar(
        "select count(*) from silver.int_event_versions_audited"
        " where event_id = 'p1' and is_conflicting") == 3

    # A run with no new data changes nothing.
    before = silver_snapshot(lakehouse)
    lakehouse.build(vars_=RELAXED_GATES)
    assert silver_snapshot(lakehouse) == before

    # A later file brings an older version of p1: a later arrival, but an earlier event
    # timestamp, so it loses.
    (raw / "events_0002.ndjson").write_bytes(
        event("p1", "2024-01-05T08:00:00+0000", "purchase", amount=50) + b"\n")
    lakehouse.build(vars_=RELAXED_GATES)
    assert lakehouse.query(
        "select source_file, line_number, amount from silver.int_events_deduplicated"
        " where event_id = 'p1'") == [("events_0001.ndjson", 9, 12)]
    assert reconciliation(lakehouse)["events_0002.ndjson"] == (1, 0, 0, 1, True)

    # A full refresh over the same files ends in the same bronze and silver.
    rebuilt = Lakehouse(workdir=tmp_path / "rebuilt", raw_root=raw)
    rebuilt.workdir.mkdir()
    rebuilt.build("--full-refresh", vars_=RELAXED_GATES)
    assert silver_snapshot(rebuilt) == silver_snapshot(lakehouse)


def test_missing_raw_directory_fails_fast_with_what_to_fix(lakehouse: Lakehouse) -> None:
    lakehouse.raw_root = lakehouse.workdir / "no_such_dir"
    run = lakehouse.dbt("build")
    assert run.returncode != 0
    assert "No raw file matches" in run.output
    assert "raw_root" in run.output
    assert not lakehouse.db_path.exists() or lakehouse.scalar(
        "select count(*) from duckdb_tables() where schema_name = 'silver'") == 0


def test_missing_spend_file_names_the_file(lakehouse: Lakehouse) -> None:
    raw = lakehouse.raw_root
    (raw / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    (raw / "events.ndjson").write_bytes(event("e1", "2024-01-05T10:00:00Z") + b"\n")
    run = lakehouse.dbt("build")
    assert run.returncode != 0
    assert "marketing_spend*.csv" in run.output


def test_an_event_lost_from_silver_in_an_earlier_run_fails_the_build(lakehouse: Lakehouse) -> None:
    """The per-batch check only sees the latest batch; the count identity sees all history."""
    raw = lakehouse.raw_root
    write_side_files(raw)
    (raw / "events_0001.ndjson").write_bytes(
        event("e1", "2024-01-05T10:00:00Z") + b"\n" + event("e2", "2024-01-05T11:00:00Z") + b"\n")
    lakehouse.build(vars_=RELAXED_GATES)
    (raw / "events_0002.ndjson").write_bytes(event("e3", "2024-01-06T10:00:00Z") + b"\n")
    lakehouse.build(vars_=RELAXED_GATES)

    # e1 came with the first batch: silver loses it behind the pipeline's back
    with duckdb.connect(str(lakehouse.db_path)) as con:
        con.execute("delete from silver.int_events_deduplicated where event_id = 'e1'")

    per_batch = lakehouse.dbt("test", "--select", "assert_every_valid_event_is_stored")
    assert per_batch.returncode == 0, per_batch.summary()  # the latest batch (e3) is intact
    # 3 valid lines - 2 stored events = 1 duplicate dropped, but none was counted
    history = lakehouse.dbt("test", "--select", "assert_duplicate_counts_add_up")
    assert history.returncode == 1
    assert "Got 1 result" in history.output
