"""Publishing gold (doc block `gold_publication`): readers read `gold`, which changes only at the
end of a run whose error-level tests passed, all tables at once. A failing delivery leaves
published gold as it was and says what to do; a release publishes the held state; a dropped
file ends as if it had never arrived; a kill during the publication leaves the old published
state or the new one. Files are hand-made, so every figure below is worked out from them.

The base state: two events files (40 logins of users u0..u39 over 2024-01-01..08, then 4 more
events, whose 4 lines are the volume baseline of the next batch: a first load is none) and the
hand-made subscriptions and spend files. Each test forks it."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.compare import Rows, assert_same_contents
from harness.handmade import SUBSCRIPTIONS, write_side_files
from harness.kill_points import KillPoint, name_of
from harness.lakehouse import DbtRun
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustEnv

pytestmark = pytest.mark.slow

# the models' own schemas, and what a build publishes
MODEL_LAYERS = ("bronze", "silver", "gold_candidate")
GOLD_TABLES = 10


def login(event_id: str, user_id: str, ts: str, event_type: str = "login") -> str:
    return json.dumps({"event_id": event_id, "user_id": user_id, "event_type": event_type, "timestamp": ts})


def logins(first: int, count: int, day: str = "2024-01-09") -> list[str]:
    """Valid events e<first>.. of users u<first>.., one each, on `day`."""
    return [login(f"e{i}", f"u{i}", f"{day}T10:00:00Z") for i in range(first, first + count)]


def write_lines(raw: Path, name: str, lines: list[str]) -> None:
    (raw / name).write_text("\n".join(lines) + "\n")


def judged_build(lh: TrustLakehouse, *args: str) -> DbtRun:
    """`dbt build` with every data test and gate (no unit tests): a run that may publish."""
    return lh.dbt("build", "--exclude", "resource_type:unit_test", *args)


def published(lh: TrustLakehouse) -> dict[str, Rows]:
    return lh.contents(["gold"])


def as_published(candidate: dict[str, Rows]) -> dict[str, Rows]:
    """The candidate gold under the published tables' names."""
    return {name.replace("gold_candidate.", "gold.", 1): rows for name, rows in candidate.items()}


def verdicts(lh: TrustLakehouse) -> list[tuple[str, str]]:
    return [(str(c), str(v)) for c, v in lh.query(
        "select command, verdict from audit.gold_publications order by run_started_at")]


@pytest.fixture(scope="session")
def base(trust_env: TrustEnv) -> TrustLakehouse:
    lh = trust_env.lakehouse("publication_base")
    write_side_files(lh.raw_root)
    write_lines(lh.raw_root, "events_0001.ndjson",
                [login(f"e{i}", f"u{i}", f"2024-01-0{1 + i % 8}T10:00:00Z") for i in range(40)])
    judged_build(lh).assert_ok()
    write_lines(lh.raw_root, "events_0002.ndjson", logins(40, 4, day="2024-01-08"))
    judged_build(lh).assert_ok()
    assert verdicts(lh) == [("build", "published"), ("build", "published")]
    return lh


# Each bad batch, with its figure reasoned from the files (the base's last batch is 4 lines):
BAD_BATCHES: dict[str, tuple[Callable[[], list[str]], str]] = {
    # 18 valid lines and 2 that are not JSON: 2 / 20 quarantined
    "quarantine_rate": (lambda: logins(100, 18) + ["not json", "{oops"],
                        "gate batch_quarantine_rate = 0.1 is above its error level 0.05"),
    # the base's last file sent again: each of its 4 lines is a copy of a stored version
    "duplicate_rate": (lambda: logins(40, 4, day="2024-01-08"),
                       "gate batch_duplicate_rate = 1.0 is above its error level 0.2"),
    # the 4 events of the last file again, now page views a day later: new versions that win,
    # so none is a dropped duplicate, and each of the batch's 4 events has 2 contents
    "conflicting_duplicate_rate": (
        lambda: [login(f"e{i}", f"u{i}", "2024-01-09T10:00:00Z", "page_view") for i in range(40, 44)],
        "gate batch_conflicting_duplicate_rate = 1.0 is above its error level 0.1"),
    # 240 new lines after a batch of 4: 60 times the recent volume
    "batch_volume_deviation": (lambda: logins(200, 240),
                               "gate batch_volume_deviation = 60.0 is above its error level 50"),
}


