"""Team-level records that do not hang off single tickets: mystery shops, process audits,
improvement actions, and the German holiday calendar.

These are a few rows per team per week or month, so plain Python loops are fine here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from .arrays import allowed_values, ids, ints, numbers, pick, strings, timestamps
from .phrases import ACTION_TITLES, PhraseTable
from .spec import CHANNEL_CODES, INDICATORS, PROCESS_STEP_COMPLIANCE_SHIFT, PROCESS_STEPS, TEAMS
from .staff import Staff
from .window import DAY, Window
from .worktime import TeamCalendars, epoch_seconds, german_holidays

ACTION_KINDS = allowed_values("improvement_actions", "kind")
CHANNELS = allowed_values("mystery_shops", "channel")
ACTION_TABLE = PhraseTable(ACTION_TITLES)
ACTION_DUE_DAYS = np.array([14, 21, 30, 45])


def month_spans(window: Window) -> list[tuple[int, int]]:
    """[start, end) UTC seconds of each calendar month overlapping the window."""
    spans = []
    month = window.start.replace(day=1)
    while month < window.end:
        following = (month + timedelta(days=32)).replace(day=1)
        lo = max(window.day_start(month), window.start_s)
        hi = min(window.day_start(following), window.export_s)
        spans.append((lo, hi))
        month = following
    return spans


def _working_moments(
    calendars: TeamCalendars, team: int, lo: int, hi: int, count: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` random moments inside the team's working time between lo and hi, sorted."""
    cal = calendars.calendars[team]
    a, b = cal.position(np.array([lo, hi]))
    if b <= a:
        return np.zeros(0, dtype=np.int64)
    return np.sort(cal.moment(rng.integers(a, b, count)))


def _available_agent(staff: Staff, team: int, at: int, rng: np.random.Generator) -> int:
    members = staff.members(team)
    here = members[(staff.available_from[members] <= at) & (at < staff.available_until[members])]
    return int(rng.choice(here if here.size else members))


def build_mystery_shops(
    staff: Staff, calendars: TeamCalendars, window: Window, rng: np.random.Generator
) -> dict[str, pa.Array]:
    team, agent, channel, tested = [], [], [], []
    for k, spec in enumerate(staff.teams):
        mix = np.asarray(spec.channel_mix) / sum(spec.channel_mix)
        for lo, hi in month_spans(window):
            moments = _working_moments(calendars, k, lo, hi, 2 + min(rng.poisson(1.5), 4), rng)
            for at in moments:
                team.append(k)
                agent.append(_available_agent(staff, k, int(at), rng))
                channel.append(int(rng.choice(len(mix), p=mix)))
                tested.append(int(at))
    n = len(team)
    skill = staff.skill[np.array(agent, dtype=np.int64)] if n else np.zeros(0)
    chan = np.array(channel, dtype=np.int64)
    speed = np.exp(1.4 * (0.5 - skill))
    live = (chan == CHANNEL_CODES["phone"]) | (chan == CHANNEL_CODES["walk_in"])
    written = rng.lognormal(np.log(60 * np.maximum(speed, 1e-9)), 0.6, n)
    minutes = np.where(live, rng.uniform(0.5, 4, n), written)
    minutes = np.where(chan == CHANNEL_CODES["chat"], rng.uniform(1, 10, n) * speed, minutes)
    accuracy = np.clip(45 + 50 * skill + rng.normal(0, 8, n), 0, 100)
    communication = np.clip(50 + 45 * skill + rng.normal(0, 8, n), 0, 100)
    speed_score = np.clip(100 - minutes / 3, 0, 100)
    overall = 0.45 * accuracy + 0.35 * communication + 0.2 * speed_score
    return {
        "test_id": ids("M", 0, n, 5),
        "team_id": pick([t.team_id for t in staff.teams], np.array(team, dtype=np.int64)),
        "agent_id": pick(staff.agent_ids, np.array(agent, dtype=np.int64)),
        "channel": pick(CHANNELS, chan),
        "tested_at": timestamps(np.array(tested, dtype=np.int64)),
        "response_minutes": numbers(np.round(minutes, 1)),
        "technical_accuracy": numbers(np.round(accuracy, 1)),
        "communication": numbers(np.round(communication, 1)),
        "overall": numbers(np.round(overall, 1)),
    }


def _week_audit_moments(staff: Staff, k: int, window: Window) -> list[int]:
    """Friday 16:00 local of every week whose audit falls inside the window."""
    zone = ZoneInfo(staff.teams[k].timezone)
    friday = window.start + timedelta(days=(4 - window.start.weekday()) % 7)
    moments = []
    while friday <= window.end:
        at = epoch_seconds(datetime.combine(friday, time(16, 0), zone))
        if window.start_s <= at < window.export_s:
            moments.append(at)
        friday += timedelta(days=7)
    return moments


