"""Rows that cannot stand without their ticket follow it into quarantine, and out again.

A ticket row that breaks a contract rule is quarantined; the events, surveys, QA reviews
and KB links of that ticket would then name a ticket staging does not know, and the
rows would be held back as rows of an unknown ticket, with no word of why. Instead, a row of
those entities whose ticket is *quarantined* (in this load or an earlier one, and
accepted in none) goes to `raw.quarantine` with the rule `its ticket was quarantined`,
and the ticket's own reason, file and row in `rules_broken`.

The state follows the ticket's, so it is kept right on every load of a dependent entity:

- new rows of a quarantined ticket are quarantined as they are copied (`cascade_condition`);
- rows accepted before their ticket was quarantined (they arrived first) are moved to
  quarantine (`quarantine_rows_of_quarantined_tickets`);
- rows quarantined only because of their ticket go back to raw once a later load accepts
  the ticket (`release_rows_of_accepted_tickets`), so fixing a ticket does not lose its
  events.

A moved row keeps its load id, file and row number, so for every load rows read = rows
accepted + rows quarantined still holds; the ledger's counts in `raw.loads` are moved
with it. Everything is set-based (a semi-join against the small set of quarantined
tickets) and skipped when no ticket is quarantined.

A row naming a ticket never seen at all is not touched here: it may name a ticket that
arrives in a later file. dbt holds it back from staging (int_held_back_rows, listed by
`tsq quarantine` and warned about by its check) until its ticket is loaded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from orchestration.contract import ENTITY_BY_NAME, Entity
from orchestration.raw_tables import ensure_raw_schema

CASCADE_RULE = "its ticket was quarantined"

# Entities whose rows are about one ticket and mean nothing without it (their ticket_id is
# required). complaints and process_audits name a ticket optionally: a complaint or an
# audit still happened, and still counts for the organisation (or its own team) when the
# ticket is unknown, so they are not cascaded.
TICKET_DEPENDENT_ENTITIES: tuple[str, ...] = ("ticket_events", "surveys", "qa_reviews", "kb_links")

QUARANTINED_TICKETS = "quarantined_tickets"


def depends_on_tickets(entity: Entity) -> bool:
    return entity.name in TICKET_DEPENDENT_ENTITIES


def collect_quarantined_tickets(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build the temp table `quarantined_tickets` (ticket_id, ticket_reason): tickets
    quarantined in some load and accepted in none. Returns how many there are.

    The id is read back from the quarantined row's JSON; an unparseable line has no
    trustworthy id (TRY gives NULL) and is left out. A ticket quarantined in several loads
    gives the reason of its latest quarantine."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {QUARANTINED_TICKETS} AS
        SELECT ticket_id,
               arg_max(rules_broken || ' (' || source_file || ' row ' || source_row || ')',
                       quarantined_at) AS ticket_reason
        FROM (
            SELECT TRY(json_extract_string(original_row, '$.ticket_id')) AS ticket_id,
                   rules_broken, source_file, source_row, quarantined_at
            FROM raw.quarantine
            WHERE entity = 'tickets'
        ) AS quarantined
        WHERE ticket_id IS NOT NULL
          AND ticket_id NOT IN (SELECT ticket_id FROM raw.tickets WHERE ticket_id IS NOT NULL)
        GROUP BY ticket_id
        """
    )
    (count,) = con.execute(f"SELECT count(*) FROM {QUARANTINED_TICKETS}").fetchone()
    return int(count)


def cascade_condition(alias: str = "") -> str:
    """SQL, TRUE when the row's ticket is quarantined (never NULL)."""
    column = f'{alias}."ticket_id"' if alias else '"ticket_id"'
    return f"coalesce({column} IN (SELECT ticket_id FROM {QUARANTINED_TICKETS}), false)"


def cascade_reason_sql(alias: str) -> str:
    """SQL text of the reason given in rules_broken: the rule and the ticket's own reason.
    `alias` names the outer row: unqualified, ticket_id would be the subquery's own."""
    column = f'{alias}."ticket_id"'
    return (
        f"'{CASCADE_RULE}: ' || (SELECT ticket_reason FROM {QUARANTINED_TICKETS} AS qt "
        f"WHERE qt.ticket_id = {column})"
    )


def _struct_of(entity: Entity, alias: str) -> str:
    return ", ".join(f'"{c}" := {alias}."{c}"' for c in entity.column_names)


