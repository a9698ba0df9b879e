# TSQ: `make demo` and `make test` are the two commands a new user needs.
# Everything installs itself into .venv from requirements.lock (uv, from PyPI).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TSQ_HOME ?= $(CURDIR)/warehouse
export TSQ_HOME
DAGSTER_HOME ?= $(TSQ_HOME)/dagster
export DAGSTER_HOME
DEMO_TICKETS ?= 5000
DEMO_SEED ?= 42
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml

.PHONY: install demo demo-postgres demo-spark test test-fast report-browser spark-java postgres-binaries dev serve lint format clean

install: $(VENV)/.installed $(MANIFEST)

# --compile-bytecode: uv writes no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set
# (as on these machines) Python never caches one either, so every process would compile
# Dagster, GX and dbt from source again (see docs/performance.md).
$(VENV)/.installed: requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# dagster-dbt loads the parsed dbt manifest when the code location is imported.
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

demo: install
	$(BIN)/tsq generate --tickets $(DEMO_TICKETS) --seed $(DEMO_SEED)
	$(BIN)/tsq run
	$(BIN)/tsq scores --grain month --scope organisation
	$(BIN)/tsq scores --grain month --scope team
	$(BIN)/tsq where
	@echo "Next: open $(TSQ_HOME)/report.html in a browser (the published report),"
	@echo "      query $(TSQ_HOME)/published.duckdb from any DuckDB client (read-only),"
	@echo "      or run 'make dev' and open http://127.0.0.1:3000 for the asset graph."

# The same demo with dbt, GX and the publication on PostgreSQL (a local server unless
# TSQ_PG_HOST is set), compared table by table with the DuckDB demo's (docs/scale-out.md).
demo-postgres: install
	DEMO_TICKETS=$(DEMO_TICKETS) DEMO_SEED=$(DEMO_SEED) bash scripts/demo-engine.sh postgres

# The same with dbt, GX and the publication on a local Spark session (Java 17 installed
# when missing), compared with the DuckDB demo's tables. Spark's fixed cost per query, not
# the data, sets its time: some 13 minutes on a 2-core machine (docs/scale-out.md).
demo-spark: install
	DEMO_TICKETS=$(DEMO_TICKETS) DEMO_SEED=$(DEMO_SEED) bash scripts/demo-engine.sh spark

# Two pytest-xdist workers, whole files to each (a file's shared pipeline run is built
# once), the longest files first (conftest.py; --no-loadscope-reorder keeps that order);
# --durations: CI's log then names the slowest tests, where the suite's time goes.
TEST_WORKERS ?= 2
test: install report-browser spark-java postgres-binaries
	$(BIN)/ruff check orchestration tests scripts
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# Everything but the tests marked slow (whole-pipeline runs, browsers, dbt on copies).
test-fast: install
	$(BIN)/ruff check orchestration tests scripts
	$(BIN)/pytest -q -m "not slow"

# The report's browser test needs Debian's chromium.
report-browser:
	bash scripts/install-chromium.sh

# The PostgreSQL tests' servers (scripts/postgres-test-server.sh) need Debian's postgresql-15,
# installed once here rather than by two test workers' apt-get at the same time.
postgres-binaries:
	bash scripts/postgres-test-server.sh install

# The dbt project's local Spark session (tests/test_engine_spark.py) needs Java 17.
spark-java:
	bash scripts/install-java.sh

# Dagster's `dg` CLI finds the code location through [tool.dg] in pyproject.toml.
dev: install
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dg dev

# The served deployment: the Dagster webserver and daemon with the schedule and the inbox
# sensor switched on, one run at a time (docs/deployment.md).
serve: install
	bash scripts/serve.sh

lint:
	$(BIN)/ruff check orchestration tests scripts
	$(BIN)/ruff format --check orchestration tests scripts

format:
	$(BIN)/ruff format orchestration tests scripts
	$(BIN)/ruff check --fix orchestration tests scripts

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs
