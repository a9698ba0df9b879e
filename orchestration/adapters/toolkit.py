"""The one toolkit every vendor adapter is built on: what the user declared (time zone,
holiday country, working week) and where each declaration came from, timestamps into
canonical UTC, value maps as registered relations, the generated team rows, one holiday
builder, and the assumptions a load was made under.

Nothing a user typed (a flag, a mapping value, a date format) is spliced into SQL: values
travel as bound parameters (`$tsq_zone`, `$tsq_formats`) or as rows of a temporary table
inserted with parameters.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from orchestration.adapters.base import (
    AdapterError,
    Conversion,
    write_entities,
    write_entity,
)
from orchestration.sql_text import quote_identifier

#: the working week of a generated team when nobody declared one (no zone, no country:
#: those have no default, see `Declarations`)
WORK_WEEK_DEFAULTS = {"work_start": "09:00", "work_end": "18:00", "work_days": "1,2,3,4,5"}
#: calendar_id of a team that observes no public holidays (`--holidays none`)
NO_HOLIDAYS = "NONE"
#: the team zone of a zone-carrying export when none is declared (recorded as an assumption)
FALLBACK_TEAM_ZONE = "UTC"
#: the mapping key under which `ingest_files` says which declarations came from flags
DECLARED_BY = "_declared_by"
#: the mapping key under which `ingest_files` names the mapping file
MAPPING_FILE = "_mapping_file"
#: ISO 8601 with an explicit zone: Z or an offset after a time of day
ZONED_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"


@dataclass(frozen=True)
class Assumption:
    """One thing a load was made under: what, its value, and who said so."""

    assumption: str
    value: str
    origin: str


@dataclass
class Declarations:
    """What the user declared for one conversion, each with its origin (a flag, the
    mapping file, or `default`), and the assumptions recorded so far."""

    timezone: str | None
    timezone_origin: str
    team_timezone: str
    team_timezone_origin: str
    calendar_id: str  # an ISO country code, or NO_HOLIDAYS
    calendar_origin: str
    work_week: dict[str, str]
    work_week_origin: str
    mapping_origin: str | None
    assumptions: list[Assumption] = field(default_factory=list)

    def assume(self, assumption: str, value: str, origin: str) -> None:
        self.assumptions.append(Assumption(assumption, value, origin))


def _zone(value: Any, what: str) -> str:
    zone = str(value).strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise AdapterError(
            f"{what}: {zone!r} is not an IANA time zone (e.g. Europe/Rome)"
        ) from error
    return zone


def declarations(mapping: Mapping[str, Any] | None, spec: VendorSpec | None = None) -> Declarations:
    """The declarations of a mapping dict (flags already merged in by `ingest_files`).

    Time zone of the export: `timezone`, else none (naive timestamps are then refused).
    Team time zone: `team.timezone`, else `team_timezone`, else the export's zone, else UTC
    recorded as an assumption. Holidays: `holidays`, else `team.calendar_id`, else none
    recorded as an assumption. Working week: `team.work_start/work_end/work_days` over
    WORK_WEEK_DEFAULTS. The vendor spec's readings are the first assumptions recorded.
    """
    mapping = mapping or {}
    by_flag: Mapping[str, str] = mapping.get(DECLARED_BY) or {}
    mapping_file = mapping.get(MAPPING_FILE)
    in_mapping = f"mapping {mapping_file}" if mapping_file else "mapping"

    def origin(key: str) -> str:
        return by_flag.get(key, in_mapping)

    team = dict(mapping.get("team") or {})
    zone = _zone(mapping["timezone"], origin("timezone")) if mapping.get("timezone") else None
    if "timezone" in by_flag.get("team", {}) or team.get("timezone"):
        team_zone = _zone(team["timezone"], "team timezone")
        team_zone_origin = by_flag.get("team", {}).get("timezone", f"{in_mapping} (team:)")
    elif zone:
        team_zone, team_zone_origin = zone, f"the export's zone ({origin('timezone')})"
    else:
        team_zone = FALLBACK_TEAM_ZONE
        team_zone_origin = "default: none declared (--team-timezone or mapping team: timezone)"
    if mapping.get("holidays"):
        calendar, calendar_origin = str(mapping["holidays"]), origin("holidays")
    elif team.get("calendar_id"):
        calendar, calendar_origin = str(team["calendar_id"]), f"{in_mapping} (team: calendar_id)"
    else:
        calendar = NO_HOLIDAYS
        calendar_origin = "default: none declared (--holidays or mapping holidays:)"
    calendar = calendar.strip().upper() or NO_HOLIDAYS
    week = {k: str(team.get(k, v)) for k, v in WORK_WEEK_DEFAULTS.items()}
    declared_week = [k for k in WORK_WEEK_DEFAULTS if k in team]
    week_origin = f"{in_mapping} (team: {', '.join(declared_week)})" if declared_week else "default"
    declared = Declarations(
        timezone=zone,
        timezone_origin=origin("timezone") if zone else "not declared",
        team_timezone=team_zone,
        team_timezone_origin=team_zone_origin,
        calendar_id=calendar,
        calendar_origin=calendar_origin,
        work_week=week,
        work_week_origin=week_origin,
        mapping_origin=str(mapping_file) if mapping_file else None,
    )
    if spec is not None:
        spec.record(declared)
    return declared


# -- SQL plumbing --------------------------------------------------------------------------

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Execute `sql` with those of `params` it names (`$name`); DuckDB refuses extra ones."""
    used = set(_PARAMETER.findall(sql))
    bound = {k: v for k, v in (params or {}).items() if k in used}
    return con.execute(sql, bound) if bound else con.execute(sql)


