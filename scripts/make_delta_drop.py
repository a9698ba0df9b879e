"""Write a day's drop beside generated exports: new tickets, restated old tickets, and new
events on old tickets, as `tickets-<tag>.csv` and `ticket_events-<tag>.csv`.

Made from the generator's `tickets.csv` and `ticket_events.csv` in the inbox, so every row
keeps the contract's rules:
- new tickets: a `share` of the tickets, copied under new ids (`<id>-<tag>`) with all
  their events (`<event id>-<tag>`);
- restated tickets: a `share` of the old tickets exported again with `closed_at` one hour
  later (those still open keep it empty): a later row of a known key;
- events on old tickets: a `share` of the old tickets get a copy of their last event, one
  minute after it, under a new event id.
Which tickets: those whose id hashes into the share (deterministic, no seed needed).

    .venv/bin/python scripts/make_delta_drop.py INBOX --share 0.01 --tag d1
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb

_TIME = "%Y-%m-%dT%H:%M:%SZ"


def make_delta_drop(inbox: Path, share: float, tag: str) -> dict[str, int]:
    """Write the drop; returns rows written per file name."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    tickets_path, events_path = inbox / "tickets.csv", inbox / "ticket_events.csv"
    # all columns as text: the copies keep the exported values exactly
    con.execute(
        "CREATE TEMP TABLE tickets AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [str(tickets_path)],
    )
    con.execute(
        "CREATE TEMP TABLE events AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [str(events_path)],
    )
    # a ticket is in the share when the hash of its id and a salt falls below it; one
    # salt each (independent) chooses the new copies, the restated and those with a new
    # event, and the tag is in the salt, so two drops choose different tickets
    buckets = 1_000_000
    cut = int(share * buckets)
    picked = "hash(ticket_id || ?) % ? < ?"
    suffix = f"-{tag}"
    con.execute(
        f"CREATE TEMP TABLE new_tickets AS SELECT * REPLACE (ticket_id || ? AS ticket_id) "
        f"FROM tickets WHERE {picked}",
        [suffix, "new" + tag, buckets, cut],
    )
    con.execute(
        "CREATE TEMP TABLE new_events AS SELECT e.* REPLACE "
        "(e.event_id || ? AS event_id, e.ticket_id || ? AS ticket_id) "
        "FROM events AS e SEMI JOIN new_tickets AS t ON t.ticket_id = e.ticket_id || ?",
        [suffix, suffix, suffix],
    )
    con.execute(
        "CREATE TEMP TABLE restated AS SELECT * REPLACE (strftime(CAST(closed_at AS "
        f"TIMESTAMPTZ) + INTERVAL 1 HOUR, '{_TIME}') AS closed_at) "
        f"FROM tickets WHERE {picked}",
        ["restated" + tag, buckets, cut],
    )
    con.execute(
        "CREATE TEMP TABLE later_events AS SELECT * REPLACE (event_id || ? AS event_id, "
        f"strftime(CAST(event_at AS TIMESTAMPTZ) + INTERVAL 1 MINUTE, '{_TIME}') AS event_at) "
        f"FROM events WHERE {picked.replace('ticket_id', 'events.ticket_id')} "
        "QUALIFY row_number() OVER "
        "(PARTITION BY ticket_id ORDER BY event_at DESC, event_id DESC) = 1",
        [suffix, "event" + tag, buckets, cut],
    )
    outputs = {
        f"tickets-{tag}.csv": "SELECT * FROM new_tickets UNION ALL SELECT * FROM restated",
        f"ticket_events-{tag}.csv": "SELECT * FROM new_events UNION ALL SELECT * FROM later_events",
    }
    written: dict[str, int] = {}
    for name, query in outputs.items():
        result = con.execute(query)
        header = [column[0] for column in result.description or []]
        rows = result.fetchall()
        # written by Python, not COPY: the path is never spliced into SQL; a NULL is an
        # empty unquoted field, as the generator writes it
        with (inbox / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written[name] = len(rows)
    con.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inbox", type=Path)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--tag", default="d1")
    args = parser.parse_args()
    for name, rows in make_delta_drop(args.inbox, args.share, args.tag).items():
        print(f"{name}: {rows} rows")


if __name__ == "__main__":
    main()
