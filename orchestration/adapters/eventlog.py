"""Process-mining event logs (CSV or XES): case id, activity, timestamp, resource and
case attributes, with a mapping of activities to canonical lifecycle event types, and
events derived from changes in attribute columns (`derived_events`).

Everything is one set-based DuckDB pass per entity; the mapping file says which column
is which, the timestamp format and zone, and what each activity means. An XES file is
first flattened (streamed) into a CSV with the standard XES keys as columns:
`case:concept:name`, `concept:name`, `time:timestamp`, `org:resource`, and `case:<key>`
for the other trace attributes. Use `timestamp_format: iso` for XES timestamps.

Source columns are read by position under private names (toolkit.read_source_csv), so a
header such as `Activity` can never stand in for the mapped activity column.

Derived events (all optional; see orchestration/adapters/mappings/helpdesk-eventlog.yml):

    derived_events:
      transfer:            # a change of group between consecutive events of a case
        on_change_of: workgroup            # default: the ticket_attributes.team_id column
        ignore_activities: [RESOLVED]      # rows that neither carry nor change the group
      escalation:          # a rise of the support level between consecutive events
        on_rise_of: support_section
        order: [L1, L2, L3]                # lowest first; without it the values are numbers
      reopen:              # an open state after a resolved one
        status_column: Activity            # default: the mapped activity column
        resolved_states: [Resolve ticket, Closed]
        open_states: [Take in charge ticket, Wait]
      waiting_on_customer: # named states mean the ticket waits on the customer (pending)
        status_column: Activity
        states: [Wait]

Each is written as canonical ticket_events beside the log's own events, with the id
`<case>#<row>:<kind>` of the log row where the change is seen and a body that says what
changed: transfer (team_id the team on that row, agent_id its resource), escalation
(tier the level risen to, team_id the team on that row, agent_id the resource of the
previous row, who escalated), reopen, and status_change to `pending` where a wait starts
and to `open` where it ends (no from_status: the log has no full status chain, so process
hygiene stays unmeasured).
"""

from __future__ import annotations

import csv
import gzip
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb

from orchestration.adapters.base import (
    AdapterError,
    Conversion,
    namespaced,
)
from orchestration.adapters.toolkit import (
    MAPPING_FILE,
    SOURCE_FILE,
    SOURCE_ROW,
    TEAM_WEEK_COLUMNS,
    Declarations,
    VendorSpec,
    data_years,
    declarations,
    holiday_query,
    iso_utc,
    read_source_csv,
    record_zone_assumptions,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
    timestamp_reader,
    write_conversion,
)
from orchestration.contract import EVENT_TYPES
from orchestration.sql_text import quote_identifier as _q

#: what each kind of derived event may say in the mapping: key -> (required, optional)
DERIVED_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transfer": ((), ("on_change_of", "ignore_activities")),
    "escalation": (("on_rise_of",), ("order", "ignore_activities")),
    "reopen": (("resolved_states", "open_states"), ("status_column",)),
    "waiting_on_customer": (("states",), ("status_column",)),
}
#: event types after which int_ticket_pending_intervals already ends a wait, and which
#: must not be followed by a derived status_change to `open` at the same instant
_CLOSING_TYPES = ("resolution", "closure")


@dataclass
class DerivedEvents:
    """The `derived_events` of a mapping, validated; None where not declared."""

    transfer_column: str | None = None
    transfer_ignored: list[str] = field(default_factory=list)
    level_column: str | None = None
    level_order: list[str] | None = None
    level_ignored: list[str] = field(default_factory=list)
    reopen_column: str | None = None
    resolved_states: list[str] = field(default_factory=list)
    open_states: list[str] = field(default_factory=list)
    waiting_column: str | None = None
    waiting_states: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        named = [self.transfer_column, self.level_column, self.reopen_column, self.waiting_column]
        return [c for c in named if c]


def _texts(value: Any, where: str, allow_empty: bool = False) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise AdapterError(f"{where}: expected a list of names, e.g. [Wait], got {value!r}")
    texts = [str(v).strip() for v in value if v is not None and str(v).strip()]
    if not texts and not allow_empty:
        raise AdapterError(f"{where}: the list is empty")
    return texts


