"""A day's drop on top of a generated export: new tickets, plus new events on old ones.

A support organisation adds about 1 % of its history a day. `generate_delta` writes such
a drop, as CSV files beside (not over) an export `generate()` wrote, so a benchmark or a
test can load the full export, then the drop, and see what the second run costs:

- **New tickets**: `round(share × N)` new tickets, each a copy of one of the export's
  most recently created tickets (ties broken by ticket id) with its events, surveys, QA
  reviews, complaints and knowledge-base links. The newest tickets are the templates
  because a day's new tickets fall in the latest reporting period, not all over the
  history. The copies keep their template's times, teams and agents (so every row keeps
  the contract's row rules exactly as the template did); their ids are the template's
  id with `-D<seed>` appended, which no generated id contains, so nothing collides with
  the export or with a drop of another seed.
- **New events on old tickets**: `round(share × N)` existing tickets, drawn at random
  (deterministic by `seed`), each get one `internal_note` one minute after their last
  event, by the ticket's current agent (the system when it has none). An internal note
  changes no status and no customer-facing time, so no row rule or lifecycle rule can
  object to it, yet the ticket has a new row an incremental run must look at.
- **Restated old tickets**: another `round(share × N)` existing tickets, drawn at random
  apart from the first draw, exported again with `closed_at` one hour later (a ticket
  still open keeps it empty): a later row of a key already loaded, which the latest row
  per key must replace, as a vendor's export re-sends a ticket whose record changed.

With `old_tickets="recent"` both draws are made among the tickets created in the
`RECENT_DAYS` days up to the export's latest creation (all of them when there are fewer
than a draw needs) instead of the whole history: a real helpdesk's day notes and restates
the tickets still being worked or just closed, not tickets from any time. Replaying the
real event log one day at a time (`scripts/delta_touched_periods.py --real-log`), a day
touches the periods of a few weeks back, not every period; the uniform draw touches every
period of every grain, so it cannot show what a run that rebuilds only the touched
periods saves.

With `move_as_of=True` the drop is a real day's: it brings instants later than any
before, so the data window's as-of instant moves (as every real daily export does). The
new tickets' copies are shifted, every `*_at` value by the same amount, to start one hour
after the export's latest instant (creation or event), and the internal notes fall one
hour after that latest instant instead of a minute after each ticket's own last event.
Without it the window stays, which isolates the cost of the rows themselves.

Only tickets and the entities hanging off a ticket are touched: the organisation (teams,
agents, calendars) and the operational files (audits, mystery shops) stay as they are.
The drop is computed with DuckDB over the export's CSV files, so it costs seconds at
millions of tickets, and the same (export, share, seed) always gives the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..sql_text import quote_identifier

#: the entities a drop writes, in load order; each has the ticket_id column
DELTA_ENTITIES = ("tickets", "ticket_events", "surveys", "qa_reviews", "complaints", "kb_links")
#: the id column of each copied entity made unique by the suffix (kb_links is keyed by
#: ticket, article and link type, so the new ticket id already makes it new)
_OWN_ID = {
    "tickets": "ticket_id",
    "ticket_events": "event_id",
    "surveys": "survey_id",
    "qa_reviews": "review_id",
    "complaints": "complaint_id",
}
NOTE_BODY = "Follow-up noted after the export (delta drop)."
#: how far back a "recent" drop draws its old tickets (creation up to the latest one)
RECENT_DAYS = 30
#: where the old tickets a drop notes and restates are drawn from
OLD_TICKET_DRAWS = ("any", "recent")


@dataclass(frozen=True)
class Delta:
    """What a drop wrote: the files, the rows per entity, and which tickets it touched."""

    files: dict[str, Path]
    rows: dict[str, int]
    new_ticket_ids: list[str]
    noted_ticket_ids: list[str]
    restated_ticket_ids: list[str]


def delta_suffix(seed: int) -> str:
    return f"-D{seed}"


def delta_file_name(entity: str, seed: int) -> str:
    # `tickets_delta-s7.csv` sorts after `tickets.csv` ('_' > '.'): the inbox loads it as
    # the later file, and contract.classify_file still names its entity.
    return f"{entity}_delta-s{seed}.csv"


def _csv(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    # every value as the text the export wrote: copies must be byte-for-byte the same form
    return con.read_csv(str(path), header=True, all_varchar=True)


def generate_delta(
    export_dir: Path,
    out_dir: Path,
    share: float,
    seed: int,
    move_as_of: bool = False,
    old_tickets: str = "any",
) -> Delta:
    """Write a drop of `share` of the export in `export_dir` (CSV files of `generate()`)
    into `out_dir` as `<entity>_delta-s<seed>.csv` files (see the module docstring);
    `move_as_of`: a drop later than the export (the as-of instant moves); `old_tickets`:
    "any" draws the noted and restated tickets from the whole history, "recent" from
    the last RECENT_DAYS days of creations."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], not {share}")
    if old_tickets not in OLD_TICKET_DRAWS:
        raise ValueError(f"old_tickets is one of {OLD_TICKET_DRAWS}, not {old_tickets!r}")
    export_dir, out_dir = Path(export_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = delta_suffix(seed)
    con = duckdb.connect()
    try:
        tickets = _csv(con, export_dir / "tickets.csv")
        ticket_count = len(tickets)
        count = round(share * ticket_count)
        templates = [
            row[0]
            for row in tickets.order("created_at DESC, ticket_id DESC")
            .limit(count)
            .select("ticket_id")
            .fetchall()
        ]
        con.register("ticket_rows", tickets)
        candidates = tickets
        if old_tickets == "recent":
            # text compared as instants: the export writes ISO 8601 in UTC throughout
            candidates = con.sql(
                "SELECT ticket_id FROM ticket_rows WHERE CAST(created_at AS TIMESTAMP) >= "
                "(SELECT max(CAST(created_at AS TIMESTAMP)) FROM ticket_rows) - to_days($days)",
                params={"days": RECENT_DAYS},
            )
        all_ids = sorted(row[0] for row in candidates.select("ticket_id").fetchall())
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        drawn_count = min(count, len(all_ids))
        drawn = rng.choice(len(all_ids), size=drawn_count, replace=False) if count else []
        noted = sorted(all_ids[i] for i in drawn)
        drawn = rng.choice(len(all_ids), size=drawn_count, replace=False) if count else []
        restated = sorted(all_ids[i] for i in drawn)
        con.register("template_ids", _id_table(templates))
        con.register("noted_ids", _id_table(noted))
        con.register("restated_ids", _id_table(restated))
        # the shift of the copies and the notes' instant (None: the window stays)
        shift_seconds, notes_at = None, None
        if move_as_of:
            con.register("ticket_rows_all", tickets)
            con.register("event_rows_all", _csv(con, export_dir / "ticket_events.csv"))
            # fetchall: duckdb 2 keeps a result fetched with fetchone() open
            ((shift_seconds, notes_at),) = con.execute(_MOVED_TIMES).fetchall()
            con.unregister("event_rows_all")
            con.unregister("ticket_rows_all")
        files: dict[str, Path] = {}
        rows: dict[str, int] = {}
        for entity in DELTA_ENTITIES:
            source = _csv(con, export_dir / f"{entity}.csv")
            con.register("source_rows", source)
            suffixed = {"ticket_id", _OWN_ID.get(entity, "ticket_id")}
            columns = ", ".join(
                f"{quote_identifier(name)} || $suffix AS {quote_identifier(name)}"
                if name in suffixed
                else _shifted(name)
                if shift_seconds is not None and name.endswith("_at")
                else quote_identifier(name)
                for name in source.columns
            )
            copies = (
                f"SELECT {columns} FROM source_rows "
                "WHERE ticket_id IN (SELECT ticket_id FROM template_ids)"
            )
            query = copies
            if entity == "ticket_events":
                query = f"{copies} UNION ALL {_NOTES if notes_at is None else _LATER_NOTES}"
            elif entity == "tickets":
                query = f"{copies} UNION ALL {_RESTATED}"
            target = out_dir / delta_file_name(entity, seed)
            params: dict[str, object] = {"suffix": suffix}
            if shift_seconds is not None and any(name.endswith("_at") for name in source.columns):
                params["shift"] = shift_seconds
            if entity == "ticket_events":
                params["body"] = NOTE_BODY
                if notes_at is not None:
                    params["notes_at"] = notes_at
            relation = con.sql(f"SELECT * FROM ({query}) ORDER BY ALL", params=params)
            relation.write_csv(str(target), header=True)
            files[entity] = target
            rows[entity] = len(_csv(con, target))
            con.unregister("source_rows")
        return Delta(
            files=files,
            rows=rows,
            new_ticket_ids=sorted(t + suffix for t in templates),
            noted_ticket_ids=noted,
            restated_ticket_ids=restated,
        )
    finally:
        con.close()


def _shifted(name: str) -> str:
    """A copied `*_at` text moved by $shift seconds, in the export's form (NULL stays)."""
    column = quote_identifier(name)
    return (
        f"strftime({column}::TIMESTAMPTZ AT TIME ZONE 'UTC' + to_seconds($shift), "
        f"'%Y-%m-%dT%H:%M:%SZ') AS {column}"
    )


def _id_table(ticket_ids: list[str]) -> pa.Table:
    return pa.table({"ticket_id": pa.array(ticket_ids, pa.string())})


# One internal note per drawn ticket, a minute after its last event, in the export's
# timestamp form (YYYY-MM-DDTHH:MM:SSZ); event id `N<ticket id><suffix>`. The column list
# is the contract's (ticket_events), so a change there fails here loudly.
_NOTES = """
SELECT
    'N' || e.ticket_id || $suffix AS event_id,
    e.ticket_id,
    strftime(max(e.event_at::TIMESTAMPTZ AT TIME ZONE 'UTC') + INTERVAL 1 MINUTE,
             '%Y-%m-%dT%H:%M:%SZ') AS event_at,
    'internal_note' AS event_type,
    CASE WHEN any_value(t.agent_id) IS NULL THEN 'system' ELSE 'agent' END AS actor_type,
    any_value(t.agent_id) AS agent_id,
    NULL AS team_id,
    NULL AS tier,
    NULL AS from_status,
    NULL AS to_status,
    NULL AS tool,
    $body AS body
FROM source_rows AS e
JOIN noted_ids USING (ticket_id)
JOIN ticket_rows AS t USING (ticket_id)
GROUP BY e.ticket_id
"""


# For a drop that moves the as-of instant: the export's latest instant (creation or
# event) plus an hour is where the copies of the templates start (the shift, in whole
# seconds, takes the earliest template creation there) and where the notes fall.
_MOVED_TIMES = """
WITH latest AS (
    SELECT greatest(
        (SELECT max(created_at::TIMESTAMPTZ AT TIME ZONE 'UTC') FROM ticket_rows_all),
        (SELECT max(event_at::TIMESTAMPTZ AT TIME ZONE 'UTC') FROM event_rows_all)
    ) + INTERVAL 1 HOUR AS at
)
SELECT
    epoch(latest.at) - (
        SELECT epoch(min(created_at::TIMESTAMPTZ AT TIME ZONE 'UTC'))
        FROM ticket_rows_all JOIN template_ids USING (ticket_id)
    ) AS shift_seconds,
    strftime(latest.at, '%Y-%m-%dT%H:%M:%SZ') AS notes_at
FROM latest
"""


# The notes of a drop that moves the as-of instant: all at $notes_at (see above).
_LATER_NOTES = """
SELECT
    'N' || t.ticket_id || $suffix AS event_id,
    t.ticket_id,
    $notes_at AS event_at,
    'internal_note' AS event_type,
    CASE WHEN t.agent_id IS NULL THEN 'system' ELSE 'agent' END AS actor_type,
    t.agent_id,
    NULL AS team_id,
    NULL AS tier,
    NULL AS from_status,
    NULL AS to_status,
    NULL AS tool,
    $body AS body
FROM ticket_rows AS t
JOIN noted_ids USING (ticket_id)
"""


# The drawn tickets again, closed an hour later, every other value as exported.
_RESTATED = """
SELECT * REPLACE (
    strftime(closed_at::TIMESTAMPTZ AT TIME ZONE 'UTC' + INTERVAL 1 HOUR,
             '%Y-%m-%dT%H:%M:%SZ') AS closed_at
)
FROM source_rows
JOIN restated_ids USING (ticket_id)
"""
