"""The Dagster code location: `dg dev` (`make dev`, `[tool.dg]` in pyproject.toml) and
`tsq run` both load it."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from orchestration.adapters.inbox import inbox_adapters
from orchestration.automation import daily_schedule, inbox_sensor, pipeline_job
from orchestration.engines import engine_for
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.quarantine_asset import raw_quarantine
from orchestration.publish.assets import published_store
from orchestration.quality.checks import suite_checks
from orchestration.quality.reconciliation import reconciliation_checks
from orchestration.resources import TsqHome
from orchestration.settings import TsqSettings, get_settings
from orchestration.transform.dbt_assets import (
    InstalledDbtCliResource,
    build_dbt_models,
    dbt_project,
    engine_raw_assets,
    tsq_dbt_models,
)


def build_definitions(settings: TsqSettings) -> dg.Definitions:
    # TSQ_ENGINE: on an engine other than DuckDB, a push of raw sits between ingest and
    # dbt, and dbt's sources are its assets (orchestration/engines/)
    engine = engine_for(settings)
    engine_assets = [engine_raw_assets(engine.name)] if engine.pushes_raw else []
    dbt_models = tsq_dbt_models if engine.name == "duckdb" else build_dbt_models(engine.name)
    return dg.Definitions(
        assets=[
            inbox_adapters,
            *ingest_assets,
            raw_quarantine,
            *engine_assets,
            dbt_models,
            published_store,
        ],
        asset_checks=[*suite_checks, *reconciliation_checks],
        jobs=[pipeline_job],
        schedules=[daily_schedule],
        sensors=[inbox_sensor],
        resources={
            "tsq": TsqHome(home=str(settings.root)),
            # the dbt installed beside this interpreter, whether or not the venv is activated
            "dbt": InstalledDbtCliResource(
                project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
            ),
        },
        # DuckDB has one writer process: every step runs in the run's own process, in turn.
        executor=dg.in_process_executor,
    )


defs = build_definitions(get_settings())
