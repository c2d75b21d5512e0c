"""A dbt run killed (SIGKILL) anywhere, then a normal run, ends where an uninterrupted history
ends; the killed run never leaves a batch counted as ingested but only partly merged.

The state after the first of the three trust batches gets the second and third files, and its
build is killed when dbt starts a silver model, or sends the MERGE of int_events_deduplicated
(inside the model's transaction), after bronze (and, for the merge, int_events_parsed)
committed the new lines; or later (harness.kill_points.LATER_KILL_POINTS): in bronze's settle,
as the touch log starts, inside a gold model's replace of its touched keys, and between the
last model's commit and the run audit's insert, where the gold models' watermark lives.
"""

from __future__ import annotations

import shutil

import pytest

from harness.compare import assert_same_contents
from harness.kill_points import (
    LATER_KILL_POINTS,
    NEW_FILES,
    KillPoint,
    assert_nothing_half_done,
    count_new,
    merge_statement_sent,
    model_starts,
)
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import BatchedStates, TrustEnv

pytestmark = pytest.mark.slow

LAYERS = ("bronze", "silver", "gold_candidate")


KILL_POINTS: dict[str, tuple[str, KillPoint]] = {  # case: (killed model, when)
    "parse_starts": ("int_events_parsed", model_starts("int_events_parsed")),
    "merge_model_starts": ("int_events_deduplicated", model_starts("int_events_deduplicated")),
    "merge_statement_runs": ("int_events_deduplicated",
                             merge_statement_sent("int_events_deduplicated")),
}


@pytest.mark.parametrize("case", KILL_POINTS)
def test_a_run_killed_in_a_silver_model_then_rerun_ends_like_an_uninterrupted_run(
    case: str, batched_states: BatchedStates, trust_env: TrustEnv
) -> None:
    model, kill_point = KILL_POINTS[case]
    state = batched_states(3)
    lh = state.after_first_batch.fork(trust_env.root / f"killed_{case}")
    for name in NEW_FILES:
        shutil.copy2(state.incremental.raw_root / name, lh.raw_root / name)

    killed, output = lh.build_killed_at(kill_point)
    assert killed, f"dbt was not killed in {model}:\n{output[-3000:]}"

    # The kill came after bronze committed the new lines and before the model committed.
    assert count_new(lh, "bronze.stg_app__event_lines") > 0
    upstream_of_merge = model == "int_events_deduplicated"
    assert (count_new(lh, "silver.int_events_parsed") > 0) == upstream_of_merge
    assert count_new(lh, "silver.int_events_deduplicated") == 0
    assert_nothing_half_done(lh)

    lh.build()
    assert_nothing_half_done(lh)
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))


def invocations(lh: TrustLakehouse) -> int:
    return int(lh.scalar("select count(distinct invocation_id) from audit.dbt_run_results"))


@pytest.mark.parametrize("case", LATER_KILL_POINTS)
def test_a_run_killed_after_the_silver_events_chain_then_rerun_ends_like_an_uninterrupted_run(
    case: str, batched_states: BatchedStates, trust_env: TrustEnv
) -> None:
    state = batched_states(3)
    lh = state.after_first_batch.fork(trust_env.root / f"killed_late_{case}")
    for name in NEW_FILES:
        shutil.copy2(state.incremental.raw_root / name, lh.raw_root / name)
    before = lh.contents(LAYERS)
    audited = invocations(lh)

    killed, output = lh.build_killed_at(LATER_KILL_POINTS[case])
    assert killed, f"dbt was not killed at {case}:\n{output[-3000:]}"
    # what the kill interrupted committed nothing of its own
    if case == "bronze_settle":  # bronze's insert and settle are one transaction
        assert count_new(lh, "bronze.stg_app__event_lines") == 0
    if case == "gold_replace":  # the delete and the insert of the recomputed days are one
        assert (lh.contents(["gold_candidate"])["gold_candidate.daily_active_users"]
                == before["gold_candidate.daily_active_users"])
    if case == "run_audit_insert":  # every model committed, the run is not in the audit
        assert count_new(lh, "silver.int_events_deduplicated") > 0
        assert invocations(lh) == audited
    assert_nothing_half_done(lh)

    lh.build()
    assert_nothing_half_done(lh)
    assert_same_contents(lh.contents(LAYERS), state.full_refresh.contents(LAYERS))
