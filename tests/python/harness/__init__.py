"""What the tests of tests/python share, by job (tests import from these modules, never from
one another; conftest.py only turns them into fixtures):

- lakehouse: one isolated project state and its dbt runs (`Lakehouse`), the generator;
- handmade: tiny hand-made raw files (event lines, subscriptions, spend);
- trust_lakehouse: the trust suite's dbt processes: shared parse, forks, killing a run;
- batches: shaping raw event lines into arrival-ordered batch files;
- compare: whole-schema snapshots and their comparison;
- trust_states: the trust data and its batch-by-batch states, built once per session.
"""
