"""Deterministic sample-data generator: a realistic helpdesk export in the contract's shape.

`generate()` simulates six support teams (five in Shanghai time on the Chinese calendar,
one in Berlin on the German one) whose agents have a latent skill that drives response
and resolution times, reopens, confirmations, satisfaction, QA scores, documentation and
knowledge-base work, so indicator scores computed from the files differ between teams in
believable ways.

Tickets are simulated in chunks of about CHUNK_TICKETS and appended to open writers, so
memory stays bounded however many tickets are asked for. Randomness comes from one
`numpy.random.SeedSequence(seed)`, split into independent streams per concern and per
chunk, so the same arguments always produce byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ..contract import FILE_FORMATS
from .arrays import id_width, ids
from .arrivals import Arrivals, plan_arrivals
from .events import EVENTS_PER_TICKET_BOUND, build_events
from .feedback import build_complaints, build_qa_reviews, build_surveys
from .knowledge import KnowledgeBase, build_articles, build_links
from .lifecycle import simulate
from .operations import (
    build_holiday_calendars,
    build_improvement_actions,
    build_mystery_shops,
    build_process_audits,
    build_source_assumptions,
)
from .output import Outputs, open_outputs
from .spec import TEAMS
from .staff import Staff, build_staff
from .tickets import build_tickets
from .window import Window
from .worktime import TeamCalendars

__all__ = ["CHUNK_TICKETS", "generate"]

CHUNK_TICKETS = 25_000
# Working calendars reach past the export so business-time arithmetic near the end of the
# window stays exact; anything later is never exported.
CALENDAR_MARGIN_DAYS = 60


@dataclass(frozen=True)
class _Run:
    """What every chunk needs: the organisation, its calendars and id widths."""

    window: Window
    staff: Staff
    calendars: TeamCalendars
    kb: KnowledgeBase
    team_ids: list[str]
    requester_pool: int
    widths: dict[str, int]


def _id_widths(tickets: int) -> dict[str, int]:
    # Widths depend only on the requested size, never on what was drawn, so ids are
    # stable for a given (tickets, seed) and readable (E0000001) at small sizes.
    return {
        "ticket": id_width(tickets),
        "event": id_width(tickets * EVENTS_PER_TICKET_BOUND),
        "survey": id_width(tickets // 2, 6),
        "review": id_width(tickets // 10, 6),
        "complaint": id_width(tickets // 10, 6),
        "requester": id_width(tickets // 4, 6),
    }


def _write_chunk(out: Outputs, run: _Run, arrivals: Arrivals, rng: np.random.Generator) -> None:
    export_s = run.window.export_s
    agent_ids = run.staff.agent_ids
    chunk = simulate(arrivals, run.staff, run.calendars, run.requester_pool, rng)
    ticket_ids = ids("T", chunk.first_index, chunk.size, run.widths["ticket"])
    events = build_events(
        chunk,
        ticket_ids,
        run.team_ids,
        agent_ids,
        run.calendars,
        export_s,
        out.rows("ticket_events"),
        run.widths["event"],
        rng,
    )
    tickets = build_tickets(
        chunk,
        ticket_ids,
        events.status,
        run.team_ids,
        agent_ids,
        export_s,
        run.widths["requester"],
        rng,
    )
    out.write("tickets", tickets.columns)
    out.write("ticket_events", events.columns)
    surveys = build_surveys(
        chunk, ticket_ids, export_s, out.rows("surveys"), run.widths["survey"], rng
    )
    out.write("surveys", surveys)
    reviews = build_qa_reviews(
        chunk,
        ticket_ids,
        events.status,
        tickets.agent_now,
        tickets.completeness,
        agent_ids,
        export_s,
        out.rows("qa_reviews"),
        run.widths["review"],
        rng,
    )
    out.write("qa_reviews", reviews)
    complaints = build_complaints(
        chunk,
        ticket_ids,
        tickets.team_now,
        run.calendars,
        export_s,
        out.rows("complaints"),
        run.widths["complaint"],
        rng,
    )
    out.write("complaints", complaints)
    out.write("kb_links", build_links(chunk, run.kb, ticket_ids, agent_ids, export_s, rng))


def generate(
    out_dir: Path,
    tickets: int,
    seed: int,
    start: date = date(2026, 4, 1),
    days: int = 183,
    file_format: str = "csv",
) -> dict[str, int]:
    """Write one `<entity>.<file_format>` file per contract entity into out_dir.

    Tickets arrive in [start, start + days) UTC and the export is taken at the end of
    that window. Returns the number of rows written per entity. Files appear only once
    all are complete (each is written to a hidden temporary file and renamed).
    """
    if tickets < 0:
        raise ValueError("tickets must be >= 0")
    if days < 1:
        raise ValueError("days must be >= 1")
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, not {file_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    window = Window(start, days)

    # Independent streams per concern: e.g. more tickets never reshuffle the agents.
    staff_seed, kb_seed, arrival_seed, chunk_seed, ops_seed = np.random.SeedSequence(seed).spawn(5)
    staff = build_staff(np.random.default_rng(staff_seed), window)
    calendars = TeamCalendars(
        TEAMS, start - timedelta(days=2), window.end + timedelta(days=CALENDAR_MARGIN_DAYS)
    )
    kb = build_articles(staff, window, tickets, np.random.default_rng(kb_seed))
    plan = plan_arrivals(
        tickets, TEAMS, calendars, window, np.random.default_rng(arrival_seed), CHUNK_TICKETS
    )
    run = _Run(
        window=window,
        staff=staff,
        calendars=calendars,
        kb=kb,
        team_ids=[t.team_id for t in TEAMS],
        requester_pool=max(100, tickets // 4),
        widths=_id_widths(tickets),
    )
    ops_rng = np.random.default_rng(ops_seed)
    with open_outputs(out_dir, file_format) as out:
        out.write("teams", staff.team_columns())
        out.write("agents", staff.agent_columns())
        out.write("kb_articles", kb.columns)
        for i, seed_i in enumerate(chunk_seed.spawn(plan.chunks)):
            rng = np.random.default_rng(seed_i)
            _write_chunk(out, run, plan.chunk(i, rng), rng)
        out.write("mystery_shops", build_mystery_shops(staff, calendars, window, ops_rng))
        out.write("process_audits", build_process_audits(staff, window, ops_rng))
        out.write(
            "improvement_actions", build_improvement_actions(staff, calendars, window, ops_rng)
        )
        out.write("holiday_calendars", build_holiday_calendars(window))
        out.write("source_assumptions", build_source_assumptions())
    return out.counts()
