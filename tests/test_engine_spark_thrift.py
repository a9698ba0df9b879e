"""TSQ_ENGINE=spark on a cluster that serves SQL only: its Thrift server
(TSQ_SPARK_REMOTE=hive://..., orchestration/engines/spark_thrift.py).

A real Spark Thrift server (HiveServer2), started by the project's own script
(scripts/spark-server.sh, from the jars pyspark ships), stands in for a cluster:
its warehouse and catalogue live in a folder of their own, which the pipeline never
touches as files; everything goes through SQL statements over PyHive.

- The raw push, on a hand-made raw schema: values that would break SQL text arrive
  untouched, instants as the same UTC instants; a second push sends nothing; a retracted
  load's partition goes; a load whose rows changed under the same count is sent again.
- The suites over GX's SQL datasource on the server: a dbt-layer suite (with its
  `pg_timezone_names()`) and a regular expression pass on good rows and fail on bad ones,
  with the counts a person would find.
- `tsq run` with TSQ_ENGINE=spark and a hive:// TSQ_SPARK_REMOTE publishes what a DuckDB
  run of the same inbox publishes, after the same number of passed checks; the home has no
  local Spark folder; the server's raw tables hold DuckDB's raw rows and its BI views the
  rows of published.duckdb.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from orchestration.settings import EXPECTATIONS_DIR
from tests.engine_comparison import (
    assert_dbt_layers_are_not_in,
    assert_same_published_tables,
    duck_tables,
    retract_l2_and_restate_l1,
    run_on_duckdb_and_engine,
    spark_server,
    write_two_ticket_loads,
)

if TYPE_CHECKING:
    from orchestration.engines.spark_thrift import ThriftSession

pytestmark = pytest.mark.slow
GENERATED_TICKETS = 200


@pytest.fixture(scope="module")
def thrift_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with spark_server("thrift", tmp_path_factory.mktemp("spark-thrift-server")) as url:
        yield url


@pytest.fixture(scope="module")
def thrift(thrift_url: str) -> Iterator[ThriftSession]:
    from orchestration.engines.spark_thrift import ThriftEndpoint, ThriftSession

    with ThriftSession(ThriftEndpoint.parse(thrift_url)) as session:
        yield session


def test_the_push_sends_rows_untouched_and_only_the_loads_that_changed(
    tmp_path: Path, thrift: ThriftSession
) -> None:
    from orchestration.engines.spark_thrift import push_raw_thrift

    for database in ("raw", "tsq_push"):
        thrift.sql(f"DROP DATABASE IF EXISTS `{database}` CASCADE")
    warehouse = tmp_path / "tsq.duckdb"
    # quotes, a backslash, a newline, a would-be comment and statement end: SQL-breaking text
    awkward = "it's a \\ \"q\"\nnext'); DROP TABLE raw.tickets; --"
    write_two_ticket_loads(warehouse, awkward)

    first = push_raw_thrift(warehouse, thrift)
    assert first.loads_pushed >= 2 and first.loads_deleted == 0
    assert first.row_counts["tickets"] == 3
    rows = thrift.sql("SELECT ticket_id, subject, _load_id, _loaded_at FROM raw.tickets")
    assert sorted(rows) == [
        ("T1", awkward, "L1", dt.datetime(2026, 9, 1)),
        ("T2", None, "L2", dt.datetime(2026, 9, 2)),
        ("T3", "plain", "L2", dt.datetime(2026, 9, 2)),
    ]

    again = push_raw_thrift(warehouse, thrift)
    assert (again.loads_pushed, again.loads_deleted) == (0, 0)

    retract_l2_and_restate_l1(warehouse)
    third = push_raw_thrift(warehouse, thrift)
    assert (third.loads_pushed, third.loads_deleted) == (1, 1)
    assert thrift.sql("SELECT ticket_id, subject, _load_id FROM raw.tickets") == [
        ("T9", "back", "L1")
    ]
    assert thrift.sql("SHOW PARTITIONS raw.tickets") == [("_load_id=L1",)]


def _gate_table(thrift: ThriftSession, name: str, rows: list[tuple[str, int, str]]) -> str:
    from orchestration.engines.spark_thrift import send_rows

    thrift.sql("CREATE DATABASE IF NOT EXISTS gate")
    thrift.sql(f"DROP TABLE IF EXISTS gate.{name}")
    thrift.sql(
        f"CREATE TABLE gate.{name} (team_id string, working_day_minutes int, timezone string)"
        " USING parquet"
    )
    columns = [("team_id", "string"), ("working_day_minutes", "int"), ("timezone", "string")]
    send_rows(thrift, f"gate.{name}", columns, rows, overwrite=False)
    return f"gate.{name}"


def test_suites_on_the_thrift_server_pass_good_rows_and_fail_bad_ones(
    thrift_url: str, thrift: ThriftSession
) -> None:
    from orchestration.engines.spark_thrift import register_timezone_names
    from orchestration.quality.suites import SuiteFile, validate_suite

    register_timezone_names(thrift)
    teams = SuiteFile.read(EXPECTATIONS_DIR / "staging" / "stg_helpdesk__teams.json")
    good = _gate_table(thrift, "teams_good", [("TM01", 480, "Europe/Paris"), ("TM02", 1, "UTC")])
    bad = _gate_table(
        thrift,
        "teams_bad",
        [("TM01", 480, "Europe/Paris"), ("TM02", 0, "UTC"), ("TM03", 600, "Mars/Olympus")],
    )
    passed = validate_suite(
        Path("unused"), dataclasses.replace(teams, table=good), engine_url=thrift_url
    )
    assert passed.passed and passed.rows_checked == 2, passed.summary()
    failed = validate_suite(
        Path("unused"), dataclasses.replace(teams, table=bad), engine_url=thrift_url
    )
    assert not failed.passed
    found = {o.expectation: o.unexpected_count for o in failed.blocking_failures}
    # one day of 0 minutes; one zone the server does not know
    assert found == {"expect_column_values_to_be_between": 1, "unexpected_rows_expectation": 1}

    # a regular expression, which GX spells by dialect (quality/gx_hive.py)
    ids = dataclasses.replace(
        teams,
        expectations=(
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "team_id", "regex": "^TM[0-9]{2}$"},
                "meta": {"severity": "blocking"},
            },
        ),
    )
    assert validate_suite(
        Path("unused"), dataclasses.replace(ids, table=good), engine_url=thrift_url
    ).passed
    odd = _gate_table(
        thrift, "teams_odd", [("TM01", 480, "UTC"), ("team 2", 480, "UTC"), ("XTM03", 1, "UTC")]
    )
    regex = validate_suite(
        Path("unused"), dataclasses.replace(ids, table=odd), engine_url=thrift_url
    )
    assert [(o.expectation, o.unexpected_count, o.error) for o in regex.outcomes] == [
        ("expect_column_values_to_match_regex", 2, None)
    ]


def test_a_run_through_the_thrift_server_publishes_what_a_duckdb_run_publishes(
    tmp_path: Path, thrift_url: str, thrift: ThriftSession
) -> None:
    duck, spark = run_on_duckdb_and_engine(
        tmp_path, GENERATED_TICKETS, {"TSQ_ENGINE": "spark", "TSQ_SPARK_REMOTE": thrift_url}
    )
    # nothing went through a local session: no Spark files in the home
    assert not (spark.root / "spark").exists()
    assert_dbt_layers_are_not_in(spark.warehouse_path)
    store = assert_same_published_tables(duck.published_path, spark.published_path, "Thrift")
    # every suite ran (on the server, for dbt's layers) and passed, as on DuckDB
    assert checks_passed(spark.published_path) == checks_passed(duck.published_path) > 100

    duck_raw = {t: len(rows) for t, (_, rows) in duck_tables(spark.warehouse_path, "raw").items()}
    assert duck_raw["quarantine"] > 0
    server_raw = {
        name: thrift.sql(f"SELECT count(*) FROM raw.`{name}`")[0][0]
        for _, name, _ in thrift.sql("SHOW TABLES IN raw")
    }
    assert server_raw == duck_raw
    server_bi = {
        name: thrift.sql(f"SELECT count(*) FROM tsq_published.`{name}`")[0][0]
        for _, name, _ in thrift.sql("SHOW VIEWS IN tsq_published")
    }
    assert server_bi == {t: len(rows) for t, (_, rows) in store.items()}


def checks_passed(published: Path) -> int:
    with duckdb.connect(str(published), read_only=True) as con:
        return int(con.execute("SELECT checks_passed FROM publish_log").fetchone()[0])
