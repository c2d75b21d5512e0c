# Named tasks for a newcomer: `make build` and `make test` are all you need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt --no-use-colors
DBT_ARGS := --project-dir . --profiles-dir .
DEFAULT_DATA_ARGS := --events 14337 --seed 42 --out data
# pytest workers for make test (one per core of the 2-core CI machine; 0 = no workers, in-process)
TEST_WORKERS ?= 2

.PHONY: help venv venv-spark build update publish forget freshness check test test-python lint generate docs \
	benchmark clean report shell lake-start build-lake lake-stop

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed  ## create the local virtualenv from requirements.txt

$(BIN)/.spark-installed: $(BIN)/.installed requirements-spark.txt
	$(BIN)/pip install --quiet -r requirements-spark.txt
	touch $@

venv-spark: $(BIN)/.spark-installed  ## add the spark target's packages (pyspark, dbt-spark; Java 17 too)

build: venv  ## dbt build (seeds, models, tests) on the bundled data/
	@$(BIN)/python scripts/check_lakehouse_free.py
	$(DBT) build $(DBT_ARGS)
	@echo
	@echo "Done. The lakehouse is $${LAKEHOUSE_DB:-lakehouse.duckdb} (schemas bronze, silver, gold, reference)."
	@echo "  Look at a gold table:  $(BIN)/dbt show $(DBT_ARGS) --inline \"select * from {{ source('gold', 'daily_revenue_net') }} order by date desc\" --limit 7"
	@echo "  Browse the lineage:    make docs"
	@echo "  Query it read-only:    $(BIN)/python -c \"import duckdb; print(duckdb.connect('lakehouse.duckdb', read_only=True).sql('from gold.mrr_monthly'))\""

update: venv  ## the scheduled run: dbt build (no unit tests) only if a raw file or the code changed
	$(BIN)/python scripts/run_batch.py -- --no-use-colors

publish: venv  ## release held gold after a look: publish the candidate the last build left
	$(DBT) run-operation publish $(DBT_ARGS)

forget: venv  ## drop one delivery (FILE=<name>) from bronze and all it fed; the next build rebuilds
	@test -n "$(FILE)" || { echo "make forget needs the file's name: make forget FILE=events_0003.ndjson" >&2; exit 2; }
	$(DBT) run-operation forget_file $(DBT_ARGS) --args '{file: "$(FILE)"}'

freshness: venv  ## dbt source freshness: warns when a raw source's newest file is older than its limit
	$(DBT) source freshness $(DBT_ARGS)

# the quick tier's build of data/: a lakehouse of its own, from scratch each time
CHECK_DIR := target/check

check: venv  ## the quick tier (a few minutes): lint, dbt build of data/ with unit and data tests, quick pytest
	$(MAKE) --no-print-directory lint
	rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR)
	LAKEHOUSE_DB=$(CHECK_DIR)/lakehouse.duckdb $(DBT) build $(DBT_ARGS) --quiet
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slow" tests/python

test: venv venv-spark lint test-python  ## the whole test suite: lint, then pytest (which drives dbt, on DuckDB, the lake and Spark)

test-python: venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15 tests/python

lint: venv  ## sqlfluff on the SQL (models, tests, analyses), ruff and mypy --strict on the Python, mf validate-configs
	$(BIN)/sqlfluff lint models tests analyses
	$(BIN)/ruff check scripts tests/python tests/sqlfluff_library
	$(BIN)/mypy --strict scripts tests/python tests/sqlfluff_library
	@# the semantic layer's definitions, without a warehouse: mf reads target/semantic_manifest.json
	@# (dbt parse writes it); --skip-dw skips the checks that query a built lakehouse, and the
	@# connection mf's set-up tests is an in-memory DuckDB, so a build may hold the lakehouse file
	DBT_TARGET_PATH=target $(DBT) parse $(DBT_ARGS) --quiet
	DBT_TARGET_PATH=target LAKEHOUSE_DB=:memory: $(BIN)/mf validate-configs --skip-dw

report: venv  ## the metrics report: one self-contained HTML page from the gold tables
	$(BIN)/python scripts/metrics_report.py

shell: venv  ## an interactive DuckDB CLI on the lakehouse file, read-only
	@test -f "$${LAKEHOUSE_DB:-lakehouse.duckdb}" || { echo "$${LAKEHOUSE_DB:-lakehouse.duckdb} does not exist: run \`make build\` first" >&2; exit 1; }
	$(BIN)/duckdb -readonly "$${LAKEHOUSE_DB:-lakehouse.duckdb}"

generate: venv  ## regenerate the bundled data/ (byte-identical to the committed files)
	$(BIN)/python scripts/generate_data.py $(DEFAULT_DATA_ARGS)

docs: venv  ## generate and serve the dbt docs (lineage) on http://localhost:8080
	$(DBT) docs generate $(DBT_ARGS)
	$(DBT) docs serve $(DBT_ARGS) --port 8080

benchmark: venv  ## time full builds, hourly and +1% batches at 10k, 1M and 10M events (BENCHMARKS.md)
	$(BIN)/python scripts/benchmark.py

lake-start: venv  ## the lake target: extensions, a local PostgreSQL catalog (unless LAKE_PG_HOST), the lake
	$(BIN)/python scripts/lake.py start

build-lake: lake-start  ## dbt build into the DuckLake (Parquet in lake/, catalog in PostgreSQL), one at a time
	$(BIN)/python scripts/lake.py build --no-use-colors

lake-stop:  ## stop the lake target's local PostgreSQL (the lake stays in .lake/pg and lake/)
	@if [ -x $(BIN)/python ]; then $(BIN)/python scripts/lake.py stop; fi

clean:  ## remove generated state (keeps the venv)
	rm -rf target logs dbt_packages lakehouse.duckdb lakehouse.duckdb.wal
