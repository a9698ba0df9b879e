"""The dbt project builds, and its unit tests (hand-computed fixtures for every UX1
formula, business time across holidays and time zones, scoring and roll-up) pass."""

from __future__ import annotations

import json

import duckdb

from orchestration.contract import ENTITIES
from orchestration.raw_tables import ensure_raw_schema
from tests.conftest import dbt_build


def test_dbt_unit_tests_pass_on_an_empty_warehouse(tsq_home, tmp_path):
    con = duckdb.connect(str(tsq_home.warehouse_path))
    for entity in ENTITIES:
        ensure_raw_schema(con, entity)
    con.close()
    target = tmp_path / "dbt_target"
    completed = dbt_build(tsq_home.warehouse_path, target)
    assert completed.returncode == 0, completed.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit_tests = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results
        if ".unit_test" in r["unique_id"] or r["unique_id"].startswith("unit_test.")
    }
    assert len(unit_tests) >= 11, unit_tests
    assert set(unit_tests.values()) == {"pass"}, unit_tests
