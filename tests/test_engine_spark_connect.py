"""TSQ_ENGINE=spark on a cluster: everything through Spark Connect (TSQ_SPARK_REMOTE).

A real Spark Connect server, started by the project's own script
(scripts/spark-server.sh, from the jars pyspark ships), stands in for a cluster:
its warehouse and catalogue live in a folder of their own, which the pipeline never
touches as files.

- The raw push, on a hand-made raw schema: loads arrive as partitions of `raw.<table>`,
  values untouched; a second push sends nothing; a retracted load's partition goes; a
  load whose rows changed under the same count is sent again.
- `tsq run` with TSQ_ENGINE=spark and TSQ_SPARK_REMOTE publishes what a DuckDB run of the
  same inbox publishes (the same comparison as tests/test_engine_spark.py), the TSQ home
  has no local Spark folder (nothing went through a local session), the cluster's raw
  tables hold DuckDB's raw rows and its BI views hold the rows of published.duckdb.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

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
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.slow
GENERATED_TICKETS = 200


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with spark_server("connect", tmp_path_factory.mktemp("spark-connect-server")) as url:
        yield url


@pytest.fixture(scope="module")
def session(connect_url: str) -> Iterator[SparkSession]:
    from orchestration.engines.spark_connect import remote_session

    spark = remote_session(connect_url)
    try:
        yield spark
    finally:
        spark.stop()


def _raw_rows(spark: SparkSession, table: str, columns: str) -> list[tuple]:
    return sorted(tuple(row) for row in spark.sql(f"SELECT {columns} FROM raw.`{table}`").collect())


def test_the_push_sends_new_and_changed_loads_and_drops_retracted_ones(
    tmp_path: Path, session: SparkSession
) -> None:
    from orchestration.engines.spark_connect import push_raw_connect

    for database in ("raw", "tsq_push"):
        session.sql(f"DROP DATABASE IF EXISTS `{database}` CASCADE")
    warehouse = tmp_path / "tsq.duckdb"
    awkward = 'it\'s a \\ "q"\nnext'
    write_two_ticket_loads(warehouse, awkward)

    first = push_raw_connect(warehouse, session)
    assert first.loads_pushed >= 2 and first.loads_deleted == 0
    assert first.row_counts["tickets"] == 3
    assert _raw_rows(session, "tickets", "ticket_id, subject, _load_id") == [
        ("T1", awkward, "L1"),
        ("T2", None, "L2"),
        ("T3", "plain", "L2"),
    ]
    (loaded_at,) = session.sql("SELECT _loaded_at FROM raw.tickets WHERE ticket_id = 'T1'").first()
    assert loaded_at.isoformat().startswith("2026-09-01T00:00:00")

    again = push_raw_connect(warehouse, session)
    assert (again.loads_pushed, again.loads_deleted) == (0, 0)

    retract_l2_and_restate_l1(warehouse)
    third = push_raw_connect(warehouse, session)
    assert (third.loads_pushed, third.loads_deleted) == (1, 1)
    assert _raw_rows(session, "tickets", "ticket_id, subject, _load_id") == [("T9", "back", "L1")]
    partitions = [row[0] for row in session.sql("SHOW PARTITIONS raw.tickets").collect()]
    assert partitions == ["_load_id=L1"]


def test_a_run_on_spark_connect_publishes_what_a_duckdb_run_publishes(
    tmp_path: Path, connect_url: str, session: SparkSession
) -> None:
    duck, spark = run_on_duckdb_and_engine(
        tmp_path, GENERATED_TICKETS, {"TSQ_ENGINE": "spark", "TSQ_SPARK_REMOTE": connect_url}
    )
    # nothing went through a local session: no Spark files in the home
    assert not (spark.root / "spark").exists()
    assert_dbt_layers_are_not_in(spark.warehouse_path)
    store = assert_same_published_tables(duck.published_path, spark.published_path, "Spark Connect")

    # the cluster's catalogue: raw as DuckDB's, the BI views the very store
    duck_raw = {t: len(rows) for t, (_, rows) in duck_tables(spark.warehouse_path, "raw").items()}
    assert duck_raw["quarantine"] > 0
    cluster_raw = {
        t.name: session.table(f"raw.`{t.name}`").count() for t in session.catalog.listTables("raw")
    }
    assert cluster_raw == duck_raw
    cluster_bi = {
        t.name: session.table(f"tsq_published.`{t.name}`").count()
        for t in session.catalog.listTables("tsq_published")
    }
    assert cluster_bi == {t: len(rows) for t, (_, rows) in store.items()}


def test_a_table_another_session_rewrote_is_read_fresh(
    session: SparkSession, connect_url: str
) -> None:
    """dbt rewrites every table each run in a session of its own; a session that read a
    table before (a bench or a test runs several pipelines in one process) must see the
    new files: `refreshed` refreshes the table, or the view and the tables under it."""
    from pyspark.sql import SparkSession as Session

    from orchestration.engines.spark_connect import refreshed

    dbt_like = Session.builder.remote(connect_url).create()
    try:
        session.sql("CREATE DATABASE IF NOT EXISTS fresh")
        session.sql("DROP VIEW IF EXISTS fresh.over_numbers")
        session.sql("DROP TABLE IF EXISTS fresh.numbers")
        session.sql("CREATE TABLE fresh.numbers USING parquet AS SELECT id FROM range(5)")
        session.sql("CREATE VIEW fresh.over_numbers AS SELECT * FROM fresh.numbers")
        assert session.table("fresh.over_numbers").count() == 5
        dbt_like.sql("DROP TABLE fresh.numbers")
        dbt_like.sql("CREATE TABLE fresh.numbers USING parquet AS SELECT id FROM range(7)")
        with pytest.raises(Exception, match="FILE_NOT_EXIST"):
            session.table("fresh.over_numbers").count()
        assert refreshed(session, "fresh", "over_numbers")
        assert session.table("fresh.over_numbers").count() == 7
        assert not refreshed(session, "fresh", "no_such_table")
    finally:
        dbt_like.stop()
