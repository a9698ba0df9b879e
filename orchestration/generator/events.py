"""ticket_events for one chunk, built as blocks of same-kind events and merged in time order.

Each lifecycle step becomes one block (a column per event field, one row per ticket that
has the step). Blocks are concatenated, cut at the export moment and sorted by ticket,
time and a fixed step rank, so simultaneous steps (a status change and the reply that
caused it) always come out in a sensible order. The ticket's current status is then read
off its last exported status change, which keeps tickets and events consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..contract import EVENT_TYPES, STATUSES
from .arrays import ids, ints, pick, timestamps
from .lifecycle import Chunk
from .phrases import EVENT_BODIES, PhraseTable
from .spec import CHANNEL_CODES
from .worktime import TeamCalendars

EV = {name: i for i, name in enumerate(EVENT_TYPES)}
ST = {name: i for i, name in enumerate(STATUSES)}
ACTORS = ("agent", "customer", "system")
AGENT, CUSTOMER, SYSTEM = range(3)
TOOLS = ("kb_lookup", "remote_assist", "template")
BODY_KINDS = tuple(EVENT_BODIES)
BODY = {name: i for i, name in enumerate(BODY_KINDS)}
BODY_TABLE = PhraseTable(list(EVENT_BODIES.values()))
MAX_PROACTIVE_DAYS = 40
MAX_EXTRA_MESSAGES = 5
# A generous estimate of events per ticket, used only to choose the event id width (an id
# wider than that is still written in full, so this can never break uniqueness).
EVENTS_PER_TICKET_BOUND = 25


# Compact column types: a chunk holds ~10 events per ticket, so width matters for memory.
BLOCK_DTYPES = {
    "ticket": np.int32,
    "at": np.int64,
    "event": np.int8,
    "actor": np.int8,
    "rank": np.int8,
    "agent": np.int32,
    "team": np.int16,
    "tier": np.int8,
    "from": np.int8,
    "to": np.int8,
    "tool": np.int8,
    "body": np.int8,
}


@dataclass
class _Blocks:
    """Accumulates event blocks; scalar fields are broadcast over the block's rows."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(
        self,
        rows: np.ndarray,
        at: np.ndarray,
        event: str,
        actor: int | np.ndarray,
        rank: int,
        *,
        agent: np.ndarray | int = -1,
        team: np.ndarray | int = -1,
        tier: np.ndarray | int = 0,
        status: tuple[str, str] | None = None,
        tool: np.ndarray | int = -1,
        body: str | None = None,
    ) -> None:
        n = len(rows)
        values = {
            "ticket": rows,
            "at": at,
            "event": EV[event],
            "actor": actor,
            "rank": rank,
            "agent": agent,
            "team": team,
            "tier": tier,
            "from": ST[status[0]] if status else -1,
            "to": ST[status[1]] if status else -1,
            "tool": tool,
            "body": BODY[body] if body else -1,
        }
        for key, value in values.items():
            column = np.broadcast_to(np.asarray(value, dtype=BLOCK_DTYPES[key]), (n,))
            self.parts.setdefault(key, []).append(column)

    def merged(self) -> dict[str, np.ndarray]:
        return {key: np.concatenate(chunks) for key, chunks in self.parts.items()}


def _tools(rng: np.random.Generator, n: int, probs: tuple[float, float, float]) -> np.ndarray:
    """A tool code per row (kb_lookup, remote_assist, template) or -1 for none."""
    u = rng.random(n)
    edges = np.cumsum(probs)
    code = np.searchsorted(edges, u, side="right")
    return np.where(code < 3, code, -1)


def _resolution_tools(rng: np.random.Generator, skill: np.ndarray) -> np.ndarray:
    # Good agents reach for the knowledge base; remote sessions are skill-neutral.
    u = rng.random(len(skill))
    kb = 0.10 + 0.35 * skill
    return np.select([u < kb, u < kb + 0.15, u < kb + 0.20], [0, 1, 2], -1)


def _repeat_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeated by count, and each repeat's 1-based position within its row."""
    rows = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.arange(len(rows)) - starts + 1


