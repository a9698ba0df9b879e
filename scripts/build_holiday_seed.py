"""Write dbt_project/seeds/holiday_calendar_days.csv: China's statutory holidays and
adjusted working days (调休), from the chinese-calendar package, by the one rule the
adapters use too (orchestration.adapters.toolkit.china_days).

Run it when chinese-calendar publishes a new year: `.venv/bin/python scripts/build_holiday_seed.py`.
Other countries' calendars arrive through the inbox entity `holiday_calendars`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.adapters.toolkit import china_days

SEED = (
    Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "holiday_calendar_days.csv"
)
FIRST_YEAR, LAST_YEAR = 2020, 2026


def main() -> None:
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["calendar_id", "calendar_date", "day_type", "holiday_name"])
        writer.writerows(china_days(range(FIRST_YEAR, LAST_YEAR + 1)))


if __name__ == "__main__":
    main()
