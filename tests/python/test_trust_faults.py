"""A dbt run killed (SIGKILL) in the middle of the silver models, then a normal run, ends where
an uninterrupted history ends; the killed run never leaves a batch counted as ingested but only
partly merged.

The state after the first of the three trust batches gets the second and third files, and its
build is killed when dbt starts a silver model, or sends the MERGE of int_events_deduplicated
(inside the model's transaction), after bronze (and, for the merge, int_events_parsed)
committed the new lines.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pytest

from harness.compare import assert_same_contents
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import BatchedStates, TrustEnv

LAYERS = ("bronze", "silver", "gold")
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


def name_of(event: dict[str, Any]) -> str:
    return str(event.get("info", {}).get("name", ""))


def node_of(event: dict[str, Any]) -> str:
    return str((event.get("data", {}).get("node_info") or {}).get("unique_id", ""))


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