def _lifecycle_blocks(c: Chunk, rng: np.random.Generator) -> _Blocks:
    """The fixed steps of every ticket's life. The fifth argument of each `add` is the
    step's rank: events at the same second are ordered by it, and the calls below are in
    rank order, which is the order a helpdesk tool would log them."""
    b = _Blocks()
    every = np.arange(c.size)
    written = (c.channel == CHANNEL_CODES["email"]) | (c.channel == CHANNEL_CODES["web"])
    auto = np.flatnonzero(written & (rng.random(c.size) < 0.9))
    b.add(
        auto,
        c.created[auto] + rng.integers(3, 60, auto.size),
        "auto_reply",
        SYSTEM,
        0,
        body="auto_reply",
    )
    b.add(every, c.t_assign, "assignment", SYSTEM, 1, agent=c.agent0, team=c.team0)
    b.add(every, c.t_first, "status_change", AGENT, 2, agent=c.agent0, status=("new", "open"))
    b.add(
        every,
        c.t_first,
        "public_reply",
        AGENT,
        3,
        agent=c.agent0,
        tool=_tools(rng, c.size, (0.10, 0.0, 0.25)),
        body="first_reply",
    )

    r = np.flatnonzero(c.transfer)
    b.add(
        r, c.t_transfer[r], "transfer", AGENT, 4, agent=c.agent[r], team=c.team[r], body="transfer"
    )
    r = np.flatnonzero(c.escalate)
    b.add(
        r,
        c.t_escalate[r],
        "escalation",
        AGENT,
        5,
        agent=c.agent[r],
        team=c.team[r],
        tier=c.escalation_tier[r],
        body="escalation",
    )
    r = np.flatnonzero(c.pending)
    b.add(r, c.t_pending[r], "public_reply", AGENT, 6, agent=c.agent[r], body="ask_info")
    b.add(
        r, c.t_pending[r], "status_change", AGENT, 7, agent=c.agent[r], status=("open", "pending")
    )
    b.add(r, c.t_pending_end[r], "customer_reply", CUSTOMER, 8, body="customer_reply")
    b.add(r, c.t_pending_end[r], "status_change", SYSTEM, 9, status=("pending", "open"))
    r = np.flatnonzero(c.workaround)
    b.add(
        r,
        c.t_workaround[r],
        "workaround",
        AGENT,
        11,
        agent=c.agent[r],
        tool=_tools(rng, r.size, (0.1, 0.3, 0.0)),
        body="workaround",
    )

    b.add(
        every,
        c.t_resolve1,
        "resolution",
        AGENT,
        12,
        agent=c.agent,
        tool=_resolution_tools(rng, c.skill),
        body="resolution",
    )
    b.add(every, c.t_resolve1, "status_change", AGENT, 13, agent=c.agent, status=("open", "solved"))
    r = np.flatnonzero(c.reopen)
    b.add(r, c.t_reopen[r], "reopen", CUSTOMER, 14, body="reopen")
    b.add(r, c.t_reopen[r], "status_change", SYSTEM, 15, status=("solved", "open"))
    b.add(r, c.t_reply2[r], "public_reply", AGENT, 16, agent=c.agent[r], body="reply")
    b.add(
        r,
        c.t_resolve2[r],
        "resolution",
        AGENT,
        17,
        agent=c.agent[r],
        tool=_resolution_tools(rng, c.skill[r]),
        body="resolution",
    )
    b.add(
        r, c.t_resolve2[r], "status_change", AGENT, 18, agent=c.agent[r], status=("open", "solved")
    )
    r = np.flatnonzero(c.confirm)
    b.add(r, c.t_confirm[r], "confirmation", AGENT, 19, agent=c.agent[r], body="confirmation")
    r = np.flatnonzero(c.callback)
    b.add(r, c.t_callback[r], "callback", AGENT, 20, agent=c.agent[r], body="callback")

    # An agent closes after confirming with the user; otherwise the system auto-closes.
    closer = np.where(c.confirm, AGENT, SYSTEM)
    closer_agent = np.where(c.confirm, c.agent, -1)
    b.add(every, c.t_close, "closure", closer, 21, agent=closer_agent, body="closure")
    b.add(
        every,
        c.t_close,
        "status_change",
        closer,
        22,
        agent=closer_agent,
        status=("solved", "closed"),
    )
    return b


