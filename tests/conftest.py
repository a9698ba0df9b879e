"""Shared fixtures. The dbt manifest is prepared once, before any test imports the
Dagster code location (dagster-dbt reads it at import time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR, TsqSettings

DBT = str(Path(sys.executable).parent / "dbt")


def pytest_configure(config: pytest.Config) -> None:
    subprocess.run(
        [DBT, "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_PROJECT_DIR, check=True
    )


@pytest.fixture
def tsq_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TsqSettings:
    """A fresh, empty TSQ_HOME (with its own Dagster home) for one test."""
    monkeypatch.setenv("TSQ_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    return TsqSettings(home=tmp_path / "home").ensure()


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def dbt_build(warehouse: Path, target: Path, *select: str) -> subprocess.CompletedProcess[str]:
    """A real `dbt build` of the project against a warehouse file (all of it, or the
    selected nodes), with its own target folder; run_results.json lands in `target`."""
    selection = ["--select", *select] if select else []
    return subprocess.run(
        [
            DBT,
            "build",
            *selection,
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--vars",
            json.dumps({"tsq_warehouse_path": str(warehouse)}),
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
