"""Push the raw schema of the DuckDB working warehouse to PostgreSQL, so the dbt project
can run there (`dbt build --target postgres`).

Ingest stays on DuckDB (quarantine, reconciliation, the load ledger); this copies what it
accepted. Every table of DuckDB's `raw` schema is mirrored in PostgreSQL's `raw` schema
with the same columns (types mapped by publish.postgres.POSTGRES_TYPES: raw's contract
columns are text, its lineage columns bigint and timestamptz).

Idempotent by load id: for each load, one transaction deletes that load's rows from every
raw table that carries a load id and COPYs its rows again, so pushing twice leaves the
same rows, and a load half-pushed by a process that died is whole after the next push.
Every push rewrites every load: a quarantine release adds rows under an old load id, so
a load being present in PostgreSQL does not say it is whole (and raw is small beside what
dbt builds from it: 67,000 rows in 2.4 s at 5,000 tickets). Loads that no longer exist in
DuckDB (retracted) are deleted from PostgreSQL. The one ledger table without a load id,
raw.refused_files (files nothing could load), is replaced whole in its own transaction:
it is a handful of rows.

Identifiers go through psycopg.sql.Identifier; values only through bound parameters and
COPY FROM STDIN, never spliced into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.engines.raw_schema import RAW_SCHEMA, RawPushError, RawTable
from orchestration.engines.raw_schema import raw_tables as engine_raw_tables
from orchestration.publish.postgres import POSTGRES_TYPES
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:  # imported when used: `tsq --help` need not load the driver
    import psycopg

_BATCH_ROWS = 10_000


@dataclass(frozen=True)
class RawPushOutcome:
    loads_pushed: int
    loads_deleted: int  # loads present in PostgreSQL but no longer in DuckDB
    row_counts: dict[str, int]  # table -> rows in PostgreSQL after the push


def raw_tables(duck: duckdb.DuckDBPyConnection) -> list[RawTable]:
    """Every table of DuckDB's raw schema, with PostgreSQL column types."""
    return engine_raw_tables(duck, POSTGRES_TYPES, "PostgreSQL")


def _ensure_table(pg: psycopg.Connection, table: RawTable) -> None:
    from psycopg import sql

    qualified = sql.Identifier(RAW_SCHEMA, table.name)
    definition = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(pg_type))
        for column, pg_type in table.columns
    )
    pg.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(qualified, definition))
    # a column the contract gained since the table was made (as raw_tables.ensure_raw_schema)
    for column, pg_type in table.columns:
        pg.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                qualified, sql.Identifier(column), sql.SQL(pg_type)
            )
        )
    if table.load_id_column is not None:
        # each push deletes by load id, table by table: without an index every delete
        # would read the whole table once per load
        pg.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(f"{table.name}_{table.load_id_column.lstrip('_')}_idx"),
                qualified,
                sql.Identifier(table.load_id_column),
            )
        )


def _copy_rows(
    pg: psycopg.Connection, table: RawTable, rows: Iterable[tuple], column_names: list[str]
) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(RAW_SCHEMA, table.name),
        sql.SQL(", ").join(sql.Identifier(c) for c in column_names),
    )
    with pg.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _duck_rows(
    duck: duckdb.DuckDBPyConnection, table: RawTable, load_id: str | None
) -> Iterable[tuple]:
    """The table's rows (of one load when load_id is given), streamed in batches."""
    select_list = ", ".join(quote_identifier(c) for c, _ in table.columns)
    # names come from DuckDB's own catalogue, quoted; the load id is bound
    text = f"select {select_list} from {_duck_name(table)}"
    cursor = duck.cursor()
    if load_id is None or table.load_id_column is None:
        cursor.execute(text)
    else:
        cursor.execute(f"{text} where {quote_identifier(table.load_id_column)} = ?", [load_id])
    while batch := cursor.fetchmany(_BATCH_ROWS):
        yield from batch


def _duck_name(table: RawTable) -> str:
    return f"{quote_identifier(RAW_SCHEMA)}.{quote_identifier(table.name)}"


def push_raw(warehouse: Path, postgres_url: str) -> RawPushOutcome:
    """Mirror DuckDB's raw schema (the working warehouse at `warehouse`) in PostgreSQL."""
    import psycopg
    from psycopg import sql

    with duckdb.connect(str(warehouse), read_only=True) as duck:
        # timestamptz values leave DuckDB as aware datetimes; UTC keeps them readable
        duck.execute("set TimeZone = 'UTC'")
        tables = raw_tables(duck)
        if not tables:
            raise RawPushError(f"{warehouse} has no raw schema: nothing was ingested")
        keyed = [t for t in tables if t.load_id_column is not None]
        duck_loads: set[str] = set()
        for table in keyed:
            duck_loads.update(
                load_id
                for (load_id,) in duck.execute(
                    f"select distinct {quote_identifier(table.load_id_column or '')} "
                    f"from {_duck_name(table)}"
                ).fetchall()
            )
        with psycopg.connect(postgres_url, application_name="tsq push raw") as pg:
            with pg.transaction():
                pg.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(RAW_SCHEMA))
                )
                for table in tables:
                    _ensure_table(pg, table)
            pg_loads: set[str] = set()
            for table in keyed:
                pg_loads.update(
                    load_id
                    for (load_id,) in pg.execute(
                        sql.SQL("SELECT DISTINCT {} FROM {}").format(
                            sql.Identifier(table.load_id_column or ""),
                            sql.Identifier(RAW_SCHEMA, table.name),
                        )
                    ).fetchall()
                )
            for load_id in sorted(duck_loads | pg_loads):
                with pg.transaction():
                    for table in keyed:
                        pg.execute(
                            sql.SQL("DELETE FROM {} WHERE {} = %s").format(
                                sql.Identifier(RAW_SCHEMA, table.name),
                                sql.Identifier(table.load_id_column or ""),
                            ),
                            [load_id],
                        )
                        if load_id in duck_loads:
                            _copy_rows(
                                pg,
                                table,
                                _duck_rows(duck, table, load_id),
                                [c for c, _ in table.columns],
                            )
            with pg.transaction():
                for table in tables:
                    if table.load_id_column is None:
                        pg.execute(
                            sql.SQL("DELETE FROM {}").format(sql.Identifier(RAW_SCHEMA, table.name))
                        )
                        _copy_rows(
                            pg, table, _duck_rows(duck, table, None), [c for c, _ in table.columns]
                        )
            row_counts = {
                table.name: pg.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(
                        sql.Identifier(RAW_SCHEMA, table.name)
                    )
                ).fetchone()[0]  # type: ignore[index]
                for table in tables
            }
    return RawPushOutcome(
        loads_pushed=len(duck_loads),
        loads_deleted=len(pg_loads - duck_loads),
        row_counts=row_counts,
    )
