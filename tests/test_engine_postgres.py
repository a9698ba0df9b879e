"""The pieces of the PostgreSQL engine on their own, on a real PostgreSQL 15 server
(scripts/postgres-test-server.sh, tests/postgres_server.py): the raw push, and the table
comparison tests/test_engine_postgres_run.py judges whole runs with.

Comparison: the same column names in the same order, the same number of rows, and row by
row (both sides sorted the same way) every value equal, floating point values to 1e-9.
Exceptions, each a representation and not a figure:
- PostgreSQL hands numeric values to Python as Decimal where DuckDB hands a double or an
  integer: a Decimal is compared as the float or integer it is.
Nothing else is excused.
"""

from __future__ import annotations

import decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.engines.postgres_raw import push_raw
from tests.engine_comparison import table_differences as engine_table_differences
from tests.engine_comparison import write_two_ticket_loads

pytestmark = pytest.mark.slow


def table_differences(
    table: str, columns: list[str], duck_rows: list[tuple], pg_rows: list[tuple]
) -> list[str]:
    """What differs between one table's rows on DuckDB and on PostgreSQL (empty: equal)."""
    return engine_table_differences(table, columns, duck_rows, pg_rows, "PostgreSQL")


def test_table_differences_sees_a_changed_value() -> None:
    """The comparison itself can fail: a value off by more than 1e-9, a changed text,
    a missing row; and it excuses what it says it does (Decimal, 1e-10)."""
    rows = [("a", 1.0, 2), ("b", 0.5, 3)]
    assert table_differences("t", ["k", "x", "n"], rows, list(reversed(rows))) == []
    excused = [("a", 1.0 + 1e-10, decimal.Decimal(2)), ("b", decimal.Decimal("0.5"), 3)]
    assert table_differences("t", ["k", "x", "n"], rows, excused) == []
    assert table_differences("t", ["k", "x", "n"], rows, [("a", 1.0 + 1e-8, 2), rows[1]]) == [
        "t.x: 1.0 != 1.00000001"
    ]
    assert table_differences("t", ["k", "x", "n"], rows, [("c", 1.0, 2), rows[1]]) != []
    assert table_differences("t", ["k", "x", "n"], rows, rows[:1]) == [
        "t: 2 rows on DuckDB, 1 on PostgreSQL"
    ]
    assert table_differences("t", ["k", "x", "n"], [("a", None, 1)], [("a", 0.0, 1)]) != []


def test_push_raw_mirrors_loads_and_their_retraction(
    tmp_path: Path,
    postgres_database: str,
) -> None:
    """The pusher alone, on a hand-made raw schema: two loads of tickets (values COPY must
    carry untouched: a tab, a newline, quotes, a backslash, a NULL), a quarantined row and
    a refused file. Pushed twice: the same rows. Then load L2 is retracted in DuckDB
    (its rows deleted, as `tsq retract` does) and a file is no longer refused: the next push
    deletes L2 from PostgreSQL and replaces raw.refused_files."""
    import psycopg

    warehouse = tmp_path / "tsq.duckdb"
    awkward = 'a\tb\nc "q" \\ d'
    write_two_ticket_loads(warehouse, awkward)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into raw.loads values (?, 'tickets', 'a.csv', 'h1', 'csv', 'utf-8', 1, 1, 0,"
            " '2026-09-01 00:00:00+00'), (?, 'tickets', 'b.csv', 'h2', 'csv', 'utf-8', 3, 2, 1,"
            " '2026-09-02 00:00:00+00')",
            ["L1", "L2"],
        )
        con.execute(
            "insert into raw.quarantine values ('L2', 'tickets', 'b.csv', 3, 'required',"
            " 'required', ?, '2026-09-02 00:00:00+00')",
            ['{"ticket_id": "T4"}'],
        )
        con.execute(
            "insert into raw.refused_files values ('tickets', 'c.csv', 'h3', 'not a CSV',"
            " '2026-09-03 00:00:00+00')"
        )

    first = push_raw(warehouse, postgres_database)
    second = push_raw(warehouse, postgres_database)
    # 3 tickets (1 of L1, 2 of L2), 2 loads, 1 quarantined row, 1 refused file
    expected = {"tickets": 3, "loads": 2, "quarantine": 1, "refused_files": 1}
    assert {t: first.row_counts[t] for t in expected} == expected
    assert second.row_counts == first.row_counts
    assert (first.loads_pushed, first.loads_deleted) == (2, 0)
    with psycopg.connect(postgres_database) as pg:
        assert pg.execute(
            "select ticket_id, subject, _source_row, _load_id from raw.tickets order by ticket_id"
        ).fetchall() == [("T1", awkward, 1, "L1"), ("T2", None, 1, "L2"), ("T3", "plain", 2, "L2")]

    with duckdb.connect(str(warehouse)) as con:
        for table, column in (
            ("tickets", "_load_id"),
            ("loads", "load_id"),
            ("quarantine", "load_id"),
        ):
            con.execute(f"delete from raw.{table} where {column} = ?", ["L2"])
        con.execute("delete from raw.refused_files")
    third = push_raw(warehouse, postgres_database)
    assert (third.loads_pushed, third.loads_deleted) == (1, 1)
    # only L1's ticket and load remain; nothing quarantined or refused
    assert {t: third.row_counts[t] for t in expected} == {
        "tickets": 1, "loads": 1, "quarantine": 0, "refused_files": 0
    }  # fmt: skip
