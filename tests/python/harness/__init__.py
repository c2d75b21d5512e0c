"""What the tests of tests/python share, by job (tests import from these modules, never from
one another; conftest.py only turns them into fixtures):

- lakehouse: one isolated project state and its dbt runs (`Lakehouse`), the generator;
- handmade: tiny hand-made raw files (event lines, subscriptions, spend);
- lake_catalog: the lake target's catalog server and one DuckLake per state;
- semantic: `mf` (the semantic layer's CLI) on one built state;
- spark_warehouse: a Spark state's Parquet tables, read back with DuckDB;
- trust_lakehouse: the trust suite's dbt processes: shared parse, forks, killing or pausing a run;
- kill_points: where a run is stopped, and what a stopped run may leave behind;
- batches: shaping raw event lines into arrival-ordered batch files;
- compare: whole-schema snapshots and their comparison;
- trust_states: the trust data and its batch-by-batch states, built once per session.
"""