def register_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> str:
    """A temporary VARCHAR table `table(columns)` holding `rows`, inserted with bound
    parameters; returns the quoted table name for use in SQL."""
    name = quote_identifier(table)
    column_list = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({column_list})")
    data = [[None if v is None else str(v) for v in row] for row in rows]
    if data:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", data)
    return name


def register_value_map(
    con: duckdb.DuckDBPyConnection,
    table: str,
    pairs: Mapping[Any, Any],
    columns: tuple[str, str] = ("raw", "canonical"),
) -> str:
    """A vendor value -> canonical value map as a temporary table (LEFT JOIN it on `raw`);
    returns the quoted table name."""
    return register_rows(
        con, table, columns, [(k, None if v is None else v) for k, v in pairs.items()]
    )


def lookup_sql(table: str, key_sql: str, default_sql: str = "NULL") -> str:
    """SQL for the canonical value of `key_sql` in a value map registered by
    `register_value_map` (columns raw, canonical), else `default_sql`."""
    return (
        f"coalesce((SELECT m.canonical FROM {table} AS m WHERE m.raw = {key_sql}), {default_sql})"
    )


# -- workbooks ----------------------------------------------------------------------------

#: XLSX files above this many MiB are refused: a workbook is read whole into memory, at
#: tens of times its size on disk (a 10 MB sheet took 914 MB); TSQ_XLSX_MAX_MB overrides it
XLSX_MAX_MB_DEFAULT = 10
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def xlsx_max_bytes() -> int:
    raw = os.environ.get("TSQ_XLSX_MAX_MB", str(XLSX_MAX_MB_DEFAULT))
    try:
        return int(float(raw) * 2**20)
    except ValueError as error:
        raise AdapterError(f"TSQ_XLSX_MAX_MB={raw!r} is not a number of MiB") from error


