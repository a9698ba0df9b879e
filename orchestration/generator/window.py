"""The simulated period and the moment the export is taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DAY = 86400
HOUR = 3600
MINUTE = 60


@dataclass(frozen=True)
class Window:
    """Tickets arrive in [start, start + days) UTC; the export is taken at the end.

    Everything that would happen after the export moment (a resolution, a survey answer,
    a review) is simply not in the files yet, which is what makes the last days' tickets
    look open, exactly as in a real export.
    """

    start: date
    days: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)

    @property
    def start_s(self) -> int:
        return self.day_start(self.start)

    @property
    def end_s(self) -> int:
        return self.day_start(self.end)

    @property
    def export_s(self) -> int:
        """The export moment: nothing in the files is later than this."""
        return self.end_s

    @staticmethod
    def day_start(day: date) -> int:
        """UTC midnight of a date as epoch seconds."""
        return (day - date(1970, 1, 1)).days * DAY
