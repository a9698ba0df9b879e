"""How many reporting periods a bench's day drop touches (docs/DECISIONLOG.md,
"Indicator roll-ups by period: not built, measured not to pay on the bench's drop").

Recomputing only "the periods the touched tickets fall in" (issue 15) can save work only
for the periods no touched ticket falls in. This takes the data and the drop `tsq bench
--tickets N --delta 0.01` uses, from the bench's own cache (made there if missing: seed
42, the as-of instant moving), then counts, per grain, the periods that hold any
ticket's creation or closing instant and those that hold a touched ticket's (a new
ticket, one with a new event, one restated), old or new row.

A proxy: periods are cut in UTC, not the reporting time zone, and only two of the
indicators' anchors are read (creation and closing); the other anchors (first response,
survey answers...) of the same tickets only add periods.

    .venv/bin/python scripts/delta_touched_periods.py 1000000 --work-dir /tmp/bench
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from orchestration.generator.delta import delta_file_name

GRAINS = ("day", "week", "month", "quarter")
#: `tsq bench`'s default seed, which its drop also uses
BENCH_SEED = 42


def touched_period_counts(export: Path, drop: Path, drop_seed: int) -> dict[str, tuple[int, int]]:
    """grain -> (periods touched by the drop, periods with any ticket)."""
    con = duckdb.connect()
    old = con.read_csv(str(export / "tickets.csv"), all_varchar=True)
    new = con.read_csv(str(drop / delta_file_name("tickets", drop_seed)), all_varchar=True)
    events = con.read_csv(str(drop / delta_file_name("ticket_events", drop_seed)), all_varchar=True)
    con.register("old_tickets", old)
    con.register("drop_tickets", new)
    con.register("drop_events", events)
    con.execute(
        "create table touched as select ticket_id from drop_tickets"
        " union select ticket_id from drop_events"
    )
    con.execute(
        "create table anchors as"
        " select ticket_id, cast(instant as timestamp) as instant from ("
        "   select ticket_id, created_at as instant from old_tickets"
        "   union all select ticket_id, closed_at from old_tickets"
        "   union all select ticket_id, created_at from drop_tickets"
        "   union all select ticket_id, closed_at from drop_tickets"
        " ) where instant is not null and instant <> ''"
    )
    counts = {}
    for grain in GRAINS:
        touched, total = con.execute(
            "select count(distinct case when ticket_id in (select ticket_id from touched)"
            " then date_trunc(?, instant) end), count(distinct date_trunc(?, instant))"
            " from anchors",
            [grain, grain],
        ).fetchone() or (0, 0)
        counts[grain] = (int(touched), int(total))
    return counts


def main() -> None:
    from orchestration.bench import cached_data, cached_delta

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tickets", type=int)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument(
        "--work-dir", type=Path, default=Path("delta-periods"), help="as tsq bench's"
    )
    arguments = parser.parse_args()
    cache_dir = arguments.work_dir / "data"
    export, _ = cached_data(cache_dir, arguments.tickets, BENCH_SEED)
    drop = cached_delta(cache_dir, export, arguments.share, BENCH_SEED, moves_as_of=True)
    for grain, (touched, total) in touched_period_counts(
        export, drop, drop_seed=BENCH_SEED
    ).items():
        print(
            f"{grain:8} {touched:5} of {total:5} periods touched ({touched / total:.1%})",
            flush=True,
        )


if __name__ == "__main__":
    main()