def xlsx_cell(value: Any) -> str:
    """An XLSX cell as the text a CSV export of it would hold: date-times as
    `YYYY-MM-DD HH:MM:SS` (a date at 00:00:00), whole numbers without `.0`, booleans as
    true/false, empty as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def refuse_oversized_workbook(path: Path) -> None:
    """An XLSX over the limit is refused before anything opens it (the one check: the
    inbox step and `tsq ingest` call it before detection, the readers before reading)."""
    if path.suffix.lower() not in XLSX_SUFFIXES:
        return
    size = path.stat().st_size
    limit = xlsx_max_bytes()
    if size > limit:
        raise AdapterError(
            f"{path.name}: a {size / 2**20:.1f} MiB workbook is over the {limit / 2**20:g} MiB "
            f"limit for XLSX (a sheet is read whole into memory); save it as CSV, which has "
            f"no limit, or raise TSQ_XLSX_MAX_MB"
        )


def _sheet(path: Path, sheet: str | int | None) -> Any:
    refuse_oversized_workbook(path)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        if isinstance(sheet, str):
            return book.get_sheet_by_name(sheet)
        return book.get_sheet_by_index(sheet or 0)
    except Exception as error:  # calamine raises its own error types
        raise AdapterError(f"{path}: not a readable XLSX workbook: {error}") from error


def xlsx_header(path: Path, sheet: str | int | None = None) -> list[str]:
    """The first row of the sheet, as text."""
    for row in _sheet(path, sheet).iter_rows():
        return [xlsx_cell(c) for c in row]
    return []


def xlsx_to_csv(path: Path, work_dir: Path, sheet: str | int | None = None) -> Path:
    """A UTF-8 CSV copy of one sheet (the first unless named), written row by row."""
    rows = _sheet(path, sheet)
    target = Path(tempfile.mkstemp(suffix=".csv", dir=work_dir)[1])
    try:
        with target.open("w", encoding="utf-8", newline="") as sink:
            writer = csv.writer(sink)
            for row in rows.iter_rows():
                writer.writerow([xlsx_cell(c) for c in row])
    except Exception as error:  # calamine raises its own error types
        raise AdapterError(f"{path}: not a readable XLSX workbook: {error}") from error
    return target


# -- the vendor spec -------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorSpec:
    """What a vendor adapter knows about its vendor, as data: the one home of each vendor
    value map and of how the adapter reads the vendor's fields. The adapter's SQL reads
    the maps from here (registered as relations), `record` states the readings as the
    load's assumptions (origin `adapter spec`), and docs/vendor-specs.md is generated
    from every spec (`tsq docs`, checked by the tests)."""

    name: str  #: the `--format` name
    title: str
    entities: tuple[str, ...]  #: canonical entities the adapter can fill
    #: vendor status (lower case) -> canonical status; None = not a status (ignored)
    statuses: Mapping[str, str | None] = field(default_factory=dict)
    #: vendor channel (lower case) -> canonical channel; any other is default_channel
    channels: Mapping[str, str] = field(default_factory=dict)
    default_channel: str = "web"
    #: vendor priority (lower case) -> P1..P4; any other (or none) is default_priority
    priorities: Mapping[str, str] = field(default_factory=dict)
    default_priority: str = "P3"
    #: the vendor's own timestamp formats (strptime, or `iso`), tried in order
    timestamp_formats: tuple[str, ...] = ()
    #: (what, how it is read): vendor fields read as their owner means them
    readings: tuple[tuple[str, str], ...] = ()

    def record(self, decl: Declarations) -> None:
        """State the spec's readings as assumptions of this load."""
        for what, how in self.readings:
            decl.assume(what, how, f"adapter spec ({self.name})")


# -- the status chain ----------------------------------------------------------------------

#: canonical statuses at which a ticket stands resolved; leaving one for another status
#: is a reopen
RESOLVED_STATUSES = ("solved", "closed")


def status_events_sql(changes: str) -> str:
    """The one home of how a vendor's status history becomes events, for every adapter
    that has one (ServiceNow's audit log, Zendesk's audits, Jira's changelog).

    `changes` is a relation (a table name or a parenthesised query) with one row per
    recorded change of a ticket's status, carrying at least `from_status` and `to_status`
    (canonical; from_status NULL = the ticket's first status) and `resolvable` (false for
    a ticket closed without ever being resolved, e.g. ServiceNow without resolved_at or
    Jira's Canceled). Every column passes through, plus `event_type`; a change between
    two vendor states of one canonical status (Jira's Waiting for support -> In
    Progress) is no change and gives nothing. Per change:

    - `status_change`, always: the chain process hygiene judges;
    - `resolution` on entering solved or closed from an unresolved status, for a
      resolvable ticket;
    - `closure` on entering closed;
    - `reopen` on leaving solved or closed for an unresolved status.
    """
    resolved = ", ".join(f"'{s}'" for s in RESOLVED_STATUSES)
    return f"""
        SELECT c.*, k.event_type
        FROM (SELECT * FROM {changes}
              WHERE to_status IS NOT NULL AND from_status IS DISTINCT FROM to_status) AS c
        JOIN (VALUES ('status_change'), ('resolution'), ('closure'), ('reopen'))
            AS k(event_type)
          ON CASE k.event_type
                 WHEN 'status_change' THEN true
                 WHEN 'resolution' THEN c.to_status IN ({resolved}) AND c.resolvable
                      AND coalesce(c.from_status NOT IN ({resolved}), true)
                 WHEN 'closure' THEN c.to_status = 'closed'
                 WHEN 'reopen' THEN c.from_status IN ({resolved})
                      AND c.to_status NOT IN ({resolved})
             END
    """


# -- timestamps ----------------------------------------------------------------------------


