"""TSQ_ENGINE=spark: what the setting changes in the Dagster definitions, the dbt
invocation and where the GX suites validate (no JVM started; tests/test_engine_spark.py
runs the whole thing on a local Spark)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.engines import ENGINE_NAMES, engine_for
from orchestration.engines.spark import (
    SparkEngine,
    SparkEngineError,
    duckdb_type,
    run_label,
    table_location,
    version_database,
)
from orchestration.quality.suites import discover_suites
from orchestration.settings import TsqSettings
from orchestration.transform.dbt_assets import dbt_build_args, dbt_vars_of


def _settings(tmp_path: Path, **values: object) -> TsqSettings:
    values.setdefault("engine", "duckdb")
    return TsqSettings(home=tmp_path / "home", **values).ensure()


def test_tsq_engine_spark_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "spark" in ENGINE_NAMES
    monkeypatch.setenv("TSQ_ENGINE", "spark")
    settings = TsqSettings(home=tmp_path)
    assert settings.engine == "spark"
    assert isinstance(engine_for(settings), SparkEngine)


def test_on_spark_dbt_builds_the_spark_target_and_says_so_in_its_vars(tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine="spark")
    args = dbt_build_args(settings)
    assert args[args.index("--target") + 1] == "spark"
    dbt_vars = dbt_vars_of(args)
    assert dbt_vars["tsq_engine"] == "spark"
    # the Spark home is part of the identity: another home is not an incremental continuation
    assert str(settings.root.resolve() / "spark") in dbt_vars["tsq_engine_target"]
    environment = engine_for(settings).dbt_environment()
    assert environment["TSQ_HOME"] == str(settings.root.resolve())
    assert Path(environment["TSQ_HOME"]).is_absolute() and environment["TZ"] == "UTC"


def test_with_a_remote_dbt_builds_the_connect_target_and_never_logs_the_token(
    tmp_path: Path,
) -> None:
    url = "sc://workspace.example.com:443/;token=dapiSECRET;x-databricks-cluster-id=0101"
    settings = _settings(tmp_path, engine="spark", spark_remote=url)
    args = dbt_build_args(settings)
    assert args[args.index("--target") + 1] == "spark_connect"
    target = dbt_vars_of(args)["tsq_engine_target"]
    assert target == "spark-connect:sc://workspace.example.com:443?tsq"
    assert "SECRET" not in " ".join(args)
    # dbt-spark's session method connects where SPARK_REMOTE says
    assert engine_for(settings).dbt_environment()["SPARK_REMOTE"] == url
    assert "SPARK_REMOTE" not in engine_for(_settings(tmp_path, engine="spark")).dbt_environment()


def test_on_spark_a_push_sits_between_ingest_and_dbt(tmp_path: Path) -> None:
    graph = build_definitions(_settings(tmp_path, engine="spark")).resolve_asset_graph()
    pushed = dg.AssetKey(["spark", "raw", "tickets"])
    assert pushed in graph.get(dg.AssetKey(["staging", "base_helpdesk__tickets"])).parent_keys
    assert dg.AssetKey(["raw", "tickets"]) in graph.get(pushed).parent_keys


def test_raw_suites_stay_on_duckdb_the_others_validate_on_spark(tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine="spark")
    engine = engine_for(settings)
    suites = discover_suites()
    on_spark = {s.layer for s in suites if engine.suite_spark_home(s) is not None}
    assert "raw" not in on_spark and {"staging", "scores"} <= on_spark
    assert all(engine.suite_connection(s) is None for s in suites)
    assert {engine.suite_spark_home(s) for s in suites if s.layer != "raw"} == {
        settings.root.resolve() / "spark"
    }
    for other in ("duckdb", "postgres"):
        assert all(
            engine_for(_settings(tmp_path, engine=other)).suite_spark_home(s) is None
            for s in suites
        )


def test_names_on_spark(tmp_path: Path) -> None:
    # a Dagster run id becomes part of a database name: only [a-z0-9_]
    assert run_label("3F2a-9c1b-X") == "3f2a_9c1b_x"
    assert version_database(run_label("ab-cd")) == "tsq_published_v_ab_cd"
    assert table_location(tmp_path, "Published", "Scores") == (
        tmp_path / "warehouse" / "published.db" / "scores"
    )
    assert duckdb_type("timestamp", "t.c") == "TIMESTAMP"
    assert duckdb_type("decimal(38,6)", "t.c") == "DECIMAL(38,6)"
    with pytest.raises(SparkEngineError, match="t.c: Spark type map<string,int>"):
        duckdb_type("map<string,int>", "t.c")


def test_a_hive_remote_builds_the_thrift_target_where_the_url_says(tmp_path: Path) -> None:
    url = "hive://analyst@thrift.example.internal:10001/reporting"
    settings = _settings(tmp_path, engine="spark", spark_remote=url)
    engine = engine_for(settings)
    args = dbt_build_args(settings)
    # the profile's spark_cluster target (dbt-spark's thrift method), told where by env vars
    assert args[args.index("--target") + 1] == "spark_cluster"
    environment = engine.dbt_environment()
    assert (
        environment["TSQ_SPARK_METHOD"],
        environment["TSQ_SPARK_HOST"],
        environment["TSQ_SPARK_PORT"],
        environment["TSQ_SPARK_USER"],
    ) == ("thrift", "thrift.example.internal", "10001", "analyst")
    assert "SPARK_REMOTE" not in environment
    target = dbt_vars_of(args)["tsq_engine_target"]
    assert target == "spark-thrift:hive://thrift.example.internal:10001?tsq"
    # dbt's layers validate on the server through SQL, raw stays on DuckDB
    suites = discover_suites()
    assert {engine.suite_connection(s) for s in suites if s.layer != "raw"} == {url}
    assert {engine.suite_connection(s) for s in suites if s.layer == "raw"} == {None}
    assert {engine.suite_spark_home(s) for s in suites} == {None}


def test_a_spark_remote_is_connect_or_thrift_and_a_password_stays_out_of_it(
    tmp_path: Path,
) -> None:
    from pydantic import ValidationError

    from orchestration.engines.spark_thrift import ThriftEndpoint

    with pytest.raises(ValidationError, match="Spark Connect URL .* or a Thrift server's"):
        _settings(tmp_path, engine="spark", spark_remote="jdbc:hive2://host:10000")
    with pytest.raises(ValueError, match="password in the URL"):
        ThriftEndpoint.parse("hive://analyst:secret@host:10000/default")
    endpoint = ThriftEndpoint.parse("hive://host")
    assert (endpoint.port, endpoint.user, endpoint.database) == (10000, "", "default")
    assert endpoint.sqlalchemy_url == "hive://host:10000/default"


def test_values_travel_as_the_text_that_reads_back_to_them() -> None:
    """What send_rows puts in a statement's JSON: Spark's CAST of each text gives the value
    back (a double's shortest repr, an aware instant in UTC, a date in ISO form)."""
    import datetime as dt
    import decimal
    import zoneinfo

    from orchestration.engines.spark_thrift import _text

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert _text(0.1 + 0.2) == "0.30000000000000004"
    assert float(_text(1e-300) or "") == 1e-300
    assert _text(dt.datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=paris)) == "2026-07-01 10:00:00.000005"
    assert _text(dt.datetime(2026, 7, 1, 12, 0)) == "2026-07-01 12:00:00"
    assert _text(dt.date(2024, 2, 29)) == "2024-02-29"
    assert _text(decimal.Decimal("12.3400")) == "12.3400"
    assert (_text(True), _text(None), _text(7), _text("it's")) == ("true", None, "7", "it's")
    with pytest.raises(TypeError, match="bytes"):
        _text(b"\x00")


@pytest.mark.parametrize(
    ("remote", "shown"),
    [
        ("", "spark: local session in "),
        (
            "sc://workspace.example.com:443/;token=dapiSECRET",
            "spark: Spark Connect sc://workspace.example.com:443 (TSQ_SPARK_REMOTE)",
        ),
        (
            "hive://analyst@thrift.example.internal:10001/reporting",
            "spark: Thrift server hive://thrift.example.internal:10001 (TSQ_SPARK_REMOTE)",
        ),
    ],
)
def test_tsq_where_says_which_spark_the_run_reaches(
    tmp_path: Path, remote: str, shown: str
) -> None:
    from click.testing import CliRunner

    from orchestration.cli import main

    environment = {"TSQ_HOME": str(tmp_path), "TSQ_ENGINE": "spark", "TSQ_SPARK_REMOTE": remote}
    result = CliRunner().invoke(main, ["where"], env=environment)
    assert result.exit_code == 0, result.output
    assert shown in " ".join(result.output.split())
    assert "SECRET" not in result.output and "analyst" not in result.output
