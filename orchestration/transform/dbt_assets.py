"""The dbt project as Dagster assets: staging -> intermediate -> indicators -> scores -> published.

One `dbt build` runs every model and its dbt data tests (a failing test stops the models
after it). Each model's Dagster group is its folder, so the UI shows the layers.
"""

import json
import os
from collections.abc import Iterator, Mapping
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from orchestration.engines import engine_for
from orchestration.resources import TsqHome
from orchestration.settings import DBT_PROJECT_DIR, TsqSettings
from orchestration.transform.incremental import (
    FULL_REFRESH_TAG,
    build_fingerprint,
    forget_build,
    full_refresh_reason,
    record_build,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class LayerTranslator(DagsterDbtTranslator):
    """The key policy, stated rather than left to dagster-dbt's default: a model or seed is
    `<schema>/<name>` (its schema is its layer: staging, intermediate, indicators, scores,
    published, config), and a source is `<source>/<table>` (raw/tickets, the asset the
    ingest step materialises). The GX suites (`asset_key` in each expectations file) and
    the publish step name assets by these keys; tests/snapshots/definitions.json pins
    them. Models are grouped by layer folder; seeds go with staging."""

    def __init__(self, source_prefix: tuple[str, ...] = ()) -> None:
        super().__init__()
        # an engine other than DuckDB reads its sources from the raw push's assets
        # (`<engine>/raw/<table>`, engine_raw_assets), not from the ingest step's
        self.source_prefix = source_prefix

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(
                [*self.source_prefix, dbt_resource_props["source_name"], dbt_resource_props["name"]]
            )
        name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return dg.AssetKey([dbt_resource_props["config"]["schema"], name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_resource_props["fqn"][1]
        return "staging"


class InstalledDbtCliResource(DbtCliResource):
    """The dbt CLI installed beside this interpreter (the project's own venv).

    dagster-dbt learns the CLI's version by running `dbt --version` before every
    invocation (a second process per run; docs/performance.md); the dbt-core package
    installed here is that CLI, so its
    version is read from the package metadata instead. tests/test_pipeline.py checks
    that the two agree, so an upgrade that breaks this fails the suite, not a run.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))


def dbt_build_args(settings: TsqSettings) -> list[str]:
    """Arguments of the one dbt invocation per run: the warehouse, and the settings that
    reach the models as dbt vars (the coverage floor, when set).

    Unit tests check the SQL, not the data: they run in `make test`
    (tests/test_dbt_models.py), not in every production run, as dbt recommends.
    """
    engine = engine_for(settings)
    dbt_vars: dict[str, Any] = {"tsq_warehouse_path": str(settings.warehouse_path)}
    if settings.coverage_floor is not None:
        dbt_vars["tsq_coverage_floor"] = settings.coverage_floor
    dbt_vars.update(engine.dbt_vars())
    return [
        "build",
        *engine.dbt_args(),
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(dbt_vars),
    ]


def dbt_vars_of(args: list[str]) -> dict[str, Any]:
    """The --vars of dbt_build_args."""
    return dict(json.loads(args[args.index("--vars") + 1]))


def build_dbt_models(engine: str = "duckdb") -> dg.AssetsDefinition:
    """The dbt project as one multi-asset; on an engine that is pushed raw rows its sources
    are the push's assets, so the graph reads ingest -> push -> dbt."""
    prefix = () if engine == "duckdb" else (engine,)

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        dagster_dbt_translator=LayerTranslator(prefix),
        pool="tsq_warehouse",
        name="tsq_dbt_models",
    )
    def tsq_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, tsq: TsqHome
    ) -> Iterator[Any]:
        settings = tsq.settings
        args = dbt_build_args(settings)
        # Incremental unless something other than new loads changed since the last good
        # build (transform/incremental.py); the record goes first, so a failed build leaves
        # none and the next build is a full one. On PostgreSQL the decision still reads
        # DuckDB's raw: the push made PostgreSQL's raw the same rows.
        fingerprint = build_fingerprint(dbt_vars_of(args))
        asked = context.run.tags.get(FULL_REFRESH_TAG) == "true"
        reason = full_refresh_reason(settings, fingerprint, asked)
        forget_build(settings)
        if reason is not None:
            context.log.info(f"dbt build with --full-refresh: {reason}")
            args = [*args, "--full-refresh"]
        else:
            context.log.info("dbt build incremental: raw tables only grew by new loads")
        # dagster-dbt hands dbt a copy of this process's environment: the engine's
        # connection (profiles.yml reads TSQ_PG_*) goes there, as TSQ_HOME does (runner.py)
        os.environ.update(engine_for(settings).dbt_environment())
        # One target folder per TSQ home, reused run after run: dbt's partial parsing then
        # skips re-parsing an unchanged project, and run folders do not pile up in the repo.
        target = tsq.settings.root / "dbt_target"
        yield from dbt.cli(args, context=context, target_path=target).stream()
        # Only a build of every model is recorded: after a subset (some models picked in
        # the UI) a model left out may not have seen rows a quarantine release put back
        # under an old load, so the next build must be a full one.
        if not context.is_subset:
            record_build(settings, fingerprint)

    return tsq_dbt_models


def manifest_sources() -> list[tuple[str, str]]:
    """(source, table) of every dbt source: what a raw push must provide."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    return sorted((s["source_name"], s["name"]) for s in manifest["sources"].values())


def engine_raw_assets(engine: str) -> dg.AssetsDefinition:
    """The push of DuckDB's raw schema to `engine`, one asset per dbt source
    (`<engine>/raw/<table>`), each downstream of the ingest asset of that table."""
    specs = [
        dg.AssetSpec(
            key=dg.AssetKey([engine, source, table]),
            deps=[dg.AssetKey([source, table])],
            group_name="raw",
            kinds={engine},
            description=f"{source}.{table} as ingest accepted it on DuckDB, pushed to {engine} "
            "(every load, idempotently by load id).",
        )
        for source, table in manifest_sources()
    ]

    @dg.multi_asset(specs=specs, name=f"push_raw_to_{engine}", pool="tsq_warehouse")
    def push_raw(context: dg.AssetExecutionContext, tsq: TsqHome) -> Iterator[Any]:
        counts = engine_for(tsq.settings).push_raw()
        for spec in specs:
            table = spec.key.path[-1]
            yield dg.MaterializeResult(asset_key=spec.key, metadata={"rows": counts.get(table, 0)})

    return push_raw


# The default engine's, as loaded by everything that imports this module.
tsq_dbt_models = build_dbt_models()
