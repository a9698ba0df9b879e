"""When may dbt build the staging base models incrementally, and when must it rebuild?

The six base_helpdesk__* models are incremental (dbt_project/macros/held_back.sql): a
run recomputes only the keys of loads they have not seen yet. That equals a full build
only while each of their raw tables has grown by whole new loads since the last
successful build. Raw rows also leave (a retraction, a ticket's quarantine cascade) and
come back under an old load (a quarantine release), and a changed model, seed or setting
changes every row; then the build must be a full refresh.

So after each successful dbt build the state of those raw tables is recorded in the TSQ
home: per table, the latest `_loaded_at`, the row count and an order-free checksum of
the rows' lineage (`_load_id`, `_source_file`, `_source_row`), with a fingerprint of
the project and the dbt vars. Before the next build the rows loaded up to that instant
must still count and sum the same, and the fingerprint must match; anything else, or no
record at all, or `tsq run --full-refresh`, makes the build a full refresh. A build that
fails records nothing, so the next one decides from the last good record.

The per-ticket models (int_ticket_*, fct_tickets) are incremental too: they rebuild only
the tickets whose own staging rows or the data window changed (int_touched_tickets,
dbt_project/macros/touched_tickets.sql). What they also read for every ticket is the
organisation: teams and their calendars (business clocks), agents and their skills and
tiers. So the record also holds a checksum of what staging makes of those raw tables
(the latest row of each key, its contract columns), and any change to it makes the
build a full refresh: rare, and then every ticket's facts may change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.contract import ENTITY_BY_NAME
from orchestration.settings import TsqSettings
from orchestration.sql_text import quote_identifier
from orchestration.up_to_date import project_fingerprint

# raw tables read by the incremental base models (dbt_project/models/staging/base_*.sql)
INCREMENTAL_ENTITIES = (
    "tickets",
    "ticket_events",
    "surveys",
    "qa_reviews",
    "kb_links",
    "mystery_shops",
)
# raw tables of the organisation: every ticket's facts read them (through the teams'
# calendars, the agents' tiers and skills), so no touched-ticket set can cover a change
DIMENSION_ENTITIES = ("agents", "teams", "holiday_calendars")
_STATE_FILE = "incremental_state.json"
# a run tagged so rebuilds in full (tsq run --full-refresh; or launched so from the UI)
FULL_REFRESH_TAG = "tsq/full_refresh"


@dataclass(frozen=True)
class RawTableState:
    """The rows of one raw table up to an instant: how many, and a checksum of which."""

    loaded_through_us: int | None  # epoch microseconds of the latest _loaded_at
    rows: int
    checksum: str  # sum of hash(_load_id, _source_file, _source_row), as text


#: An order-free checksum of which raw rows there are: their lineage hashed, summed (DuckDB
#: SQL, an aggregate). The one spelling for this record and the raw suites' record
#: (orchestration/quality/raw_load_passes.py).
LINEAGE_CHECKSUM_SQL = "sum(hash(_load_id, _source_file, _source_row)::HUGEINT)"


def _state_sql(entity: str, up_to_us: int | None) -> tuple[str, list[Any]]:
    table = f"raw.{quote_identifier(entity)}"
    where, params = (
        ("", []) if up_to_us is None else ("WHERE epoch_us(_loaded_at) <= ?", [up_to_us])
    )
    sql = (
        "SELECT max(epoch_us(_loaded_at)), count(*), "
        f"coalesce({LINEAGE_CHECKSUM_SQL}, 0)::VARCHAR "
        f"FROM {table} {where}"
    )
    return sql, params


def _table_exists(con: duckdb.DuckDBPyConnection, entity: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
        "AND table_name = ?",
        [entity],
    ).fetchone()
    return bool(found and found[0])


def raw_table_state(
    con: duckdb.DuckDBPyConnection, entity: str, up_to_us: int | None = None
) -> RawTableState:
    """The state of raw.<entity> (of its rows loaded up to `up_to_us`, when given)."""
    if not _table_exists(con, entity):
        return RawTableState(None, 0, "0")
    sql, params = _state_sql(entity, up_to_us)
    row = con.execute(sql, params).fetchone()
    assert row is not None
    latest, rows, checksum = row
    return RawTableState(None if latest is None else int(latest), int(rows), str(checksum))


def dimension_checksum(con: duckdb.DuckDBPyConnection, entity: str) -> str:
    """An order-free checksum of what staging reads of raw.<entity>: the latest row of each
    key (latest _loaded_at, then _source_row, as latest_row_per_key), its contract columns
    only, so a re-sent identical export changes nothing and any changed value does."""
    if not _table_exists(con, entity):
        return "0"
    contract = ENTITY_BY_NAME[entity]
    present = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [entity],
        ).fetchall()
    }
    columns = ", ".join(quote_identifier(c) for c in contract.column_names if c in present)
    keys = ", ".join(quote_identifier(c) for c in contract.key)
    if not columns:
        return "0"
    row = con.execute(
        f"SELECT coalesce(sum(hash({columns})::HUGEINT), 0)::VARCHAR FROM ("
        f"SELECT {columns}, row_number() OVER (PARTITION BY {keys} "
        "ORDER BY _loaded_at DESC, _source_row DESC) AS _tsq_recency "
        f"FROM raw.{quote_identifier(entity)}) AS latest WHERE _tsq_recency = 1"
    ).fetchone()
    assert row is not None
    return str(row[0])


def build_fingerprint(dbt_vars: dict[str, Any]) -> str:
    """The project's files (up_to_date.project_fingerprint) and the vars dbt runs with,
    except the warehouse's path (the same warehouse may be reached by another path)."""
    relevant = {k: v for k, v in dbt_vars.items() if k != "tsq_warehouse_path"}
    digest = hashlib.sha256(project_fingerprint().encode())
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    return digest.hexdigest()