def _move_ledger_counts(con: duckdb.DuckDBPyConnection, moved: str, to_quarantine: bool) -> None:
    """Move the per-load counts of the rows in the temp table `moved` (load_id, n) between
    rows_loaded and rows_quarantined of raw.loads."""
    sign = 1 if to_quarantine else -1
    con.execute(
        f"""
        UPDATE raw.loads
        SET rows_loaded = rows_loaded - {sign} * moved.n,
            rows_quarantined = rows_quarantined + {sign} * moved.n
        FROM {moved} AS moved
        WHERE raw.loads.load_id = moved.load_id
        """
    )


def quarantine_rows_of_quarantined_tickets(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Move rows already accepted into raw.<entity> whose ticket is now quarantined (the
    rows arrived before their ticket) to quarantine, keeping load, file and row. Expects
    `quarantined_tickets` built and an open transaction. Returns the rows moved."""
    table = f"raw.{entity.name}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _cascade_moved AS
        SELECT _load_id AS load_id, count(*) AS n FROM {table}
        WHERE {cascade_condition()} GROUP BY 1
        """
    )
    (moved,) = con.execute("SELECT coalesce(sum(n), 0) FROM _cascade_moved").fetchone()
    if moved:
        con.execute(
            "INSERT INTO raw.quarantine "
            f"SELECT r._load_id, ?, r._source_file, r._source_row, ?, {cascade_reason_sql('r')}, "
            f"CAST(to_json(struct_pack({_struct_of(entity, 'r')})) AS VARCHAR), ? "
            f"FROM {table} AS r WHERE {cascade_condition('r')}",
            [entity.name, CASCADE_RULE, datetime.now(UTC)],
        )
        con.execute(f"DELETE FROM {table} WHERE {cascade_condition()}")
        _move_ledger_counts(con, "_cascade_moved", to_quarantine=True)
    con.execute("DROP TABLE _cascade_moved")
    return int(moved)


def release_rows_of_accepted_tickets(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """Put back into raw.<entity> the rows quarantined only because of their ticket, once
    the ticket is no longer quarantined (a later load accepted it), with their load, file,
    row and the load's time. Expects `quarantined_tickets` built and an open transaction.
    Returns the rows released."""
    # Only rows whose first rule is the cascade: a row that also broke its own rules
    # lists those first and stays.
    releasable = (
        "entity = ? AND rule = ? AND "
        "json_extract_string(original_row, '$.ticket_id') NOT IN "
        f"(SELECT ticket_id FROM {QUARANTINED_TICKETS})"
    )
    params = [entity.name, CASCADE_RULE]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _cascade_moved AS "
        f"SELECT load_id, count(*) AS n FROM raw.quarantine WHERE {releasable} GROUP BY 1",
        params,
    )
    (released,) = con.execute("SELECT coalesce(sum(n), 0) FROM _cascade_moved").fetchone()
    if released:
        shape = json.dumps({c: "VARCHAR" for c in entity.column_names})
        columns = ", ".join(f'row_values."{c}"' for c in entity.column_names)
        con.execute(
            f"INSERT INTO raw.{entity.name} BY NAME "
            f"SELECT {columns}, q.source_file AS _source_file, q.source_row AS _source_row, "
            "q.load_id AS _load_id, loads.loaded_at AS _loaded_at "
            "FROM (SELECT *, json_transform(original_row, ?) AS row_values "
            f"FROM raw.quarantine WHERE {releasable}) AS q "
            "JOIN raw.loads AS loads ON loads.load_id = q.load_id",
            [shape, *params],
        )
        con.execute(f"DELETE FROM raw.quarantine WHERE {releasable}", params)
        _move_ledger_counts(con, "_cascade_moved", to_quarantine=False)
    con.execute("DROP TABLE _cascade_moved")
    return int(released)


def follow_ticket_quarantine(con: duckdb.DuckDBPyConnection, entity: Entity) -> tuple[int, int]:
    """Bring the rows already loaded for `entity` in line with their tickets' state, in one
    transaction: (rows moved to quarantine, rows released back to raw). Leaves the temp
    table `quarantined_tickets` for the loads that follow."""
    ensure_raw_schema(con, ENTITY_BY_NAME["tickets"])
    quarantined_tickets = collect_quarantined_tickets(con)
    (cascaded,) = con.execute(
        "SELECT count(*) FROM raw.quarantine WHERE entity = ? AND rule = ?",
        [entity.name, CASCADE_RULE],
    ).fetchone()
    if not cascaded and not quarantined_tickets:
        return 0, 0  # the usual case: nothing to move, and no scan of the entity's rows
    con.execute("BEGIN TRANSACTION")
    try:
        released = release_rows_of_accepted_tickets(con, entity) if cascaded else 0
        moved = quarantine_rows_of_quarantined_tickets(con, entity) if quarantined_tickets else 0
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return moved, released
