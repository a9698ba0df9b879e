"""The tickets rows of one chunk, as they stand at the export moment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..contract import CHANNELS, PRIORITIES, STATUSES
from .arrays import ints, labels, pick, timestamps
from .lifecycle import Chunk
from .phrases import CLOSURE_CODES, RESOLUTIONS, ROOT_CAUSES, SUBJECTS, SYMPTOMS, PhraseTable
from .spec import CATEGORIES, LANGUAGES, PRODUCTS

SUBJECT_TABLE = PhraseTable(SUBJECTS)
SYMPTOM_TABLE = PhraseTable(SYMPTOMS)
ROOT_CAUSE_TABLE = PhraseTable(ROOT_CAUSES)
RESOLUTION_TABLE = PhraseTable(RESOLUTIONS)
ST = {name: i for i, name in enumerate(STATUSES)}
CLOSURE = {name: i for i, name in enumerate(CLOSURE_CODES)}
HARDWARE = CATEGORIES.index("hardware")
PRODUCT_MISSING = 0.03


@dataclass(frozen=True)
class ChunkTickets:
    columns: dict[str, pa.Array]
    team_now: np.ndarray
    agent_now: np.ndarray  # -1 when nobody is assigned yet
    completeness: np.ndarray  # share of the four record fields filled, 0..1


def _record_fill(c: Chunk, status: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which documentation fields are filled: weak agents leave more of the record empty,
    and only a closed ticket is expected to carry the full record and a closure code."""
    s = c.skill
    closed = status == ST["closed"]
    solved = status == ST["solved"]
    working = (status == ST["open"]) | (status == ST["pending"])
    done = np.where(closed, 1.0, np.where(solved, 0.85, 0.0))
    u = rng.random((4, c.size))
    return {
        "symptom": u[0] < np.where(working, 0.5 + 0.3 * s, done * (0.7 + 0.3 * s)),
        "root_cause": u[1] < done * (0.45 + 0.5 * s),
        "resolution_summary": u[2] < done * (0.65 + 0.35 * s),
        "closure_code": closed & (u[3] < 0.85 + 0.15 * s),
    }


def _closure_codes(c: Chunk, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(c.size)
    ordinary = np.select(
        [u < 0.55, u < 0.75, u < 0.95],
        [CLOSURE["fixed"], CLOSURE["config_change"], CLOSURE["user_guidance"]],
        CLOSURE["no_fault_found"],
    )
    hardware = (c.category == HARDWARE) & (rng.random(c.size) < 0.5)
    code = np.where(hardware, CLOSURE["hardware_replaced"], ordinary)
    return np.where(c.workaround & ~c.reopen, CLOSURE["workaround"], code)


def build_tickets(
    c: Chunk,
    ticket_ids: pa.Array,
    status: np.ndarray,
    team_ids: list[str],
    agent_ids: list[str],
    export_s: int,
    requester_width: int,
    rng: np.random.Generator,
) -> ChunkTickets:
    moved = c.transfer & (c.t_transfer < export_s)
    team_now = np.where(moved, c.team, c.team0)
    agent_now = np.where(moved, c.agent, np.where(c.t_assign < export_s, c.agent0, -1))
    fill = _record_fill(c, status, rng)
    has_product = rng.random(c.size) >= PRODUCT_MISSING
    closed = status == ST["closed"]
    columns = {
        "ticket_id": ticket_ids,
        "created_at": timestamps(c.created),
        "channel": pick(CHANNELS, c.channel),
        "priority": pick(PRIORITIES, c.priority),
        "complexity_tier": ints(c.complexity + 1),
        "category": pick(CATEGORIES, c.category),
        "product": pick(PRODUCTS, c.product, valid=has_product),
        "team_id": pick(team_ids, team_now),
        "agent_id": pick(agent_ids, agent_now),
        "requester_id": labels("U", c.requester, requester_width),
        "language": pick(LANGUAGES, c.lang),
        "subject": SUBJECT_TABLE.take(SUBJECT_TABLE.pick(c.category, c.lang, rng)),
        "status": pick(STATUSES, status),
        "symptom": SYMPTOM_TABLE.take(
            SYMPTOM_TABLE.pick(c.category, c.lang, rng), valid=fill["symptom"]
        ),
        "root_cause": ROOT_CAUSE_TABLE.take(
            ROOT_CAUSE_TABLE.pick(c.category, c.lang, rng), valid=fill["root_cause"]
        ),
        "resolution_summary": RESOLUTION_TABLE.take(
            RESOLUTION_TABLE.pick(c.category, c.lang, rng), valid=fill["resolution_summary"]
        ),
        "closure_code": pick(CLOSURE_CODES, _closure_codes(c, rng), valid=fill["closure_code"]),
        "closed_at": timestamps(c.t_close, valid=closed),
        # a generated helpdesk has no SLA engine of its own: TSQ's verdicts are the only ones
        "source_first_response_sla_met": pa.nulls(c.size, pa.bool_()),
        "source_resolution_sla_met": pa.nulls(c.size, pa.bool_()),
        # nor counts of its own: transfers and reopens are counted from its events
        "reassignment_count": pa.nulls(c.size, pa.int64()),
        "reopen_count": pa.nulls(c.size, pa.int64()),
    }
    completeness = np.mean([fill[k] for k in fill], axis=0) if c.size else np.zeros(0)
    return ChunkTickets(columns, team_now, agent_now, completeness)