@dataclass
class TimestampReader:
    """Reads a vendor's timestamp texts into naive UTC TIMESTAMPs (the session is UTC).

    A value with Z or an offset (ISO 8601) is converted as it says. Any other value is a
    local time in the declared zone, in one of `formats` (strptime; `iso` = ISO 8601
    without a zone). With no declared zone such a value cannot be read: `refuse_naive`
    says so, naming the option and the file.
    """

    formats: Sequence[str]
    zone: str | None
    #: prefix of its SQL parameters ($<name>_zone, $<name>_formats), so that readers of
    #: different formats can share one statement
    name: str = "tsq"

    @property
    def params(self) -> dict[str, Any]:
        strptime = [f for f in self.formats if f != "iso"] or ["%Y-%m-%d %H:%M:%S"]
        return {f"{self.name}_zone": self.zone, f"{self.name}_formats": strptime}

    def _naive_local(self, text: str) -> str:
        parsed = (
            [f"try_strptime({text}, ${self.name}_formats)"]
            if any(f != "iso" for f in self.formats)
            else []
        )
        if "iso" in self.formats:
            parsed.append(f"try_cast({text} AS TIMESTAMP)")
        return parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})"

    def is_zoned(self, value_sql: str) -> str:
        return f"regexp_full_match(trim({value_sql}), '{ZONED_ISO}')"

    def sql(self, value_sql: str) -> str:
        if self.zone is None:
            # nothing declared: only zone-carrying values can be read (no parameter needed)
            return zoned_utc_sql(value_sql)
        return self._sql(value_sql)

    def _sql(self, value_sql: str) -> str:
        """SQL for the naive UTC timestamp of the text `value_sql` (NULL if empty or not
        readable); execute with `run_sql(..., reader.params)`."""
        text = f"nullif(trim({value_sql}), '')"
        return (
            f"CASE WHEN {text} IS NULL THEN NULL "
            f"WHEN {self.is_zoned(value_sql)} "
            f"THEN CAST(timezone('UTC', try_cast({text} AS TIMESTAMPTZ)) AS TIMESTAMP) "
            f"ELSE CAST(timezone('UTC', timezone(${self.name}_zone, {self._naive_local(text)})) "
            f"AS TIMESTAMP) END"
        )

    def refuse_naive(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        value_sqls: Mapping[str, str],
        file_sql: str,
    ) -> None:
        """AdapterError when a value of `table` carries no zone and none was declared.
        `value_sqls`: label -> SQL of the text; `file_sql`: SQL naming the row's file."""
        if self.zone is not None:
            return
        for label, value_sql in value_sqls.items():
            text = f"nullif(trim({value_sql}), '')"
            found = con.execute(
                f"SELECT {file_sql}, {text} FROM {table} "
                f"WHERE {text} IS NOT NULL AND NOT {self.is_zoned(value_sql)} LIMIT 1"
            ).fetchone()
            if found:
                raise AdapterError(
                    f"{found[0]}: {label} value {found[1]!r} carries no time zone; declare "
                    f"the zone the export was written in: tsq ingest --timezone <IANA zone> "
                    f"(e.g. --timezone Europe/Rome), or `timezone:` in the mapping"
                )


def zoned_utc_sql(value_sql: str) -> str:
    """SQL for the naive UTC timestamp of an ISO 8601 text that carries its zone (Z or an
    offset); NULL for any other text, a naive one included."""
    text = f"nullif(trim({value_sql}), '')"
    return (
        f"CASE WHEN regexp_full_match({text}, '{ZONED_ISO}') "
        f"THEN CAST(timezone('UTC', try_cast({text} AS TIMESTAMPTZ)) AS TIMESTAMP) END"
    )


def timestamp_reader(decl: Declarations, formats: Sequence[str]) -> TimestampReader:
    """The reader of an export in `formats` under the declared zone (recorded as an
    assumption once the export turns out to need it)."""
    return TimestampReader(formats=list(formats), zone=decl.timezone)


def record_zone_assumptions(decl: Declarations, formats: Sequence[str]) -> None:
    """The time-zone assumptions of a conversion: how naive timestamps were read and the
    team zone (call once, after reading)."""
    if decl.timezone:
        decl.assume("export time zone", decl.timezone, decl.timezone_origin)
    else:
        decl.assume("export time zone", "none needed: every timestamp carries its zone", "data")
    decl.assume("timestamp formats", " | ".join(formats), "adapter spec or mapping")
    decl.assume("team time zone", decl.team_timezone, decl.team_timezone_origin)


