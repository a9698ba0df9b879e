"""Customer and quality feedback for one chunk: surveys, QA reviews and complaints.

All three are sampled from the chunk's tickets and shaped by the handling agent's skill
and by what went wrong on the ticket (a reopen, a slow fix, a failed workaround).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..contract import STATUSES
from .arrays import allowed_values, ids, ints, numbers, pick, timestamps
from .lifecycle import Chunk
from .phrases import COMPLAINT_TEXTS, QA_COMMENTS, SURVEY_COMMENTS, PhraseTable
from .spec import REVIEWERS
from .window import DAY, HOUR, MINUTE
from .worktime import TeamCalendars

SURVEY_SHARE = 0.25
QA_SHARE = 0.055
SURVEY_COMMENT_TABLE = PhraseTable(SURVEY_COMMENTS)
QA_COMMENT_TABLE = PhraseTable(QA_COMMENTS)
COMPLAINT_TABLE = PhraseTable(COMPLAINT_TEXTS)
COMPLAINT_CATEGORIES = allowed_values("complaints", "category")
CC = {name: i for i, name in enumerate(COMPLAINT_CATEGORIES)}
ST = {name: i for i, name in enumerate(STATUSES)}
# Latent satisfaction cut into five stars.
RATING_EDGES = np.array([1.0, 1.8, 2.6, 3.3])


def _sample(ticket_ids: pa.Array, rows: np.ndarray) -> pa.Array:
    return ticket_ids.take(pa.array(rows, pa.int64()))


def _comment_bucket(score: np.ndarray, edges: tuple[float, float]) -> np.ndarray:
    return np.digitize(score, edges)


def build_surveys(
    c: Chunk, ticket_ids: pa.Array, export_s: int, first: int, width: int, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """About a quarter of resolved tickets get a survey shortly after the final fix."""
    resolved = c.t_final < export_s
    sent_at = c.t_final + rng.integers(5 * MINUTE, 3 * HOUR, c.size)
    rows = np.flatnonzero(resolved & (rng.random(c.size) < SURVEY_SHARE) & (sent_at < export_s))
    n = rows.size
    skill = c.skill[rows]
    delay = np.minimum(rng.lognormal(np.log(5 * HOUR), 1.0, n), 7 * DAY).astype(np.int64)
    responded_at = sent_at[rows] + delay
    answered = (rng.random(n) < 0.55 + 0.1 * skill) & (responded_at < export_s)
    latent = 2.2 + 2.4 * skill - 1.3 * c.reopen[rows] - 0.7 * c.slow[rows]
    latent = latent - 0.4 * c.mismatch[rows] + rng.normal(0.0, 0.9, n)
    rating = np.digitize(latent, RATING_EDGES) + 1
    commented = answered & (rng.random(n) < 0.35)
    bucket = _comment_bucket(rating, (2.5, 3.5))
    comment = SURVEY_COMMENT_TABLE.pick(bucket, c.lang[rows], rng)
    columns = {
        "survey_id": ids("S", first, n, width),
        "ticket_id": _sample(ticket_ids, rows),
        "sent_at": timestamps(sent_at[rows]),
        "responded_at": timestamps(responded_at, valid=answered),
        "rating": ints(rating, valid=answered),
        "comment": SURVEY_COMMENT_TABLE.take(comment, valid=commented),
    }
    return columns


def _score(center: np.ndarray, spread: float, rng: np.random.Generator) -> np.ndarray:
    return np.round(np.clip(center + rng.normal(0.0, spread, len(center)), 0, 100), 1)


def build_qa_reviews(
    c: Chunk,
    ticket_ids: pa.Array,
    status: np.ndarray,
    agent_now: np.ndarray,
    completeness: np.ndarray,
    agent_ids: list[str],
    export_s: int,
    first: int,
    width: int,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """About 5% of closed tickets are reviewed within days of closure."""
    closed = status == ST["closed"]
    reviewed_at = c.t_close + rng.integers(2 * HOUR, 4 * DAY, c.size)
    chosen = closed & (rng.random(c.size) < QA_SHARE) & (reviewed_at < export_s)
    rows = np.flatnonzero(chosen)
    n = rows.size
    skill = c.skill[rows]
    base = 48 + 45 * skill
    expertise = _score(base - 8 * c.mismatch[rows] - 6 * c.reopen[rows], 7, rng)
    language = _score(base + 5, 6, rng)
    clarity = _score(base, 7, rng)
    attitude = _score(58 + 35 * skill, 8, rng)
    documentation = _score(30 + 65 * completeness[rows], 6, rng)
    mean = (expertise + language + clarity + attitude + documentation) / 5
    commented = rng.random(n) < 0.5
    comment = QA_COMMENT_TABLE.pick(_comment_bucket(mean, (65, 82)), c.lang[rows], rng)
    columns = {
        "review_id": ids("Q", first, n, width),
        "ticket_id": _sample(ticket_ids, rows),
        "agent_id": pick(agent_ids, agent_now[rows]),
        "reviewer_id": pick(REVIEWERS, rng.integers(0, len(REVIEWERS), n)),
        "reviewed_at": timestamps(reviewed_at[rows]),
        "expertise_score": numbers(expertise),
        "language_score": numbers(language),
        "clarity_score": numbers(clarity),
        "attitude_score": numbers(attitude),
        "documentation_score": numbers(documentation),
        "comment": QA_COMMENT_TABLE.take(comment, valid=commented),
    }
    return columns


def _complaint_category(c: Chunk, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = rows.size
    skill = c.skill[rows]
    failed = c.workaround[rows] & c.reopen[rows] & (rng.random(n) < 0.7)
    delay = c.slow[rows] & (rng.random(n) < 0.6)
    # Otherwise: rude handling is a weak-agent complaint; quality follows reopens.
    weights = np.stack(
        [
            0.2 + 0.6 * (1 - skill),
            0.35 + 0.2 * c.reopen[rows],
            np.full(n, 0.15),
            np.full(n, 0.10),
        ],
        axis=1,
    )
    cum = weights.cumsum(axis=1)
    k = (cum <= (rng.random(n) * cum[:, -1])[:, None]).sum(axis=1)
    other = np.array([CC["attitude"], CC["quality"], CC["suggestion"], CC["other"]])[
        np.minimum(k, 3)
    ]
    return np.where(failed, CC["workaround_failed"], np.where(delay, CC["delay"], other))


def build_complaints(
    c: Chunk,
    ticket_ids: pa.Array,
    team_now: np.ndarray,
    calendars: TeamCalendars,
    export_s: int,
    first: int,
    width: int,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """1-2% of tickets draw a complaint, far more often when something went wrong."""
    chance = 0.003 + 0.016 * (1 - c.skill) + 0.015 * c.slow + 0.035 * c.reopen
    chance = chance + 0.04 * (c.workaround & c.reopen)
    rows = np.flatnonzero(rng.random(c.size) < chance)
    category = _complaint_category(c, rows, rng)
    # A delay complaint comes while the customer is still waiting; others after the fix.
    waiting = c.t_start[rows] + (
        rng.uniform(0.3, 0.9, rows.size) * (c.t_final[rows] - c.t_start[rows])
    ).astype(np.int64)
    after = c.t_final[rows] + rng.integers(HOUR, 3 * DAY, rows.size)
    received = np.where(category == CC["delay"], waiting, after)
    keep = received < export_s
    rows, category, received = rows[keep], category[keep], received[keep]
    n = rows.size
    handling = rng.uniform(2, 40, n) * HOUR
    resolved_at = calendars.add(team_now[rows], received, handling)
    resolved = (rng.random(n) < 0.9) & (resolved_at < export_s)
    # Some suggestions are about the service in general, not one ticket.
    general = (category == CC["suggestion"]) & (rng.random(n) < 0.3)
    text = COMPLAINT_TABLE.pick(category, c.lang[rows], rng)
    columns = {
        "complaint_id": ids("C", first, n, width),
        "ticket_id": ticket_ids.take(pa.array(rows, pa.int64(), mask=general)),
        "received_at": timestamps(received),
        "category": pick(COMPLAINT_CATEGORIES, category),
        "resolved_at": timestamps(resolved_at, valid=resolved),
        "description": COMPLAINT_TABLE.take(text),
    }
    return columns
