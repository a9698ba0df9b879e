"""When tickets arrive, and how they are cut into chunks.

The whole period is split into (UTC hour, team) cells, each with an intensity from the
team's local hour of day and whether that local day is worked. One multinomial draw
gives the exact ticket count per cell; chunks are runs of whole hours, so ticket ids are
chronological across chunks while only one chunk's tickets are ever in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .spec import TeamSpec
from .window import HOUR, Window
from .worktime import TeamCalendars

# Relative arrivals by local hour: quiet nights, a mid-morning peak, a lunch dip and a
# mid-afternoon peak.
# fmt: off
HOURLY_PROFILE = np.array([
    0.05, 0.03, 0.02, 0.02, 0.02, 0.04, 0.10, 0.30, 0.70, 1.00, 1.25, 1.10,
    0.60, 0.70, 1.05, 1.20, 1.05, 0.80, 0.45, 0.30, 0.22, 0.16, 0.10, 0.07,
])
# fmt: on
# Weekends and public holidays still see some tickets (web forms, e-mail).
OFF_DAY_FACTOR = 0.12


@dataclass(frozen=True)
class Arrivals:
    """One chunk of tickets: creation moment and receiving team, in creation order."""

    first_index: int  # global index of the first ticket, for ids
    created: np.ndarray
    team: np.ndarray

    @property
    def size(self) -> int:
        return len(self.created)


def _cell_intensity(
    teams: tuple[TeamSpec, ...], calendars: TeamCalendars, window: Window
) -> np.ndarray:
    """Relative intensity per [hour, team] over the window."""
    hours = window.days * 24
    out = np.zeros((hours, len(teams)))
    begin = datetime.fromtimestamp(window.start_s, UTC)
    for k, team in enumerate(teams):
        zone = ZoneInfo(team.timezone)
        worked = calendars.calendars[k].worked_days
        for h in range(hours):
            local = (begin + timedelta(hours=h)).astimezone(zone)
            day_factor = 1.0 if local.date() in worked else OFF_DAY_FACTOR
            out[h, k] = team.volume_share * HOURLY_PROFILE[local.hour] * day_factor
    return out


@dataclass(frozen=True)
class ArrivalPlan:
    counts: np.ndarray  # tickets per [hour, team]
    chunk_bounds: list[tuple[int, int]]  # hour ranges [h0, h1)
    window: Window

    @property
    def chunks(self) -> int:
        return len(self.chunk_bounds)

    def chunk(self, i: int, rng: np.random.Generator) -> Arrivals:
        """The tickets of chunk i with second-level arrival moments, sorted."""
        h0, h1 = self.chunk_bounds[i]
        cells = self.counts[h0:h1]
        hour = np.repeat(np.arange(h0, h1).repeat(cells.shape[1]), cells.ravel())
        team = np.repeat(np.tile(np.arange(cells.shape[1]), h1 - h0), cells.ravel())
        created = self.window.start_s + hour * HOUR + rng.integers(0, HOUR, hour.size)
        order = np.lexsort((team, created))
        first = int(self.counts[:h0].sum())
        return Arrivals(first, created[order], team[order])


def plan_arrivals(
    tickets: int,
    teams: tuple[TeamSpec, ...],
    calendars: TeamCalendars,
    window: Window,
    rng: np.random.Generator,
    chunk_size: int,
) -> ArrivalPlan:
    intensity = _cell_intensity(teams, calendars, window)
    p = (intensity / intensity.sum()).ravel()
    counts = rng.multinomial(tickets, p).reshape(intensity.shape)
    per_hour = counts.sum(axis=1)
    # Cut after the hour in which the running total passes each multiple of chunk_size.
    cum = np.cumsum(per_hour)
    marks = np.arange(chunk_size, tickets, chunk_size)
    cuts = np.unique(np.searchsorted(cum, marks, side="left") + 1)
    edges = [0, *[int(c) for c in cuts if 0 < c < len(per_hour)], len(per_hour)]
    bounds = [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if per_hour[a:b].sum()]
    return ArrivalPlan(counts, bounds, window)
