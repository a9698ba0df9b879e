"""TSQ_ENGINE=spark on a cluster: every Spark step through Spark Connect (TSQ_SPARK_REMOTE).

The local engine (spark.py, spark_raw.py) keeps its tables as files under $TSQ_HOME/spark
and a Derby catalogue that admits one process. A cluster has its own storage and
catalogue, which this process can neither write as files nor open; Spark Connect (Spark
3.4+, Databricks, EMR 7) reaches both over one gRPC connection. With TSQ_SPARK_REMOTE set:

- the raw push sends each load's rows as Arrow (`createDataFrame`) into `raw.<table>`,
  a managed Parquet table partitioned by its load id column, replacing only the loads
  whose rows changed since the last push (`tsq_push.raw_loads` on the cluster keeps, per
  table and load, DuckDB's row count and a checksum of the whole rows) and dropping the
  partitions of retracted loads;
- dbt builds with the profile's `spark_connect` target: dbt-spark's session method, whose
  SparkSession becomes a Connect session when SPARK_REMOTE is set (pyspark 4);
- the GX suites validate `session.table(<the suite's table>)` through GX's own Spark
  datasource (it takes a Connect DataFrame);
- the published tables are read back with `toArrow()`, and the BI publication sends the
  new Parquet set as Arrow into `tsq_published_v_<run>` and switches the views, as the
  local engine does.

Values never enter SQL text: rows travel as Arrow, identifiers are quoted by
spark_identifier, and a load id (a partition value in DROP PARTITION, which takes no
parameter marker) must be a plain token, as for the local push's folder names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import duckdb

from orchestration.engines.raw_schema import RAW_SCHEMA, RawPushError, RawTable
from orchestration.engines.spark_raw import (
    PLAIN_LOAD_ID,
    RawPushOutcome,
    duck_raw_name,
    ensure_spark_table,
    raw_tables,
    spark_columns,
    spark_identifier,
    spark_raw_name,
)
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:  # imported when used: `tsq --help` need not start pyspark
    from pyspark.sql import SparkSession

#: the profile's target for a Spark Connect endpoint (dbt_project/profiles.yml)
DBT_TARGET = "spark_connect"
#: the cluster-side record of what the raw push sent
PUSH_DATABASE = "tsq_push"
PUSH_RECORD = f"{spark_identifier(PUSH_DATABASE)}.`raw_loads`"


def describe_remote(url: str) -> str:
    """The URL without its parameters (`;token=...` on Databricks): what may be logged."""
    parts = urlsplit(url.split(";", 1)[0])
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def remote_session(url: str) -> SparkSession:
    """A Spark Connect session on `url`, in UTC (naive timestamps are UTC on every engine)."""
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(url).getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def refreshed(session: SparkSession, database: str, table: str) -> bool:
    """Whether database.table exists on the cluster; when it does, its cached metadata is
    refreshed first. A Connect session keeps each table's file list once it has read it,
    and dbt (another session) rewrites the tables every run: a session reused across runs
    in one process (`tsq bench`, a test) would read files that are gone. REFRESH TABLE on
    a view refreshes the tables under it too."""
    qualified = f"{spark_identifier(database)}.{spark_identifier(table)}"
    if not session.catalog.tableExists(qualified):
        return False
    session.catalog.refreshTable(qualified)
    return True


# -- the raw push ----------------------------------------------------------------------


def load_states(duck: duckdb.DuckDBPyConnection, table: RawTable) -> dict[str, tuple[int, str]]:
    """Per load: DuckDB's row count and a checksum of its whole rows (the ledger's tables
    are updated in place, so lineage alone would not do)."""
    load_column = quote_identifier(table.load_id_column or "")
    columns = ", ".join(quote_identifier(c) for c, _ in table.columns)
    rows = duck.execute(
        f"SELECT {load_column}, count(*), sum(hash({columns})::HUGEINT)::VARCHAR "
        f"FROM {duck_raw_name(table)} GROUP BY {load_column}"
    ).fetchall()
    return {str(load_id): (int(count), str(checksum)) for load_id, count, checksum in rows}


def _send(
    duck: duckdb.DuckDBPyConnection,
    session: SparkSession,
    table: RawTable,
    load_id: str | None,
) -> None:
    """One load's rows (every row when load_id is None) into raw.<table>, replacing that
    load's partition (the whole table without a load id)."""
    select_list = ", ".join(quote_identifier(c) for c, _ in spark_columns(table))
    text = f"SELECT {select_list} FROM {duck_raw_name(table)}"
    if load_id is None:
        arrow = duck.sql(text).to_arrow_table()
    else:
        arrow = duck.sql(
            f"{text} WHERE {quote_identifier(table.load_id_column or '')} = ?", params=[load_id]
        ).to_arrow_table()
    qualified = spark_raw_name(table)
    frame = session.createDataFrame(arrow) if arrow.num_rows else None
    if frame is None:
        if load_id is None:
            session.sql(f"TRUNCATE TABLE {qualified}")
        return
    # by position: the frame's columns are the table's, in its order
    frame.write.insertInto(qualified, overwrite=True)