@pytest.mark.parametrize("gate", sorted(BAD_BATCHES))
def test_a_delivery_failing_an_error_level_gate_leaves_published_gold_as_it_was(
    gate: str, base: TrustLakehouse, trust_env: TrustEnv
) -> None:
    lh = base.fork(trust_env.root / f"held_{gate}")
    before = published(lh)
    assert len(before) == GOLD_TABLES
    lines, figure = BAD_BATCHES[gate]
    write_lines(lh.raw_root, "events_0003.ndjson", lines())

    held = judged_build(lh)
    assert held.returncode != 0
    # one line: the gate with its figure and level, the run gold stays as of, what to do
    line = next(x for x in held.output.splitlines() if "gold held: " in x)
    as_of = lh.query("select run_started_at, invocation_id from audit.gold_publications"
                     " where verdict = 'published' order by run_started_at desc limit 1")[0]
    assert figure in line
    assert f"Gold stays as of run {as_of[0]:%Y-%m-%d %H:%M:%S} UTC (invocation {as_of[1]})" in line
    assert "This run read events_0003.ndjson." in line
    assert "`make publish`" in line and "`make forget FILE=events_0003.ndjson`" in line
    assert_same_contents(published(lh), before)
    # the candidate holds the batch (copies change no number), and the report says what
    # became of the run
    if gate != "duplicate_rate":
        assert as_published(lh.contents(["gold_candidate"])) != before
    assert lh.query("select publication_verdict from reports.rpt_data_quality_runs"
                    " order by run_started_at") == [("published",), ("published",), ("held",)]


def test_release_publishes_exactly_the_held_state(base: TrustLakehouse, trust_env: TrustEnv) -> None:
    lh = base.fork(trust_env.root / "released")
    write_lines(lh.raw_root, "events_0003.ndjson", BAD_BATCHES["quarantine_rate"][0]())
    assert judged_build(lh).returncode != 0
    held_state = lh.contents(["gold_candidate"])

    released = lh.dbt("run-operation", "publish")
    released.assert_ok()
    assert "gold released (10 tables" in released.output
    assert_same_contents(published(lh), as_published(held_state))
    # 18 new users on 2024-01-09: the released DAU shows them
    assert lh.query("select dau from gold.daily_active_users where date = '2024-01-09'") == [(18,)]
    assert verdicts(lh)[-2:] == [("build", "held"), ("run-operation publish", "released")]
    assert lh.query("select publication_verdict from reports.rpt_data_quality_runs"
                    " order by run_started_at desc limit 1") == [("released",)]
    # nothing held any more: a second release changes nothing and says so
    again = lh.dbt("run-operation", "publish")
    again.assert_ok()
    assert "publish: nothing is held" in again.output


def reference(trust_env: TrustEnv, name: str, raw_from: Path, leave_out: tuple[str, ...] = ()) -> TrustLakehouse:
    """One full build of a raw directory's files but those left out: the state to end in."""
    ref = trust_env.lakehouse(name)
    for path in sorted(raw_from.iterdir()):
        if path.name not in leave_out:
            shutil.copy2(path, ref.raw_root / path.name)
    judged_build(ref).assert_ok()
    return ref


