"""Gold does not change when the same events are written differently: exact duplicate lines
added, non-conflicting lines shuffled, timestamps rewritten in another accepted format for the
same instant. Each variant of the trust data is built once and compared with the original's
full refresh."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from harness.batches import EventLine, write_events
from harness.compare import Rows, assert_same_contents
from harness.trust_states import BatchedStates, TrustData, TrustEnv

pytestmark = pytest.mark.slow

TIMESTAMP = re.compile(rb'"timestamp": "([^"]*)"')


def conflicting_ids(lines: Sequence[EventLine]) -> set[str]:
    """Events with versions of different text: their relative order decides the winner."""
    texts: dict[str, set[bytes]] = {}
    for line in lines:
        if line.event_id:
            texts.setdefault(line.event_id, set()).add(line.text)
    return {event_id for event_id, seen in texts.items() if len(seen) > 1}


def with_exact_duplicates(lines: Sequence[EventLine], rng: random.Random) -> list[bytes]:
    """Every 7th line once more: right after itself when its event has conflicting versions
    (so the versions keep their order), anywhere in the file otherwise."""
    conflicting = conflicting_ids(lines)
    keyed = [((i, 0), x.text) for i, x in enumerate(lines)]
    for i, x in enumerate(lines[::7]):
        place = i * 7 if x.event_id in conflicting else rng.randrange(len(lines))
        keyed.append(((place, 1), x.text))
    return [text for _, text in sorted(keyed, key=lambda pair: pair[0])]


def shuffled(lines: Sequence[EventLine], rng: random.Random) -> list[bytes]:
    """Lines of conflicting events stay in place; all the others trade places at random."""
    conflicting = conflicting_ids(lines)
    free = [i for i, x in enumerate(lines) if x.event_id not in conflicting]
    moved = [lines[i].text for i in free]
    rng.shuffle(moved)
    result = [x.text for x in lines]
    for i, text in zip(free, moved):
        result[i] = text
    return result


def _utc(text: str) -> datetime | None:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _formats(instant: datetime) -> list[str]:
    """The instant in each accepted format: Z, +00:00, +0000, naive (read as UTC), and local
    time with a +02:00 or -05:00 offset."""
    fraction = f".{instant.microsecond:06d}" if instant.microsecond else ""
    plus2 = instant.astimezone(timezone(timedelta(hours=2)))
    minus5 = instant.astimezone(timezone(timedelta(hours=-5)))
    return [
        instant.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z",
        instant.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "+00:00",
        instant.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "+0000",
        instant.strftime("%Y-%m-%d %H:%M:%S") + fraction,
        plus2.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "+02:00",
        minus5.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "-0500",
    ]


def with_rewritten_timestamps(lines: Sequence[EventLine], rng: random.Random) -> list[bytes]:
    """Each parseable timestamp in another accepted format than it had, same instant."""
    result: list[bytes] = []
    for i, x in enumerate(lines):
        found = TIMESTAMP.search(x.text)
        instant = _utc(found.group(1).decode()) if found else None
        if found is None or instant is None:
            result.append(x.text)
            continue
        old = found.group(1).decode()
        new = [f for f in _formats(instant) if f != old][i % 5]
        start, end = found.span(1)
        result.append(x.text[:start] + new.encode() + x.text[end:])
    return result


Variant = Callable[[Sequence[EventLine], random.Random], list[bytes]]
VARIANTS: dict[str, Variant] = {
    "exact_duplicates": with_exact_duplicates,
    "shuffled": shuffled,
    "rewritten_timestamps": with_rewritten_timestamps,
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_writing_the_same_events_differently_leaves_gold_unchanged(
    variant: str, trust_data: TrustData, trust_env: TrustEnv, batched_states: BatchedStates,
) -> None:
    original = [x.text for x in trust_data.lines]
    lines = VARIANTS[variant](trust_data.lines, random.Random(7))
    assert len(lines) >= len(original)
    assert sum(a != b for a, b in zip(lines, original)) > len(original) // 10  # not a no-op

    lh = trust_data.lakehouse(trust_env, f"variant_{variant}")
    write_events(lh.raw_root, [lines])
    lh.build()
    assert lh.scalar("select count(*) from bronze.stg_app__event_lines") == len(lines)
    reference: dict[str, Rows] = batched_states(1).full_refresh.contents(["gold_candidate"])
    assert_same_contents(lh.contents(["gold_candidate"]), reference)
