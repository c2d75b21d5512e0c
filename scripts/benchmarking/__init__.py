"""The benchmark (scripts/benchmark.py, `make benchmark`; BENCHMARKS.md says what it measures).

Split by job: `data` generates a size's events and lays them out as a history and two later
deliveries, `steps` runs and measures each step against a fresh DuckDB file (or, with
`--target lake`, a fresh DuckLake), `targets` judges the figures against the issues' targets
and `report` writes the markdown.
"""
