"""The adapter toolkit: timestamps into UTC, value maps, declarations and their origins,
the one holiday builder, and the team week. Small hand-made inputs, figures by hand."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import with_declarations
from orchestration.adapters.toolkit import (
    NO_HOLIDAYS,
    TimestampReader,
    china_days,
    data_years,
    declarations,
    holiday_query,
    holiday_rows,
    lookup_sql,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
)
from orchestration.settings import PROJECT_ROOT


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def read(con, reader: TimestampReader, values: list[str]) -> list[str | None]:
    register_rows(con, "stamps", ("file", "v"), [("export.csv", v) for v in values])
    return [
        row[0]
        for row in run_sql(
            con,
            f"SELECT strftime({reader.sql('v')}, '%Y-%m-%d %H:%M') FROM stamps ORDER BY rowid",
            reader.params,
        ).fetchall()
    ]


def test_naive_times_in_europe_rome_across_the_spring_dst_change(con):
    """Rome switches from CET (UTC+1) to CEST (UTC+2) at 02:00 on Sunday 27 March 2016:
    01:30 local is 00:30 UTC, 03:30 local is 01:30 UTC, and a day later 12:00 is 10:00."""
    reader = TimestampReader(["%d/%m/%Y %H:%M"], "Europe/Rome")
    assert read(con, reader, ["27/03/2016 01:30", "27/03/2016 03:30", "28/03/2016 12:00"]) == [
        "2016-03-27 00:30",
        "2016-03-27 01:30",
        "2016-03-28 10:00",
    ]


def test_zone_carrying_iso_is_converted_by_its_own_zone_whatever_is_declared(con):
    """Z is already UTC; +02:00 is two hours ahead of UTC. The declared zone (Shanghai)
    applies to naive values only."""
    for zone in (None, "Asia/Shanghai"):
        reader = TimestampReader(["iso"], zone)
        assert read(con, reader, ["2026-10-09T14:50:17Z", "2026-10-09T14:50:17+02:00"]) == [
            "2026-10-09 14:50",
            "2026-10-09 12:50",
        ]
    # a naive ISO value in Shanghai (UTC+8): 14:50 local is 06:50 UTC
    assert read(con, TimestampReader(["iso"], "Asia/Shanghai"), ["2026-10-09 14:50:17"]) == [
        "2026-10-09 06:50"
    ]


def test_a_naive_value_without_a_declared_zone_is_refused_naming_the_option(con):
    reader = TimestampReader(["%d/%m/%Y %H:%M"], None)
    register_rows(con, "stamps", ("file", "v"), [("a.csv", "2026-10-09T14:50:17Z")])
    reader.refuse_naive(con, "stamps", {"opened_at": "v"}, "file")  # zoned: nothing to declare
    register_rows(
        con,
        "stamps",
        ("file", "v"),
        [("a.csv", "2026-10-09T14:50:17Z"), ("b.csv", "9/10/2026 14:50")],
    )
    with pytest.raises(
        AdapterError, match=r"^b\.csv: opened_at value '9/10/2026 14:50'.*--timezone"
    ):
        reader.refuse_naive(con, "stamps", {"opened_at": "v"}, "file")


def test_an_unknown_zone_is_refused(con):
    with pytest.raises(AdapterError, match="--timezone: 'Europe/Atlantis' is not an IANA"):
        declarations(with_declarations({}, None, timezone="Europe/Atlantis"))


def test_a_value_map_is_a_registered_table_not_sql_text(con):
    # a value with a quote would break spliced SQL; as a bound row it is just data
    table = register_value_map(con, "status_map", {"in progress": "open", "o'hold": "pending"})
    register_rows(con, "cells", ("v",), [("In Progress",), ("O'Hold",), ("lost",)])
    mapped = con.execute(
        f"SELECT {lookup_sql(table, 'lower(trim(v))', repr('web'))} FROM cells ORDER BY rowid"
    ).fetchall()
    assert mapped == [("open",), ("pending",), ("web",)]


def test_declarations_flags_win_over_the_mapping_and_say_so():
    mapping = {"timezone": "Asia/Shanghai", "team": {"calendar_id": "CN", "work_end": "17:30"}}
    decl = declarations(with_declarations(mapping, None, timezone="Europe/Rome", holidays="it"))
    assert (decl.timezone, decl.timezone_origin) == ("Europe/Rome", "--timezone")
    assert (decl.calendar_id, decl.calendar_origin) == ("IT", "--holidays")
    # the team follows the export's zone unless its own is declared
    assert decl.team_timezone == "Europe/Rome"
    assert decl.work_week == {"work_start": "09:00", "work_end": "17:30", "work_days": "1,2,3,4,5"}
    nothing = declarations(with_declarations(None, None))
    assert (nothing.timezone, nothing.team_timezone, nothing.calendar_id) == (None, "UTC", "NONE")
    assert nothing.team_timezone_origin.startswith("default: none declared")
    assert nothing.calendar_origin.startswith("default: none declared")


def test_italian_holidays_over_the_years_the_data_spans(con):
    """Data from 20 Dec 2025 to 10 Jan 2026 spans 2025 and 2026. The `holidays` package's
    Italy: New Year, Epiphany, Easter Sunday and Monday, Liberation, Labour, Republic,
    Assumption, All Saints, National Unity Day, Immaculate Conception, Christmas, St
    Stephen = 13 days in 2025; 2026 the same, National Unity Day falling on All Saints
    (1 Nov, one day), plus St Francis (4 Oct, new in 2026) = 13; 26 days, no other year."""
    register_rows(
        con, "instants", ("instant",), [("2025-12-20 08:00:00",), ("2026-01-10 18:00:00",)]
    )
    years = data_years(con, "SELECT CAST(instant AS TIMESTAMP) FROM instants")
    assert years == [2025, 2026]
    decl = declarations({"holidays": "IT"})
    query = holiday_query(con, decl, years)
    assert query is not None
    days = con.execute(f"SELECT calendar_id, calendar_date, day_type FROM ({query})").fetchall()
    dates = {d for _, d, _ in days}
    assert {"2025-12-25", "2026-01-06", "2026-04-06", "2026-04-25"} <= dates  # Easter Mon 2026
    assert {d[:4] for d in dates} == {"2025", "2026"}
    assert len(days) == 26
    assert {(c, t) for c, _, t in days} == {("IT", "holiday")}
    assert any(
        a.assumption == "holiday years" and a.value == "IT 2025-2026" for a in decl.assumptions
    )


def test_china_keeps_its_adjusted_working_days():
    """Spring Festival 2026: Saturday 14 Feb and Saturday 28 Feb are working days (调休),
    15-23 Feb are off; the same days as the shipped seed
    (dbt_project/seeds/holiday_calendar_days.csv)."""
    days = {d: t for _, d, t, _ in holiday_rows("cn", [2026])}
    assert (days["2026-02-14"], days["2026-02-28"]) == ("workday", "workday")
    assert days["2026-02-17"] == "holiday"
    assert len(days) == 39  # grep -c '^CN,2026' dbt_project/seeds/holiday_calendar_days.csv


def test_none_gives_no_holidays_and_an_unknown_country_is_refused(con):
    assert holiday_rows(NO_HOLIDAYS, [2025, 2026]) == []
    assert holiday_query(con, declarations({"holidays": "none"}), [2026]) is None
    with pytest.raises(AdapterError, match="no holiday calendar for 'XX'"):
        holiday_rows("XX", [2026])


def test_the_team_week_is_one_row_with_the_declared_zone_and_calendar(con):
    decl = declarations({"timezone": "Europe/Rome", "holidays": "IT"})
    table = register_team_week(con, decl)
    assert con.execute(f"SELECT * FROM {table}").fetchall() == [
        ("Europe/Rome", "09:00", "18:00", "1,2,3,4,5", "IT")
    ]
    assumed = {a.assumption: (a.value, a.origin) for a in decl.assumptions}
    assert assumed["working hours"] == ("09:00-18:00 on ISO days 1,2,3,4,5", "default")
    assert assumed["holiday calendar"] == ("IT", "mapping")


def test_the_shipped_china_seed_is_what_the_one_china_rule_builds():
    """scripts/build_holiday_seed.py writes the seed from toolkit.china_days; the seed in
    the repository must be exactly its output (the --check of that generated file)."""
    import csv

    from scripts.build_holiday_seed import FIRST_YEAR, LAST_YEAR, SEED

    with SEED.open(encoding="utf-8", newline="") as handle:
        shipped = [tuple(row) for row in csv.reader(handle)][1:]
    assert shipped == china_days(range(FIRST_YEAR, LAST_YEAR + 1))


def test_a_workbook_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from orchestration.adapters.mapped import MappedAdapter

    workbook = PROJECT_ROOT / "tests" / "data" / "mapped" / "gongdan.xlsx"
    mapping = yaml.safe_load(
        (PROJECT_ROOT / "orchestration/adapters/mappings/example-mapped-zh.yml").read_text()
    )
    size_mib = workbook.stat().st_size / 2**20
    monkeypatch.setenv("TSQ_XLSX_MAX_MB", str(size_mib / 2))
    with pytest.raises(AdapterError, match=r"gongdan.xlsx: a .* MiB workbook is over the "):
        MappedAdapter().convert([workbook], tmp_path, "zh", mapping)
    assert not list(tmp_path.glob("*.csv"))
    monkeypatch.setenv("TSQ_XLSX_MAX_MB", str(size_mib * 2))
    assert MappedAdapter().convert([workbook], tmp_path, "zh", mapping).rows["tickets"] > 0


def test_a_workbook_cell_reads_as_a_csv_export_would_write_it():
    import datetime as dt

    from orchestration.adapters.toolkit import xlsx_cell

    assert xlsx_cell(dt.datetime(2026, 3, 4, 9, 5, 7)) == "2026-03-04 09:05:07"
    assert xlsx_cell(dt.date(2026, 3, 4)) == "2026-03-04 00:00:00"
    assert xlsx_cell(dt.time(9, 5)) == "09:05:00"
    assert (xlsx_cell(3.0), xlsx_cell(3.5), xlsx_cell(True), xlsx_cell(None)) == (
        "3",
        "3.5",
        "true",
        "",
    )