def _column(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AdapterError(f"{where}: expected the name of a column of the log, got {value!r}")
    return value.strip()


def derived_events(mapping: dict[str, Any]) -> DerivedEvents:
    """The validated `derived_events` section; AdapterError names the mapping file and
    the key (`derived_events.<kind>.<key>`) that is wrong."""
    file = mapping.get(MAPPING_FILE) or "the mapping"
    section = mapping.get("derived_events")
    derived = DerivedEvents()
    if section is None:
        return derived
    if not isinstance(section, dict):
        raise AdapterError(f"{file}: derived_events must be a mapping of kinds to settings")
    activity_column = mapping["columns"]["activity"]
    for kind, settings in section.items():
        where = f"{file}: derived_events.{kind}"
        if kind not in DERIVED_KEYS:
            raise AdapterError(f"{where}: unknown kind; known: {', '.join(DERIVED_KEYS)}")
        if not isinstance(settings, dict):
            raise AdapterError(f"{where}: expected settings (key: value pairs), got {settings!r}")
        required, optional = DERIVED_KEYS[kind]
        unknown = sorted(set(settings) - set(required) - set(optional))
        if unknown:
            raise AdapterError(
                f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(required + optional)}"
            )
        absent = [k for k in required if k not in settings]
        if absent:
            raise AdapterError(f"{where}: missing {', '.join(absent)}")
        if kind == "transfer":
            # the ticket's team column unless another group column is named
            team_column = (mapping.get("ticket_attributes") or {}).get("team_id")
            if "on_change_of" not in settings and not team_column:
                raise AdapterError(
                    f"{where}: missing on_change_of (there is no ticket_attributes.team_id "
                    f"column to default to)"
                )
            derived.transfer_column = _column(
                settings.get("on_change_of", team_column), f"{where}.on_change_of"
            )
            derived.transfer_ignored = _texts(
                settings.get("ignore_activities", []), f"{where}.ignore_activities", True
            )
        elif kind == "escalation":
            derived.level_column = _column(settings["on_rise_of"], f"{where}.on_rise_of")
            derived.level_ignored = _texts(
                settings.get("ignore_activities", []), f"{where}.ignore_activities", True
            )
            if "order" in settings:
                order = _texts(settings["order"], f"{where}.order")
                if len(set(order)) != len(order):
                    raise AdapterError(f"{where}.order: a level is named twice")
                derived.level_order = order
        elif kind == "reopen":
            derived.reopen_column = _column(
                settings.get("status_column", activity_column), f"{where}.status_column"
            )
            derived.resolved_states = _texts(
                settings["resolved_states"], f"{where}.resolved_states"
            )
            derived.open_states = _texts(settings["open_states"], f"{where}.open_states")
            both = sorted(set(derived.resolved_states) & set(derived.open_states))
            if both:
                raise AdapterError(
                    f"{where}: state(s) {', '.join(both)} are both resolved_states and open_states"
                )
        else:
            derived.waiting_column = _column(
                settings.get("status_column", activity_column), f"{where}.status_column"
            )
            derived.waiting_states = _texts(settings["states"], f"{where}.states")
    return derived


SPEC = VendorSpec(
    name="eventlog",
    title="Process-mining event logs (CSV or XES)",
    entities=("tickets", "ticket_events", "agents", "teams", "holiday_calendars"),
    readings=(
        (
            "event log",
            "every mapped activity is the event type the mapping names; transfers, "
            "escalations, reopens and waits only where the mapping's derived_events "
            "declares them",
        ),
    ),
)


