"""Teams and agents, each agent with a latent skill that drives every outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from .arrays import dates, ints, strings
from .phrases import EN_FIRST, EN_LAST, ZH_GIVEN, ZH_SURNAMES
from .spec import CATEGORIES, TEAMS, TeamSpec
from .window import Window

# How much each tier prefers each complexity tier when tickets are routed: tier-3 experts
# get the hard cases, tier-1 agents the simple ones.
ROUTING_AFFINITY = np.array(
    [
        [1.3, 1.0, 0.4],
        [1.0, 1.1, 1.0],
        [0.4, 0.8, 2.5],
    ]
)
# A ticket in one of the agent's skill categories is this much more likely to reach them.
SKILL_MATCH_WEIGHT = 3.0


@dataclass(frozen=True)
class Staff:
    teams: tuple[TeamSpec, ...]
    agent_ids: list[str]
    names: list[str]
    team: np.ndarray  # team index per agent
    skill: np.ndarray  # latent skill in (0, 1)
    tier: np.ndarray  # 1..3
    skills: np.ndarray  # bool [agent, category]
    hired: list[date]
    available_from: np.ndarray  # UTC seconds; tickets are routed only inside the window
    available_until: np.ndarray
    active: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.agent_ids)

    def members(self, team: int) -> np.ndarray:
        return np.flatnonzero(self.team == team)

    def team_skill(self) -> np.ndarray:
        return np.array([self.skill[self.members(k)].mean() for k in range(len(self.teams))])

    def agent_columns(self) -> dict[str, pa.Array]:
        skill_text = [
            ";".join(c for c, has in zip(CATEGORIES, row, strict=True) if has)
            for row in self.skills
        ]
        return {
            "agent_id": strings(self.agent_ids),
            "name": strings(self.names),
            "team_id": strings([self.teams[k].team_id for k in self.team]),
            "tier": ints(self.tier),
            "skills": strings(skill_text),
            "active": pa.array(self.active, pa.bool_()),
            "hired_at": dates(self.hired),
        }

    def team_columns(self) -> dict[str, pa.Array]:
        return {
            "team_id": strings([t.team_id for t in self.teams]),
            "name": strings([t.name for t in self.teams]),
            "timezone": strings([t.timezone for t in self.teams]),
            "work_start": strings([t.work_start.strftime("%H:%M") for t in self.teams]),
            "work_end": strings([t.work_end.strftime("%H:%M") for t in self.teams]),
            "work_days": strings([t.work_days_text for t in self.teams]),
            "calendar_id": strings([t.calendar_id for t in self.teams]),
        }


def _agent_name(rng: np.random.Generator, english: bool) -> str:
    if english:
        return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    given = "".join(rng.choice(ZH_GIVEN, size=int(rng.integers(1, 3))))
    return f"{rng.choice(ZH_SURNAMES)}{given}"


def _tier(rng: np.random.Generator, skill: float) -> int:
    # Tier follows skill, but tier 3 stays rare: only strong agents, and only some of them.
    if skill > 0.72 and rng.random() < 0.45:
        return 3
    if skill > 0.45 and rng.random() < 0.7:
        return 2
    return 1


def _skills(rng: np.random.Generator, team: TeamSpec) -> np.ndarray:
    """2-4 categories, drawn mostly from what the team's tickets are about."""
    mix = np.asarray(team.category_mix) + 0.02
    count = int(rng.integers(2, 5))
    chosen = rng.choice(len(CATEGORIES), size=count, replace=False, p=mix / mix.sum())
    row = np.zeros(len(CATEGORIES), dtype=bool)
    row[chosen] = True
    return row


def build_staff(rng: np.random.Generator, window: Window) -> Staff:
    """6-10 agents per team; skills scatter around the team's mean skill."""
    ids: list[str] = []
    names: list[str] = []
    team_idx: list[int] = []
    skill: list[float] = []
    tier: list[int] = []
    skills: list[np.ndarray] = []
    hired: list[date] = []
    avail_from: list[int] = []
    avail_until: list[int] = []
    active: list[bool] = []
    for k, team in enumerate(TEAMS):
        count = int(rng.integers(6, 11))
        # At most one leaver and one new hire per team, so the team is never left empty.
        leaver = int(rng.integers(0, count)) if rng.random() < 0.5 else -1
        newcomer = int(rng.integers(0, count)) if rng.random() < 0.4 else -1
        for i in range(count):
            s = float(np.clip(rng.normal(team.skill_mean, 0.1), 0.05, 0.97))
            start = window.start - timedelta(days=int(rng.integers(60, 6 * 365)))
            available_from = window.start_s - 400 * 86400
            if i == newcomer and i != leaver:
                # A new hire joins early in the range, still learning.
                start = window.start + timedelta(days=int(rng.integers(10, window.days // 2 + 11)))
                available_from = window.day_start(start)
                s = max(0.05, s - 0.12)
            until = window.end_s + 400 * 86400
            if i == leaver:
                until = window.start_s + int(rng.uniform(0.3, 0.7) * window.days) * 86400
            ids.append(f"A{len(ids) + 1:03d}")
            names.append(_agent_name(rng, english=team.calendar_id == "DE"))
            team_idx.append(k)
            skill.append(s)
            tier.append(_tier(rng, s))
            skills.append(_skills(rng, team))
            hired.append(start)
            avail_from.append(available_from)
            avail_until.append(until)
            active.append(i != leaver)
    return Staff(
        teams=TEAMS,
        agent_ids=ids,
        names=names,
        team=np.array(team_idx, dtype=np.int64),
        skill=np.array(skill),
        tier=np.array(tier, dtype=np.int64),
        skills=np.array(skills, dtype=bool),
        hired=hired,
        available_from=np.array(avail_from, dtype=np.int64),
        available_until=np.array(avail_until, dtype=np.int64),
        active=np.array(active, dtype=bool),
    )


def route(
    staff: Staff,
    team: np.ndarray,
    category: np.ndarray,
    complexity: np.ndarray,
    at: np.ndarray,
    rng: np.random.Generator,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """Pick an agent of `team` for each ticket, favouring skill and tier fit.

    Only agents employed at `at` are eligible; `exclude` (an agent per row) is skipped,
    which is how a transfer finds someone other than the current assignee.
    """
    out = np.empty(len(team), dtype=np.int64)
    for k in range(len(staff.teams)):
        rows = np.flatnonzero(team == k)
        if not rows.size:
            continue
        members = staff.members(k)
        weight = 1.0 + (SKILL_MATCH_WEIGHT - 1.0) * staff.skills[members][:, category[rows]].T
        weight *= ROUTING_AFFINITY[staff.tier[members] - 1][:, complexity[rows]].T
        when = at[rows, None]
        weight *= (when >= staff.available_from[members]) & (when < staff.available_until[members])
        if exclude is not None:
            weight[exclude[rows, None] == members[None, :]] = 0.0
        # Defensive: with nobody eligible, fall back to anyone in the team.
        empty = weight.sum(axis=1) <= 0
        weight[empty] = 1.0
        cum = weight.cumsum(axis=1)
        u = rng.random(rows.size) * cum[:, -1]
        pick = np.minimum((cum <= u[:, None]).sum(axis=1), members.size - 1)
        out[rows] = members[pick]
    return out
