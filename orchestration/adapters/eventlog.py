"""Process-mining event logs (CSV or XES): case id, activity, timestamp, resource and
case attributes, with a mapping of activities to canonical lifecycle event types.

Everything is one set-based DuckDB pass per entity; the mapping file says which column
is which, the timestamp format and zone, and what each activity means. An XES file is
first flattened (streamed) into a CSV with the standard XES keys as columns:
`case:concept:name`, `concept:name`, `time:timestamp`, `org:resource`, and `case:<key>`
for the other trace attributes. Use `timestamp_format: iso` for XES timestamps.
"""

from __future__ import annotations

import csv
import gzip
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb

from orchestration.adapters.base import (
    AdapterError,
    Conversion,
    namespaced,
)
from orchestration.adapters.base import quote_identifier as _q
from orchestration.adapters.toolkit import (
    TEAM_WEEK_COLUMNS,
    Declarations,
    data_years,
    declarations,
    holiday_query,
    record_zone_assumptions,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
    timestamp_reader,
    write_conversion,
)
from orchestration.contract import EVENT_TYPES


class EventLogAdapter:
    name = "eventlog"
    entities = ("tickets", "ticket_events", "agents", "teams", "holiday_calendars")

    def detect(self, path: Path) -> bool:
        if path.name.lower().endswith((".xes", ".xes.gz")):
            return True
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
        decl = declarations(mapping)
        con = duckdb.connect()
        scratch = tempfile.TemporaryDirectory()
        try:
            con.execute("SET TimeZone = 'UTC'")
            paths = [
                flatten_xes(p, Path(scratch.name))
                if p.name.lower().endswith((".xes", ".xes.gz"))
                else p
                for p in paths
            ]
            self._load_events(con, paths, mapping, decl)
            self._check_activities(con, paths, mapping)
            queries = self._entity_queries(con, source, mapping, decl)
            return write_conversion(con, queries, out_dir, source, decl)
        finally:
            con.close()
            scratch.cleanup()

    def _load_events(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        mapping: dict[str, Any],
        decl: Declarations,
    ) -> None:
        columns = mapping["columns"]
        try:
            con.execute(
                "CREATE TEMP TABLE log AS SELECT *, row_number() OVER () AS log_row "
                "FROM read_csv($files, header = true, all_varchar = true, filename = true)",
                {"files": [str(p) for p in paths]},
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
        timestamp = _q(columns["timestamp"])
        # `iso`: ISO 8601, with its own offset (as in XES) or local time of the declared zone
        formats = [str(mapping["timestamp_format"])]
        reader = timestamp_reader(decl, formats)
        reader.refuse_naive(con, "log", {columns["timestamp"]: timestamp}, "filename")
        record_zone_assumptions(decl, formats)
        run_sql(
            con,
            f"CREATE TEMP TABLE events AS SELECT log.*, "
            f"{_q(columns['case_id'])} AS case_id, {_q(columns['activity'])} AS activity, "
            f"{_q(columns.get('resource', columns['activity']))} AS resource, "
            f"{reader.sql(timestamp)} AS at_utc FROM log",
            reader.params,
        )
        bad = con.execute(
            f"SELECT filename, {timestamp} FROM events "
            f"WHERE nullif(trim({timestamp}), '') IS NOT NULL AND at_utc IS NULL LIMIT 1"
        ).fetchone()
        if bad:
            raise AdapterError(
                f"{bad[0]}: timestamps in {columns['timestamp']!r} do not match "
                f"timestamp_format {mapping['timestamp_format']!r}: {bad[1]!r}"
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
        register_value_map(con, "activity_map", activities, ("activity", "event_type"))

    def _entity_queries(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        mapping: dict[str, Any],
        decl: Declarations,
    ) -> dict[str, str]:
        attributes = mapping.get("ticket_attributes", {})
        constants = mapping.get("constants") or {}
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
        if constants:
            register_rows(con, "eventlog_constants", list(constants), [list(constants.values())])
        constant_columns = "".join(f", c.{_q(k)}" for k in constants)
        with_constants = " CROSS JOIN eventlog_constants AS c" if constants else ""
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
            FROM ({cases}){with_constants}
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
        week = register_team_week(con, decl)
        teams = f"""
            SELECT team_id, {TEAM_WEEK_COLUMNS}
            FROM (SELECT DISTINCT {team_expr} AS team_id FROM events) CROSS JOIN {week} AS week
        """
        queries = {"tickets": tickets, "ticket_events": events, "agents": agents, "teams": teams}
        holiday_days = holiday_query(con, decl, data_years(con, "SELECT at_utc FROM events"))
        if holiday_days:
            queries["holiday_calendars"] = holiday_days
        return queries


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def flatten_xes(path: Path, work_dir: Path) -> Path:
    """Stream an XES log into a CSV of one row per event (trace attributes as case:<key>)."""
    target = work_dir / (path.name.split(".")[0] + ".csv")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    rows: list[dict[str, str]] = []
    columns: dict[str, None] = {}
    try:
        with opener(path, "rb") as handle:
            trace: dict[str, str] = {}
            event: dict[str, str] | None = None
            for action, element in ElementTree.iterparse(handle, events=("start", "end")):
                tag = _local(element.tag)
                if action == "start" and tag == "trace":
                    trace = {}
                elif action == "start" and tag == "event":
                    event = {}
                elif action == "end" and "key" in element.attrib and tag != "event":
                    target_map = event if event is not None else trace
                    key = (
                        element.attrib["key"]
                        if event is not None
                        else f"case:{element.attrib['key']}"
                    )
                    target_map.setdefault(key, element.attrib.get("value", ""))
                elif action == "end" and tag == "event" and event is not None:
                    row = {**trace, **event}
                    columns.update(dict.fromkeys(row))
                    rows.append(row)
                    event = None
                    element.clear()
    except ElementTree.ParseError as error:
        raise AdapterError(f"{path}: not a readable XES file: {error}") from error
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return target
