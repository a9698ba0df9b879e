"""How many reporting periods a bench's day drop touches (docs/DECISIONLOG.md,
"Indicator roll-ups and scores by period", its history).

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

`--real-log` asks the same of a real helpdesk's days instead of the bench's drop: it
replays ../shared/data/helpdesk-log/helpdesk.csv (4,580 cases, 2010-2014, local time)
one day at a time, reading its case, timestamp columns and timestamp format from the
shipped mapping (orchestration/adapters/mappings/helpdesk-eventlog.yml, or `--mapping`).
A day's run (a day on which a case was opened) touches every case open at the start of
the day (the as-of instant moves past them; a case is open from its first event to its
last) and the cases opened that day. It prints, per grain, the median over the days with
a year of history behind them of the periods holding a touched case's opening instant or
the day itself, and of the periods holding any case opened by then.

    LOG=../shared/data/helpdesk-log/helpdesk.csv
    .venv/bin/python scripts/delta_touched_periods.py --real-log $LOG
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from orchestration.adapters.mapping_schema import EventLogMapping
from orchestration.adapters.registry import read_mapping
from orchestration.generator.delta import delta_file_name
from orchestration.settings import PROJECT_ROOT
from orchestration.sql_text import quote_identifier

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


#: the event-log mapping that ships for the real log (its columns and timestamp format)
HELPDESK_MAPPING = (
    PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "helpdesk-eventlog.yml"
)


def real_log_touched_period_counts(
    log: Path, mapping_file: Path = HELPDESK_MAPPING
) -> dict[str, tuple[float, float, int]]:
    """grain -> (median periods touched by a day, median periods so far, days measured)
    for the real event log at `log`, read with its event-log mapping."""
    mapping = EventLogMapping.model_validate(read_mapping(mapping_file))
    con = duckdb.connect()
    con.execute(
        "create table cases as"
        " select case_id, min(instant) as opened, max(instant) as last_event from ("
        f"   select {quote_identifier(mapping.columns.case_id)} as case_id,"
        f"   strptime({quote_identifier(mapping.columns.timestamp)}, ?) as instant"
        "   from read_csv(?, all_varchar = true)"
        " ) group by case_id",
        [mapping.timestamp_format, str(log)],
    )
    con.execute(
        "create table run_days as"
        " select distinct cast(opened as date) as day from cases"
        " where opened >= (select min(opened) from cases) + interval 1 year"
    )
    counts = {}
    for grain in GRAINS:
        touched, so_far, days = con.execute(
            "with touched as ("
            "  select run_days.day, date_trunc(?, cases.opened) as period"
            "  from run_days join cases"
            "    on cases.opened < run_days.day + interval 1 day"
            "   and cases.last_event >= run_days.day"
            "  union select day, date_trunc(?, day) from run_days"
            "), per_day as ("
            "  select day, count(distinct period) as touched,"
            "   (select count(distinct date_trunc(?, opened)) from cases"
            "    where opened < day + interval 1 day) as so_far"
            "  from touched group by day"
            ") select median(touched), median(so_far), count(*) from per_day",
            [grain, grain, grain],
        ).fetchone() or (0, 0, 0)
        counts[grain] = (float(touched), float(so_far), int(days))
    return counts


def main() -> None:
    from orchestration.bench import cached_data, cached_delta

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tickets", type=int, nargs="?")
    parser.add_argument("--real-log", type=Path, help="a real event log instead (see above)")
    parser.add_argument(
        "--mapping", type=Path, default=HELPDESK_MAPPING, help="the real log's event-log mapping"
    )
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument(
        "--work-dir", type=Path, default=Path("delta-periods"), help="as tsq bench's"
    )
    arguments = parser.parse_args()
    if arguments.real_log is not None:
        for grain, (touched, so_far, days) in real_log_touched_period_counts(
            arguments.real_log, arguments.mapping
        ).items():
            print(
                f"{grain:8} {touched:5.0f} of {so_far:5.0f} periods touched"
                f" ({touched / so_far:.1%}; medians over {days} days)",
                flush=True,
            )
        return
    if arguments.tickets is None:
        parser.error("give a ticket count, or --real-log")
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