def test_a_dropped_delivery_ends_as_if_it_had_never_arrived_and_a_corrected_one_is_read(
    base: TrustLakehouse, trust_env: TrustEnv
) -> None:
    lh = base.fork(trust_env.root / "dropped")
    before = published(lh)
    write_lines(lh.raw_root, "events_0003.ndjson", BAD_BATCHES["quarantine_rate"][0]())
    assert judged_build(lh).returncode != 0
    # a good delivery while held: built and judged (its own gates pass), not published
    write_lines(lh.raw_root, "events_0004.ndjson", logins(500, 4, day="2024-01-10"))
    still = judged_build(lh)
    assert still.returncode != 0
    assert "gold held since run" in still.output and "This run's own gates passed" in still.output
    assert lh.scalar("select count(*) from silver.int_events_deduplicated where event_id = 'e500'") == 1
    assert_same_contents(published(lh), before)

    dropped = lh.dbt("run-operation", "forget_file", "--args", "{file: events_0003.ndjson}")
    dropped.assert_ok()
    assert "forget_file: dropped events_0003.ndjson (20 lines)" in dropped.output
    assert lh.scalar("select count(*) from bronze.stg_app__event_lines where source_file = 'events_0003.ndjson'") == 0

    # the dropped file is still in raw_root: the next build leaves its bytes out, and publishes
    rebuilt = judged_build(lh)
    rebuilt.assert_ok()
    assert "not reading events_0003.ndjson, dropped by forget_file" in rebuilt.output
    assert "gold published: 10 tables" in rebuilt.output
    without = reference(trust_env, "dropped_reference", lh.raw_root, leave_out=("events_0003.ndjson",))
    assert_same_contents(lh.contents((*MODEL_LAYERS, "gold")), without.contents((*MODEL_LAYERS, "gold")))
    assert [v for _, v in verdicts(lh)][-4:] == ["held", "held", "dropped", "published"]
    assert lh.query("select publication_verdict from reports.rpt_data_quality_runs order by run_started_at") == [
        ("published",), ("published",), ("dropped",), ("dropped",), ("published",)]

    # a corrected file under the same name (its 2 bad lines gone) is read anew
    write_lines(lh.raw_root, "events_0003.ndjson", logins(100, 18))
    judged_build(lh).assert_ok()
    assert lh.scalar("select count(*) from bronze.stg_app__event_lines where source_file = 'events_0003.ndjson'") == 18
    corrected = reference(trust_env, "corrected_reference", lh.raw_root)
    assert_same_contents(lh.contents((*MODEL_LAYERS, "gold")), corrected.contents((*MODEL_LAYERS, "gold")))

    # `dbt run` judges nothing, so it publishes nothing; `dbt test` then judges and publishes
    write_lines(lh.raw_root, "events_0005.ndjson", logins(600, 4, day="2024-01-11"))
    ran = lh.dbt("run")
    ran.assert_ok()
    assert "gold not published: no quality gate ran in this `dbt run`" in ran.output
    assert lh.scalar("select max(date) from gold.daily_active_users") == corrected.scalar(
        "select max(date) from gold.daily_active_users")
    tested = lh.dbt("test", "--exclude", "resource_type:unit_test")
    tested.assert_ok()
    assert "gold published: 10 tables" in tested.output
    assert str(lh.scalar("select max(date) from gold.daily_active_users")) == "2024-01-11"


def test_a_dropped_subscriptions_export_ends_as_if_it_had_never_arrived(trust_env: TrustEnv) -> None:
    lh = trust_env.lakehouse("dropped_subscriptions")
    write_side_files(lh.raw_root)  # s1: u1 on basic from 2024-01-01
    write_lines(lh.raw_root, "events_0001.ndjson", logins(0, 3, day="2024-01-05"))
    # a second export upgrading u1 to a plan at 99 USD from 2024-01-03
    upgrade = {**SUBSCRIPTIONS[0], "subscription_id": "s2", "plan_id": "pro", "price": 99.0,
               "start_date": "2024-01-03", "created_at": "2024-01-03T00:00:00Z"}
    (lh.raw_root / "subscriptions_0002.json").write_text(json.dumps([upgrade]))
    judged_build(lh).assert_ok()
    assert lh.query("select mrr_usd from gold.mrr_daily where date = '2024-01-05'") == [(Decimal("99.00"),)]

    lh.dbt("run-operation", "forget_file", "--args", "{file: subscriptions_0002.json}").assert_ok()
    judged_build(lh).assert_ok()
    assert lh.query("select mrr_usd from gold.mrr_daily where date = '2024-01-05'") == [(Decimal("9.99"),)]
    without = reference(trust_env, "dropped_subscriptions_reference", lh.raw_root,
                        leave_out=("subscriptions_0002.json",))
    assert_same_contents(lh.contents((*MODEL_LAYERS, "gold")), without.contents((*MODEL_LAYERS, "gold")))


