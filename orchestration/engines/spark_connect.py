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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import duckdb

from orchestration.engines.raw_schema import RawTable
from orchestration.engines.spark_raw import RawPushOutcome, spark_identifier, spark_raw_name
from orchestration.engines.spark_remote_push import duck_load_rows, push_raw_remote

if TYPE_CHECKING:  # imported when used: `tsq --help` need not start pyspark
    from pyspark.sql import SparkSession

#: the profile's target for a Spark Connect endpoint (dbt_project/profiles.yml)
DBT_TARGET = "spark_connect"


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


# -- the raw push (spark_remote_push.py: what Connect and Thrift share) --------------


@dataclass(frozen=True)
class ConnectRemote:
    """The push's way through Spark Connect: rows travel as Arrow DataFrames."""

    session: SparkSession

    def sql(self, text: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.session.sql(text).collect()]

    def send_load(
        self, duck: duckdb.DuckDBPyConnection, table: RawTable, load_id: str | None
    ) -> None:
        text, parameters = duck_load_rows(table, load_id)
        arrow = duck.sql(text, params=parameters).to_arrow_table()
        qualified = spark_raw_name(table)
        if not arrow.num_rows:
            if load_id is None:
                self.session.sql(f"TRUNCATE TABLE {qualified}")
            return
        # by position: the frame's columns are the table's, in its order
        self.session.createDataFrame(arrow).write.insertInto(qualified, overwrite=True)

    def replace_table(
        self, qualified: str, columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None:
        schema = ", ".join(f"{spark_identifier(name)} {kind}" for name, kind in columns)
        frame = self.session.createDataFrame(rows, schema=schema)
        frame.write.mode("overwrite").saveAsTable(qualified)


def push_raw_connect(warehouse: Path, session: SparkSession) -> RawPushOutcome:
    """Mirror DuckDB's raw schema into the cluster's `raw` database, load by load."""
    return push_raw_remote(warehouse, ConnectRemote(session))
