"""Ticket attributes and the timeline of each ticket's life, for one chunk at a time.

Every ticket follows the same skeleton (arrive, get assigned, first response, work,
resolve, maybe reopen, confirm, close) and the moments of each step are drawn as whole
numpy columns. Business-time steps go through the team calendar, so agents only work in
working hours; customer and system steps run on the wall clock.

The handling agent's latent skill is the lever behind every outcome: how fast they answer
and resolve, whether the fix holds, whether they confirm and keep the customer updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrivals import Arrivals
from .spec import (
    CHANNEL_CODES,
    FIRST_RESPONSE_MEDIAN_MIN,
    PRIORITY_MIX,
    PRIORITY_RESOLUTION_FACTOR,
    TIER_TARGET_HOURS,
)
from .staff import Staff, route
from .window import HOUR, MINUTE
from .worktime import TeamCalendars

TRANSFER_BASE = 0.07
TRANSFER_IF_SKILL_MISMATCH = 0.08
CROSS_TEAM_TRANSFER = 0.3
ESCALATION_BY_COMPLEXITY = np.array([0.04, 0.10, 0.25])
WORKAROUND_BY_COMPLEXITY = np.array([0.05, 0.12, 0.25])
PENDING_SHARE = 0.2
LONG_TAIL_SHARE = 0.05
AUTO_CLOSE_AFTER = 72 * HOUR  # solved tickets nobody confirms close themselves


@dataclass
class Chunk:
    """One chunk of tickets with every attribute and lifecycle moment (UTC seconds)."""

    first_index: int
    created: np.ndarray
    team0: np.ndarray  # receiving team
    agent0: np.ndarray  # first assignee
    channel: np.ndarray
    priority: np.ndarray  # 0..3 for P1..P4
    complexity: np.ndarray  # 0..2 for tiers 1..3
    category: np.ndarray
    product: np.ndarray
    lang: np.ndarray  # 0 zh, 1 en
    requester: np.ndarray
    t_assign: np.ndarray
    t_first: np.ndarray  # first public reply
    transfer: np.ndarray
    t_transfer: np.ndarray
    team: np.ndarray  # handling team after any transfer
    agent: np.ndarray  # handling agent after any transfer
    skill: np.ndarray  # handling agent's latent skill
    mismatch: np.ndarray  # category outside the handling agent's skills
    t_start: np.ndarray  # when the handling agent starts working
    fcr: np.ndarray  # resolved on first contact
    work_seconds: np.ndarray  # business seconds from t_start to first resolution
    target_seconds: np.ndarray  # business-hours resolution target of the tier
    t_resolve1: np.ndarray
    pending: np.ndarray
    t_pending: np.ndarray
    t_pending_end: np.ndarray
    escalate: np.ndarray
    escalation_tier: np.ndarray
    t_escalate: np.ndarray
    workaround: np.ndarray
    t_workaround: np.ndarray
    reopen: np.ndarray
    t_reopen: np.ndarray
    t_reply2: np.ndarray
    t_resolve2: np.ndarray
    t_final: np.ndarray  # final resolution
    confirm: np.ndarray
    t_confirm: np.ndarray
    callback: np.ndarray
    t_callback: np.ndarray
    t_close: np.ndarray  # by the agent right after confirming, else auto-closed

    @property
    def size(self) -> int:
        return len(self.created)

    @property
    def slow(self) -> np.ndarray:
        return self.work_seconds > self.target_seconds


def draw_by_team(
    team: np.ndarray, mixes: Sequence[Sequence[float]], rng: np.random.Generator
) -> np.ndarray:
    """One categorical draw per row from the row's team mix."""
    out = np.zeros(len(team), dtype=np.int64)
    for k, mix in enumerate(mixes):
        rows = np.flatnonzero(team == k)
        if rows.size:
            p = np.asarray(mix, dtype=float)
            out[rows] = rng.choice(len(p), size=rows.size, p=p / p.sum())
    return out


def _fraction_between(
    a: np.ndarray, b: np.ndarray, lo: float, hi: float, rng: np.random.Generator
) -> np.ndarray:
    """A moment a random fraction in [lo, hi) of the way from a to b."""
    return a + ((lo + (hi - lo) * rng.random(len(a))) * (b - a)).astype(np.int64)


