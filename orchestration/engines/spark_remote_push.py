"""The raw push to a Spark cluster, whichever way it is reached (TSQ_SPARK_REMOTE): Spark
Connect (spark_connect.py) or its Thrift server (spark_thrift.py). Both keep the same
tables and the same record on the cluster; they differ only in how rows travel (Arrow
DataFrames, or rows inside INSERT statements), which is what `RemoteSpark` asks of them.
Everything else is SQL that both run alike:

- `raw.<table>` is a managed Parquet table partitioned by its load id column, made again
  when DuckDB's columns differ from it;
- a load is sent when its partition is missing or its rows changed since the last push
  (`tsq_push.raw_loads` keeps, per table and load, DuckDB's row count and a checksum of
  the whole rows: the ledger's tables are updated in place, so lineage alone would not
  do), replacing only that partition (dynamic partition overwrite);
- the partitions of loads no longer in DuckDB (retracted) are dropped. A partition value
  in DROP PARTITION takes no parameter marker: only a plain token (what ingest makes)
  gets there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from orchestration.engines.raw_schema import RAW_SCHEMA, RawPushError, RawTable
from orchestration.engines.spark_raw import (
    PLAIN_LOAD_ID,
    RawPushOutcome,
    duck_raw_name,
    raw_table_definition,
    raw_tables,
    spark_columns,
    spark_identifier,
    spark_raw_name,
)
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:
    from pathlib import Path

PUSH_DATABASE = "tsq_push"
PUSH_RECORD = f"{spark_identifier(PUSH_DATABASE)}.`raw_loads`"
RECORD_COLUMNS = [
    ("table_name", "string"),
    ("load_id", "string"),
    ("row_count", "bigint"),
    ("checksum", "string"),
]


class RemoteSpark(Protocol):
    """What a way of reaching a cluster provides to the push."""

    def sql(self, text: str) -> list[tuple[Any, ...]]:
        """Run one statement; its rows."""
        ...

    def send_load(
        self, duck: duckdb.DuckDBPyConnection, table: RawTable, load_id: str | None
    ) -> None:
        """One load's rows (every row when load_id is None) into raw.<table>, replacing
        that load's partition (the whole table without a load id)."""
        ...

    def replace_table(
        self, qualified: str, columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None:
        """A small table made again with `rows` (the push's record)."""
        ...


def duck_load_rows(table: RawTable, load_id: str | None) -> tuple[str, list[Any]]:
    """DuckDB's SELECT of one load's rows in raw.<table>'s column order on Spark, and its
    parameters (the load id is bound, never text)."""
    select_list = ", ".join(quote_identifier(c) for c, _ in spark_columns(table))
    text = f"SELECT {select_list} FROM {duck_raw_name(table)}"
    if load_id is None:
        return text, []
    return f"{text} WHERE {quote_identifier(table.load_id_column or '')} = ?", [load_id]


def load_states(duck: duckdb.DuckDBPyConnection, table: RawTable) -> dict[str, tuple[int, str]]:
    """Per load: DuckDB's row count and a checksum of its whole rows."""
    load_column = quote_identifier(table.load_id_column or "")
    columns = ", ".join(quote_identifier(c) for c, _ in table.columns)
    rows = duck.execute(
        f"SELECT {load_column}, count(*), sum(hash({columns})::HUGEINT)::VARCHAR "
        f"FROM {duck_raw_name(table)} GROUP BY {load_column}"
    ).fetchall()
    return {str(load_id): (int(count), str(checksum)) for load_id, count, checksum in rows}


def exists(remote: RemoteSpark, database: str, table: str) -> bool:
    """Whether database.table (a table or a view) exists on the cluster."""
    if database.lower() not in {str(row[0]).lower() for row in remote.sql("SHOW DATABASES")}:
        return False
    # SHOW TABLES rows are (namespace, tableName, isTemporary)
    names = remote.sql(f"SHOW TABLES IN {spark_identifier(database)}")
    return table.lower() in {str(row[1]).lower() for row in names}


def table_columns(remote: RemoteSpark, qualified: str) -> list[tuple[str, str]]:
    """(name, Spark type) of a table's columns, in order (DESCRIBE stops at its first
    blank or `#` line: what follows repeats the partition columns)."""
    found = []
    for name, data_type, *_ in remote.sql(f"DESCRIBE {qualified}"):
        if not name or str(name).startswith("#"):
            break
        found.append((str(name), str(data_type)))
    return found


def _ensure_table(remote: RemoteSpark, table: RawTable) -> bool:
    """raw.<table> as DuckDB's columns make it; True when it was (re)made."""
    qualified = spark_raw_name(table)
    if exists(remote, RAW_SCHEMA, table.name):
        if table_columns(remote, qualified) == spark_columns(table):
            return False
        remote.sql(f"DROP TABLE {qualified}")
    remote.sql(f"CREATE TABLE {qualified} {raw_table_definition(table)}")
    return True


def _recorded(remote: RemoteSpark) -> dict[tuple[str, str], tuple[int, str]]:
    if not exists(remote, PUSH_DATABASE, "raw_loads"):
        return {}
    return {
        (str(name), str(load_id)): (int(count), str(checksum))
        for name, load_id, count, checksum in remote.sql(
            f"SELECT table_name, load_id, row_count, checksum FROM {PUSH_RECORD}"
        )
    }


def _partitions(remote: RemoteSpark, table: RawTable) -> set[str]:
    """The load ids raw.<table> holds on the cluster (its partitions)."""
    prefix = f"{table.load_id_column}="
    return {
        str(row[0]).removeprefix(prefix)
        for row in remote.sql(f"SHOW PARTITIONS {spark_raw_name(table)}")
        if str(row[0]).startswith(prefix)
    }


@dataclass
class _Push:
    pushed: int = 0
    deleted: int = 0


def _push_loads(
    duck: duckdb.DuckDBPyConnection,
    remote: RemoteSpark,
    table: RawTable,
    before: dict[str, tuple[int, str]],
    push: _Push,
) -> list[tuple[str, str, int, str]]:
    """Send the loads of raw.<table> that changed, drop the retracted ones; returns the
    table's rows of the new record."""
    states = load_states(duck, table)
    for load_id in states:
        if not PLAIN_LOAD_ID.fullmatch(load_id):
            raise RawPushError(f"raw.{table.name}: load id {load_id!r} is not a plain name")
    present = _partitions(remote, table)
    for load_id, state in sorted(states.items()):
        if load_id not in present or before.get(load_id) != state:
            remote.send_load(duck, table, load_id)
            push.pushed += 1
    for load_id in sorted(present - set(states)):
        if not PLAIN_LOAD_ID.fullmatch(load_id):
            raise RawPushError(f"raw.{table.name}: partition {load_id!r} is not a plain name")
        # a partition value cannot be a parameter marker: only a plain token gets here
        remote.sql(
            f"ALTER TABLE {spark_raw_name(table)} DROP IF EXISTS PARTITION "
            f"({spark_identifier(table.load_id_column or '')} = '{load_id}')"
        )
        push.deleted += 1
    return [(table.name, load_id, *state) for load_id, state in sorted(states.items())]


def push_raw_remote(warehouse: Path, remote: RemoteSpark) -> RawPushOutcome:
    """Mirror DuckDB's raw schema into the cluster's `raw` database, load by load."""
    remote.sql("SET spark.sql.sources.partitionOverwriteMode=dynamic")
    for database in (RAW_SCHEMA, PUSH_DATABASE):
        remote.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(database)}")
    recorded = _recorded(remote)
    record: list[tuple[str, str, int, str]] = []
    push = _Push()
    row_counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        # timestamptz values travel as UTC instants whatever the zone
        duck.execute("SET TimeZone = 'UTC'")
        tables = raw_tables(duck)
        if not tables:
            raise RawPushError(f"{warehouse} has no raw schema: nothing was ingested")
        for table in tables:
            remade = _ensure_table(remote, table)
            if table.load_id_column is None:
                remote.send_load(duck, table, None)
            else:
                before = {
                    load_id: state
                    for (name, load_id), state in recorded.items()
                    if name == table.name and not remade
                }
                record += _push_loads(duck, remote, table, before, push)
            qualified = spark_raw_name(table)
            # a Connect session keeps a table's file list once read (spark_connect.refreshed)
            remote.sql(f"REFRESH TABLE {qualified}")
            row_counts[table.name] = int(remote.sql(f"SELECT count(*) FROM {qualified}")[0][0])
    remote.replace_table(PUSH_RECORD, RECORD_COLUMNS, record)
    return RawPushOutcome(
        loads_pushed=push.pushed, loads_deleted=push.deleted, row_counts=row_counts
    )
