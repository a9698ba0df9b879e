"""A small generated warehouse built once per test session: 300 generated tickets loaded by
the real loader, every dbt model built by a real `dbt build` (unit tests excluded: they
run in test_dbt_models), and the published schema copied into a published store as the
publish step lays it out. For tests that read what the pipeline produces (the semantic
layer, the report) without each paying for a pipeline run of its own."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import ENTITIES
from orchestration.generator import generate
from orchestration.ingest.loader import load_entity
from orchestration.publish.store import published_models
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.sql_text import quote_identifier
from tests.conftest import DBT

# The published list by the one rule publish uses (the dbt manifest's published models),
# not a copy of it: conftest's pytest_configure parses the project before this is imported.
PUBLISHED_TABLES = published_models()


def build_small_home(home: Path) -> Path:
    generate(home / "inbox", tickets=300, seed=5, start=date(2026, 4, 1), days=92)
    con = duckdb.connect(str(home / "tsq.duckdb"))
    for entity in ENTITIES:
        load_entity(con, entity, home / "inbox", home)
    con.close()
    build = subprocess.run(
        [DBT, "build", "--exclude-resource-type", "unit_test", "--profiles-dir", ".",
         "--target-path", str(home / "target"),
         "--vars", json.dumps({"tsq_warehouse_path": str(home / "tsq.duckdb")})],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:]
    store = home / "published.duckdb"
    con = duckdb.connect(str(home / "tsq.duckdb"))
    con.execute("ATTACH ? AS store", [str(store)])
    for table in PUBLISHED_TABLES:
        name = quote_identifier(table)
        con.execute(f"CREATE TABLE store.main.{name} AS SELECT * FROM published.{name}")
    con.execute(
        "CREATE TABLE store.main.publish_log AS SELECT 'test-run' AS run_id, "
        "now() AS published_at, 'published' AS status, 118 AS checks_passed"
    )
    con.execute("DETACH store")
    con.close()
    return home


@pytest.fixture(scope="session")
def small_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_home(tmp_path_factory.mktemp("small-home"))
