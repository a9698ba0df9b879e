"""Push the raw schema of the DuckDB working warehouse to Spark, so the dbt project can run
there (`dbt build --target spark`).

Ingest stays on DuckDB (quarantine, reconciliation, the load ledger); this copies what it
accepted, as Parquet files with Spark tables over them:

    <spark home>/raw/<table>/<load id column>=<load id>/data.parquet   one folder per load
    <spark home>/raw/refused_files/all/data.parquet                     (no load id: whole)

and in Spark's catalogue `raw.<table>`, an external Parquet table over its folder,
partitioned by the load id column (`_load_id` on contract entities, `load_id` in the
ledger). <spark home> is $TSQ_HOME/spark by default: the local session of the profile's
`spark` target keeps its warehouse and its Derby metastore there too, so the tables made
here are the tables dbt's sources read.

Idempotent by load id, like postgres_raw: every push writes every load's files again (a
quarantine release adds rows under an old load id, so a folder being there does not say it
is whole), each load into a hidden folder first that then replaces the load's folder (Spark
skips names starting with a dot, so a reader never sees half a load); folders of loads no
longer in DuckDB (retracted) are removed; then `MSCK REPAIR TABLE ... SYNC PARTITIONS`
makes the catalogue's partitions those folders.

Values never enter SQL text: DuckDB reads a load's rows with the load id bound as a
parameter, Spark's LOCATION is a named parameter marker, identifiers are quoted by
`spark_identifier`. A load id becomes a folder name, so one that is not a plain token
(uuid4 is what ingest makes) is refused.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.engines.raw_schema import RAW_SCHEMA, RawPushError, RawTable
from orchestration.engines.raw_schema import raw_tables as engine_raw_tables
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:  # imported when used: `tsq --help` need not start a JVM
    from pyspark.sql import SparkSession

DATA_FILE = "data.parquet"
# DuckDB type -> Spark type of the raw tables (raw's contract columns are text, its
# lineage columns bigint and timestamptz; the rest are the ledger's)
SPARK_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "SMALLINT": "smallint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "DATE": "date",
    # Parquet's UTC-adjusted timestamp, which Spark reads as its (session-zone) timestamp
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "TIMESTAMP": "timestamp_ntz",
}
PLAIN_LOAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class RawPushOutcome:
    loads_pushed: int
    loads_deleted: int  # load folders present before the push, no longer in DuckDB
    row_counts: dict[str, int]  # table -> rows Spark reads after the push


def spark_identifier(identifier: str) -> str:
    """`identifier` as a Spark SQL identifier (a`b -> `a``b`)."""
    return "`" + identifier.replace("`", "``") + "`"


def local_session_conf(spark_home: Path, shuffle_partitions: int = 2) -> dict[str, str]:
    """The local session's settings; profiles.yml's `spark` target sets the same ones
    (from TSQ_HOME), so both processes open the same metastore and warehouse."""
    root = spark_home.resolve()
    return {
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root} -Duser.timezone=UTC",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.ui.enabled": "false",
    }


def local_session(spark_home: Path) -> SparkSession:
    """A local Spark session (as dbt-spark's session method builds one) on spark_home."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[*]").appName("tsq push raw").enableHiveSupport()
    for key, value in local_session_conf(spark_home).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def raw_tables(duck: duckdb.DuckDBPyConnection) -> list[RawTable]:
    """Every table of DuckDB's raw schema, with Spark column types."""
    return engine_raw_tables(duck, SPARK_TYPES, "Spark")


def duck_raw_name(table: RawTable) -> str:
    return f"{quote_identifier(RAW_SCHEMA)}.{quote_identifier(table.name)}"


def _load_folder(table_dir: Path, table: RawTable, load_id: str) -> Path:
    if not PLAIN_LOAD_ID.fullmatch(load_id):
        raise RawPushError(f"raw.{table.name}: load id {load_id!r} is not a plain name")
    return table_dir / f"{table.load_id_column}={load_id}"


def _write_parquet(
    duck: duckdb.DuckDBPyConnection, table: RawTable, load_id: str | None, folder: Path
) -> None:
    """The table's rows (one load's when load_id is given) as folder/data.parquet, written
    beside it in a hidden folder first and then swapped in."""
    staging = folder.parent / f".{folder.name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    select_list = ", ".join(quote_identifier(c) for c in table.data_columns)
    # names come from DuckDB's own catalogue, quoted; the load id is bound
    text = f"select {select_list} from {duck_raw_name(table)}"
    if load_id is None:
        relation = duck.sql(text)
    else:
        relation = duck.sql(
            f"{text} where {quote_identifier(table.load_id_column or '')} = ?", params=[load_id]
        )
    relation.write_parquet(str(staging / DATA_FILE))
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


def _table_location(raw_root: Path, table: RawTable) -> Path:
    return raw_root / table.name


def spark_raw_name(table: RawTable) -> str:
    return f"{spark_identifier(RAW_SCHEMA)}.{spark_identifier(table.name)}"


def spark_columns(table: RawTable) -> list[tuple[str, str]]:
    """raw.<table>'s columns on Spark: the data columns, then the load id (the partition,
    text)."""
    columns = [(c, t) for c, t in table.columns if c != table.load_id_column]
    if table.load_id_column is not None:
        columns.append((table.load_id_column, "string"))
    return columns


