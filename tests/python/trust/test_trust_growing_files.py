"""A file read while its producer is still writing it: incremental runs over its growing
prefixes, cut at any kind of byte, end where one full refresh of the finished file ends.

Bronze reads a grown file again from its last stored line, which replaces its earlier reading
(DESIGN.md, "Bronze"): a line stored half-written is completed, and a line the producer
continued without a newline becomes what it now is, its earlier event decided again.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.compare import assert_same_contents
from harness.handmade import SPEND, SUBSCRIPTIONS
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustEnv

pytestmark = pytest.mark.slow

LAYERS = ("bronze", "silver", "gold_candidate")


def line(event_id: str, event_type: str = "login", **fields: Any) -> bytes:
    body = {"event_id": event_id, "user_id": "u1", "event_type": event_type,
            "timestamp": "2024-01-05T10:00:00Z", **fields}
    return json.dumps(body, ensure_ascii=False).encode()


L1 = line("a1")
L2 = line("p1", "purchase", amount=10.5, currency="USD")
L3 = line("b1", note="café")  # a two-byte character to cut inside
L4 = line("c1", "signup", acquisition_channel="Google")
FINISHED = L1 + b"\n" + L2 + b"\n" + L3 + b"\n" + L4 + b"\n"

INSIDE_L2 = len(L1) + 1 + 20  # in the middle of a JSON token
END_OF_L2 = len(L1) + 1 + len(L2)  # L2 complete, its newline not written yet
INSIDE_E_ACUTE = FINISHED.index("é".encode()) + 1  # between the two bytes of é
AFTER_L1 = len(L1) + 1  # a whole line: the simple append

CUTS = {
    "inside_a_token": [INSIDE_L2],
    "before_the_newline": [END_OF_L2],
    "inside_a_character": [INSIDE_E_ACUTE],
    "after_a_newline": [AFTER_L1],
    "three_writes": [INSIDE_L2, INSIDE_E_ACUTE],
    "nothing_yet": [0],
}


def new_state(env: TrustEnv, name: str) -> TrustLakehouse:
    lh = env.lakehouse(name)
    (lh.raw_root / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    (lh.raw_root / "marketing_spend.csv").write_text(SPEND)
    return lh


def written(lh: TrustLakehouse, content: bytes) -> Path:
    path = lh.raw_root / "events_0001.ndjson"
    path.write_bytes(content)
    return path


@pytest.fixture(scope="session")
def finished(trust_env: TrustEnv) -> TrustLakehouse:
    """The finished file, read once by a full refresh."""
    lh = new_state(trust_env, "growing_finished")
    written(lh, FINISHED)
    lh.build("--full-refresh")
    return lh


@pytest.mark.parametrize("case", CUTS)
def test_a_file_read_while_written_ends_like_the_finished_file_read_once(
    case: str, finished: TrustLakehouse, trust_env: TrustEnv
) -> None:
    lh = new_state(trust_env, f"growing_{case}")
    for cut in CUTS[case]:
        written(lh, FINISHED[:cut])
        lh.build_events_only()
    written(lh, FINISHED)
    lh.build()
    assert_same_contents(lh.contents(LAYERS), finished.contents(LAYERS))
    assert lh.query("select line_number, event_id from silver.int_events_parsed order by 1") == [
        (1, "a1"), (2, "p1"), (3, "b1"), (4, "c1")]


def test_a_half_written_line_is_stored_as_written_until_the_file_grows(
    trust_env: TrustEnv,
) -> None:
    lh = new_state(trust_env, "growing_half_written")
    written(lh, FINISHED[:INSIDE_L2])
    lh.build_events_only()
    # until then it is what it is: an invalid line, its text kept
    quarantined = ("select line_number, quarantine_reason, raw_line from silver.int_events_parsed"
                   " where quarantine_reason is not null")
    assert lh.query(quarantined) == [(2, "invalid_json", FINISHED[len(L1) + 1:INSIDE_L2].decode())]
    written(lh, FINISHED[:END_OF_L2 + 1])
    lh.build_events_only()
    assert lh.query(quarantined) == []
    assert lh.query("select line_number, reread_from_line from bronze.stg_app__event_lines"
                    " order by 1") == [(1, None), (2, 2)]
    assert lh.query("select event_id, amount from silver.int_events_deduplicated"
                    " order by 1") == [("a1", None), ("p1", 10.5)]


def test_an_event_continued_without_a_newline_is_decided_again(trust_env: TrustEnv) -> None:
    """The last line was a valid event when read; the producer then wrote the next event on the
    same line. The line is now invalid: its earlier event leaves silver and gold, as a full
    refresh of the file would have it, and the line is quarantined with its whole text."""
    continued = L1 + b"\n" + L2 + L4 + b"\n"
    reference = new_state(trust_env, "continued_full")
    written(reference, continued)
    reference.build("--full-refresh")

    lh = new_state(trust_env, "continued_incremental")
    written(lh, L1 + b"\n" + L2)
    lh.build()
    assert lh.query("select event_id from silver.int_events_deduplicated order by 1") == [
        ("a1",), ("p1",)]
    assert lh.scalar("select sum(gross_revenue_usd) from gold_candidate.daily_revenue_gross") == 10.5

    written(lh, continued)
    lh.build()
    assert lh.query("select event_id from silver.int_events_deduplicated") == [("a1",)]
    assert lh.query("select line_number, quarantine_reason, raw_line"
                    " from silver.int_events_quarantined") == [
        (2, "invalid_json", (L2 + L4).decode())]
    assert lh.scalar("select sum(gross_revenue_usd) from gold_candidate.daily_revenue_gross") == 0
    assert lh.query("select raw_lines, accepted_lines, quarantined_lines, is_balanced"
                    " from silver.int_event_files_reconciled") == [(2, 1, 1, True)]
    assert_same_contents(lh.contents(LAYERS), reference.contents(LAYERS))


def test_a_losing_version_continued_gives_its_event_back_its_earlier_winner(
    trust_env: TrustEnv,
) -> None:
    """p1 arrives in file 1; a correction with a later timestamp arrives last in file 2 and
    wins. File 2's producer then continues that line: the correction is gone, p1 is again the
    version of file 1, as a full refresh of both files has it."""
    correction = line("p1", "purchase", amount=99.0, currency="USD",
                      timestamp="2024-01-05T11:00:00Z")
    first = L1 + b"\n" + L2 + b"\n"
    second_before = L3 + b"\n" + correction
    second_after = L3 + b"\n" + correction + b" trailing words\n"

    reference = new_state(trust_env, "rewon_full")
    written(reference, first)
    (reference.raw_root / "events_0002.ndjson").write_bytes(second_after)
    reference.build("--full-refresh")

    lh = new_state(trust_env, "rewon_incremental")
    written(lh, first)
    (lh.raw_root / "events_0002.ndjson").write_bytes(second_before)
    lh.build()
    assert lh.query("select source_file, amount from silver.int_events_deduplicated"
                    " where event_id = 'p1'") == [("events_0002.ndjson", 99.0)]

    (lh.raw_root / "events_0002.ndjson").write_bytes(second_after)
    lh.build()
    assert lh.query("select source_file, line_number, amount from silver.int_events_deduplicated"
                    " where event_id = 'p1'") == [("events_0001.ndjson", 2, 10.5)]
    assert lh.query("select event_id, valid_lines from silver.int_event_duplicates_counted") == []
    assert_same_contents(lh.contents(LAYERS), reference.contents(LAYERS))


def test_a_file_that_shrank_is_named_with_both_sizes_and_bronze_keeps_what_it_read(
    trust_env: TrustEnv,
) -> None:
    """A delivered file cut shorter (truncated, rotated) is not read again: bronze keeps the
    lines it read, where a full refresh would read only what is left (DESIGN.md, "Bronze").
    The run says so, naming the file and both sizes."""
    lh = new_state(trust_env, "shrunk")
    path = written(lh, FINISHED)
    lh.build_events_only()
    stored = "select line_number, raw_line from bronze.stg_app__event_lines order by 1"
    before = lh.query(stored)
    assert len(before) == 4

    written(lh, FINISHED[:AFTER_L1])  # only the first line is left
    run = lh.build_events_only()
    lost = len(FINISHED) - AFTER_L1
    expected = (f"events file {path.name} shrank since bronze read it: {len(FINISHED)} bytes read,"
                f" {AFTER_L1} on disk ({lost} fewer); bronze keeps the 4 lines it read")
    assert expected in run.output
    assert run.output.count(f"events file {path.name} shrank") == 1
    assert lh.query(stored) == before


def test_a_file_changed_in_place_stops_the_run_and_once_dropped_is_read_anew(trust_env: TrustEnv) -> None:
    """A delivered file rewritten in place (a vendor re-sends a corrected export under the same
    name and size) is not read again silently: bronze recorded a fingerprint of the bytes it
    read, and the next run stops before any model, naming the file and the way on. A new
    modification time alone (the same bytes) is no change. Dropped, the file is read anew as it
    now is, and the state ends where one full refresh of the files ends (DESIGN.md, "Bronze")."""
    lh = new_state(trust_env, "changed_in_place")
    path = written(lh, FINISHED)
    lh.build_events_only()
    written(lh, FINISHED)  # written again, the same bytes: a new modification time only
    lh.build_events_only()

    corrected = FINISHED.replace(b'"amount": 10.5', b'"amount": 12.5')  # the same size
    assert len(corrected) == len(FINISHED) and corrected != FINISHED
    written(lh, corrected)
    stopped = lh.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    assert stopped.returncode != 0
    assert (f"{path.name} changed in place since bronze read it (the bytes read then are not the"
            f" file's first bytes now)") in stopped.output
    assert f"make forget FILE={path.name}" in stopped.output
    # nothing was built: bronze still holds what it read
    assert lh.scalar("select count(*) from bronze.stg_app__event_lines where raw_line like '%12.5%'") == 0

    lh.dbt("run-operation", "forget_file", "--args", f"{{file: {path.name}}}").assert_ok()
    lh.build()
    reference = new_state(trust_env, "changed_in_place_reference")
    written(reference, corrected)
    reference.build("--full-refresh")
    assert_same_contents(lh.contents(LAYERS), reference.contents(LAYERS))
    assert lh.scalar("select sum(gross_revenue_usd) from gold_candidate.daily_revenue_gross") == Decimal("12.50")


def test_a_grown_file_whose_read_part_changed_stops_the_run(trust_env: TrustEnv) -> None:
    """Growing is appending: a file that grew and whose part bronze read no longer starts with
    those bytes was rewritten, and reading only its new lines would keep the old ones."""
    lh = new_state(trust_env, "rewritten_and_grown")
    path = written(lh, FINISHED[:AFTER_L1])
    lh.build_events_only()
    written(lh, FINISHED.replace(b'"a1"', b'"a9"'))  # grew, and its first line changed
    stopped = lh.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    assert stopped.returncode != 0
    assert f"{path.name} changed in place since bronze read it" in stopped.output