def build_process_audits(
    staff: Staff, window: Window, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """Weekly checklist audits per team and process step; better teams comply more."""
    team_skill = staff.team_skill()
    team, step, audited = [], [], []
    for k in range(len(staff.teams)):
        for at in _week_audit_moments(staff, k, window):
            for s in range(len(PROCESS_STEPS)):
                team.append(k)
                step.append(s)
                audited.append(at)
    n = len(team)
    team_arr = np.array(team, dtype=np.int64)
    step_arr = np.array(step, dtype=np.int64)
    p = 0.68 + 0.3 * team_skill[team_arr] + np.asarray(PROCESS_STEP_COMPLIANCE_SHIFT)[step_arr]
    p = np.clip(p + rng.normal(0, 0.04, n), 0.3, 0.99)
    checked = rng.integers(5, 21, n)
    compliant = rng.binomial(checked, p)
    return {
        "audit_id": ids("PA", 0, n, 6),
        "team_id": pick([t.team_id for t in staff.teams], team_arr),
        # Audits here sample a week of work, not one ticket.
        "ticket_id": pa.nulls(n, pa.string()),
        "audited_at": timestamps(np.array(audited, dtype=np.int64)),
        "process_step": pick(PROCESS_STEPS, step_arr),
        "items_checked": ints(checked),
        "items_compliant": ints(compliant),
    }


def build_improvement_actions(
    staff: Staff, calendars: TeamCalendars, window: Window, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """A few actions per team per month; weak teams close fewer, and later."""
    team_skill = staff.team_skill()
    team, opened = [], []
    for k in range(len(staff.teams)):
        for lo, hi in month_spans(window):
            moments = _working_moments(calendars, k, lo, hi, 2 + min(rng.poisson(2.0), 4), rng)
            team += [k] * len(moments)
            opened += [int(m) for m in moments]
    n = len(team)
    team_arr = np.array(team, dtype=np.int64)
    opened_at = np.array(opened, dtype=np.int64)
    skill = team_skill[team_arr]
    kind = (rng.random(n) < 0.6).astype(np.int64)  # 0 process_review, 1 improvement
    indicator = rng.integers(0, len(INDICATORS), n)
    has_indicator = (kind == 1) | (rng.random(n) < 0.7)
    lang = np.array([int(staff.teams[k].calendar_id == "DE") for k in team], dtype=np.int64)
    title = ACTION_TABLE.pick(indicator, lang, rng)
    due_at = opened_at + ACTION_DUE_DAYS[rng.integers(0, len(ACTION_DUE_DAYS), n)] * DAY
    slip_days = rng.normal(-6 + 18 * (1 - skill), 8)
    closed_at = np.maximum(opened_at + DAY, due_at + (slip_days * DAY).astype(np.int64))
    closed = (rng.random(n) < 0.55 + 0.4 * skill) & (closed_at < window.export_s)
    org_wide = rng.random(n) < 0.05
    return {
        "action_id": ids("IA", 0, n, 5),
        "team_id": pick([t.team_id for t in staff.teams], team_arr, valid=~org_wide),
        "kind": pick(ACTION_KINDS, kind),
        "title": ACTION_TABLE.take(title),
        "target_indicator_id": pick(INDICATORS, indicator, valid=has_indicator),
        "opened_at": timestamps(opened_at),
        "due_at": timestamps(due_at),
        "closed_at": timestamps(closed_at, valid=closed),
    }


def build_holiday_calendars(window: Window) -> dict[str, pa.Array]:
    """German public holidays for every year the window touches.

    The CN calendar ships as a dbt seed, so only DE rows are exported here.
    """
    last = window.end - timedelta(days=1)
    rows = german_holidays(date(window.start.year, 1, 1), date(last.year, 12, 31))
    return {
        "calendar_id": strings(["DE"] * len(rows)),
        "calendar_date": pa.array([d for d, _ in rows], pa.date32()),
        "day_type": strings(["holiday"] * len(rows)),
        "holiday_name": strings([name for _, name in rows]),
    }


def build_source_assumptions() -> dict[str, pa.Array]:
    """What the generated export assumes, recorded like an adapter's (source_assumptions):
    its timestamps carry their zone, and each team's zone, week and calendar come from
    the generator's own team spec."""
    rows = [("export time zone", "none needed: every timestamp carries its zone (Z)", "the data")]
    for team in TEAMS:
        start, end = (t.strftime("%H:%M") for t in (team.work_start, team.work_end))
        rows += [
            (f"team {team.team_id} time zone", team.timezone, "generator team spec"),
            (f"team {team.team_id} holiday calendar", team.calendar_id, "generator team spec"),
            (
                f"team {team.team_id} working hours",
                f"{start}-{end}, ISO days {team.work_days_text}",
                "generator team spec",
            ),
        ]
    return {
        "source": strings(["generator"] * len(rows)),
        "assumption": strings([r[0] for r in rows]),
        "value": strings([r[1] for r in rows]),
        "origin": strings([r[2] for r in rows]),
    }
