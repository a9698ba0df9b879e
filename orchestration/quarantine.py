"""Read the quarantine (raw.quarantine in the working warehouse), for `tsq quarantine`."""

from __future__ import annotations

from pathlib import Path

import duckdb


def _read(warehouse: Path, sql: str, params: list) -> list[tuple]:
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (exists,) = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = 'quarantine'"
        ).fetchone()
        return con.execute(sql, params).fetchall() if exists else []
    finally:
        con.close()


def quarantine_summary(warehouse: Path) -> list[tuple[str, str, str, int, str]]:
    """(rule, entity, file, rows, first row numbers) per rule and file."""
    return _read(
        warehouse,
        """
        SELECT rule, entity, source_file, count(*),
               array_to_string(list(source_row ORDER BY source_row)[1:5], ', ')
        FROM raw.quarantine
        GROUP BY rule, entity, source_file
        ORDER BY count(*) DESC, rule, source_file
        """,
        [],
    )


def quarantine_rows(warehouse: Path, limit: int) -> list[tuple[str, int, str, str]]:
    return _read(
        warehouse,
        "SELECT source_file, source_row, rules_broken, original_row FROM raw.quarantine "
        "ORDER BY quarantined_at, source_file, source_row LIMIT ?",
        [limit],
    )
