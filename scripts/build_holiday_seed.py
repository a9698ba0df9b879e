"""Write dbt_project/seeds/holiday_calendar_days.csv: China's statutory holidays and
adjusted working days (调休), from the chinese-calendar package.

Run it when chinese-calendar publishes a new year: `.venv/bin/python scripts/build_holiday_seed.py`.
Other countries' calendars arrive through the inbox entity `holiday_calendars`.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

SEED = (
    Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "holiday_calendar_days.csv"
)
FIRST_YEAR, LAST_YEAR = 2020, 2026


def china_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    day = date(FIRST_YEAR, 1, 1)
    while day.year <= LAST_YEAR:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name is not None:
            rows.append(("CN", day.isoformat(), "holiday", name))
        elif day.weekday() >= 5 and chinese_calendar.is_workday(day):
            rows.append(("CN", day.isoformat(), "workday", f"{name} (adjusted working day)"))
        day += timedelta(days=1)
    return rows


def main() -> None:
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["calendar_id", "calendar_date", "day_type", "holiday_name"])
        writer.writerows(china_rows())


if __name__ == "__main__":
    main()
