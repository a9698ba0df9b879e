"""A raw suite validates only the loads it has not passed yet.

Every expectation of a raw suite (expectations/raw/*.json) is about one row (not null, in
a set, matching a pattern) or about the rows of one load (a key unique within its
`_load_id`). So a load that passed a suite keeps passing it for as long as its rows stay
the rows that were validated, and a daily run need only validate the day's loads: at 1M
tickets, the 11.5M events of history are not scanned again for a drop of 60,000.

"Its rows stay the rows that were validated" is checked, not assumed. Raw rows are only
ever appended by a load, deleted (a retraction, a ticket's quarantine cascade) or put back
under their old load (a quarantine release); nothing updates a raw row in place. After a
suite passes, its record keeps, per load, the row count and an order-free checksum of the
rows' lineage (`_load_id`, `_source_file`, `_source_row`, the same checksum
transform/incremental.py keeps for dbt). Before the next validation a load is passed over
only when both still match; a load with a row more, a row fewer or another row is
validated again, whole. The record also names the suite by a SHA-256 of its file and of
the GX version: an edited suite, or another GX, validates every load again. So does
`tsq run --full-refresh`.

The record lives in the warehouse beside the rows it describes (schema gx_state), so a
restored or copied warehouse carries its own. A suite that fails records nothing: its
loads are validated again next time. The asset check holds the warehouse's one writer
slot (pool tsq_warehouse) from `mark_pending` to `record_passes`, so raw cannot change
in between.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import great_expectations

from orchestration.transform.incremental import LINEAGE_CHECKSUM_SQL

if TYPE_CHECKING:
    from orchestration.quality.suites import SuiteFile

STATE_SCHEMA = "gx_state"
PASSES_TABLE = f"{STATE_SCHEMA}.raw_load_passes"
PENDING_TABLE = f"{STATE_SCHEMA}.raw_load_pending"
LINEAGE_COLUMNS = ("_load_id", "_source_file", "_source_row")
# suite names and tables come from the project's own suite files; checked anyway, as they
# are written into the query GX runs
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TABLE = re.compile(r"raw\.[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class PendingLoads:
    """What a raw suite validates this time, and what it passes over."""

    loads_passed_before: int
    rows_passed_before: int
    # the query GX validates: the table's rows of the pending loads only
    query: str
    # the suite's version and every load's (rows, checksum) when they were marked: what
    # record_passes records (raw cannot change in between: the check holds the writer slot)
    version: str
    states: dict[str, tuple[int, str]]


def suite_version(suite: SuiteFile) -> str:
    digest = hashlib.sha256(suite.path.read_bytes())
    digest.update(f"\ngreat_expectations {great_expectations.__version__}".encode())
    return digest.hexdigest()


def tracks_loads(con: duckdb.DuckDBPyConnection, suite: SuiteFile) -> bool:
    """Whether the suite's table carries the lineage columns the record is kept by."""
    if suite.layer != "raw" or not _TABLE.fullmatch(suite.table):
        return False
    _, table = suite.table.split(".")
    present = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchall()
    }
    return set(LINEAGE_COLUMNS) <= present


def _load_states(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[int, str]]:
    rows = con.execute(
        f"SELECT _load_id, count(*), {LINEAGE_CHECKSUM_SQL}::VARCHAR FROM {table} GROUP BY _load_id"
    ).fetchall()
    return {load_id: (int(count), str(checksum)) for load_id, count, checksum in rows}


def _recorded(
    con: duckdb.DuckDBPyConnection, suite: SuiteFile, version: str
) -> dict[str, tuple[int, str]]:
    """The loads recorded as having passed this version of the suite, with their state."""
    return {
        load_id: (int(count), str(checksum))
        for load_id, count, checksum in con.execute(
            f"SELECT load_id, row_count, lineage_checksum FROM {PASSES_TABLE} "
            "WHERE suite_name = ? AND suite_version = ?",
            [suite.name, version],
        ).fetchall()
    }


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {PASSES_TABLE} (suite_name VARCHAR NOT NULL, "
        "suite_version VARCHAR NOT NULL, load_id VARCHAR NOT NULL, row_count BIGINT NOT NULL, "
        "lineage_checksum VARCHAR NOT NULL, passed_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} "
        "(suite_name VARCHAR NOT NULL, load_id VARCHAR NOT NULL)"
    )


def mark_pending(
    con: duckdb.DuckDBPyConnection, suite: SuiteFile, revalidate_all: bool = False
) -> PendingLoads:
    """Write the loads the suite must validate into gx_state.raw_load_pending, and return
    the query over their rows. `revalidate_all`: ignore the record (a full refresh)."""
    if not _NAME.fullmatch(suite.name) or not tracks_loads(con, suite):
        raise ValueError(f"{suite.path}: not a raw suite over a table with lineage columns")
    _ensure_tables(con)
    version = suite_version(suite)
    current = _load_states(con, suite.table)
    passed = {} if revalidate_all else _recorded(con, suite, version)
    pending = [load_id for load_id, state in current.items() if passed.get(load_id) != state]
    con.execute(f"DELETE FROM {PENDING_TABLE} WHERE suite_name = ?", [suite.name])
    if pending:
        con.execute(
            f"INSERT INTO {PENDING_TABLE} SELECT ?, unnest(?::VARCHAR[])", [suite.name, pending]
        )
    pending_rows = sum(current[load_id][0] for load_id in pending)
    return PendingLoads(
        loads_passed_before=len(current) - len(pending),
        rows_passed_before=sum(count for count, _ in current.values()) - pending_rows,
        query=(
            f"SELECT * FROM {suite.table} WHERE _load_id IN (SELECT load_id FROM "
            f"{PENDING_TABLE} WHERE suite_name = '{suite.name}')"
        ),
        version=version,
        states=current,
    )


def record_passes(con: duckdb.DuckDBPyConnection, suite: SuiteFile, pending: PendingLoads) -> None:
    """After the suite passed: every load marked by `mark_pending` has passed this version
    of it (those passed over still match their record and keep it, with the instant they
    first passed; the rest were just validated and are recorded now)."""
    version, current = pending.version, pending.states
    recorded = _recorded(con, suite, version)
    kept = [load_id for load_id, state in current.items() if recorded.get(load_id) == state]
    new = [load_id for load_id in current if load_id not in kept]
    con.execute("BEGIN TRANSACTION")
    con.execute(
        f"DELETE FROM {PASSES_TABLE} WHERE suite_name = ? "
        "AND (suite_version <> ? OR NOT list_contains(?::VARCHAR[], load_id))",
        [suite.name, version, kept],
    )
    if new:
        con.execute(
            f"INSERT INTO {PASSES_TABLE} SELECT ?, ?, unnest(?::VARCHAR[]), "
            "unnest(?::BIGINT[]), unnest(?::VARCHAR[]), now()",
            [
                suite.name,
                version,
                new,
                [current[load_id][0] for load_id in new],
                [current[load_id][1] for load_id in new],
            ],
        )
    con.execute(f"DELETE FROM {PENDING_TABLE} WHERE suite_name = ?", [suite.name])
    con.execute("COMMIT")