def _transfer_targets(staff: Staff, team: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A different team on the same holiday calendar (the Berlin desk hands to TM01)."""
    out = team.copy()
    for k, spec in enumerate(staff.teams):
        rows = np.flatnonzero(team == k)
        peers = [
            j for j, t in enumerate(staff.teams) if j != k and t.calendar_id == spec.calendar_id
        ]
        if not peers:
            peers = [j for j in range(len(staff.teams)) if j != k][:1]
        if rows.size and peers:
            out[rows] = np.asarray(peers)[rng.integers(0, len(peers), rows.size)]
    return out


def simulate(
    arrivals: Arrivals,
    staff: Staff,
    calendars: TeamCalendars,
    requester_pool: int,
    rng: np.random.Generator,
) -> Chunk:
    n = arrivals.size
    created, team0 = arrivals.created, arrivals.team
    teams = staff.teams
    channel = draw_by_team(team0, [t.channel_mix for t in teams], rng)
    category = draw_by_team(team0, [t.category_mix for t in teams], rng)
    product = draw_by_team(team0, [t.product_mix for t in teams], rng)
    complexity = draw_by_team(team0, [t.complexity_mix for t in teams], rng)
    priority = rng.choice(len(PRIORITY_MIX), size=n, p=PRIORITY_MIX)
    zh_share = np.array([t.zh_share for t in teams])
    lang = (rng.random(n) >= zh_share[team0]).astype(np.int64)
    requester = rng.integers(1, requester_pool + 1, n)
    agent0 = route(staff, team0, category, complexity, created, rng)

    # First response: business time, slower for weak agents; calls and walk-ins are
    # answered on the spot, chats within minutes.
    t_assign = created + rng.integers(10, 600, n)
    first_skill = staff.skill[agent0]
    first_work = np.asarray(FIRST_RESPONSE_MEDIAN_MIN)[priority] * MINUTE
    first_work = first_work * np.exp(1.4 * (0.5 - first_skill)) * rng.lognormal(0.0, 0.8, n)
    live = (channel == CHANNEL_CODES["phone"]) | (channel == CHANNEL_CODES["walk_in"])
    first_work = np.where(live, rng.integers(30, 300, n), first_work)
    first_work = np.where(channel == CHANNEL_CODES["chat"], first_work * 0.2, first_work)
    t_first = calendars.add(team0, t_assign, np.maximum(first_work, 30))

    # Transfers: more likely when the first assignee lacks the skill.
    mismatch0 = ~staff.skills[agent0, category]
    transfer = rng.random(n) < TRANSFER_BASE + TRANSFER_IF_SKILL_MISMATCH * mismatch0
    cross = transfer & (rng.random(n) < CROSS_TEAM_TRANSFER)
    team = np.where(cross, _transfer_targets(staff, team0, rng), team0)
    t_transfer = calendars.add(team0, t_first, rng.uniform(0.1, 3.0, n) * HOUR)
    agent = agent0.copy()
    moved = np.flatnonzero(transfer)
    agent[moved] = route(
        staff,
        team[moved],
        category[moved],
        complexity[moved],
        t_transfer[moved],
        rng,
        agent0[moved],
    )
    transfer &= agent != agent0
    team = np.where(transfer, team, team0)
    t_start = np.where(transfer, t_transfer, t_first)

    skill = staff.skill[agent]
    tier = staff.tier[agent]
    mismatch = ~staff.skills[agent, category]
    fcr_chance = (0.12 + 0.5 * skill) * np.where(complexity == 0, 1.0, 0.45)
    fcr = ~transfer & (complexity < 2) & (rng.random(n) < fcr_chance)
    escalate_chance = ESCALATION_BY_COMPLEXITY[complexity] * (1.3 - 0.6 * skill)
    escalate = ~fcr & (tier < 3) & (rng.random(n) < escalate_chance)
    jump = ((tier == 1) & (complexity == 2) & (rng.random(n) < 0.5)).astype(np.int64)
    escalation_tier = np.minimum(3, tier + 1 + jump)
    workaround = ~fcr & (rng.random(n) < WORKAROUND_BY_COMPLEXITY[complexity])

    # Resolution effort in business time around half the tier target for an average
    # agent, scaled by skill and by what went wrong, with a log-normal spread and a tail.
    target = np.asarray(TIER_TARGET_HOURS)[complexity] * HOUR
    factor = 0.5 * np.exp(1.6 * (0.5 - skill)) * np.asarray(PRIORITY_RESOLUTION_FACTOR)[priority]
    factor *= np.where(mismatch, 1.4, 1.0) * np.where(escalate, 1.5, 1.0)
    factor *= np.where(transfer, 1.25, 1.0) * rng.lognormal(0.0, 0.7, n)
    factor *= np.where(rng.random(n) < LONG_TAIL_SHARE, rng.uniform(2.0, 6.0, n), 1.0)
    work = np.where(fcr, rng.uniform(120, 1200, n), target * factor)
    work = np.clip(work, 300, 60 * calendars.day_seconds[team]).astype(np.int64)
    t_resolve1 = calendars.add(team, t_start, work)

    # Waiting for the customer, escalation and workaround happen while the ticket is
    # worked, so they are placed between the start of work and the resolution: agent
    # steps in business time, the customer's answer on the wall clock.
    pending = ~fcr & (t_resolve1 - t_start > HOUR) & (rng.random(n) < PENDING_SHARE)
    t_pending = calendars.between(team, t_start, t_resolve1, rng.uniform(0.05, 0.4, n))
    t_pending_end = _fraction_between(t_pending, t_resolve1, 0.1, 0.8, rng)
    t_escalate = calendars.between(team, t_start, t_resolve1, rng.uniform(0.1, 0.5, n))
    t_workaround = calendars.between(team, t_start, t_resolve1, rng.uniform(0.2, 0.8, n))

    # A fix that does not hold comes back within a few days; weak agents, skill gaps and
    # workarounds make that likelier.
    reopen_chance = 0.02 + 0.10 * (1 - skill) + 0.04 * mismatch + 0.08 * workaround - 0.01 * fcr
    reopen = rng.random(n) < reopen_chance
    t_reopen = t_resolve1 + rng.integers(HOUR, 60 * HOUR, n)
    reply2_work = 1800 * np.exp(1.2 * (0.5 - skill)) * rng.lognormal(0.0, 0.7, n)
    t_reply2 = calendars.add(team, t_reopen, reply2_work)
    t_resolve2 = calendars.add(team, t_reply2, 0.35 * work * rng.lognormal(0.0, 0.5, n) + 600)
    t_final = np.where(reopen, t_resolve2, t_resolve1)

    confirm = rng.random(n) < 0.45 + 0.4 * skill
    t_confirm = calendars.add(team, t_final, rng.uniform(0.2, 6.0, n) * HOUR)
    callback = ((priority < 2) | (complexity == 2)) & (rng.random(n) < 0.45 + 0.3 * skill)
    t_callback = calendars.add(team, t_final, rng.uniform(1.0, 24.0, n) * HOUR)
    auto_close = t_final + AUTO_CLOSE_AFTER + rng.integers(0, HOUR, n)
    t_close = np.where(confirm, t_confirm + rng.integers(60, 1800, n), auto_close)

    return Chunk(
        first_index=arrivals.first_index,
        created=created,
        team0=team0,
        agent0=agent0,
        channel=channel,
        priority=priority,
        complexity=complexity,
        category=category,
        product=product,
        lang=lang,
        requester=requester,
        t_assign=t_assign,
        t_first=t_first,
        transfer=transfer,
        t_transfer=t_transfer,
        team=team,
        agent=agent,
        skill=skill,
        mismatch=mismatch,
        t_start=t_start,
        fcr=fcr,
        work_seconds=work,
        target_seconds=target.astype(np.int64),
        t_resolve1=t_resolve1,
        pending=pending,
        t_pending=t_pending,
        t_pending_end=t_pending_end,
        escalate=escalate,
        escalation_tier=escalation_tier,
        t_escalate=t_escalate,
        workaround=workaround,
        t_workaround=t_workaround,
        reopen=reopen,
        t_reopen=t_reopen,
        t_reply2=t_reply2,
        t_resolve2=t_resolve2,
        t_final=t_final,
        confirm=confirm,
        t_confirm=t_confirm,
        callback=callback,
        t_callback=t_callback,
        t_close=t_close,
    )
