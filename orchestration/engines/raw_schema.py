"""What every raw push shares (postgres_raw, spark_raw): DuckDB's raw tables as the
engine will hold them, and the push's error. Ingest's raw schema is the one source; each
engine only maps DuckDB's column types to its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

RAW_SCHEMA = "raw"
# The column that names the load a row came from: contract entities carry `_load_id`
# (lineage), the ledger's tables `load_id`.
LOAD_ID_COLUMNS = ("_load_id", "load_id")


class RawPushError(RuntimeError):
    """A one-line reason the push stopped."""


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, the engine's type), in DuckDB's order
    load_id_column: str | None  # None: replaced whole (raw.refused_files)

    @property
    def data_columns(self) -> list[str]:
        """The columns other than the load id (Spark keeps it as the folder's name)."""
        return [c for c, _ in self.columns if c != self.load_id_column]


def raw_tables(
    duck: duckdb.DuckDBPyConnection, engine_types: Mapping[str, str], engine: str
) -> list[RawTable]:
    """Every table of DuckDB's raw schema, its columns typed by `engine_types` (DuckDB type
    -> the engine's); a DuckDB type the map lacks stops the push, naming the column."""
    rows = duck.execute(
        """
        select table_name, column_name, data_type
        from information_schema.columns
        where table_schema = ?
        order by table_name, ordinal_position
        """,
        [RAW_SCHEMA],
    ).fetchall()
    columns_by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, duck_type in rows:
        if duck_type not in engine_types:
            raise RawPushError(f"raw.{table}.{column}: no {engine} type for DuckDB {duck_type}")
        columns_by_table.setdefault(table, []).append((column, engine_types[duck_type]))
    tables = []
    for name, columns in columns_by_table.items():
        names = {column for column, _ in columns}
        load_id_column = next((c for c in LOAD_ID_COLUMNS if c in names), None)
        tables.append(RawTable(name, tuple(columns), load_id_column))
    return tables
