"""Working calendars: which local days a team works, and business-time arithmetic.

A team's working time is a sorted list of disjoint UTC intervals (one per working day).
With the cumulative working seconds before each interval, "working position" is a
monotone map from UTC seconds to working seconds, so adding business hours to a whole
array of timestamps is two `searchsorted` calls instead of a loop over days. This is what
makes a night-time arrival wait for the team's next working morning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
import numpy as np

from .spec import TeamSpec

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


@lru_cache(maxsize=64)
def _german_holidays(year: int) -> dict[date, str]:
    return dict(holidays.Germany(years=year))


def german_holidays(first: date, last: date) -> list[tuple[date, str]]:
    """German national public holidays between first and last (inclusive), by date."""
    found: list[tuple[date, str]] = []
    for year in range(first.year, last.year + 1):
        found += [(d, n) for d, n in _german_holidays(year).items() if first <= d <= last]
    return sorted(found)


def day_override(calendar_id: str, day: date) -> str | None:
    """'holiday', 'workday' or None (an ordinary day) under the named calendar.

    This mirrors how the warehouse reads holiday_calendars: an override row decides, and
    without one the team's work_days decide.
    """
    if calendar_id == "CN":
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            # chinese_calendar only knows years the State Council has published; beyond
            # that an ordinary week is the best guess.
            return None
        if is_holiday and name is not None:
            return "holiday"
        if not is_holiday and day.isoweekday() >= 6:
            return "workday"  # an adjusted working weekend day (调休)
        return None
    if calendar_id == "DE":
        return "holiday" if day in _german_holidays(day.year) else None
    return None


def is_working_day(team: TeamSpec, day: date) -> bool:
    override = day_override(team.calendar_id, day)
    if override is not None:
        return override == "workday"
    return day.isoweekday() in team.work_days


@dataclass(frozen=True)
class WorkCalendar:
    """Working intervals of one team as UTC epoch seconds, plus cumulative working time."""

    starts: np.ndarray
    ends: np.ndarray
    midnights: np.ndarray  # UTC moment of local 00:00 on each interval's day
    cum_before: np.ndarray  # working seconds before each interval
    day_seconds: int  # length of one working day
    worked_days: frozenset[date]  # local dates worked

    @classmethod
    def build(cls, team: TeamSpec, first: date, last: date) -> WorkCalendar:
        zone = ZoneInfo(team.timezone)
        starts: list[int] = []
        ends: list[int] = []
        midnights: list[int] = []
        worked: set[date] = set()
        day = first
        while day <= last:
            if is_working_day(team, day):
                worked.add(day)
                opens = datetime.combine(day, team.work_start, zone)
                closes = datetime.combine(day, team.work_end, zone)
                starts.append(epoch_seconds(opens))
                ends.append(epoch_seconds(closes))
                midnights.append(epoch_seconds(datetime.combine(day, time(0, 0), zone)))
            day += timedelta(days=1)
        start_arr = np.array(starts, dtype=np.int64)
        end_arr = np.array(ends, dtype=np.int64)
        lengths = end_arr - start_arr
        cum_before = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        minutes = (team.work_end.hour - team.work_start.hour) * 60
        minutes += team.work_end.minute - team.work_start.minute
        midnight_arr = np.array(midnights, dtype=np.int64)
        return cls(start_arr, end_arr, midnight_arr, cum_before, minutes * 60, frozenset(worked))

    def position(self, at: np.ndarray) -> np.ndarray:
        """Working seconds elapsed from the calendar's start until each moment."""
        i = np.searchsorted(self.starts, at, side="right") - 1
        inside = i >= 0
        j = np.where(inside, i, 0)
        length = self.ends[j] - self.starts[j]
        pos = self.cum_before[j] + np.clip(at - self.starts[j], 0, length)
        return np.where(inside, pos, 0)

    def moment(self, pos: np.ndarray) -> np.ndarray:
        """The UTC moment at a working position; a day's end maps to the next day's start."""
        cum_after = self.cum_before + (self.ends - self.starts)
        i = np.searchsorted(cum_after, pos, side="right")
        # Positions beyond the calendar are extrapolated in wall-clock time; the calendar is
        # built long enough that only far-future, never-exported moments land there.
        i = np.minimum(i, len(self.starts) - 1)
        return self.starts[i] + (pos - self.cum_before[i])

    def add(self, at: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The moment `seconds` of working time after `at` (never earlier than `at`)."""
        return np.maximum(self.moment(self.position(at) + seconds), at)

    def working_days_between(
        self, after: np.ndarray, until: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Interval indices [first, last] of the working days after `after`'s local day
        up to and including the day of `until` (empty when last < first)."""
        first = np.searchsorted(self.midnights, after, side="right")
        last = np.searchsorted(self.starts, until, side="right") - 1
        return first, last


class TeamCalendars:
    """Vectorised working-time arithmetic over tickets that belong to different teams."""

    def __init__(self, teams: Sequence[TeamSpec], first: date, last: date) -> None:
        self.calendars = [WorkCalendar.build(t, first, last) for t in teams]
        self.day_seconds = np.array([c.day_seconds for c in self.calendars], dtype=np.int64)

    def _per_team(self, team: np.ndarray, fn_name: str, *args: np.ndarray) -> np.ndarray:
        out = np.empty(len(team), dtype=np.int64)
        for k, calendar in enumerate(self.calendars):
            rows = np.flatnonzero(team == k)
            if rows.size:
                out[rows] = getattr(calendar, fn_name)(*(a[rows] for a in args))
        return out

    def add(self, team: np.ndarray, at: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        return self._per_team(team, "add", at, np.rint(seconds).astype(np.int64))

    def position(self, team: np.ndarray, at: np.ndarray) -> np.ndarray:
        return self._per_team(team, "position", at)

    def moment(self, team: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return self._per_team(team, "moment", np.rint(pos).astype(np.int64))

    def between(
        self, team: np.ndarray, a: np.ndarray, b: np.ndarray, fraction: np.ndarray
    ) -> np.ndarray:
        """The moment `fraction` of the business time from a to b: where agent actions
        between two milestones belong, since agents only act in working hours."""
        start = self.position(team, a)
        return self.moment(team, start + fraction * (self.position(team, b) - start))
