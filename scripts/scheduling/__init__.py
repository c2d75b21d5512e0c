"""The scheduled run (scripts/run_batch.py): what a build depends on, what changed, and dbt."""
