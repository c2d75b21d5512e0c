"""Bronze and silver on generated data: every injected trap is caught, and incremental runs
over batch files end where one full refresh ends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.lakehouse import Lakehouse, generate

pytestmark = pytest.mark.slow

# Event-level traps the generator injects and the quarantine reason each must get.
QUARANTINE_TRAPS = [
    "invalid_json", "missing_user_id", "invalid_amount", "negative_amount",
    "timestamp_out_of_range",
]


@pytest.fixture(scope="session")
def batched_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen"), events=6000, seed=7, batches=3)


def silver_state(lh: Lakehouse) -> dict[str, list[tuple[object, ...]]]:
    tables = {
        "bronze.stg_app__event_lines": "source_file, line_number, raw_line, reader_error",
        "silver.int_events_parsed": "source_file, line_number, quarantine_reason, event_id,"
                                    " event_ts, amount, amount_usd, currency, content_hash",
        "silver.int_events_deduplicated": "event_id, source_file, line_number, content_hash",
        "silver.int_subscriptions_deduplicated": "subscription_id, status, price_usd, end_date",
        "silver.int_marketing_spend_summed_daily": "spend_date, channel, spend_usd",
    }
    return {t: lh.query(f"select {cols} from {t} order by all") for t, cols in tables.items()}


def test_each_injected_trap_lands_in_quarantine_with_its_reason(
    lakehouse: Lakehouse, batched_data: Path
) -> None:
    for f in batched_data.iterdir():
        if f.suffix in {".ndjson", ".json", ".csv"} and f.name != "manifest.json":
            shutil.copy2(f, lakehouse.raw_root / f.name)
    manifest = json.loads((batched_data / "manifest.json").read_text())
    lakehouse.build()

    quarantined = {
        (file, line): reason for file, line, reason in lakehouse.query(
            "select source_file, line_number, quarantine_reason"
            " from silver.int_events_quarantined")
    }
    for trap in QUARANTINE_TRAPS:
        spots = {(s["file"], s["line"]) for s in manifest["traps"][trap]["lines"]}
        assert spots, f"generator injected no {trap}"
        assert {quarantined.get(spot) for spot in spots} == {trap}, trap
    # nothing else is quarantined: every other line is a valid event
    assert len(quarantined) == sum(manifest["traps"][t]["count"] for t in QUARANTINE_TRAPS)

    # every file balances, and the totals match the generator's own count of events
    rows = lakehouse.query(
        "select sum(raw_lines), sum(accepted_lines), bool_and(is_balanced)"
        " from silver.int_event_files_reconciled")
    assert rows == [(manifest["totals"]["event_lines"], manifest["totals"]["events"], True)]

    # unknown fields and schema versions are kept and counted, not quarantined
    assert lakehouse.query(
        "select lines_with_unknown_fields, lines_with_unknown_schema_version, spend_gap_days"
        " from reports.rpt_data_quality_runs") == [(
            manifest["traps"]["unknown_fields"]["count"],
            manifest["traps"]["future_schema_version"]["count"],
            manifest["traps"]["spend_missing_days"]["count"])]

    conflicting = set(manifest["traps"]["conflicting_duplicates"]["event_ids"])
    flagged = {r[0] for r in lakehouse.query(
        "select distinct event_id from silver.int_event_versions_audited where is_conflicting")}
    assert flagged == conflicting


def test_batch_by_batch_runs_end_where_a_full_refresh_ends(
    tmp_path: Path, batched_data: Path
) -> None:
    batches = sorted(batched_data.glob("events_*.ndjson"))
    assert len(batches) == 3

    incremental = Lakehouse(workdir=tmp_path / "inc", raw_root=tmp_path / "inc" / "raw")
    incremental.raw_root.mkdir(parents=True)
    for side in ("subscriptions.json", "marketing_spend.csv"):
        shutil.copy2(batched_data / side, incremental.raw_root / side)
    for batch in batches:
        shutil.copy2(batch, incremental.raw_root / batch.name)
        incremental.build()

    full = Lakehouse(workdir=tmp_path / "full", raw_root=incremental.raw_root)
    full.workdir.mkdir()
    full.build("--full-refresh")

    assert silver_state(incremental) == silver_state(full)