def ensure_spark_table(spark: SparkSession, table: RawTable, location: Path) -> bool:
    """raw.<table> on the local Spark as an external Parquet table over `location` (the
    push's folder), partitioned by its load id (a cluster's managed tables:
    spark_remote_push.py). Made again when DuckDB's columns differ from it (dropping an
    external table keeps its files). True when it was (re)made."""
    qualified = spark_raw_name(table)
    if spark.catalog.tableExists(qualified):
        existing = [(f.name, f.dataType.simpleString()) for f in spark.table(qualified).schema]
        if existing == spark_columns(table):
            return False
        spark.sql(f"DROP TABLE {qualified}")
    spark.sql(
        f"CREATE TABLE {qualified} {raw_table_definition(table)} LOCATION :location",
        args={"location": str(location)},
    )
    return True


def raw_table_definition(table: RawTable) -> str:
    """raw.<table>'s columns and storage in CREATE TABLE: Parquet, partitioned by the load
    id when it has one."""
    columns = ", ".join(f"{spark_identifier(c)} {t}" for c, t in spark_columns(table))
    partitioned = (
        f" PARTITIONED BY ({spark_identifier(table.load_id_column)})"
        if table.load_id_column is not None
        else ""
    )
    return f"({columns}) USING parquet{partitioned}"


@dataclass(frozen=True)
class RawFiles:
    tables: list[RawTable]
    loads_written: set[str]
    loads_removed: set[str]  # load folders that were there and are no longer in DuckDB


def write_raw_files(warehouse: Path, raw_root: Path) -> RawFiles:
    """Every load of every raw table of DuckDB's working warehouse as Parquet under
    raw_root (the file half of push_raw; no Spark needed)."""
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        # timestamptz values are written as UTC instants whatever the zone; UTC keeps
        # any text rendering of them the same as on the other engines
        duck.execute("set TimeZone = 'UTC'")
        tables = raw_tables(duck)
        if not tables:
            raise RawPushError(f"{warehouse} has no raw schema: nothing was ingested")
        written: set[str] = set()
        removed: set[str] = set()
        for table in tables:
            table_dir = _table_location(raw_root, table)
            table_dir.mkdir(parents=True, exist_ok=True)
            if table.load_id_column is None:
                _write_parquet(duck, table, None, table_dir / "all")
                continue
            load_ids = {
                load_id
                for (load_id,) in duck.execute(
                    f"select distinct {quote_identifier(table.load_id_column)} "
                    f"from {duck_raw_name(table)}"
                ).fetchall()
            }
            wanted = {_load_folder(table_dir, table, load_id): load_id for load_id in load_ids}
            for folder, load_id in sorted(wanted.items()):
                _write_parquet(duck, table, load_id, folder)
            written.update(load_ids)
            prefix = f"{table.load_id_column}="
            for folder in table_dir.iterdir():
                if folder.name.startswith(prefix) and folder not in wanted:
                    removed.add(folder.name.removeprefix(prefix))
                    shutil.rmtree(folder)
    return RawFiles(tables, written, removed - written)


def push_raw(
    warehouse: Path, spark_home: Path | None = None, spark: SparkSession | None = None
) -> RawPushOutcome:
    """Mirror DuckDB's raw schema (the working warehouse at `warehouse`) as Parquet files
    under spark_home/raw (default: `spark` beside the warehouse, i.e. $TSQ_HOME/spark) and
    Spark tables over them. Without `spark`, a local session on spark_home is started and
    stopped (its Derby metastore admits one process at a time: push, then run dbt)."""
    spark_home = (spark_home or warehouse.parent / "spark").resolve()
    raw_root = spark_home / RAW_SCHEMA
    files = write_raw_files(warehouse, raw_root)
    own_session = spark is None
    session = spark or local_session(spark_home)
    try:
        session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(RAW_SCHEMA)}")
        row_counts = {}
        for table in files.tables:
            ensure_spark_table(session, table, _table_location(raw_root, table))
            qualified = spark_raw_name(table)
            if table.load_id_column is not None:
                session.sql(f"MSCK REPAIR TABLE {qualified} SYNC PARTITIONS")
            session.sql(f"REFRESH TABLE {qualified}")
            row_counts[table.name] = session.table(qualified).count()
    finally:
        if own_session:
            session.stop()
    return RawPushOutcome(
        loads_pushed=len(files.loads_written),
        loads_deleted=len(files.loads_removed),
        row_counts=row_counts,
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.engines.spark_raw`: push $TSQ_HOME's raw schema to its
    local Spark home (the profile's `spark` target), in a process of its own (the local
    metastore admits one process at a time, and dbt's is the next), or to the cluster
    TSQ_SPARK_REMOTE names (spark_connect.py). Prints the outcome as one line of JSON."""
    from orchestration.settings import get_settings

    del argv
    settings = get_settings()
    from orchestration.engines.spark_thrift import is_thrift_url

    if is_thrift_url(settings.spark_remote):
        # a cluster's Thrift server: SQL only (spark_thrift.py)
        from orchestration.engines.spark_thrift import (
            ThriftEndpoint,
            ThriftSession,
            push_raw_thrift,
        )

        with ThriftSession(ThriftEndpoint.parse(settings.spark_remote)) as thrift:
            outcome = push_raw_thrift(settings.warehouse_path, thrift)
    elif settings.spark_remote:
        # a cluster through Spark Connect: its own storage and catalogue
        from orchestration.engines.spark_connect import push_raw_connect, remote_session

        session = remote_session(settings.spark_remote)
        try:
            outcome = push_raw_connect(settings.warehouse_path, session)
        finally:
            session.stop()
    else:
        outcome = push_raw(settings.warehouse_path)
    print(json.dumps(dataclasses.asdict(outcome), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
