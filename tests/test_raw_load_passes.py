"""A raw suite validates only the loads it has not passed yet, and still catches every bad
row: a new load, a row put back under an old load, a row swapped for another, an edited
suite and a full refresh all make it validate again (orchestration/quality/raw_load_passes.py).
Each case runs the real tickets suite through GX on a real DuckDB file."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb

from orchestration.contract import ENTITY_BY_NAME
from orchestration.quality.suites import SuiteFile, validate_suite
from orchestration.raw_tables import ensure_raw_schema
from orchestration.settings import EXPECTATIONS_DIR

RAW_TICKETS = SuiteFile.read(EXPECTATIONS_DIR / "raw" / "tickets.json")


def ticket(ticket_id: str, priority: str = "P2") -> dict[str, str]:
    return {
        "ticket_id": ticket_id,
        "created_at": "2026-10-09T06:50:17Z",
        "channel": "email",
        "priority": priority,
        "complexity_tier": "2",
        "category": "network",
        "team_id": "T1",
        "status": "open",
    }


def add_rows(database: Path, load_id: str, rows: list[tuple[int, dict[str, str]]]) -> None:
    """Rows into raw.tickets under `load_id`, each with its source row number."""
    con = duckdb.connect(str(database))
    try:
        ensure_raw_schema(con, ENTITY_BY_NAME["tickets"])
        for source_row, row in rows:
            columns = [*row, "_source_file", "_source_row", "_load_id", "_loaded_at"]
            values = [
                *row.values(),
                f"{load_id}.csv",
                source_row,
                load_id,
                "2026-11-01 00:00:00+00",
            ]
            con.execute(
                f"INSERT INTO raw.tickets ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in values)})",
                values,
            )
    finally:
        con.close()


def execute(database: Path, sql: str) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute(sql)
    finally:
        con.close()


def validate(database: Path, suite: SuiteFile = RAW_TICKETS, **options):
    return validate_suite(database, suite, new_loads_only=True, **options)


def passed_at(database: Path) -> dict[str, object]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return dict(
            con.execute("SELECT load_id, passed_at FROM gx_state.raw_load_passes").fetchall()
        )
    finally:
        con.close()


def bad_priorities(outcome) -> int | None:
    for o in outcome.outcomes:
        if not o.success and o.column == "priority":
            return o.unexpected_count
    return None


def test_a_passed_load_is_passed_over_and_a_new_one_validated(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(n, ticket(f"K{n}")) for n in range(1, 6)])

    first = validate(database)
    assert first.passed and first.rows_checked == 5 and first.loads_passed_before == 0

    again = validate(database)
    assert again.passed, again.summary()
    assert (again.rows_checked, again.rows_passed_before, again.loads_passed_before) == (0, 5, 1)
    assert "on 0 new rows (5 rows of 1 loads passed this suite before)" in again.summary()

    first_passed_at = passed_at(database)
    add_rows(database, "load-2", [(1, ticket("K6")), (2, ticket("K7"))])
    second_load = validate(database)
    assert second_load.passed
    assert (second_load.rows_checked, second_load.rows_passed_before) == (2, 5)
    # the load passed over keeps the record of when it passed
    recorded = passed_at(database)
    assert recorded["load-1"] == first_passed_at["load-1"] and set(recorded) == {"load-1", "load-2"}


def test_a_failing_load_is_not_recorded_and_fails_again(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(1, ticket("K1"))])
    assert validate(database).passed
    add_rows(database, "load-2", [(1, ticket("K2", priority="P0")), (2, ticket("K3"))])

    for _ in range(2):
        outcome = validate(database)
        assert not outcome.passed
        assert outcome.rows_checked == 2 and bad_priorities(outcome) == 1


def test_a_row_put_back_under_a_passed_load_validates_that_load_again(tmp_path):
    """A quarantine release puts rows back under their old load: the load's row count
    changes, so it is validated again, whole, and a bad row among them fails the suite."""
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(1, ticket("K1")), (2, ticket("K2"))])
    add_rows(database, "load-2", [(1, ticket("K9"))])
    assert validate(database).passed

    add_rows(database, "load-1", [(3, ticket("K3", priority="P0"))])
    outcome = validate(database)
    assert not outcome.passed and bad_priorities(outcome) == 1
    assert (outcome.rows_checked, outcome.rows_passed_before) == (3, 1)


def test_a_row_swapped_for_another_keeps_the_count_but_not_the_checksum(tmp_path):
    """One row of a passed load leaves (a cascade) and another comes back under it (a
    release) between two validations: the same count, other rows."""
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(1, ticket("K1")), (2, ticket("K2"))])
    assert validate(database).passed

    execute(database, "DELETE FROM raw.tickets WHERE _source_row = 2")
    add_rows(database, "load-1", [(3, ticket("K3", priority="P0"))])
    outcome = validate(database)
    assert not outcome.passed and bad_priorities(outcome) == 1
    assert outcome.rows_checked == 2


def test_a_retracted_load_leaves_the_record_and_the_rest_stay_passed(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(1, ticket("K1"))])
    add_rows(database, "load-2", [(1, ticket("K2"))])
    assert validate(database).passed

    execute(database, "DELETE FROM raw.tickets WHERE _load_id = 'load-2'")
    outcome = validate(database)
    assert outcome.passed and (outcome.rows_checked, outcome.loads_passed_before) == (0, 1)
    con = duckdb.connect(str(database), read_only=True)
    try:
        recorded = con.execute("SELECT load_id FROM gx_state.raw_load_passes").fetchall()
    finally:
        con.close()
    assert recorded == [("load-1",)]


def test_an_edited_suite_or_a_full_refresh_validates_every_load(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(n, ticket(f"K{n}")) for n in range(1, 4)])
    assert validate(database).passed
    assert validate(database).rows_checked == 0

    assert validate(database, revalidate_all=True).rows_checked == 3

    edited_file = tmp_path / "tickets.json"
    shutil.copyfile(RAW_TICKETS.path, edited_file)
    edited_file.write_text(edited_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = dataclasses.replace(RAW_TICKETS, path=edited_file)
    assert validate(database, edited).rows_checked == 3
    assert validate(database, edited).rows_checked == 0
    # the record is kept per suite version: the original file validates everything again
    assert validate(database).rows_checked == 3


def test_without_new_loads_only_the_whole_table_is_validated(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    add_rows(database, "load-1", [(1, ticket("K1")), (2, ticket("K2"))])
    assert validate(database).passed
    outcome = validate_suite(database, RAW_TICKETS)
    assert outcome.rows_checked == 2 and outcome.loads_passed_before == 0
