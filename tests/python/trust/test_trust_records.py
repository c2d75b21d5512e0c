"""Subscriptions and spend records, whatever their files hold: every record reaches silver or
quarantine with its text, file and position, each judged on its own text, and a broken file
is reported without stopping the rest of the build. Expected verdicts are worked out by hand
from the records below (doc blocks `subscription_quarantine_reasons`,
`spend_quarantine_reasons`)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from harness.lakehouse import Lakehouse
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustEnv

pytestmark = pytest.mark.slow


def subscription(sid: str, **fields: Any) -> dict[str, Any]:
    return {"subscription_id": sid, "user_id": f"u_{sid}", "plan_id": "basic", "price": 10.0,
            "currency": "USD", "start_date": "2024-01-01", "end_date": None, "status": "active",
            "created_at": "2024-01-01T00:00:00Z", **fields}


# Over 20,000 records (DuckDB's JSON sample): the last ones would have been cast by types
# guessed from the first ones.
BULK = 21_000
LATE_ONES = [
    subscription("late_end", end_date="2024-01-15"),            # valid, ends in January
    subscription("late_string_price", price="19.99"),            # a price must be a number
    subscription("late_bad_created", created_at="yesterday"),    # invalid_created_at
]
EXPORT = [subscription(f"s{i:05d}") for i in range(BULK)] + LATE_ONES
ODD_EXPORT = "[\n" + ",\n".join([
    json.dumps(subscription("typo_year", start_date="2204-01-01")),
    json.dumps(subscription("far_past", start_date="1850-01-01")),
    "null",
    "42",
    json.dumps(subscription("fine")),
]) + "\n]\n"
SPEND = {
    "marketing_spend.csv": "date,channel,spend\n2024-01-01,Google,10.00\n",
    # no header: its first row would be taken for one, and the rest read wrong
    "marketing_spend_0002.csv": "2024-01-02,Google,5.00\n2024-01-03,Facebook,7.00\n",
    # one ragged row among valid ones; a quoted field may hold a comma
    "marketing_spend_0003.csv": 'date,channel,spend\n2024-01-04,TikTok,3.00\n'
                                '2024-01-05,TikTok\n"2024-01-06","Tik Tok",4.00\n',
    # a typo that would stretch every calendar to 2204
    "marketing_spend_0004.csv": "date,channel,spend\n2204-01-07,Google,1.00\n",
}


@pytest.fixture(scope="session")
def records(trust_env: TrustEnv) -> TrustLakehouse:
    lh = trust_env.lakehouse("records")
    raw = lh.raw_root
    (raw / "events.ndjson").write_text(json.dumps(
        {"event_id": "e1", "user_id": "u1", "event_type": "login",
         "timestamp": "2024-01-05T10:00:00Z"}) + "\n")
    (raw / "subscriptions.json").write_text(json.dumps(EXPORT))
    (raw / "subscriptions_odd.json").write_text(ODD_EXPORT)
    (raw / "subscriptions_object.json").write_text('{"subscription_id": "x"}')
    (raw / "subscriptions_truncated.json").write_text('[{"subscription_id": "x", "user')
    (raw / "subscriptions_latin1.json").write_bytes(b'[{"plan_id": "caf\xe9"}]')
    for name, text in SPEND.items():
        (raw / name).write_text(text)
    lh.build(data_tests=True)  # the reconciliation tests fail the build if a record is lost
    return lh


def verdicts(lh: TrustLakehouse, model: str, position: str, source_file: str) -> list[Any]:
    return lh.query(f"select {position}, coalesce(quarantine_reason, 'valid') from silver.{model}"
                    f" where source_file = '{source_file}' order by {position} nulls first")


def test_every_record_of_a_large_export_is_judged_on_its_own_text(records: TrustLakehouse) -> None:
    late = {sid: reason for sid, reason in records.query(
        "select subscription_id, quarantine_reason from silver.int_subscriptions_judged"
        " where subscription_id like 'late_%'")}
    assert late == {"late_end": None, "late_string_price": "invalid_price",
                    "late_bad_created": "invalid_created_at"}
    assert records.query("select end_date from silver.int_subscriptions_deduplicated"
                         " where subscription_id = 'late_end'") == [(date(2024, 1, 15),)]
    assert records.query(
        "select count(*) from silver.int_subscriptions_judged where source_file = 'subscriptions.json'"
        " and quarantine_reason is null") == [(BULK + 1,)]


def test_odd_elements_and_impossible_start_dates_are_quarantined(records: TrustLakehouse) -> None:
    assert verdicts(records, "int_subscriptions_judged", "record_index", "subscriptions_odd.json") == [
        (1, "start_date_out_of_range"), (2, "start_date_out_of_range"), (3, "not_an_object"),
        (4, "not_an_object"), (5, "valid")]
    # the typo moves no calendar: the as-of day is the latest sane date (the spend of Jan 6)
    assert records.query("select first_date, as_of_date from silver.util_calendar_bounds") == [
        (date(2024, 1, 1), date(2024, 1, 6))]


def test_a_file_that_is_no_json_array_is_one_quarantined_row_and_the_rest_builds(
    records: TrustLakehouse,
) -> None:
    broken = records.query(
        "select source_file, record_index, quarantine_reason, raw_record"
        " from silver.int_subscriptions_judged where record_index is null order by 1")
    assert [(f, i, r) for f, i, r, _ in broken] == [
        ("subscriptions_latin1.json", None, "unreadable_file"),
        ("subscriptions_object.json", None, "not_an_array"),
        ("subscriptions_truncated.json", None, "invalid_json_file")]
    texts = {f: text for f, _, _, text in broken}
    assert texts["subscriptions_truncated.json"] == '[{"subscription_id": "x", "user'
    assert "caf" in texts["subscriptions_latin1.json"]
    assert records.scalar("select count(*) from gold_candidate.mrr_daily") == 6  # gold built all the same


def test_every_subscription_record_is_accounted_for(records: TrustLakehouse) -> None:
    assert records.query(
        "select source_file, raw_records, accepted_records, quarantined_records,"
        " duplicate_records_dropped, is_balanced from silver.int_subscription_files_reconciled"
        " order by 1") == [
        ("subscriptions.json", BULK + 3, BULK + 1, 2, 0, True),
        ("subscriptions_latin1.json", 1, 0, 1, 0, True),
        ("subscriptions_object.json", 1, 0, 1, 0, True),
        ("subscriptions_odd.json", 5, 1, 4, 0, True),
        ("subscriptions_truncated.json", 1, 0, 1, 0, True)]


def test_a_spend_file_without_header_is_reported_as_such(records: TrustLakehouse) -> None:
    assert verdicts(records, "int_marketing_spend_judged", "line_number",
                    "marketing_spend_0002.csv") == [(1, "missing_header"), (2, "missing_header")]
    assert records.query("select raw_line from silver.int_marketing_spend_judged"
                         " where source_file = 'marketing_spend_0002.csv' order by line_number") == [
        ("2024-01-02,Google,5.00",), ("2024-01-03,Facebook,7.00",)]


def test_a_ragged_spend_row_is_quarantined_alone(records: TrustLakehouse) -> None:
    assert verdicts(records, "int_marketing_spend_judged", "line_number",
                    "marketing_spend_0003.csv") == [(2, "valid"), (3, "wrong_field_count"), (4, "valid")]
    assert records.query("select raw_line from silver.int_marketing_spend_judged"
                         " where quarantine_reason = 'wrong_field_count'") == [("2024-01-05,TikTok",)]
    # the quoted row is read by its fields: 'Tik Tok' is an alias of TikTok
    assert records.query("select spend_date, channel, spend_usd from silver.int_marketing_spend_summed_daily"
                         " where channel = 'TikTok' order by 1") == [
        (date(2024, 1, 4), "TikTok", Decimal("3.0000")), (date(2024, 1, 6), "TikTok", Decimal("4.0000"))]


def test_a_spend_day_in_another_century_is_quarantined(records: TrustLakehouse) -> None:
    assert verdicts(records, "int_marketing_spend_judged", "line_number",
                    "marketing_spend_0004.csv") == [(2, "date_out_of_range")]


def test_every_spend_line_is_accounted_for(records: TrustLakehouse) -> None:
    assert records.query(
        "select source_file, raw_lines, header_lines, accepted_lines, quarantined_lines,"
        " duplicate_lines_dropped, is_balanced from silver.int_marketing_spend_files_reconciled"
        " order by 1") == [
        ("marketing_spend.csv", 2, 1, 1, 0, 0, True),
        ("marketing_spend_0002.csv", 2, 0, 0, 2, 0, True),
        ("marketing_spend_0003.csv", 4, 1, 2, 1, 0, True),
        ("marketing_spend_0004.csv", 2, 1, 0, 1, 0, True)]


def test_quotes_in_the_raw_directory_and_file_names_are_read_like_any(lakehouse: Lakehouse) -> None:
    raw = lakehouse.workdir / "it's raw"
    raw.mkdir()
    lakehouse.raw_root = raw
    (raw / "events_o'brien.ndjson").write_text(json.dumps(
        {"event_id": "e1", "user_id": "u1", "event_type": "login",
         "timestamp": "2024-01-05T10:00:00Z"}) + "\n")
    (raw / "subscriptions_d'or.json").write_text(json.dumps([subscription("s1")]))
    (raw / "marketing_spend_l'an.csv").write_text("date,channel,spend\n2024-01-02,Google,1\n")
    lakehouse.build()
    with (raw / "events_o'brien.ndjson").open("a") as grown:  # read again from its last line
        grown.write(json.dumps({"event_id": "e2", "user_id": "u1", "event_type": "login",
                                "timestamp": "2024-01-06T10:00:00Z"}) + "\n")
    lakehouse.build()
    assert lakehouse.query("select source_file, line_number from bronze.stg_app__event_lines"
                           " order by 2") == [("events_o'brien.ndjson", 1), ("events_o'brien.ndjson", 2)]
    assert lakehouse.query("select subscription_id from silver.int_subscriptions_deduplicated") == [("s1",)]
    assert lakehouse.query("select spend_usd from gold.cac_by_channel where channel = 'Google'") == [
        (Decimal("1.00"),)]