def _state_path(settings: TsqSettings) -> Path:
    return settings.root / _STATE_FILE


def _connect(settings: TsqSettings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(settings.warehouse_path),
        read_only=True,
        config={"memory_limit": settings.duckdb_memory_limit},
    )


def full_refresh_reason(settings: TsqSettings, fingerprint: str, asked: bool = False) -> str | None:
    """Why the coming dbt build must be a full refresh, or None when it may be incremental.
    `asked`: the run carries FULL_REFRESH_TAG."""
    if asked or settings.full_refresh:
        return "asked for (tsq run --full-refresh)"
    path = _state_path(settings)
    if not path.is_file() or not settings.warehouse_path.is_file():
        return "no record of a previous build"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        tables = {name: RawTableState(**state) for name, state in recorded["raw"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return "the record of the previous build is unreadable"
    if recorded.get("fingerprint") != fingerprint:
        return "the project, its seeds or the dbt vars changed"
    dimensions = recorded.get("dimensions")
    if not isinstance(dimensions, dict):
        return "the record of the previous build is unreadable"
    with _connect(settings) as con:
        for entity in DIMENSION_ENTITIES:
            if dimensions.get(entity) != dimension_checksum(con, entity):
                return f"raw.{entity} changed (the organisation enters every ticket's facts)"
        for entity in INCREMENTAL_ENTITIES:
            before = tables.get(entity)
            if before is None:
                return f"raw.{entity} was not recorded"
            if before.loaded_through_us is None:
                now = raw_table_state(con, entity)
                # empty then: anything now is new loads, unless rows came with no time
                if now.rows and now.loaded_through_us is None:
                    return f"raw.{entity} changed"
                continue
            now = raw_table_state(con, entity, before.loaded_through_us)
            if (now.rows, now.checksum) != (before.rows, before.checksum):
                return (
                    f"raw.{entity} changed below its last build's loads (a retraction, a "
                    "quarantine move or release)"
                )
    return None


def record_build(settings: TsqSettings, fingerprint: str) -> None:
    """Called after a successful dbt build: the raw state it was built from."""
    with _connect(settings) as con:
        tables = {entity: asdict(raw_table_state(con, entity)) for entity in INCREMENTAL_ENTITIES}
        dimensions = {entity: dimension_checksum(con, entity) for entity in DIMENSION_ENTITIES}
    state = {"fingerprint": fingerprint, "raw": tables, "dimensions": dimensions}
    _state_path(settings).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def forget_build(settings: TsqSettings) -> None:
    """Before a build: a build that fails half-way leaves no record behind."""
    _state_path(settings).unlink(missing_ok=True)
