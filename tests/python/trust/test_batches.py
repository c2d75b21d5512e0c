"""The trust suite's batch shaping (harness.batches) on hand-made lines: pure Python, no dbt.

Every expected file below is worked out by hand from the rules in split_into_batches'
docstring: with k > 1 the first versions are cut into k - 1 files of equal size (the
integer bounds len * i // (k - 1)), the last file holds the later versions in input order,
and a refund without later versions whose purchase is in file j > 1 moves to the end of
file j - 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.batches import EventLine, late_versions, split_into_batches, write_events

pytestmark = pytest.mark.slow


def line(**fields: object) -> EventLine:
    return EventLine.parse(json.dumps(fields).encode())


def texts(*lines: EventLine) -> list[bytes]:
    return [x.text for x in lines]


def test_parse_reads_the_fields_of_an_object_and_nothing_of_other_lines() -> None:
    refund = EventLine.parse(b'{"event_id": "r1", "event_type": "refund", "refers_to_event_id": "p1"}')
    assert (refund.event_id, refund.event_type, refund.refers_to) == ("r1", "refund", "p1")
    assert EventLine.parse(b"not json") == EventLine(b"not json")
    assert EventLine.parse(b"[1, 2]") == EventLine(b"[1, 2]")
    assert EventLine.parse(b'{"event_id": "e1"') == EventLine(b'{"event_id": "e1"')  # truncated


def test_seven_lines_in_three_files() -> None:
    l1 = line(event_id="e1", event_type="login")
    l2 = line(event_id="p1", event_type="purchase")
    l3 = line(event_id="e2", event_type="login")
    l4 = line(event_id="e1", event_type="login")  # an exact copy of l1: a later version
    l5 = line(event_id="p2", event_type="purchase")
    l6 = line(event_id="r1", event_type="refund", refers_to_event_id="p2")
    l7 = EventLine.parse(b"not json")
    batches = split_into_batches([l1, l2, l3, l4, l5, l6, l7], 3)
    # first versions l1 l2 l3 | l5 l6 l7 (bounds 0, 3, 6); r1's purchase p2 is in file 2, so
    # r1 moves to the end of file 1; the copy of e1 is the whole last file
    assert batches.files == [texts(l1, l2, l3, l6), texts(l5, l7), texts(l4)]
    assert batches.moved_refunds == {"r1"}


def test_one_file_is_the_input_unchanged() -> None:
    lines = [line(event_id="p1", event_type="purchase"),
             line(event_id="r1", event_type="refund", refers_to_event_id="p1"),
             line(event_id="p1", event_type="purchase")]
    batches = split_into_batches(lines, 1)
    assert batches.files == [texts(*lines)]
    assert batches.moved_refunds == frozenset()


def test_versions_keep_their_relative_order() -> None:
    a1 = line(event_id="a", event_type="purchase", amount=1)
    b1 = line(event_id="b", event_type="login")
    a2 = line(event_id="a", event_type="purchase", amount=2)
    c1 = line(event_id="c", event_type="login")
    a3 = line(event_id="a", event_type="purchase", amount=3)
    b2 = line(event_id="b", event_type="login", page="/")
    batches = split_into_batches([a1, b1, a2, c1, a3, b2], 3)
    # first versions a1 | b1 c1 (bounds 0, 1, 3); later versions a2 a3 b2, in input order
    assert batches.files == [texts(a1), texts(b1, c1), texts(a2, a3, b2)]
    assert batches.moved_refunds == frozenset()


def test_refunds_that_stay_where_they_are() -> None:
    p1 = line(event_id="p1", event_type="purchase")
    orphan = line(event_id="r0", event_type="refund", refers_to_event_id="nowhere")
    p2 = line(event_id="p2", event_type="purchase")
    r2 = line(event_id="r2", event_type="refund", refers_to_event_id="p2", amount=5)
    r2_again = line(event_id="r2", event_type="refund", refers_to_event_id="p2", amount=6)
    batches = split_into_batches([p1, orphan, p2, r2, r2_again], 3)
    # p1 r0 | p2 r2 | r2 again: r0's purchase is nowhere, and r2 has a later version (moving
    # it would change the order of its versions), so neither moves
    assert batches.files == [texts(p1, orphan), texts(p2, r2), texts(r2_again)]
    assert batches.moved_refunds == frozenset()


def test_refunds_move_to_the_file_before_their_purchase_from_earlier_or_the_same_file() -> None:
    r_a = line(event_id="rA", event_type="refund", refers_to_event_id="pC")
    x2 = line(event_id="x2", event_type="login")
    x3 = line(event_id="x3", event_type="login")
    p_d = line(event_id="pD", event_type="purchase")
    p_c = line(event_id="pC", event_type="purchase")
    r_b = line(event_id="rB", event_type="refund", refers_to_event_id="pC")
    batches = split_into_batches([r_a, x2, x3, p_d, p_c, r_b], 4)
    # first versions rA x2 | x3 pD | pC rB (bounds 0, 2, 4, 6); pC is in file 3, so both of
    # its refunds go to the end of file 2, in input order: rA from file 1, rB from file 3;
    # no later versions, so the last file is empty
    assert batches.files == [texts(x2), texts(x3, p_d, r_a, r_b), texts(p_c), []]
    assert batches.moved_refunds == {"rA", "rB"}


def test_late_versions_of_visits_and_purchases() -> None:
    lines = [
        line(event_id="l1", user_id="u1", event_type="login", timestamp="2024-01-05T10:00:00Z"),
        line(event_id="v1", user_id="u1", event_type="page_view", timestamp="2024-01-05 10:00:00"),
        line(event_id="l2", user_id=None, event_type="login", timestamp="2024-01-05T10:00:00Z"),
        line(event_id="l3", user_id="u1", event_type="login", timestamp="2099-01-01T00:00:00Z"),
        line(event_id="l4", user_id="u1", event_type="login", timestamp="2024-01-05T10:00:00Z"),
        line(event_id="l4", user_id="u1", event_type="login", timestamp="2024-01-05T10:00:00Z"),
        line(event_id="p0", user_id="u1", event_type="purchase", timestamp="2024-01-05T10:00:00Z",
             amount=-5.0),
        line(event_id="p1", user_id="u2", event_type="purchase", timestamp="2024-01-05T00:30:00Z",
             amount=10.5),
        EventLine.parse(b"not json"),
    ]
    # l1 is the only visit with a user, a Z timestamp before 2090 and one version: an hour
    # later; p1 the only positive purchase: a day earlier at twice the amount
    assert texts(*late_versions(lines)) == [
        b'{"event_id": "l1", "user_id": "u1", "event_type": "login",'
        b' "timestamp": "2024-01-05T11:00:00.000000Z"}',
        b'{"event_id": "p1", "user_id": "u2", "event_type": "purchase",'
        b' "timestamp": "2024-01-04T00:30:00.000000Z", "amount": 21.0}',
    ]


def test_late_versions_take_ten_visits_and_fifteen_purchases() -> None:
    visits = [line(event_id=f"l{i}", user_id="u1", event_type="login", timestamp="2024-01-05T10:00:00Z")
              for i in range(12)]
    purchases = [line(event_id=f"p{i}", user_id="u1", event_type="purchase",
                      timestamp="2024-01-05T10:00:00Z", amount=float(i + 1)) for i in range(16)]
    late = late_versions(visits + purchases)
    assert [x.event_id for x in late] == [f"l{i}" for i in range(10)] + [f"p{i}" for i in range(15)]
    bodies = [json.loads(x.text) for x in late]
    assert {b["timestamp"] for b in bodies[:10]} == {"2024-01-05T11:00:00.000000Z"}
    # purchases 1 to 10: a day earlier, twice the amount; 11 to 15: same instant, 1.00 more
    assert [(b["timestamp"], b["amount"]) for b in bodies[10:12]] == [
        ("2024-01-04T10:00:00.000000Z", 2.0), ("2024-01-04T10:00:00.000000Z", 4.0)]
    assert [(b["timestamp"], b["amount"]) for b in bodies[20:]] == [
        ("2024-01-05T10:00:00Z", 12.0), ("2024-01-05T10:00:00Z", 13.0), ("2024-01-05T10:00:00Z", 14.0),
        ("2024-01-05T10:00:00Z", 15.0), ("2024-01-05T10:00:00Z", 16.0)]


def test_write_events_numbers_the_files_from_first(tmp_path: Path) -> None:
    written = write_events(tmp_path, [[b"a", b"b"], []], first=3)
    assert written == [tmp_path / "events_0003.ndjson", tmp_path / "events_0004.ndjson"]
    assert (tmp_path / "events_0003.ndjson").read_bytes() == b"a\nb\n"
    assert (tmp_path / "events_0004.ndjson").read_bytes() == b""
