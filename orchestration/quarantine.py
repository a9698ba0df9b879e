"""Read the rows set aside in the working warehouse, for `tsq quarantine` and the report.

Two kinds of row are set aside, and both are listed with their rule, file and row:

- quarantined at load (raw.quarantine): the row broke a rule of the export contract and
  never reached raw;
- held back (intermediate.int_held_back_rows, built by dbt): the row was accepted, but
  names a ticket or team staging does not know (yet), or is an event dated before its
  ticket was created. It counts as soon as a later load brings what it needs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

QUARANTINED = (
    "SELECT entity, rule, source_file, source_row, rules_broken, original_row, "
    "quarantined_at AS set_aside_at FROM raw.quarantine"
)
HELD_BACK = (
    "SELECT entity, rule, source_file, source_row, rule AS rules_broken, "
    "entity || ' ' || row_key AS original_row, NULL::TIMESTAMPTZ AS set_aside_at "
    "FROM intermediate.int_held_back_rows"
)


def set_aside_sql(con: duckdb.DuckDBPyConnection) -> str | None:
    """A query over every row set aside (the columns of QUARANTINED), from the tables that
    exist yet; None before anything was loaded."""
    present = {
        (schema, name)
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE (table_schema, table_name) IN "
            "(('raw', 'quarantine'), ('intermediate', 'int_held_back_rows'))"
        ).fetchall()
    }
    parts = [
        sql
        for sql, table in (
            (QUARANTINED, ("raw", "quarantine")),
            (HELD_BACK, ("intermediate", "int_held_back_rows")),
        )
        if table in present
    ]
    return " UNION ALL ".join(parts) if parts else None


def _read(warehouse: Path, sql: str, params: list) -> list[tuple]:
    """Run `sql` with `{rows}` standing for the rows set aside (empty if none)."""
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = set_aside_sql(con)
        return con.execute(sql.format(rows=rows), params).fetchall() if rows else []
    finally:
        con.close()


def quarantine_summary(warehouse: Path) -> list[tuple[str, str, str, int, str]]:
    """(rule, entity, file, rows, first row numbers) per rule and file."""
    return _read(
        warehouse,
        """
        SELECT rule, entity, source_file, count(*),
               array_to_string(list(source_row ORDER BY source_row)[1:5], ', ')
        FROM ({rows})
        GROUP BY rule, entity, source_file
        ORDER BY count(*) DESC, rule, source_file
        """,
        [],
    )


def quarantine_rows(warehouse: Path, limit: int) -> list[tuple[str, int, str, str]]:
    return _read(
        warehouse,
        "SELECT source_file, source_row, rules_broken, original_row FROM ({rows}) "
        "ORDER BY set_aside_at NULLS LAST, source_file, source_row LIMIT ?",
        [limit],
    )


def set_aside_by_rule(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(entity, rule, rows) of every row set aside, from a connection to the warehouse."""
    rows = set_aside_sql(con)
    if rows is None:
        return []
    return [
        (entity, rule, int(count))
        for entity, rule, count in con.execute(
            f"SELECT entity, rule, count(*) FROM ({rows}) GROUP BY ALL ORDER BY 3 DESC, 2"
        ).fetchall()
    ]