def _partitions(session: SparkSession, table: RawTable) -> set[str]:
    """The load ids raw.<table> holds on the cluster (its partitions)."""
    qualified = spark_raw_name(table)
    prefix = f"{table.load_id_column}="
    return {
        row[0].removeprefix(prefix)
        for row in session.sql(f"SHOW PARTITIONS {qualified}").collect()
        if row[0].startswith(prefix)
    }


def _drop_load(session: SparkSession, table: RawTable, load_id: str) -> None:
    qualified = spark_raw_name(table)
    # a partition value cannot be a parameter marker: only a plain token gets here
    session.sql(
        f"ALTER TABLE {qualified} DROP IF EXISTS PARTITION "
        f"({spark_identifier(table.load_id_column or '')} = '{load_id}')"
    )


def _recorded(session: SparkSession) -> dict[tuple[str, str], tuple[int, str]]:
    if not session.catalog.tableExists(PUSH_RECORD):
        return {}
    return {
        (row.table_name, row.load_id): (int(row.row_count), str(row.checksum))
        for row in session.table(PUSH_RECORD).collect()
    }


@dataclass(frozen=True)
class _RecordRow:
    table_name: str
    load_id: str
    row_count: int
    checksum: str


def _write_record(session: SparkSession, rows: list[_RecordRow]) -> None:
    import pyarrow as pa

    record = pa.table(
        {
            "table_name": pa.array([r.table_name for r in rows], pa.string()),
            "load_id": pa.array([r.load_id for r in rows], pa.string()),
            "row_count": pa.array([r.row_count for r in rows], pa.int64()),
            "checksum": pa.array([r.checksum for r in rows], pa.string()),
        }
    )
    session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(PUSH_DATABASE)}")
    session.createDataFrame(record).write.mode("overwrite").saveAsTable(PUSH_RECORD)


def push_raw_remote(warehouse: Path, session: SparkSession) -> RawPushOutcome:
    """Mirror DuckDB's raw schema into the cluster's `raw` database, load by load."""
    session.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(RAW_SCHEMA)}")
    recorded = _recorded(session)
    record: list[_RecordRow] = []
    pushed = deleted = 0
    row_counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        # timestamptz values travel as UTC instants whatever the zone
        duck.execute("SET TimeZone = 'UTC'")
        tables = raw_tables(duck)
        if not tables:
            raise RawPushError(f"{warehouse} has no raw schema: nothing was ingested")
        for table in tables:
            remade = ensure_spark_table(session, table, None)
            if table.load_id_column is None:
                _send(duck, session, table, None)
            else:
                states = load_states(duck, table)
                for load_id in states:
                    if not PLAIN_LOAD_ID.fullmatch(load_id):
                        raise RawPushError(
                            f"raw.{table.name}: load id {load_id!r} is not a plain name"
                        )
                before = {
                    load_id: state
                    for (name, load_id), state in recorded.items()
                    if name == table.name and not remade
                }
                present = _partitions(session, table)
                for load_id, state in sorted(states.items()):
                    if load_id not in present or before.get(load_id) != state:
                        _send(duck, session, table, load_id)
                        pushed += 1
                    record.append(_RecordRow(table.name, load_id, *state))
                for load_id in sorted(present - set(states)):
                    _drop_load(session, table, load_id)
                    deleted += 1
            qualified = spark_raw_name(table)
            session.sql(f"REFRESH TABLE {qualified}")
            row_counts[table.name] = session.table(qualified).count()
    _write_record(session, record)
    return RawPushOutcome(loads_pushed=pushed, loads_deleted=deleted, row_counts=row_counts)