# -- canonical UTC ---------------------------------------------------------------------------

#: SQL template: a naive UTC TIMESTAMP as canonical ISO 8601 with Z
ISO = "strftime({}, '%Y-%m-%dT%H:%M:%SZ')"


def iso_utc(timestamp_sql: str) -> str:
    return ISO.format(timestamp_sql)


# -- teams and holidays ----------------------------------------------------------------------


def register_team_week(con: duckdb.DuckDBPyConnection, decl: Declarations) -> str:
    """One row `tsq_team_week(timezone, work_start, work_end, work_days, calendar_id)` that
    every generated team takes (CROSS JOIN it); records the week as assumptions."""
    week = decl.work_week
    decl.assume(
        "working hours",
        f"{week['work_start']}-{week['work_end']} on ISO days {week['work_days']}",
        decl.work_week_origin,
    )
    decl.assume("holiday calendar", decl.calendar_id, decl.calendar_origin)
    return register_rows(
        con,
        "tsq_team_week",
        ("timezone", "work_start", "work_end", "work_days", "calendar_id"),
        [
            (
                decl.team_timezone,
                week["work_start"],
                week["work_end"],
                week["work_days"],
                decl.calendar_id,
            )
        ],
    )


#: the columns a teams query takes from `tsq_team_week AS week`
TEAM_WEEK_COLUMNS = (
    "week.timezone, week.work_start, week.work_end, week.work_days, week.calendar_id"
)


def china_days(years: Iterable[int]) -> list[tuple[str, str, str, str]]:
    """China's statutory holidays and adjusted working days (调休), by the same rule as
    scripts/build_holiday_seed.py (the shipped seed): years chinese-calendar does not
    know are skipped (see `holiday_rows`)."""
    import chinese_calendar

    rows = []
    for year in sorted(set(years)):
        day = date(year, 1, 1)
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            continue
        while day.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if is_holiday and name is not None:
                rows.append(("CN", day.isoformat(), "holiday", name))
            elif day.weekday() >= 5 and chinese_calendar.is_workday(day):
                rows.append(("CN", day.isoformat(), "workday", f"{name} (adjusted working day)"))
            day += timedelta(days=1)
    return rows


def holiday_rows(calendar_id: str, years: Iterable[int]) -> list[tuple[str, str, str, str]]:
    """(calendar_id, calendar_date, day_type, holiday_name) rows of a country over `years`:
    CN from chinese-calendar (with adjusted working days), any other code from the
    `holidays` package, NO_HOLIDAYS none at all."""
    code = calendar_id.strip().upper()
    years = sorted(set(years))
    if code == NO_HOLIDAYS or not years:
        return []
    if code == "CN":
        return china_days(years)
    import holidays

    try:
        days = holidays.country_holidays(code, years=years)
    except NotImplementedError as error:
        raise AdapterError(
            f"no holiday calendar for {calendar_id!r}: give an ISO country code the "
            f"`holidays` package knows (CN, IT, US, DE, ...) or --holidays none"
        ) from error
    return [
        (code, day.isoformat(), "holiday", name)
        for day, name in sorted(days.items())
        if isinstance(day, date)
    ]


def data_years(con: duckdb.DuckDBPyConnection, instants_sql: str) -> list[int]:
    """The calendar years the data spans: `instants_sql` selects one TIMESTAMP column."""
    first, last = con.execute(f"SELECT min(i), max(i) FROM ({instants_sql}) AS t(i)").fetchone()
    if first is None:
        return []
    return list(range(first.year, last.year + 1))


def holiday_query(
    con: duckdb.DuckDBPyConnection, decl: Declarations, years: Sequence[int]
) -> str | None:
    """The holiday_calendars query of the declared calendar over `years` (None when it has
    no rows); records the years covered as an assumption."""
    rows = holiday_rows(decl.calendar_id, years)
    covered = sorted({int(r[1][:4]) for r in rows})
    if decl.calendar_id != NO_HOLIDAYS:
        missing = [y for y in years if y not in covered]
        span = f"{years[0]}-{years[-1]}" if years else "no data"
        decl.assume(
            "holiday years",
            f"{decl.calendar_id} {span}"
            + (f"; no holidays known for {', '.join(map(str, missing))}" if missing else ""),
            "the years the data spans",
        )
    if not rows:
        return None
    table = register_rows(
        con, "tsq_holidays", ("calendar_id", "calendar_date", "day_type", "holiday_name"), rows
    )
    return f"SELECT calendar_id, calendar_date, day_type, holiday_name FROM {table}"


