"""Shared fixtures. The dbt manifest is prepared once, before any test imports the
Dagster code location (dagster-dbt reads it at import time)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR, TsqSettings

if TYPE_CHECKING:
    from orchestration.runner import RunOutcome

DBT = str(Path(sys.executable).parent / "dbt")


def pytest_configure(config: pytest.Config) -> None:
    subprocess.run(
        [DBT, "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_PROJECT_DIR, check=True
    )


#: The test instances' dagster.yaml: the runner's (telemetry off), and no per-step compute
#: log capture. Capturing starts two `tail -F` and two Python watcher processes for every
#: step of a run (some 70 steps), a third of a small run's time on this 2-core machine;
#: the captured copies are only shown by the Dagster UI, which no test opens, and the
#: runner's own log (outcome.log_path, read by the out-of-memory test) is written either
#: way, through its redirect of stdout and stderr.
TEST_DAGSTER_YAML = (
    "telemetry:\n  enabled: false\n"
    "compute_logs:\n"
    "  module: dagster._core.storage.noop_compute_log_manager\n"
    "  class: NoOpComputeLogManager\n"
)


@pytest.fixture(scope="session", autouse=True)
def dagster_without_compute_log_capture() -> Iterator[None]:
    """Every TSQ home a test creates gets TEST_DAGSTER_YAML (the runner writes its
    dagster.yaml into a home that has none). Fails loudly if the runner renames it."""
    from orchestration import runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_DAGSTER_YAML", TEST_DAGSTER_YAML)
        yield


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


#: canonical tests/data folder (vendor and event-log fixtures)
TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def vendor_exports_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TsqSettings, RunOutcome]]:
    """One real run (ingest, Dagster, dbt, GX, publish) of three small exports in one
    TSQ_HOME, shared by the tests that only read its result:
    - tests/data/eventlog/support-lines.csv with its mapping (source `lines`, October
      2012; test_adapter_eventlog),
    - the ServiceNow audit log declared Europe/Rome with Italian holidays (source
      `servicenow`, February-March 2016; test_adapters),
    - the Zendesk incremental exports and satisfaction ratings (source `zendesk`, 2026;
      test_adapters).
    Ids are namespaced by source and the three cover different years, so each test's
    figures are its own source's (its queries name the source where a table holds the
    others' rows). One run instead of two: a whole-pipeline run is most of a minute here.
    """
    from orchestration.adapters.registry import ingest_files
    from orchestration.runner import run_pipeline

    home = tmp_path_factory.mktemp("vendor_exports") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        eventlog = TEST_DATA / "eventlog"
        ingest_files(
            [eventlog / "support-lines.csv"],
            settings.inbox,
            "eventlog",
            eventlog / "support-lines.yml",
        )
        # ServiceNow's timestamps carry no zone: declared; Zendesk's carry Z: nothing to
        # declare
        ingest_files(
            [TEST_DATA / "servicenow" / "incident_event_log.csv"],
            settings.inbox,
            timezone="Europe/Rome",
            holidays="IT",
        )
        zendesk = sorted((TEST_DATA / "zendesk").glob("incremental_*.json"))
        ingest_files(
            [*zendesk, TEST_DATA / "zendesk" / "satisfaction_ratings.json"], settings.inbox
        )
        yield settings, run_pipeline(settings)