class EventLogAdapter:
    name = SPEC.name
    entities = SPEC.entities

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
        for required in ("case_id", "activity", "timestamp"):
            if required not in (mapping.get("columns") or {}):
                raise AdapterError(f"eventlog mapping: columns must name the {required} column")
        decl = declarations(mapping, SPEC)
        derived = derived_events(mapping)
        con = duckdb.connect()
        scratch = tempfile.TemporaryDirectory()
        try:
            con.execute("SET TimeZone = 'UTC'")
            readable = [
                flatten_xes(p, Path(scratch.name))
                if p.name.lower().endswith((".xes", ".xes.gz"))
                else p
                for p in paths
            ]
            self._load_events(con, list(zip(paths, readable, strict=True)), mapping, derived, decl)
            self._check_activities(con, paths, mapping, derived)
            self._derive_events(con, mapping, derived, decl)
            queries = self._entity_queries(con, source, mapping, derived, decl)
            return write_conversion(con, queries, out_dir, source, decl)
        finally:
            con.close()
            scratch.cleanup()

    def _load_events(
        self,
        con: duckdb.DuckDBPyConnection,
        files: Sequence[tuple[Path, Path]],
        mapping: dict[str, Any],
        derived: DerivedEvents,
        decl: Declarations,
    ) -> None:
        """The table `events`: one row per log event, every source column under a private
        name (case_id, activity, resource, at_utc, log_row, source_file, attr_<n> for the
        ticket attributes, and the columns derived events read)."""
        columns = mapping["columns"]
        attributes: dict[str, str] = mapping.get("ticket_attributes") or {}
        wanted = [
            columns["case_id"],
            columns["activity"],
            columns["timestamp"],
            *([columns["resource"]] if columns.get("resource") else []),
            *attributes.values(),
            *derived.columns,
        ]
        parts = []
        aliases: dict[str, str] = {}
        for n, (path, readable) in enumerate(files):
            aliases = read_source_csv(con, f"log_part{n}", readable, wanted, label=str(path))
            parts.append(f"SELECT *, {n} AS file_index FROM log_part{n}")
        con.execute(
            f"CREATE TEMP TABLE log AS SELECT *, "
            f"row_number() OVER (ORDER BY file_index, {SOURCE_ROW}) AS log_row "
            f"FROM ({' UNION ALL '.join(parts)})"
        )
        timestamp = aliases[columns["timestamp"]]
        # `iso`: ISO 8601, with its own offset (as in XES) or local time of the declared zone
        formats = [str(mapping["timestamp_format"])]
        reader = timestamp_reader(decl, formats)
        reader.refuse_naive(con, "log", {columns["timestamp"]: timestamp}, SOURCE_FILE)
        record_zone_assumptions(decl, formats)

        def column(name: str | None) -> str:
            return aliases[name] if name else "CAST(NULL AS VARCHAR)"

        attribute_columns = "".join(
            f", {aliases[source_column]} AS attr_{n}"
            for n, source_column in enumerate(attributes.values())
        )
        run_sql(
            con,
            f"""
            CREATE TEMP TABLE events AS
            SELECT *, row_number() OVER (PARTITION BY case_id ORDER BY at_utc, log_row) AS seq
            FROM (
                SELECT {column(columns["case_id"])} AS case_id,
                       {column(columns["activity"])} AS activity,
                       {column(columns.get("resource"))} AS resource,
                       {reader.sql(timestamp)} AS at_utc,
                       {timestamp} AS timestamp_text,
                       log_row, {SOURCE_FILE} AS source_file,
                       {column(derived.transfer_column)} AS transfer_value,
                       {column(derived.level_column)} AS level_value,
                       {column(derived.reopen_column)} AS reopen_state,
                       {column(derived.waiting_column)} AS waiting_state
                       {attribute_columns}
                FROM log
            )
            """,
            reader.params,
        )
        bad = con.execute(
            "SELECT source_file, timestamp_text FROM events "
            "WHERE nullif(trim(timestamp_text), '') IS NOT NULL AND at_utc IS NULL LIMIT 1"
        ).fetchone()
        if bad:
            raise AdapterError(
                f"{bad[0]}: timestamps in {columns['timestamp']!r} do not match "
                f"timestamp_format {mapping['timestamp_format']!r}: {bad[1]!r}"
            )

    def _check_activities(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        mapping: dict[str, Any],
        derived: DerivedEvents,
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
        file = mapping.get(MAPPING_FILE) or "the mapping"
        for kind, ignored in (
            ("transfer", derived.transfer_ignored),
            ("escalation", derived.level_ignored),
        ):
            unknown = [a for a in ignored if a not in activities]
            if unknown:
                raise AdapterError(
                    f"{file}: derived_events.{kind}.ignore_activities: {', '.join(unknown)} "
                    f"not among the mapping's activities"
                )
        register_value_map(
            con,
            "activity_map",
            {str(k): v for k, v in activities.items()},
            ("activity", "event_type"),
        )

    def _derive_events(
        self,
        con: duckdb.DuckDBPyConnection,
        mapping: dict[str, Any],
        derived: DerivedEvents,
        decl: Declarations,
    ) -> None:
        """The table `derived`: the events the mapping's derived_events declare, one row
        per event at the log row where the change is seen (see the module docstring)."""
        team_column = (mapping.get("ticket_attributes") or {}).get("team_id")
        team_value = (
            f"attr_{list(mapping['ticket_attributes']).index('team_id')}"
            if team_column
            else "CAST(NULL AS VARCHAR)"
        )
        columns = (
            "case_id, at_utc, log_row, seq, kind, event_type, agent, team_value, tier, "
            "to_status, body"
        )
        parts = [
            f"SELECT {columns} FROM (SELECT NULL::VARCHAR AS case_id, NULL::TIMESTAMP AS at_utc, "
            "NULL::BIGINT AS log_row, NULL::BIGINT AS seq, NULL::VARCHAR AS kind, "
            "NULL::VARCHAR AS event_type, NULL::VARCHAR AS agent, NULL::VARCHAR AS team_value, "
            "NULL::INTEGER AS tier, NULL::VARCHAR AS to_status, NULL::VARCHAR AS body) WHERE false"
        ]
        params: dict[str, Any] = {}
        order = "PARTITION BY case_id ORDER BY at_utc, log_row"
        if derived.transfer_column:
            ignored = register_rows(
                con, "transfer_ignored", ["activity"], [[a] for a in derived.transfer_ignored]
            )
            params["transfer_column"] = derived.transfer_column
            parts.append(f"""
                SELECT case_id, at_utc, log_row, seq, 'transfer', 'transfer', resource,
                       {team_value}, NULL, NULL,
                       $transfer_column || ': ' || previous || ' -> ' || value
                FROM (
                    SELECT *, lag(value) OVER ({order}) AS previous
                    FROM (SELECT *, nullif(trim(transfer_value), '') AS value FROM events
                          WHERE NOT EXISTS (SELECT 1 FROM {ignored} AS i
                                            WHERE i.activity = events.activity))
                    WHERE value IS NOT NULL
                )
                WHERE value <> previous
            """)
        if derived.level_column:
            parts.append(self._escalations(con, derived, team_value, order, params))
        if derived.reopen_column:
            phases = register_rows(
                con,
                "reopen_phases",
                ["state", "phase"],
                [(s, "resolved") for s in derived.resolved_states]
                + [(s, "open") for s in derived.open_states],
            )
            params["reopen_column"] = derived.reopen_column
            parts.append(f"""
                SELECT case_id, at_utc, log_row, seq, 'reopen', 'reopen', resource,
                       NULL, NULL, NULL,
                       $reopen_column || ': ' || previous_state || ' -> ' || state
                FROM (
                    SELECT *, lag(phase) OVER ({order}) AS previous_phase,
                           lag(state) OVER ({order}) AS previous_state
                    FROM (SELECT events.*, p.state, p.phase FROM events
                          JOIN {phases} AS p ON p.state = trim(events.reopen_state))
                )
                WHERE phase = 'open' AND previous_phase = 'resolved'
            """)
        if derived.waiting_column:
            waiting = register_rows(
                con, "waiting_states", ["state"], [[s] for s in derived.waiting_states]
            )
            params["waiting_column"] = derived.waiting_column
            closing = ", ".join(f"'{t}'" for t in _CLOSING_TYPES)
            parts.append(f"""
                SELECT case_id, at_utc, log_row, seq,
                       CASE WHEN waiting THEN 'pending' ELSE 'open' END, 'status_change',
                       resource, NULL, NULL,
                       CASE WHEN waiting THEN 'pending' ELSE 'open' END,
                       $waiting_column || ': ' || previous_state || ' -> ' || state
                FROM (
                    SELECT *, coalesce(lag(waiting) OVER ({order}), false) AS was_waiting,
                           coalesce(lag(state) OVER ({order}), '(start)') AS previous_state
                    FROM (SELECT events.*, m.event_type AS mapped_type,
                                 trim(events.waiting_state) AS state,
                                 EXISTS (SELECT 1 FROM {waiting} AS w
                                         WHERE w.state = trim(events.waiting_state)) AS waiting
                          FROM events JOIN activity_map AS m USING (activity)
                          WHERE nullif(trim(events.waiting_state), '') IS NOT NULL)
                )
                -- a wait starts at the first waiting state of a run and ends at the next
                -- other state; a resolution or closure ends it by itself (the pending
                -- model releases on those), and must not be followed by `open`
                WHERE (waiting AND NOT was_waiting)
                   OR (NOT waiting AND was_waiting AND mapped_type NOT IN ({closing}))
            """)
        run_sql(
            con,
            f"CREATE TEMP TABLE derived AS {' UNION ALL '.join(parts)}",
            params,
        )
        counts = dict(con.execute("SELECT kind, count(*) FROM derived GROUP BY kind").fetchall())
        stated = []
        if derived.transfer_column:
            stated.append(
                f"transfer on a change of {derived.transfer_column}: {counts.get('transfer', 0)}"
            )
        if derived.level_column:
            scale = " < ".join(derived.level_order) if derived.level_order else "numeric"
            stated.append(
                f"escalation on a rise of {derived.level_column} ({scale}): "
                f"{counts.get('escalation', 0)}"
            )
        if derived.reopen_column:
            stated.append(
                f"reopen on {derived.reopen_column} returning to "
                f"{', '.join(derived.open_states)} after {', '.join(derived.resolved_states)}: "
                f"{counts.get('reopen', 0)}"
            )
        if derived.waiting_column:
            stated.append(
                f"waiting on the customer while {derived.waiting_column} is "
                f"{', '.join(derived.waiting_states)}: {counts.get('pending', 0)} waits"
            )
        if stated:
            file = mapping.get(MAPPING_FILE)
            decl.assume(
                "derived events",
                "; ".join(stated),
                f"mapping {file} (derived_events)" if file else "mapping (derived_events)",
            )

    def _escalations(
        self,
        con: duckdb.DuckDBPyConnection,
        derived: DerivedEvents,
        team_value: str,
        order: str,
        params: dict[str, Any],
    ) -> str:
        """SQL of the escalations: a rise of the level between consecutive rows of a case
        that carry a level (tier = the level's position in `order`, or the number)."""
        assert derived.level_column is not None
        if derived.level_order is not None:
            levels = register_rows(
                con,
                "escalation_levels",
                ["value", "level"],
                [(v, n) for n, v in enumerate(derived.level_order, start=1)],
            )
            level = (
                f"(SELECT CAST(l.level AS DOUBLE) FROM {levels} AS l "
                f"WHERE l.value = trim(events.level_value))"
            )
            expected = "in derived_events.escalation.order"
        else:
            level = "try_cast(trim(events.level_value) AS DOUBLE)"
            expected = "numbers; name the levels in derived_events.escalation.order"
        ignored = register_rows(
            con, "escalation_ignored", ["activity"], [[a] for a in derived.level_ignored]
        )
        con.execute(
            f"CREATE TEMP TABLE levelled AS SELECT events.*, {level} AS level FROM events "
            f"WHERE nullif(trim(level_value), '') IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {ignored} AS i WHERE i.activity = events.activity)"
        )
        unknown = con.execute(
            "SELECT min(source_file), string_agg(DISTINCT trim(level_value), ', ' "
            "ORDER BY trim(level_value)) FROM levelled WHERE level IS NULL"
        ).fetchone()
        if unknown and unknown[1]:
            raise AdapterError(
                f"{unknown[0]}: {derived.level_column} value(s) {unknown[1]} are not {expected}"
            )
        params["level_column"] = derived.level_column
        return f"""
            SELECT case_id, at_utc, log_row, seq, 'escalation', 'escalation', previous_agent,
                   {team_value},
                   CASE WHEN level = round(level) THEN CAST(level AS INTEGER) END, NULL,
                   $level_column || ': ' || previous || ' -> ' || trim(level_value)
            FROM (
                SELECT *, lag(level) OVER ({order}) AS previous_level,
                       lag(trim(level_value)) OVER ({order}) AS previous,
                       lag(resource) OVER ({order}) AS previous_agent
                FROM levelled
            )
            WHERE level > previous_level
        """

    def _entity_queries(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        mapping: dict[str, Any],
        derived: DerivedEvents,
        decl: Declarations,
    ) -> dict[str, str]:
        attributes: dict[str, str] = mapping.get("ticket_attributes") or {}
        constants = mapping.get("constants") or {}
        # the team that owns the ticket: the value on its first event (a case attribute),
        # or, when transfers are derived from the team column, the team it was last
        # transferred to (the contract's "team that owns the ticket now")
        owner = "first"
        if derived.transfer_column and derived.transfer_column == attributes.get("team_id"):
            owner = "last"
        attribute_alias = {name: f"attr_{n}" for n, name in enumerate(attributes)}
        team_expr = (
            namespaced(source, attribute_alias["team_id"])
            if "team_id" in attribute_alias
            else namespaced(source, "'default'")
        )
        owner_row = "true"
        if owner == "last":
            # the rows the transfers read: a group, and no activity they ignore
            owner_row = (
                "nullif(trim(events.transfer_value), '') IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM transfer_ignored AS i WHERE i.activity = events.activity)"
            )
        first_values = ", ".join(
            f"first({alias} ORDER BY at_utc, log_row) AS {_q(name)}"
            for name, alias in attribute_alias.items()
            if name != "team_id"
        )
        # a reopen after the last resolution or closure leaves the ticket open
        cases = f"""
            SELECT case_id,
                   min(at_utc) AS created_at,
                   max(at_utc) FILTER (WHERE m.event_type = 'closure' AND after_reopen)
                       AS closed_at,
                   bool_or(m.event_type = 'closure' AND after_reopen) AS is_closed,
                   bool_or(m.event_type = 'resolution' AND after_reopen) AS is_resolved,
                   {owner}({team_expr} ORDER BY at_utc, log_row)
                       FILTER (WHERE owner_row) AS team_id,
                   last(resource ORDER BY at_utc, log_row)
                       FILTER (WHERE m.event_type = 'assignment') AS agent
                   {", " + first_values if first_values else ""}
            FROM (
                SELECT events.*,
                       events.seq > coalesce(last_reopen.seq, 0) AS after_reopen,
                       {owner_row} AS owner_row
                FROM events
                LEFT JOIN (SELECT case_id, max(seq) AS seq FROM derived
                           WHERE kind = 'reopen' GROUP BY case_id) AS last_reopen
                    USING (case_id)
            ) AS events
            JOIN activity_map AS m USING (activity)
            GROUP BY case_id
        """
        if constants:
            register_rows(con, "eventlog_constants", list(constants), [list(constants.values())])
        constant_columns = "".join(f", c.{_q(k)}" for k in constants)
        with_constants = " CROSS JOIN eventlog_constants AS c" if constants else ""
        extra = "".join(f", {_q(name)}" for name in attributes if name != "team_id")
        tickets = f"""
            SELECT {namespaced(source, "case_id")} AS ticket_id,
                   {iso_utc("created_at")} AS created_at,
                   team_id,
                   {namespaced(source, "agent")} AS agent_id,
                   CASE WHEN is_closed THEN 'closed' WHEN is_resolved THEN 'solved'
                        ELSE 'open' END AS status,
                   {iso_utc("closed_at")} AS closed_at
                   {extra}{constant_columns}
            FROM ({cases}){with_constants}
        """
        logged = f"""
            SELECT {namespaced(source, "case_id || '#' || CAST(log_row AS VARCHAR)")}
                       AS event_id,
                   {namespaced(source, "case_id")} AS ticket_id,
                   {iso_utc("at_utc")} AS event_at,
                   m.event_type,
                   CASE WHEN resource IS NULL THEN 'system' ELSE 'agent' END AS actor_type,
                   {namespaced(source, "resource")} AS agent_id,
                   CAST(NULL AS VARCHAR) AS team_id,
                   CAST(NULL AS INTEGER) AS tier,
                   CAST(NULL AS VARCHAR) AS to_status,
                   activity AS body
            FROM events JOIN activity_map AS m USING (activity)
        """
        derived = f"""
            SELECT {namespaced(source, "case_id || '#' || CAST(log_row AS VARCHAR) || ':' || kind")}
                       AS event_id,
                   {namespaced(source, "case_id")} AS ticket_id,
                   {iso_utc("at_utc")} AS event_at,
                   event_type,
                   CASE WHEN agent IS NULL THEN 'system' ELSE 'agent' END AS actor_type,
                   {namespaced(source, "agent")} AS agent_id,
                   {namespaced(source, "team_value")} AS team_id,
                   tier, to_status,
                   'derived: ' || body AS body
            FROM derived
        """
        events = f"{logged} UNION ALL {derived}"
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
