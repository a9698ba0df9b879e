"""Process-mining event logs (CSV): case id, activity, timestamp, resource and case
attributes, with a mapping of activities to canonical lifecycle event types.

Everything is one set-based DuckDB pass per entity; the mapping file says which column
is which, the timestamp format and zone, and what each activity means.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import holidays

from orchestration.adapters.base import AdapterError, Conversion, namespaced, write_entity
from orchestration.contract import EVENT_TYPES
from orchestration.ingest.readers import sql_string


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class EventLogAdapter:
    name = "eventlog"
    entities = ("tickets", "ticket_events", "agents", "teams", "holiday_calendars")

    def detect(self, path: Path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        header = path.open(encoding="utf-8-sig", errors="replace").readline().lower()
        return "case id" in header and "activity" in header

    def convert(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        source: str,
        mapping: dict[str, Any] | None,
    ) -> Conversion:
        if not mapping:
            raise AdapterError("eventlog: a --mapping file is required (columns, activities)")
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            self._load_events(con, paths, mapping)
            self._check_activities(con, paths, mapping)
            conversion = Conversion(source=source)
            for entity, sql in self._entity_queries(con, source, mapping).items():
                path, rows = write_entity(con, sql, entity, out_dir, source)
                conversion.files.append(path)
                conversion.rows[entity] = rows
            return conversion
        finally:
            con.close()

    def _load_events(
        self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path], mapping: dict[str, Any]
    ) -> None:
        columns = mapping["columns"]
        files = "[" + ", ".join(sql_string(str(p)) for p in paths) + "]"
        try:
            con.execute(
                f"CREATE TEMP TABLE log AS SELECT *, row_number() OVER () AS log_row "
                f"FROM read_csv({files}, header = true, all_varchar = true, filename = true)"
            )
        except duckdb.Error as error:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: not a readable CSV: {error}"
            ) from error
        present = {row[0] for row in con.execute("DESCRIBE log").fetchall()}
        wanted = [*columns.values(), *mapping.get("ticket_attributes", {}).values()]
        missing = [c for c in wanted if c not in present]
        if missing:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: event log lacks column(s) "
                f"{', '.join(missing)} named in the mapping; it has "
                f"{', '.join(sorted(present - {'filename', 'log_row'}))}"
            )
        local = f"strptime({_q(columns['timestamp'])}, {sql_string(mapping['timestamp_format'])})"
        timezone = sql_string(mapping.get("timezone", "UTC"))
        con.execute(
            f"CREATE TEMP TABLE events AS SELECT log.*, "
            f"{_q(columns['case_id'])} AS case_id, {_q(columns['activity'])} AS activity, "
            f"{_q(columns.get('resource', columns['activity']))} AS resource, "
            f"CAST(timezone('UTC', timezone({timezone}, {local})) AS TIMESTAMP) AS at_utc "
            f"FROM log"
        )

    def _check_activities(
        self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path], mapping: dict[str, Any]
    ) -> None:
        activities = mapping["activities"]
        bad_types = sorted({t for t in activities.values() if t not in EVENT_TYPES})
        if bad_types:
            raise AdapterError(f"eventlog mapping: unknown event type(s) {', '.join(bad_types)}")
        unmapped = [
            row[0]
            for row in con.execute("SELECT DISTINCT activity FROM events ORDER BY 1").fetchall()
            if row[0] not in activities
        ]
        if unmapped:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: activity(ies) without a mapping: "
                f"{', '.join(map(str, unmapped))}"
            )
        values = ", ".join(f"({sql_string(a)}, {sql_string(t)})" for a, t in activities.items())
        con.execute(f"CREATE TEMP TABLE activity_map(activity, event_type) AS VALUES {values}")

    def _entity_queries(
        self, con: duckdb.DuckDBPyConnection, source: str, mapping: dict[str, Any]
    ) -> dict[str, str]:
        attributes = mapping.get("ticket_attributes", {})
        constants = mapping.get("constants", {})
        team = mapping.get("team", {})
        team_column = attributes.get("team_id")
        team_expr = namespaced(source, _q(team_column)) if team_column else f"'{source}:default'"
        iso = "strftime({}, '%Y-%m-%dT%H:%M:%SZ')"
        first_values = ", ".join(
            f"first({_q(col)} ORDER BY at_utc, log_row) AS {_q(name)}"
            for name, col in attributes.items()
            if name != "team_id"
        )
        cases = f"""
            SELECT case_id,
                   min(at_utc) AS created_at,
                   max(at_utc) FILTER (WHERE m.event_type = 'closure') AS closed_at,
                   bool_or(m.event_type = 'closure') AS is_closed,
                   bool_or(m.event_type = 'resolution') AS is_resolved,
                   first({team_expr} ORDER BY at_utc, log_row) AS team_id,
                   last(resource ORDER BY at_utc, log_row)
                       FILTER (WHERE m.event_type = 'assignment') AS agent
                   {", " + first_values if first_values else ""}
            FROM events JOIN activity_map AS m USING (activity)
            GROUP BY case_id
        """
        constant_columns = "".join(
            f", {sql_string(str(v))} AS {_q(k)}" for k, v in constants.items()
        )
        extra = "".join(f", {_q(name)}" for name in attributes if name != "team_id")
        tickets = f"""
            SELECT {namespaced(source, "case_id")} AS ticket_id,
                   {iso.format("created_at")} AS created_at,
                   team_id,
                   {namespaced(source, "agent")} AS agent_id,
                   CASE WHEN is_closed THEN 'closed' WHEN is_resolved THEN 'solved'
                        ELSE 'open' END AS status,
                   {iso.format("closed_at")} AS closed_at
                   {extra}{constant_columns}
            FROM ({cases})
        """
        events = f"""
            SELECT {namespaced(source, "case_id || '#' || CAST(log_row AS VARCHAR)")} AS event_id,
                   {namespaced(source, "case_id")} AS ticket_id,
                   {iso.format("at_utc")} AS event_at,
                   m.event_type,
                   CASE WHEN resource IS NULL THEN 'system' ELSE 'agent' END AS actor_type,
                   {namespaced(source, "resource")} AS agent_id,
                   activity AS body
            FROM events JOIN activity_map AS m USING (activity)
        """
        agents = f"""
            SELECT {namespaced(source, "resource")} AS agent_id,
                   min(team_id) AS team_id, '1' AS tier, 'true' AS active
            FROM (
                SELECT resource, {team_expr} AS team_id FROM events WHERE resource IS NOT NULL
            )
            GROUP BY resource
        """
        teams = f"""
            SELECT DISTINCT {team_expr} AS team_id,
                   {sql_string(mapping.get("timezone", "UTC"))} AS timezone,
                   {sql_string(team.get("work_start", "09:00"))} AS work_start,
                   {sql_string(team.get("work_end", "18:00"))} AS work_end,
                   {sql_string(team.get("work_days", "1,2,3,4,5"))} AS work_days,
                   {sql_string(team.get("calendar_id", "CN"))} AS calendar_id
            FROM events
        """
        queries = {"tickets": tickets, "ticket_events": events, "agents": agents, "teams": teams}
        calendar = team.get("calendar_id")
        if calendar and calendar.upper() != "CN":  # China's calendar ships as a dbt seed
            first, last = con.execute("SELECT min(at_utc), max(at_utc) FROM events").fetchone()
            years = range(first.year, last.year + 1)
            rows = sorted(holidays.country_holidays(calendar.upper(), years=years).items())
            if rows:
                values = ", ".join(
                    f"({sql_string(calendar.upper())}, {sql_string(d.isoformat())}, 'holiday', "
                    f"{sql_string(name)})"
                    for d, name in rows
                    if isinstance(d, date)
                )
                queries["holiday_calendars"] = (
                    "SELECT * FROM (VALUES " + values + ") "
                    "AS h(calendar_id, calendar_date, day_type, holiday_name)"
                )
        return queries