def _conversation_blocks(
    c: Chunk, b: _Blocks, calendars: TeamCalendars, rng: np.random.Generator
) -> None:
    """Extra replies, customer messages, notes and proactive updates while work goes on."""
    worked = ~c.fcr
    span = c.t_resolve1 - c.t_start
    cx = c.complexity
    kinds = (
        ("public_reply", AGENT, 0.25 + 0.30 * cx, "reply"),
        ("customer_reply", CUSTOMER, 0.25 + 0.25 * cx, "customer_reply"),
        ("internal_note", AGENT, 0.10 + 0.35 * cx, "internal_note"),
    )
    for event, actor, lam, body in kinds:
        counts = np.where(worked, np.minimum(rng.poisson(lam), MAX_EXTRA_MESSAGES), 0)
        rows, _ = _repeat_rows(counts)
        fraction = rng.random(rows.size)
        if actor == AGENT:
            at = calendars.between(c.team[rows], c.t_start[rows], c.t_resolve1[rows], fraction)
            b.add(rows, at, event, actor, 10, agent=c.agent[rows], body=body)
        else:
            at = c.t_start[rows] + (fraction * span[rows]).astype(np.int64)
            b.add(rows, at, event, actor, 10, body=body)

    _proactive_updates(c, b, calendars, rng)


def _proactive_updates(
    c: Chunk, b: _Blocks, calendars: TeamCalendars, rng: np.random.Generator
) -> None:
    """On each working day after the creation day until the fix, good agents are much
    likelier to post an update that day (what ux_proactive_update_rate measures)."""
    for k, calendar in enumerate(calendars.calendars):
        tickets = np.flatnonzero(c.team == k)
        first, last = calendar.working_days_between(c.created[tickets], c.t_resolve1[tickets])
        due = np.clip(last - first + 1, 0, MAX_PROACTIVE_DAYS)
        rep, j = _repeat_rows(due)
        rows = tickets[rep]
        day = first[rep] + j - 1
        # Not before the first answer, and strictly before the resolution.
        lo = np.maximum(calendar.starts[day], c.t_first[rows] + 1)
        hi = np.minimum(calendar.ends[day], c.t_resolve1[rows])
        posted = (hi > lo) & (rng.random(rows.size) < 0.15 + 0.75 * c.skill[rows])
        at = lo + (rng.random(rows.size) * (hi - lo)).astype(np.int64)
        b.add(
            rows[posted],
            at[posted],
            "proactive_update",
            AGENT,
            10,
            agent=c.agent[rows[posted]],
            body="proactive_update",
        )


@dataclass(frozen=True)
class ChunkEvents:
    columns: dict[str, pa.Array]
    status: np.ndarray  # status code per ticket at the export moment


def build_events(
    c: Chunk,
    ticket_ids: pa.Array,
    team_ids: list[str],
    agent_ids: list[str],
    calendars: TeamCalendars,
    export_s: int,
    first_event: int,
    id_width: int,
    rng: np.random.Generator,
) -> ChunkEvents:
    blocks = _lifecycle_blocks(c, rng)
    _conversation_blocks(c, blocks, calendars, rng)
    ev = blocks.merged()
    kept = ev["at"] < export_s
    ev = {k: v[kept] for k, v in ev.items()}
    order = np.lexsort((ev["rank"], ev["at"], ev["ticket"]))
    ev = {k: v[order] for k, v in ev.items()}
    n = len(order)

    body = np.full(n, -1, dtype=np.int64)
    has_body = ev["body"] >= 0
    body[has_body] = BODY_TABLE.pick(ev["body"][has_body], c.lang[ev["ticket"][has_body]], rng)
    columns = {
        "event_id": ids("E", first_event, n, id_width),
        "ticket_id": ticket_ids.take(pa.array(ev["ticket"])),
        "event_at": timestamps(ev["at"]),
        "event_type": pick(EVENT_TYPES, ev["event"]),
        "actor_type": pick(ACTORS, ev["actor"]),
        "agent_id": pick(agent_ids, ev["agent"]),
        "team_id": pick(team_ids, ev["team"]),
        "tier": ints(ev["tier"], valid=ev["tier"] > 0),
        "from_status": pick(STATUSES, ev["from"]),
        "to_status": pick(STATUSES, ev["to"]),
        "tool": pick(TOOLS, ev["tool"]),
        "body": BODY_TABLE.take(body, valid=has_body),
    }
    return ChunkEvents(columns, _current_status(ev, c.size))


def _current_status(ev: dict[str, np.ndarray], tickets: int) -> np.ndarray:
    """Each ticket's status after its last exported status change ('new' if none)."""
    status = np.full(tickets, ST["new"], dtype=np.int64)
    changes = np.flatnonzero(ev["event"] == EV["status_change"])
    ticket = ev["ticket"][changes]
    # Events are sorted by ticket then time: a ticket's last change is where the next
    # change belongs to another ticket.
    last = np.append(ticket[1:] != ticket[:-1], True) if ticket.size else ticket.astype(bool)
    status[ticket[last]] = ev["to"][changes][last]
    return status
