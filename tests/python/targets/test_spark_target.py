"""The spark target (README, "Spark target"): the same models on Apache Spark give the same
gold as DuckDB, keep every line, and built batch by batch end where one full refresh ends.

Every dbt run on Spark starts a JVM and pays a second or more per model, so the module builds
few states and asks everything of them:

- the trust data split into three arrival-ordered files (harness.batches: refunds a batch
  before their purchase, a last file of late and conflicting versions), built batch by batch:
  the second file is first stored as its producer was still writing it (cut inside a line)
  and has grown by the third run, and the last file starts with hand-made bad lines; the same
  final files built by one full refresh, on Spark and on DuckDB;
- the bundled data/ built whole on Spark, data tests and quality gates included;
- a generated 200k-event set built whole on both engines.

Spark's tables are read back with DuckDB (harness.spark_warehouse). The tests skip where
Spark cannot run (no pyspark or no Java), unless SPARK_TESTS_REQUIRED is set (CI).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from harness.batches import split_into_batches, write_events
from harness.compare import assert_same_contents, contents
from harness.lakehouse import PROJECT_DIR, Lakehouse, generate
from harness.trust_lakehouse import TrustLakehouse
from harness.trust_states import TrustData, TrustEnv

pytestmark = [pytest.mark.slow, pytest.mark.spark]

REQUIRED_ENV = "SPARK_TESTS_REQUIRED"
LAYERS = ("bronze", "silver", "gold_candidate")
MODELS_ONLY = ("--exclude", "resource_type:unit_test", "resource_type:test")

# The first lines of the last file, each with the reason DESIGN.md ("Quarantine") gives it;
# the reasons are checked in this order, so each line fails on its own reason only.
TS = '"timestamp": "2024-01-02T06:48:10Z"'
BAD_LINES: list[tuple[bytes, str]] = [
    (b"{not json", "invalid_json"),
    (b'{"event_id": "spark_latin1", "user_id": "u_000001", "note": "caf\xe9"}', "unreadable_line"),
    (b"[1, 2]", "not_an_object"),
    (b"", "empty_line"),
    (b'{"user_id": "u_000001", "event_type": "login", ' + TS.encode() + b"}", "missing_event_id"),
    (b'{"event_id": "spark_odd", "user_id": "u_000001", "event_type": "teleport", '
     + TS.encode() + b"}", "unknown_event_type"),
    (b'{"event_id": "spark_when", "user_id": "u_000001", "event_type": "login", '
     b'"timestamp": "yesterday"}', "invalid_timestamp"),
]


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    for module, what in (("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark")):
        if importlib.util.find_spec(module) is None:
            return f"{what} is not installed (pip install -r requirements-spark.txt)"
    if shutil.which("java") is None:
        return "no Java on the PATH (Spark needs Java 17)"
    return None


@pytest.fixture(scope="session")
def spark_ready() -> None:
    missing = spark_missing()
    if missing is not None:
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"Spark tests required ({REQUIRED_ENV}), but {missing}")
        pytest.skip(f"spark target not testable here: {missing}")


@dataclass(frozen=True)
class SparkBatches:
    incremental: TrustLakehouse  # built batch by batch on Spark
    full_refresh: TrustLakehouse  # the final files by one full refresh on Spark
    duckdb: Lakehouse  # the final files on DuckDB
    file_lines: list[int]  # lines of events_0001, _0002 and _0003 as written at the end
    cut_line: tuple[int, bytes]  # the line of the second file first stored cut: number, text


def plain_event(line: bytes) -> bool:
    """A line every rule accepts: a JSON object of known keys, string ids, a type that carries
    no amount and a UTC timestamp in ISO form within the generated data's months."""
    try:
        body = json.loads(line)
    except ValueError:
        return False
    return (isinstance(body, dict)
            and set(body) <= {"event_id", "user_id", "event_type", "timestamp", "schema_version", "page"}
            and body["event_type"] in ("login", "page_view")
            and all(isinstance(body.get(key), str) and body[key] for key in ("event_id", "user_id"))
            and re.fullmatch(r"202[34]-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(body.get("timestamp")))
            is not None)


@pytest.fixture(scope="session")
def spark_batches(spark_ready: None, trust_data: TrustData,
                  tmp_path_factory: pytest.TempPathFactory) -> SparkBatches:
    env = TrustEnv(tmp_path_factory.mktemp("trust_spark"), spark=True)
    first, second, late = split_into_batches(trust_data.lines, 3).files
    inc = trust_data.lakehouse(env, "incremental")
    write_events(inc.raw_root, [first])
    inc.build()
    # the second file as its producer was writing it: half its lines, then half a line
    cut = next(n for n in range(len(second) // 2, len(second)) if plain_event(second[n]))
    (inc.raw_root / "events_0002.ndjson").write_bytes(
        b"".join(line + b"\n" for line in second[:cut]) + second[cut][: len(second[cut]) // 2])
    inc.build()
    write_events(inc.raw_root, [second, [line for line, _ in BAD_LINES] + late], first=2)
    inc.build()  # models only: the data tests run on Spark in the bundled data's build

    full = env.lakehouse("full_refresh")
    shutil.rmtree(full.raw_root)
    shutil.copytree(inc.raw_root, full.raw_root)
    full.build("--full-refresh")

    duck = Lakehouse(workdir=tmp_path_factory.mktemp("trust_spark_duckdb"), raw_root=full.raw_root)
    duck.dbt("build", *MODELS_ONLY).assert_ok()
    last = len(BAD_LINES) + len(late)
    return SparkBatches(inc, full, duck, [len(first), len(second), last], (cut + 1, second[cut]))


def published_gold(lh: Lakehouse) -> dict[str, list[tuple[object, ...]]]:
    with lh.connect() as con:
        return contents(con, ["gold"])


def as_published(candidate: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {name.replace("gold_candidate.", "gold.", 1): rows for name, rows in candidate.items()}


def gold(lh: Lakehouse) -> dict[str, list[tuple[object, ...]]]:
    with lh.connect() as con:
        return contents(con, ["gold_candidate"])


def test_batch_by_batch_on_spark_ends_where_one_full_refresh_ends(
    spark_batches: SparkBatches,
) -> None:
    incremental = spark_batches.incremental.contents(LAYERS)
    # every table of the project was compared, the contract's gold tables among them
    marts = {f"gold_candidate.{path.stem}" for path in (PROJECT_DIR / "models" / "marts").glob("*.sql")}
    assert marts <= set(incremental) and len(incremental) > len(marts) + 20
    assert_same_contents(incremental, spark_batches.full_refresh.contents(LAYERS))


def test_the_runs_were_incremental(spark_batches: SparkBatches) -> None:
    # three runs each stored lines of their own: none rebuilt bronze whole
    lh = spark_batches.incremental
    assert lh.query("select source_file, count(distinct ingest_invocation_id)"
                    " from bronze.stg_app__event_lines group by all order by all") == [
        ("events_0001.ndjson", 1), ("events_0002.ndjson", 2), ("events_0003.ndjson", 1)]
    assert lh.scalar("select count(distinct ingest_invocation_id)"
                     " from bronze.stg_app__event_lines") == 3


def test_no_staging_table_is_left_behind(spark_batches: SparkBatches) -> None:
    for lh in (spark_batches.incremental, spark_batches.full_refresh):
        warehouse = lh.workdir / "spark" / "warehouse"
        assert warehouse.is_dir()
        assert [p.name for p in warehouse.glob("*.db/*__dbt*")] == []


def test_the_line_stored_cut_gives_way_to_the_whole_line(spark_batches: SparkBatches) -> None:
    # the second run stored the cut line (invalid JSON); the third read the grown file again
    # from it: one reading of the line is left, the whole one, and its verdict is the event's
    number, whole = spark_batches.cut_line
    lh = spark_batches.incremental
    where = f" where source_file = 'events_0002.ndjson' and line_number = {number}"
    assert lh.query("select raw_line, reread_from_line from bronze.stg_app__event_lines"
                    + where) == [(whole.decode(), number)]
    # a plain event (plain_event): accepted, under its own id
    assert lh.query("select quarantine_reason, event_id from silver.int_events_parsed"
                    + where) == [(None, json.loads(whole)["event_id"])]


def test_bad_lines_are_quarantined_with_their_reason_on_spark(spark_batches: SparkBatches) -> None:
    lh = spark_batches.incremental
    verdicts = lh.query(
        "select line_number, quarantine_reason from silver.int_events_parsed"
        f" where source_file = 'events_0003.ndjson' and line_number <= {len(BAD_LINES)}"
        " order by line_number")
    assert verdicts == [(number, reason) for number, (_, reason) in enumerate(BAD_LINES, start=1)]
    # the line that is not UTF-8 keeps its text, the bad byte as U+FFFD
    assert lh.scalar("select raw_line from bronze.stg_app__event_lines"
                     " where source_file = 'events_0003.ndjson' and line_number = 2"
                     ) == BAD_LINES[1][0].decode("utf-8", errors="replace")


def test_every_line_of_every_file_is_reconciled_on_spark(spark_batches: SparkBatches) -> None:
    lh = spark_batches.incremental
    files = lh.query("select source_file, raw_lines, is_balanced"
                     " from silver.int_event_files_reconciled order by source_file")
    # as many lines as were written to each file, every one accounted for
    assert files == [(f"events_000{n}.ndjson", lines, True)
                     for n, lines in enumerate(spark_batches.file_lines, start=1)]
    # each line once in bronze, though the second file was read twice
    assert lh.query("select count(*), count(distinct source_file || ':' || line_number)"
                    " from bronze.stg_app__event_lines") == [(sum(spark_batches.file_lines),) * 2]
    # the last file: the hand-made bad lines quarantined, the late versions after them valid
    assert lh.scalar("select quarantined_lines from silver.int_event_files_reconciled"
                     " where source_file = 'events_0003.ndjson'") == len(BAD_LINES)


def test_spark_quarantines_the_lines_duckdb_quarantines(spark_batches: SparkBatches) -> None:
    verdicts = ("select source_file, line_number, quarantine_reason from silver.int_events_parsed"
                " where quarantine_reason is not null order by all")
    assert spark_batches.full_refresh.query(verdicts) == spark_batches.duckdb.query(verdicts)


def test_spark_gold_equals_duckdb_gold_on_the_batch_files(spark_batches: SparkBatches) -> None:
    assert_same_contents(gold(spark_batches.incremental), gold(spark_batches.duckdb))


def test_spark_gold_equals_duckdb_gold_on_the_bundled_data(
    spark_ready: None, bundled: Lakehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # a whole build, data tests and quality gates included: all pass on Spark as on DuckDB
    spark = Lakehouse(workdir=tmp_path_factory.mktemp("spark_bundled"),
                      raw_root=PROJECT_DIR / "data", spark=True)
    spark.build()
    assert_same_contents(gold(spark), gold(bundled))

    # the build published: the published views show the candidate (macro spark__publish_gold)
    assert_same_contents(published_gold(spark), as_published(gold(spark)))
    # a publication killed before its commit leaves a partition that no publication lists:
    # plant one (every DAU -1) where the next publication will write
    versions = spark.workdir / "spark" / "warehouse" / "gold_versions.db" / "daily_active_users"
    planted = versions / "publication=2"
    planted.mkdir()
    with spark.connect() as con:
        con.execute("copy (select date, -1::bigint as dau from gold_candidate.daily_active_users)"
                    f" to '{planted / 'part-planted.parquet'}' (format parquet)")
    shown = spark.dbt("show", "--inline",
                      "select min(dau) as lowest_dau from {{ source('gold', 'daily_active_users') }}")
    shown.assert_ok()
    lowest = spark.scalar("select min(dau) from gold_candidate.daily_active_users")
    # Spark reads publication 1, not the planted rows
    assert re.findall(r"^\|\s*(-?\d+)\s*\|$", shown.output, flags=re.M) == [str(lowest)]
    assert_same_contents(published_gold(spark), as_published(gold(spark)))
    # the next publication (a judging run) writes over the planted files, then commits
    spark.dbt("test", "--select", "test_name:within_thresholds").assert_ok()
    log = versions.parent / "publications" / "*.parquet"
    assert spark.query(f"select publication from read_parquet('{log}') order by 1") == [(1,), (2,)]
    assert_same_contents(published_gold(spark), as_published(gold(spark)))


def test_spark_gold_equals_duckdb_gold_on_200k_generated_events(
    spark_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    raw = generate(tmp_path_factory.mktemp("gen200k"), events=200_000, seed=18)
    duck = Lakehouse(workdir=tmp_path_factory.mktemp("duckdb_200k"), raw_root=raw)
    duck.dbt("build", *MODELS_ONLY).assert_ok()
    spark = Lakehouse(workdir=tmp_path_factory.mktemp("spark_200k"), raw_root=raw, spark=True)
    spark.dbt("build", *MODELS_ONLY).assert_ok()
    duck_gold = gold(duck)
    assert sum(len(rows) for rows in duck_gold.values()) > 1000  # a real comparison
    assert_same_contents(gold(spark), duck_gold)


PLANT_REWRITE = """
import sys
from pyspark.sql import SparkSession
spark_dir, table = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[1]").enableHiveSupport()
         .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
         .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                 f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true")
         .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
         .config("spark.ui.enabled", "false").getOrCreate())
spark.sql(f"create table {table}__dbt_rewrite_planted using parquet as select * from {table}")
print(spark.table(f"{table}__dbt_rewrite_planted").count())
spark.stop()
"""


def test_a_spark_rewrite_killed_mid_overwrite_is_restored_by_the_next_run(spark_batches: SparkBatches) -> None:
    """A Spark table rewrite stages the kept rows in a table of its own, then overwrites the
    table from it (macro spark_rewrite_table); a kill during the overwrite leaves the staging
    table whole and the table's files partly gone. Planted here: the staging table made by
    Spark from int_events_deduplicated, then the table's files deleted. The next run's first
    hook copies the staging table back, and the state ends where one full refresh ends.
    (Last in the module: it changes the batch-by-batch state the tests above compare.)"""
    lh = spark_batches.incremental
    table = "silver.int_events_deduplicated"
    planted = subprocess.run([sys.executable, "-c", PLANT_REWRITE, str(lh.link / "spark"), table],
                             env=lh.env(), capture_output=True, text=True, check=False)
    assert planted.returncode == 0, planted.stderr[-3000:]
    stored = int(planted.stdout.strip().splitlines()[-1])
    assert stored == lh.scalar(f"select count(*) from {table}") > 0
    files = sorted((lh.workdir / "spark" / "warehouse" / "silver.db" / "int_events_deduplicated").glob("*.parquet"))
    assert files
    for path in files:  # the overwrite died after deleting the table's files
        path.unlink()

    rerun = lh.dbt("build", *MODELS_ONLY)
    rerun.assert_ok()
    assert f"restoring {table} from {table}__dbt_rewrite_planted" in rerun.output
    assert not list((lh.workdir / "spark" / "warehouse" / "silver.db").glob("*__dbt_rewrite_*"))
    incremental = spark_batches.incremental.contents(LAYERS)
    assert_same_contents(incremental, spark_batches.full_refresh.contents(LAYERS))