def test_forget_file_refuses_what_it_cannot_drop_in_one_line(base: TrustLakehouse, trust_env: TrustEnv) -> None:
    lh = base.fork(trust_env.root / "forget_refused")
    unknown = lh.dbt("run-operation", "forget_file", "--args", "{file: notes.txt}")
    assert unknown.returncode != 0
    assert "forget_file: no raw source reads a file named notes.txt" in unknown.output
    absent = lh.dbt("run-operation", "forget_file", "--args", "{file: events_0009.ndjson}")
    assert absent.returncode != 0
    assert "nothing to drop: no line of events_0009.ndjson is in bronze" in absent.output


def published_statement(count: int) -> KillPoint:
    """dbt sends the `count`-th copy of a candidate table to its published name."""
    seen = [0]

    def when(event: dict[str, Any]) -> bool:
        sql = str(event.get("data", {}).get("sql", "")).lower()
        if name_of(event) == "SQLQuery" and "create or replace table" in sql and '"gold".' in sql:
            seen[0] += 1
        return seen[0] >= count
    return when


def publication_logged(event: dict[str, Any]) -> bool:
    """publish_if_passed says gold was published: its transaction has committed."""
    return "gold published: 10 tables" in str(event.get("info", {}).get("msg", ""))


@pytest.mark.parametrize(("case", "when", "ends_as"), [
    ("amid_the_copies", published_statement(3), "old"),
    ("after_the_commit", publication_logged, "new"),
], ids=["amid_the_copies", "after_the_commit"])
def test_a_build_killed_during_publication_leaves_the_old_published_state_or_the_new(
    case: str, when: KillPoint, ends_as: str, base: TrustLakehouse, trust_env: TrustEnv
) -> None:
    lh = base.fork(trust_env.root / f"killed_publishing_{case}")
    before = published(lh)
    write_lines(lh.raw_root, "events_0003.ndjson", logins(300, 4))
    with lh.start_build(judged=True) as build:
        assert build.read_until(when), build.messages()[-3000:]
        assert build.kill()
        build.wait()
    candidate = as_published(lh.contents(["gold_candidate"]))
    assert candidate != before  # the build had built its new gold
    assert_same_contents(published(lh), before if ends_as == "old" else candidate)
    # the next build publishes, whatever the kill left
    judged_build(lh).assert_ok()
    assert_same_contents(published(lh), as_published(lh.contents(["gold_candidate"])))


def test_source_freshness_answers_from_the_files_times_and_warns_when_stale(
    base: TrustLakehouse, trust_env: TrustEnv
) -> None:
    lh = base.fork(trust_env.root / "freshness")
    fresh = lh.dbt("source freshness")
    fresh.assert_ok()
    assert fresh.output.count("PASS freshness of") == 3
    # the newest events file is two days old: events warn (their limit is 6 hours), the rest pass
    two_days_ago = time.time() - 2 * 86400
    for path in lh.raw_root.glob("events*.ndjson"):
        os.utime(path, (two_days_ago, two_days_ago))
    stale = lh.dbt("source freshness")
    assert stale.returncode == 0, stale.summary()
    assert "WARN freshness of app.events" in stale.output
    assert stale.output.count("PASS freshness of") == 2
    # the published gold is declared as the source `gold`, one table per gold model
    manifest = json.loads((lh.shared_target / "manifest.json").read_text())
    declared = {n["name"] for n in manifest["sources"].values() if n["source_name"] == "gold"}
    models = {n["name"] for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["config"]["meta"].get("publish_to") == "gold"}
    assert declared == models and len(models) == GOLD_TABLES
