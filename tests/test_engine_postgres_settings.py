"""TSQ_ENGINE chooses the engine: what the setting changes in the Dagster definitions, the
dbt invocation, the GX suites' connection and the up-to-date fingerprint (no server needed;
tests/test_engine_postgres_run.py runs the whole thing on a real PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.engines import engine_for
from orchestration.engines.postgres import postgres_url, sqlalchemy_url
from orchestration.quality.suites import discover_suites
from orchestration.settings import TsqSettings
from orchestration.transform.dbt_assets import dbt_build_args, dbt_vars_of
from orchestration.up_to_date import inputs_fingerprint


def _settings(tmp_path: Path, **values: object) -> TsqSettings:
    # said outright: whatever TSQ_ENGINE the shell running the tests has
    values.setdefault("engine", "duckdb")
    return TsqSettings(home=tmp_path / "home", **values).ensure()


def test_the_engine_is_duckdb_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSQ_ENGINE", raising=False)
    assert TsqSettings(home=tmp_path).engine == "duckdb"
    monkeypatch.setenv("TSQ_ENGINE", "postgres")
    monkeypatch.setenv("TSQ_PG_PORT", "6543")
    settings = TsqSettings(home=tmp_path)
    assert (settings.engine, settings.pg_port) == ("postgres", 6543)
    monkeypatch.setenv("TSQ_ENGINE", "oracle")
    with pytest.raises(ValueError):
        TsqSettings(home=tmp_path)


def test_on_postgres_a_push_sits_between_ingest_and_dbt(tmp_path: Path) -> None:
    duck = build_definitions(_settings(tmp_path, engine="duckdb")).resolve_asset_graph()
    pg = build_definitions(_settings(tmp_path, engine="postgres")).resolve_asset_graph()
    stg = dg.AssetKey(["staging", "base_helpdesk__tickets"])
    # on DuckDB dbt reads the ingest asset itself; on PostgreSQL the push's asset
    assert dg.AssetKey(["raw", "tickets"]) in duck.get(stg).parent_keys
    pushed = dg.AssetKey(["postgres", "raw", "tickets"])
    assert pushed in pg.get(stg).parent_keys
    assert dg.AssetKey(["raw", "tickets"]) in pg.get(pushed).parent_keys
    assert not any(key.path[0] == "postgres" for key in duck.get_all_asset_keys())


def test_dbt_runs_on_the_engines_target_with_its_identity_in_the_vars(tmp_path: Path) -> None:
    duck = dbt_build_args(_settings(tmp_path))
    assert "--target" not in duck
    assert set(dbt_vars_of(duck)) == {"tsq_warehouse_path"}  # unchanged on DuckDB
    settings = _settings(tmp_path, engine="postgres", pg_host="db", pg_password="s3cret")
    pg = dbt_build_args(settings)
    assert pg[pg.index("--target") + 1] == "postgres"
    dbt_vars = dbt_vars_of(pg)
    assert dbt_vars["tsq_engine"] == "postgres"
    assert "db:5432/tsq" in dbt_vars["tsq_engine_target"]
    assert "s3cret" not in str(dbt_vars)  # the vars land in the incremental record
    environment = engine_for(settings).dbt_environment()
    assert environment["TSQ_PG_HOST"] == "db" and environment["PGTZ"] == "UTC"


def test_connection_urls_keep_awkward_credentials_intact(tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine="postgres", pg_user="a b", pg_password="p@ss:/w%rd")
    parts = urlsplit(postgres_url(settings))
    assert (unquote(parts.username or ""), unquote(parts.password or "")) == ("a b", "p@ss:/w%rd")
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url(settings))
    assert (url.drivername, url.username, url.password) == (
        "postgresql+psycopg",
        "a b",
        "p@ss:/w%rd",
    )


def test_raw_suites_stay_on_duckdb_the_others_go_to_postgres(tmp_path: Path) -> None:
    engine = engine_for(_settings(tmp_path, engine="postgres"))
    suites = discover_suites()
    assert {s.layer for s in suites if engine.suite_connection(s) is None} == {"raw"}
    assert all(engine_for(_settings(tmp_path)).suite_connection(s) is None for s in suites)


def test_switching_the_engine_or_its_database_is_a_change(tmp_path: Path) -> None:
    duck = inputs_fingerprint(_settings(tmp_path))
    pg = inputs_fingerprint(_settings(tmp_path, engine="postgres"))
    other_db = inputs_fingerprint(_settings(tmp_path, engine="postgres", pg_dbname="other"))
    assert len({duck, pg, other_db}) == 3
    # the DuckDB-only settings do not move a DuckDB home's fingerprint
    assert inputs_fingerprint(_settings(tmp_path, pg_dbname="other")) == duck


def test_the_push_is_shown_with_the_ingest(tmp_path: Path) -> None:
    from orchestration.runner import step_phase

    job = build_definitions(_settings(tmp_path, engine="postgres")).resolve_job_def("tsq_pipeline")
    pushes = [node.name for node in job.graph.nodes if node.name.startswith("push_raw_to_")]
    assert pushes == ["push_raw_to_postgres"]
    assert step_phase(pushes[0]) == "ingest"
