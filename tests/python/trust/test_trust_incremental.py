"""Incremental runs end where one full refresh ends, and runs without new data change nothing.

The generated data (plus late versions of some events, see harness.batches.late_versions) is
split into K arrival-ordered files. With K > 1 the last file holds only later versions (exact
or conflicting) of events first seen in earlier files, and some refunds arrive a file before
their purchases (harness.batches.split_into_batches).
"""

from __future__ import annotations

import shutil

import pytest

from harness.compare import (
    COMPUTED_AT_COLUMNS,
    RUN_DEPENDENT_COLUMNS,
    Rows,
    assert_same_contents,
)
from harness.trust_states import BatchedStates, TrustEnv

pytestmark = pytest.mark.slow

LAYERS = ("bronze", "silver", "gold_candidate")


@pytest.mark.parametrize("k", [1, 3, 10])
def test_batch_by_batch_runs_end_where_one_full_refresh_ends(
    batched_states: BatchedStates, k: int
) -> None:
    state = batched_states(k)
    assert len(state.batches.files) == k
    assert_same_contents(state.incremental.contents(LAYERS), state.full_refresh.contents(LAYERS))
    # every line of every file is accounted for
    assert state.incremental.query(
        "select count(*), bool_and(is_balanced) from silver.int_event_files_reconciled"
    ) == [(k, True)]


@pytest.mark.parametrize("k", [3, 10])
def test_gold_does_not_depend_on_how_the_data_was_split(
    batched_states: BatchedStates, k: int
) -> None:
    # the K files keep the relative order of each event's versions, so the winners, and every
    # gold number, are those of the single file
    assert_same_contents(batched_states(k).incremental.contents(["gold_candidate"]),
                         batched_states(1).full_refresh.contents(["gold_candidate"]))


def test_a_batch_of_only_late_and_conflicting_versions_keeps_the_right_winners(
    batched_states: BatchedStates,
) -> None:
    state = batched_states(3)
    last = state.batches.files[-1]
    lh = state.incremental
    versions = lh.query(
        "select count(*), count(*) filter (where is_conflicting), count(*) filter (where is_winner)"
        " from silver.int_event_versions_audited where source_file = 'events_0003.ndjson'")
    total, conflicting, winners = versions[0]
    assert total == len(last)  # every line of the last batch is a valid version
    assert conflicting > 0 and 0 < winners < total  # some of them win, some lose
    # none of them is a new event: each has a version in an earlier file
    assert lh.scalar(
        "select count(*) from silver.int_event_versions_audited as late"
        " where late.source_file = 'events_0003.ndjson' and not exists ("
        "   select 1 from silver.int_event_versions_audited as earlier"
        "   where earlier.event_id = late.event_id and earlier.source_file < late.source_file)"
    ) == 0


def test_refunds_a_batch_before_their_purchase_are_orphans_only_until_it_arrives(
    batched_states: BatchedStates,
) -> None:
    state = batched_states(3)
    moved = state.batches.moved_refunds
    assert moved, "no refund was moved before its purchase"
    assert state.orphans_after_first_batch is not None
    assert moved <= state.orphans_after_first_batch
    listed = ", ".join(f"'{r}'" for r in sorted(moved))
    assert state.incremental.query(
        "select count(*), count(*) filter (where is_orphan_refund)"
        f" from silver.int_revenue_transactions_recognized where event_id in ({listed})"
    ) == [(len(moved), 0)]


def test_a_rerun_without_new_data_changes_no_table(
    batched_states: BatchedStates, trust_env: TrustEnv
) -> None:
    lh = batched_states(3).incremental.fork(trust_env.root / "rerun")
    schemas = ("bronze", "silver", "gold_candidate", "reference")
    # The spend file is a small full export, read again on every run (its bronze table is a
    # table, not an incremental model): its ingest stamps move, its lines do not.
    exports = {"bronze.stg_marketing__spend_rows"}

    def snapshot() -> tuple[dict[str, Rows], dict[str, Rows]]:
        # the ingest columns included: no event line was read again; only the stamps of rows
        # computed again from the same inputs move
        stamped = lh.contents(schemas, exclude=COMPUTED_AT_COLUMNS)
        unstamped = lh.contents(["bronze"], exclude=RUN_DEPENDENT_COLUMNS)
        return ({r: rows for r, rows in stamped.items() if r not in exports},
                {r: rows for r, rows in unstamped.items() if r in exports})

    before = snapshot()
    lh.build()
    after = snapshot()
    assert after[1].keys() == exports
    assert_same_contents(after[0], before[0])
    assert_same_contents(after[1], before[1])


def test_the_last_batch_delivered_again_under_another_name_changes_no_gold_number(
    batched_states: BatchedStates, trust_env: TrustEnv
) -> None:
    lh = batched_states(3).incremental.fork(trust_env.root / "resent_last")
    before = lh.contents(["gold_candidate"])
    shutil.copy2(lh.raw_root / "events_0003.ndjson", lh.raw_root / "events_0004.ndjson")
    lh.build()
    assert lh.scalar("select count(*) from bronze.stg_app__event_lines"
                     " where source_file = 'events_0004.ndjson'") > 0
    assert_same_contents(lh.contents(["gold_candidate"]), before)


def test_an_earlier_batch_delivered_again_under_another_name_changes_no_gold_number(
    batched_states: BatchedStates, trust_env: TrustEnv
) -> None:
    lh = batched_states(3).incremental.fork(trust_env.root / "resent_first")
    before = lh.contents(["gold_candidate"])
    shutil.copy2(lh.raw_root / "events_0001.ndjson", lh.raw_root / "events_0004.ndjson")
    lh.build()
    assert_same_contents(lh.contents(["gold_candidate"]), before)
