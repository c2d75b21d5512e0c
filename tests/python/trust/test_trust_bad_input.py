"""Bad input, one case per test: every line of a broken file ends in silver or in quarantine
with the reason DESIGN.md ("Quarantine") gives it, and its file still balances; bad
configuration (a missing file or directory) stops the run before any model with a message
that names the file and the fix.

The line-level cases are files of one raw directory built once (each file is numbered and
reconciled on its own; event ids never repeat across files); the expected verdicts are worked
out by hand from the lines below.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustEnv

pytestmark = pytest.mark.slow

SUBSCRIPTIONS = [
    {"subscription_id": "s1", "user_id": "u1", "plan_id": "basic", "price": 9.99,
     "currency": "USD", "start_date": "2024-01-01", "end_date": None, "status": "active",
     "created_at": "2024-01-01T00:00:00Z"},
]
# spend files whose columns are not `date,channel,spend` in that order
SPEND_FILES = {
    "marketing_spend_reordered.csv": "channel,spend,date\nGoogle,10.50,2024-01-02\n",
    "marketing_spend_extra.csv": "date,campaign,channel,spend,note\n"
                                 "2024-01-03,winter,Facebook,7.25,first\n"
                                 "2024-01-04,winter,Facebook,2.75,second\n",
}


def event(event_id: Any, event_type: Any = "login", ts: Any = "2024-01-05T10:00:00Z",
          **fields: Any) -> bytes:
    body = {"event_id": event_id, "user_id": "u1", "event_type": event_type, "timestamp": ts}
    return json.dumps({**body, **fields}).encode()


def lines(*items: bytes) -> bytes:
    return b"".join(item + b"\n" for item in items)


TRUNCATED = b'{"event_id": "tr2", "user_id": "u1", "event_type": "log'
CUT_IN_CHARACTER = b'{"event_id": "tc2", "user_id": "u1", "note": "caf\xc3'  # half of an é
NOT_UTF8 = b'{"event_id": "u2", "user_id": "u1", "note": "caf\xe9 \xff"}'
BIG_NOTE = "x" * (1 << 20)  # makes its line just over 1 MB
HUGE_NOTE = "x" * (3 << 20)  # over the reader's 2 MB line limit

EVENT_FILES: dict[str, bytes] = {
    "events_empty.ndjson": b"",
    "events_no_trailing_newline.ndjson": event("nl1") + b"\n" + event("nl2"),
    "events_truncated_last_line.ndjson": event("tr1") + b"\n" + TRUNCATED,
    "events_truncated_in_a_character.ndjson": event("tc1") + b"\n" + CUT_IN_CHARACTER,
    "events_crlf.ndjson": b"".join(x + b"\r\n" for x in (
        event("cr1"), event("cr2", "purchase", amount=5.5), event("cr3", "signup"))),
    "events_bom.ndjson": b"\xef\xbb\xbf" + lines(event("bom1"), event("bom2")),
    "events_invalid_utf8.ndjson": lines(event("u1"), NOT_UTF8, event("u3")),
    "events_long_line.ndjson": lines(event("big1"), event("big2", note=BIG_NOTE), event("big3")),
    "events_over_limit_line.ndjson": lines(
        event("huge1"), event("huge2", note=HUGE_NOTE), event("huge3")),
    "events_control_characters.ndjson": lines(
        event("cc1"),
        event("cc2").replace(b'"u1"', b'"u\x001"'),                      # NUL inside a string
        b"\x01" + event("cc3"),                                          # before the object
    ),
    # 0x1F is the reader's column delimiter (DESIGN.md, "Bronze")
    "events_unit_separator.ndjson": lines(event("us1"), event("us2") + b"\x1f{\"junk\": 1}"),
    "events_not_an_object.ndjson": lines(b"[1, 2]", b"42", b'"login"', b"null", b"true"),
    "events_wrong_types.ndjson": lines(
        event("wt1", 3),                                                # event_type a number
        event("wt2", ts=1704448800),                                    # timestamp epoch
        event("wt3", "purchase", amount="12.50", currency="USD"),       # amount a string
        event("wt4", "purchase", amount=10, currency="USD", tax="0.8"),  # tax a string
        event("wt5", "purchase", amount=10, currency=840),              # currency a number
        event("wt6", "refund", amount=True, refers_to_event_id="wt5"),  # amount a boolean
        event("wt7", schema_version="two"),                             # kept, not judged
    ),
    "events_wrong_id_types.ndjson": lines(
        event({"id": "wi1"}),                                           # event_id an object
        event(True),                                                    # event_id a boolean
        json.dumps({"event_id": "wi3", "user_id": ["u1"], "event_type": "login",
                    "timestamp": "2024-01-05T10:00:00Z"}).encode(),     # user_id an array
        json.dumps({"event_id": ["wi4"], "user_id": {"id": 1}, "event_type": 3,
                    "timestamp": 1704448800, "amount": "1", "currency": 840, "tax": "0",
                    "schema_version": "2"}).encode(),                   # every field wrong
    ),
    "events_bad_timestamps.ndjson": lines(
        event("ts1", ts="2024-01-05T10:00:00"),                         # T without a zone
        event("ts2", ts="2024-01-05"),                                  # a bare date
        event("ts3", ts="05/01/2024 10:00:00"),                         # day first
        event("ts4", ts="1704448800"),                                  # epoch as text
        event("ts5", ts="2024-02-30T10:00:00Z"),                        # no such day
        json.dumps({"event_id": "ts6", "user_id": "u1",
                    "event_type": "login"}).encode(),                   # no timestamp
        event("ts7", ts="2024-01-05T10:00:00.123456789+01:00"),         # valid: 9 digits
    ),
    "events_impossible_offsets.ndjson": lines(
        event("io1", ts="2024-01-05T10:00:00+99:99"),
        event("io2", ts="2024-01-05T10:00:00+05:75"),
    ),
    "events_unknown_type.ndjson": lines(
        event("ut1", "teleport"),
        json.dumps({"event_id": "ut2", "user_id": "u1",
                    "timestamp": "2024-01-05T10:00:00Z"}).encode(),     # no event_type
        event("ut3", " LOGIN "),                                        # trimmed, lower-cased
        event("ut4", ""),
    ),
    "events_repeated_keys.ndjson": lines(
        event("rk1")[:-1] + b', "foo": 1, "foo": 2}',                   # unknown key twice
        event("rk2", "purchase")[:-1] + b', "amount": 10, "amount": 1000}',  # known key twice
        event("rk3")[:-1] + b', "$x": 1, "": 2, "/y": 3}',               # keys that are paths
    ),
    "events_future_schema.ndjson": lines(
        event("fs1", schema_version=99, hologram={"depth": 3}),
        event("fs2", "purchase", schema_version=3, amount=20, currency="EUR", tax=4),
    ),
}


@pytest.fixture(scope="session")
def bad(trust_env: TrustEnv) -> TrustLakehouse:
    lh = trust_env.lakehouse("bad_input")
    (lh.raw_root / "subscriptions.json").write_text(json.dumps(SUBSCRIPTIONS))
    for name, text in SPEND_FILES.items():
        (lh.raw_root / name).write_text(text)
    for name, content in EVENT_FILES.items():
        (lh.raw_root / name).write_bytes(content)
    lh.build(data_tests=True)  # includes the accepted_values test on is_balanced
    return lh


def verdicts(lh: TrustLakehouse, source_file: str) -> list[tuple[int, str]]:
    """Each bronze line of the file: its quarantine reason, 'accepted' (the stored version of
    its event), 'dropped' (a duplicate), or 'lost' (none of these)."""
    return [(r[0], r[1]) for r in lh.query(
        "select b.line_number, coalesce(q.quarantine_reason,"
        "   case when v.is_winner then 'accepted' when v.event_id is not null then 'dropped'"
        "   else 'lost' end)"
        " from bronze.stg_app__event_lines as b"
        " left join silver.int_events_quarantined as q using (source_file, line_number)"
        " left join silver.int_event_versions_audited as v using (source_file, line_number)"
        f" where b.source_file = '{source_file}' order by 1")]


def reconciliation(lh: TrustLakehouse, source_file: str) -> tuple[Any, ...] | None:
    rows = lh.query(
        "select raw_lines, accepted_lines, quarantined_lines, duplicate_lines_dropped,"
        " is_balanced from silver.int_event_files_reconciled"
        f" where source_file = '{source_file}'")
    return rows[0] if rows else None


def stored(lh: TrustLakehouse, event_id: str, columns: str) -> tuple[Any, ...]:
    rows = lh.query(f"select {columns} from silver.int_events_deduplicated"
                    f" where event_id = '{event_id}'")
    assert len(rows) == 1, f"{event_id} is not in silver"
    return rows[0]


def test_every_file_balances(bad: TrustLakehouse) -> None:
    rows = bad.query("select source_file, is_balanced from silver.int_event_files_reconciled")
    assert {name for name, _ in rows} == set(EVENT_FILES) - {"events_empty.ndjson"}
    assert all(balanced for _, balanced in rows)


def test_empty_file_adds_no_line(bad: TrustLakehouse) -> None:
    assert verdicts(bad, "events_empty.ndjson") == []
    assert reconciliation(bad, "events_empty.ndjson") is None


def test_last_line_without_trailing_newline_is_read(bad: TrustLakehouse) -> None:
    name = "events_no_trailing_newline.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "accepted")]
    assert stored(bad, "nl2", "user_id, event_type, line_number") == ("u1", "login", 2)
    assert reconciliation(bad, name) == (2, 2, 0, 0, True)


def test_truncated_last_line_is_quarantined_as_written(bad: TrustLakehouse) -> None:
    name = "events_truncated_last_line.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "invalid_json")]
    assert bad.scalar("select raw_line from silver.int_events_quarantined"
                      f" where source_file = '{name}'") == TRUNCATED.decode()
    assert reconciliation(bad, name) == (2, 1, 1, 0, True)


def test_last_line_cut_inside_a_character_is_quarantined(bad: TrustLakehouse) -> None:
    name = "events_truncated_in_a_character.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "unreadable_line")]
    assert reconciliation(bad, name) == (2, 1, 1, 0, True)


def test_crlf_line_endings_are_not_part_of_the_line(bad: TrustLakehouse) -> None:
    name = "events_crlf.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "accepted"), (3, "accepted")]
    assert bad.scalar("select count(*) from bronze.stg_app__event_lines"
                      f" where source_file = '{name}' and raw_line like '%' || chr(13)") == 0
    assert stored(bad, "cr2", "event_type, amount") == ("purchase", Decimal("5.5"))
    assert stored(bad, "cr3", "event_type") == ("signup",)
    assert reconciliation(bad, name) == (3, 3, 0, 0, True)


def test_utf8_bom_does_not_spoil_the_first_line(bad: TrustLakehouse) -> None:
    name = "events_bom.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "accepted")]
    assert stored(bad, "bom1", "line_number") == (1,)
    assert reconciliation(bad, name) == (2, 2, 0, 0, True)


def test_invalid_utf8_line_is_quarantined_in_its_place(bad: TrustLakehouse) -> None:
    name = "events_invalid_utf8.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "unreadable_line"), (3, "accepted")]
    assert stored(bad, "u3", "line_number") == (3,)
    assert reconciliation(bad, name) == (3, 2, 1, 0, True)


def test_one_megabyte_line_is_read_whole(bad: TrustLakehouse) -> None:
    # 1 MB is under the reader's line limit (DESIGN.md, "Bronze"): a valid event like any other
    name = "events_long_line.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "accepted"), (3, "accepted")]
    extra = stored(bad, "big2", "extra_fields")[0]
    assert json.loads(extra) == {"note": BIG_NOTE}
    assert reconciliation(bad, name) == (3, 3, 0, 0, True)


def test_line_over_the_reader_limit_is_quarantined_in_its_place(bad: TrustLakehouse) -> None:
    name = "events_over_limit_line.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "unreadable_line"), (3, "accepted")]
    assert stored(bad, "huge3", "line_number") == (3,)
    assert reconciliation(bad, name) == (3, 2, 1, 0, True)


def test_control_characters_make_a_line_invalid_json(bad: TrustLakehouse) -> None:
    name = "events_control_characters.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "invalid_json"), (3, "invalid_json")]
    assert reconciliation(bad, name) == (3, 1, 2, 0, True)


def test_line_with_the_readers_delimiter_is_kept_whole(bad: TrustLakehouse) -> None:
    # a valid event followed by 0x1F and more text is one line, and that line is not JSON
    name = "events_unit_separator.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "invalid_json")]
    assert "junk" in bad.scalar("select raw_line from bronze.stg_app__event_lines"
                                f" where source_file = '{name}' and line_number = 2")
    assert reconciliation(bad, name) == (2, 1, 1, 0, True)


def test_json_that_is_not_an_object_is_quarantined(bad: TrustLakehouse) -> None:
    name = "events_not_an_object.ndjson"
    assert verdicts(bad, name) == [(n, "not_an_object") for n in range(1, 6)]
    assert reconciliation(bad, name) == (5, 0, 5, 0, True)


def test_wrong_type_in_each_field_gets_that_fields_reason(bad: TrustLakehouse) -> None:
    name = "events_wrong_types.ndjson"
    assert verdicts(bad, name) == [
        (1, "unknown_event_type"), (2, "invalid_timestamp"), (3, "invalid_amount"),
        (4, "invalid_tax"), (5, "unknown_currency"), (6, "invalid_amount"), (7, "accepted"),
    ]
    assert stored(bad, "wt7", "event_type") == ("login",)
    assert reconciliation(bad, name) == (7, 1, 6, 0, True)


def test_ids_that_are_not_strings_are_quarantined(bad: TrustLakehouse) -> None:
    name = "events_wrong_id_types.ndjson"
    assert verdicts(bad, name) == [
        (1, "missing_event_id"), (2, "missing_event_id"), (3, "missing_user_id"),
        (4, "missing_event_id"),
    ]
    assert reconciliation(bad, name) == (4, 0, 4, 0, True)


def test_timestamps_in_no_accepted_format_are_invalid(bad: TrustLakehouse) -> None:
    name = "events_bad_timestamps.ndjson"
    assert verdicts(bad, name) == [(n, "invalid_timestamp") for n in range(1, 7)] + [
        (7, "accepted")]
    assert str(stored(bad, "ts7", "event_ts")[0]) == "2024-01-05 09:00:00.123456+00:00"
    assert reconciliation(bad, name) == (7, 1, 6, 0, True)


def test_impossible_utc_offsets_are_invalid(bad: TrustLakehouse) -> None:
    name = "events_impossible_offsets.ndjson"
    assert verdicts(bad, name) == [(1, "invalid_timestamp"), (2, "invalid_timestamp")]
    assert reconciliation(bad, name) == (2, 0, 2, 0, True)


def test_unknown_event_type_is_quarantined(bad: TrustLakehouse) -> None:
    name = "events_unknown_type.ndjson"
    assert verdicts(bad, name) == [
        (1, "unknown_event_type"), (2, "unknown_event_type"), (3, "accepted"),
        (4, "unknown_event_type"),
    ]
    assert stored(bad, "ut3", "event_type") == ("login",)
    assert reconciliation(bad, name) == (4, 1, 3, 0, True)


def test_future_schema_version_is_kept_with_its_unknown_fields(bad: TrustLakehouse) -> None:
    name = "events_future_schema.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "accepted")]
    schema_version, extra = stored(bad, "fs1", "schema_version, extra_fields")
    assert (schema_version, json.loads(extra)) == (99, {"hologram": {"depth": 3}})
    assert stored(bad, "fs2", "schema_version, amount, currency, tax") == (
        3, Decimal("20"), "EUR", Decimal("4"))
    assert reconciliation(bad, name) == (2, 2, 0, 0, True)


def test_a_repeated_key_is_kept_or_quarantined_never_a_halt(bad: TrustLakehouse) -> None:
    """An unknown key sent twice is kept twice, as sent; a known one sent twice is ambiguous
    (which amount counts?) and quarantined; no key, however odd, stops the pipeline."""
    name = "events_repeated_keys.ndjson"
    assert verdicts(bad, name) == [(1, "accepted"), (2, "repeated_field"), (3, "accepted")]
    assert stored(bad, "rk1", "extra_fields") == ('{"foo":1,"foo":2}',)
    assert json.loads(stored(bad, "rk3", "extra_fields")[0]) == {"$x": 1, "": 2, "/y": 3}
    assert reconciliation(bad, name) == (3, 2, 1, 0, True)


def test_spend_files_with_reordered_or_extra_columns_are_read_by_name(
    bad: TrustLakehouse,
) -> None:
    assert bad.query(
        "select spend_date, channel, spend_usd from silver.int_marketing_spend_summed_daily"
        " order by 1"
    ) == [(date(2024, 1, 2), "Google", Decimal("10.50")),
          (date(2024, 1, 3), "Facebook", Decimal("7.25")),
          (date(2024, 1, 4), "Facebook", Decimal("2.75"))]
    assert bad.scalar("select count(*) from silver.int_marketing_spend_judged"
                      " where quarantine_reason is not null") == 0
    assert bad.query("select channel, spend_usd from gold_candidate.cac_by_channel"
                     " where channel in ('Google', 'Facebook', 'all') order by 1") == [
        ("Facebook", Decimal("10.00")), ("Google", Decimal("10.50")), ("all", Decimal("20.50"))]


def write_all_but(raw: Path, missing: str) -> None:
    files = {"events.ndjson": lines(event("e1")).decode(),
             "subscriptions.json": json.dumps(SUBSCRIPTIONS),
             "marketing_spend.csv": "date,channel,spend\n2024-01-02,Google,1.00\n"}
    for name, text in files.items():
        if name != missing:
            (raw / name).write_text(text)


@pytest.mark.parametrize(("missing", "glob"), [
    ("subscriptions.json", "subscriptions*.json"),
    ("marketing_spend.csv", "marketing_spend*.csv"),
    ("everything", "events*.ndjson"),  # an empty data directory
], ids=["no_subscriptions_file", "no_spend_file", "empty_data_directory"])
def test_missing_input_stops_the_run_naming_the_file_and_the_fix(
    missing: str, glob: str, trust_env: TrustEnv
) -> None:
    lh = trust_env.lakehouse(f"missing_{missing}")
    if missing != "everything":
        write_all_but(lh.raw_root, missing)
    run = lh.dbt("build", "--exclude", "resource_type:unit_test")
    assert run.returncode != 0
    assert f"No raw file matches '{lh.link}/raw/{glob}'" in run.output
    assert "raw_root" in run.output
    assert not lh.db_path.exists() or lh.query(
        "select table_name from duckdb_tables()"
        " where schema_name in ('bronze', 'silver', 'gold_candidate', 'gold')") == []