# -- assumptions -----------------------------------------------------------------------------


def assumptions_query(con: duckdb.DuckDBPyConnection, source: str, decl: Declarations) -> str:
    """The source_assumptions query of this conversion (mapping file included)."""
    if decl.mapping_origin:
        decl.assume("mapping file", decl.mapping_origin, "--mapping")
    seen: dict[str, Assumption] = {}
    for item in decl.assumptions:
        seen[item.assumption] = item  # the latest statement of an assumption wins
    table = register_rows(
        con,
        "tsq_assumptions",
        ("source", "assumption", "value", "origin"),
        [(source, a.assumption, a.value, a.origin) for a in seen.values()],
    )
    decl.assumptions = list(seen.values())
    return f"SELECT source, assumption, value, origin FROM {table}"


def write_conversion(
    con: duckdb.DuckDBPyConnection,
    queries: dict[str, str],
    out_dir: Path,
    source: str,
    decl: Declarations,
) -> Conversion:
    """Write every entity's query and the load's source_assumptions as canonical CSVs.
    `rows` counts the data entities; the assumptions are in `assumptions` (and `files`)."""
    conversion = write_entities(con, queries, out_dir, source)
    path, _ = write_entity(
        con, assumptions_query(con, source, decl), "source_assumptions", out_dir, source
    )
    conversion.files.append(path)
    conversion.assumptions = list(decl.assumptions)
    return conversion


# -- reading source columns under private names ------------------------------------------------

#: the column of a table read by `read_source_csv` naming the file each row came from
SOURCE_FILE = "_tsq_file"
#: the column of a table read by `read_source_csv` numbering the file's data rows from 1
SOURCE_ROW = "_tsq_row"


def source_alias(index: int) -> str:
    """The private name of the `index`-th source column a mapping names (see
    `read_source_csv`): never a contract name, whatever the export's headers are."""
    return f"_src_{index}"


def read_source_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    wanted: Sequence[str],
    label: str | None = None,
) -> dict[str, str]:
    """Read the CSV `path` into the temporary table `table` holding only the source columns
    the mapping names (`wanted`), each under a private alias (`source_alias` of its
    position in `wanted`), plus SOURCE_FILE (`label`, else the path) and SOURCE_ROW.

    Columns are matched by their exact header text and read by position, so a header that
    collides with a contract name or another header case-insensitively (`Activity` and
    `activity`: DuckDB names are case-insensitive) can never be read in place of the
    mapped one. Returns {source column: quoted alias}. AdapterError when the file is not
    a readable CSV, lacks a named column, or has a named column twice in its header.
    """
    label = label or str(path)
    try:
        first = con.execute(
            "SELECT * FROM read_csv($path, header = false, all_varchar = true) LIMIT 1",
            {"path": str(path)},
        ).fetchone()
    except duckdb.Error as error:
        raise AdapterError(f"{label}: not a readable CSV: {error}") from error
    header = [("" if cell is None else str(cell)).lstrip("\ufeff").strip() for cell in first or ()]
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header):
        positions.setdefault(name, []).append(position)
    named = list(dict.fromkeys(wanted))
    missing = [c for c in named if c not in positions]
    if missing:
        raise AdapterError(
            f"{label}: lacks column(s) {', '.join(missing)} named in the mapping; "
            f"it has: {', '.join(h for h in header if h)}"
        )
    twice = [c for c in named if len(positions[c]) > 1]
    if twice:
        raise AdapterError(
            f"{label}: column(s) {', '.join(twice)} appear more than once in the header; "
            f"the mapping cannot say which one it means"
        )
    aliases = {c: quote_identifier(source_alias(k)) for k, c in enumerate(named)}
    # the header row is skipped and every column renamed by its position (`names`)
    by_position = [f"_pos_{p}" for p in range(len(header))]
    select = ", ".join(
        f"{quote_identifier(by_position[positions[c][0]])} AS {alias}"
        for c, alias in aliases.items()
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS "
            f"SELECT {select}, $label AS {SOURCE_FILE}, "
            f"row_number() OVER () AS {SOURCE_ROW} "
            f"FROM read_csv($path, header = true, all_varchar = true, names = $names)",
            {"path": str(path), "label": label, "names": by_position},
        )
    except duckdb.Error as error:
        raise AdapterError(f"{label}: not a readable CSV: {error}") from error
    return aliases
