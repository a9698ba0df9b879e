"""ServiceNow incidents, in either of two shapes:

- a list-view export (CSV or XLSX, one row per incident; column headers may be field
  names such as `opened_at` or labels such as `Opened`), and
- the audit / event-log form (one row per update of an incident, with `sys_mod_count`),
  as in the public "incident management process enriched event log" (Amaral et al.).

The shape is told by the columns: `sys_mod_count` present = event-log form. In the
event-log form lifecycle events are derived from the state and assignment changes between
consecutive updates; the latest update wins for the ticket row. Values of `?` are empty.
Dates are day/month/year 24h in the instance's local time, which carries no zone: the zone
must be declared (`tsq ingest --timezone`, or the mapping's `timezone`), else ingest refuses;
`timestamp_format` in the mapping overrides the format. `made_sla` (of the latest
update) becomes `source_resolution_sla_met`, ServiceNow's own verdict kept for
reconciliation: false as soon as it is false (a task SLA breached), true only once the
incident is resolved or closed (before that, true only means "not breached yet").

Vendor fields read as ServiceNow means them: `reassignment_count` and `reopen_count` are
the tickets' own counts (TSQ's transfer and reopen counts prefer them over the changes the
log happens to show); `knowledge` = true is a kb_links 'used' row (the export does not
name the article); an incident counts as resolved only with `resolved_at`; Awaiting User
Info / Awaiting Caller / On Hold (unless its `hold_reason` waits on a change, problem or
vendor) are the canonical pending that pauses the resolution clock. The audit log gives a
status_change per state change (the chain process hygiene judges); the list export has
no status history and gives none, so hygiene is NULL with its reason, never 0.

Everything is set-based DuckDB SQL over the raw rows; XLSX sheets are first copied into
a CSV with python-calamine.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from orchestration.adapters.base import (
    ISO,
    AdapterError,
    Conversion,
    namespaced,
    source_id,
)
from orchestration.adapters.toolkit import (
    TEAM_WEEK_COLUMNS,
    XLSX_SUFFIXES,
    Declarations,
    VendorSpec,
    data_years,
    declarations,
    holiday_query,
    record_zone_assumptions,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
    status_events_sql,
    timestamp_reader,
    write_conversion,
    xlsx_header,
    xlsx_to_csv,
)
from orchestration.contract import STATUSES
from orchestration.sql_text import quote_identifier as _q
from orchestration.text_files import (
    UnreadableFileError,
    detect_csv_encoding,
    transcode_to_utf8,
)

#: every source field the adapter reads (canonical ServiceNow field names)
FIELDS = (
    "number",
    "state",
    "sys_mod_count",
    "sys_updated_at",
    "sys_updated_by",
    "sys_created_at",
    "opened_at",
    "resolved_at",
    "closed_at",
    "priority",
    "assignment_group",
    "assigned_to",
    "knowledge",
    "contact_type",
    "category",
    "closed_code",
    "close_notes",
    "caller_id",
    "short_description",
    "u_symptom",
    "cmdb_ci",
    "business_service",
    "made_sla",
    "reassignment_count",
    "reopen_count",
    "hold_reason",
)

#: header (lower case, spaces for `_`) -> field; field names, their labels, and the
#: variants of the event-log dataset (sys_updated_at) and of newer releases (Channel)
ALIASES = {
    "number": "number",
    "incident state": "state",
    "state": "state",
    "sys mod count": "sys_mod_count",
    "mod count": "sys_mod_count",
    "updates": "sys_mod_count",
    "sys updated at": "sys_updated_at",
    "sys updated on": "sys_updated_at",
    "updated": "sys_updated_at",
    "sys updated by": "sys_updated_by",
    "updated by": "sys_updated_by",
    "sys created at": "sys_created_at",
    "sys created on": "sys_created_at",
    "created": "sys_created_at",
    "opened at": "opened_at",
    "opened": "opened_at",
    "resolved at": "resolved_at",
    "resolved": "resolved_at",
    "closed at": "closed_at",
    "closed": "closed_at",
    "priority": "priority",
    "assignment group": "assignment_group",
    "assigned to": "assigned_to",
    "knowledge": "knowledge",
    "contact type": "contact_type",
    "channel": "contact_type",
    "category": "category",
    "closed code": "closed_code",
    "close code": "closed_code",
    "resolution code": "closed_code",
    "close notes": "close_notes",
    "resolution notes": "close_notes",
    "caller id": "caller_id",
    "caller": "caller_id",
    "short description": "short_description",
    "u symptom": "u_symptom",
    "symptom": "u_symptom",
    "cmdb ci": "cmdb_ci",
    "configuration item": "cmdb_ci",
    "business service": "business_service",
    "service": "business_service",
    "made sla": "made_sla",
    "reassignment count": "reassignment_count",
    "reopen count": "reopen_count",
    "hold reason": "hold_reason",
    "on hold reason": "hold_reason",
}

#: incident state (lower case) -> canonical status; None = not a state (ignored)
STATES: dict[str, str | None] = {
    "new": "new",
    "active": "open",
    "in progress": "open",
    "assigned": "open",
    # waiting on the caller: the canonical pending that pauses the resolution clock
    "awaiting user info": "pending",
    "awaiting caller": "pending",
    "awaiting evidence": "pending",
    "on hold": "pending",  # refined by hold_reason where the export has it (WAITING_ON_US)
    # waiting on ourselves (a problem, a change, a vendor): the clock keeps running
    "awaiting problem": "open",
    "awaiting vendor": "open",
    "awaiting change": "open",
    "resolved": "solved",
    "closed": "closed",
    "canceled": "closed",
    "cancelled": "closed",
    "-100": None,  # the event-log dataset's "unknown"
}

#: On Hold reasons (lower case) that wait on the service side, not on the caller: an On
#: Hold incident with one of them is open (clock running), any other reason (Awaiting
#: Caller) or none is pending
WAITING_ON_US = ("awaiting change", "awaiting problem", "awaiting vendor")
#: the article id of a kb_links row made from the `knowledge` flag: the export says a
#: knowledge document was used, not which one
UNNAMED_ARTICLE = "knowledge article (not named in the export)"

#: contact_type (lower case, `-`/`_` as spaces) -> channel; anything else is web
CHANNELS = {
    "phone": "phone",
    "ivr": "phone",
    "email": "email",
    "e mail": "email",
    "self service": "web",
    "web": "web",
    "walk in": "walk_in",
    "chat": "chat",
    "virtual agent": "chat",
}

TIMESTAMP_FIELDS = ("opened_at", "sys_updated_at", "sys_created_at", "resolved_at", "closed_at")
DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


SPEC = VendorSpec(
    name="servicenow",
    title="ServiceNow incidents",
    entities=("tickets", "ticket_events", "kb_links", "agents", "teams", "holiday_calendars"),
    statuses=STATES,
    channels=CHANNELS,
    timestamp_formats=DAY_FIRST_FORMATS + ISO_FORMATS,
    readings=(
        (
            "resolved",
            "only an incident with resolved_at: a closed one without it was closed "
            "unresolved (no resolution event, no tickets.closed_at; its closure event "
            "dates it)",
        ),
        (
            "knowledge",
            "knowledge = true -> a kb_links row 'used' of an article the export does not "
            "name (ops_kb_link_rate); not a supporting-tool use",
        ),
        (
            "on hold",
            "On Hold is waiting on the caller (pending, the resolution clock pauses) "
            f"unless its hold_reason is one of: {', '.join(WAITING_ON_US)}",
        ),
        (
            "priority",
            "the leading digit of priority (1 -> P1, 2 -> P2, 3 -> P3, 4 or 5 -> P4), "
            "else its word (critical, high, moderate, low/planning); none -> P3",
        ),
        (
            "vendor counts",
            "reassignment_count and reopen_count are the incident's own counts (preferred "
            "over the changes the export happens to show)",
        ),
        (
            "made_sla",
            "kept as the source's own resolution verdict, for reconciliation only",
        ),
    ),
)


def _field_of(header: str) -> str | None:
    key = " ".join(header.strip().lower().replace("_", " ").replace(".", " ").split())
    return ALIASES.get(key)


def _header(path: Path) -> list[str]:
    if path.suffix.lower() in XLSX_SUFFIXES:
        return xlsx_header(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return next(csv.reader(handle), [])


class ServiceNowAdapter:
    name = SPEC.name
    entities = SPEC.entities

    def detect(self, path: Path) -> bool:
        if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
            return False
        try:
            fields = {_field_of(h) for h in _header(path)}
        except Exception:  # unreadable: not ours
            return False
        return {"number", "state", "opened_at"} <= fields

    def convert(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        source: str,
        mapping: dict[str, Any] | None,
    ) -> Conversion:
        mapping = mapping or {}
        decl = declarations(mapping, SPEC)
        con = duckdb.connect()
        try:
            with tempfile.TemporaryDirectory(prefix="servicenow-") as work:
                con.execute("SET TimeZone = 'UTC'")
                event_log = self._load(con, paths, Path(work))
                self._parse(con, paths, mapping, decl)
                queries = self._entity_queries(con, source, decl, event_log)
                return write_conversion(con, queries, out_dir, source, decl)
        finally:
            con.close()

    # -- reading -----------------------------------------------------------------------

    def _readable_csv(self, path: Path, work: Path) -> Path:
        """A UTF-8 CSV of `path`: XLSX copied out of its first sheet, GBK transcoded."""
        if path.suffix.lower() in XLSX_SUFFIXES:
            return xlsx_to_csv(path, work)
        try:
            encoding = detect_csv_encoding(path)
            return transcode_to_utf8(path, encoding, work) if encoding != "utf-8" else path
        except (UnreadableFileError, OSError) as error:
            raise AdapterError(f"{path}: {error}") from error

    def _load(self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path], work: Path) -> bool:
        """Load every file into `raw` (one varchar column per field, `?` as NULL);
        return True for the event-log form."""
        selects, shapes = [], {}
        files: dict[str, str] = {}  # bound parameters: file names never enter SQL text
        for file_no, path in enumerate(paths):
            readable = self._readable_csv(path, work)
            try:
                header = _header(readable)
            except (OSError, UnicodeDecodeError, csv.Error) as error:
                raise AdapterError(f"{path}: unreadable header row: {error}") from error
            columns: dict[str, str] = {}
            for column in header:
                field = _field_of(column)
                if field and field not in columns:
                    columns[field] = column
            event_log = "sys_mod_count" in columns
            needed = ["number", "state", "opened_at"]
            needed += ["sys_updated_at"] if event_log else []
            missing = [f for f in needed if f not in columns]
            if missing:
                raise AdapterError(
                    f"{path}: not a ServiceNow incident export: no column for "
                    f"{', '.join(missing)} (incident state may be `state` or "
                    f"`incident_state`); it has {', '.join(header) or 'no header'}"
                )
            shapes[path] = event_log
            values = ", ".join(
                f"nullif(nullif(trim({_q(columns[f])}), '?'), '') AS {f}"
                if f in columns
                else f"CAST(NULL AS VARCHAR) AS {f}"
                for f in FIELDS
            )
            selects.append(
                f"SELECT {values}, {file_no} AS file_no, $file_name{file_no} AS file_name, "
                f"row_number() OVER () AS row_no "
                f"FROM read_csv($readable{file_no}, header = true, "
                f"all_varchar = true, auto_detect = true)"
            )
            files[f"file_name{file_no}"] = str(path)
            files[f"readable{file_no}"] = str(readable)
        if len(set(shapes.values())) > 1:
            logs = [str(p) for p, e in shapes.items() if e]
            lists = [str(p) for p, e in shapes.items() if not e]
            raise AdapterError(
                f"servicenow: event-log file(s) {', '.join(logs)} and list-view file(s) "
                f"{', '.join(lists)} in one call; ingest them separately"
            )
        try:
            con.execute("CREATE TEMP TABLE raw AS " + " UNION ALL ".join(selects), files)
        except duckdb.Error as error:
            names = ", ".join(map(str, paths))
            raise AdapterError(f"{names}: not a readable CSV: {error}") from error
        return next(iter(shapes.values()))

    def _parse(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        mapping: dict[str, Any],
        decl: Declarations,
    ) -> None:
        """`inc`: raw rows with UTC timestamps, canonical status, priority and channel."""
        states = dict(SPEC.statuses)
        for label, status in (mapping.get("states") or {}).items():
            if status is not None and status not in STATUSES:
                raise AdapterError(
                    f"servicenow mapping: state {label!r} -> {status!r} is not one of "
                    f"{', '.join(STATUSES)}"
                )
            states[str(label).strip().lower()] = status
        register_value_map(con, "state_map", states, ("label", "status"))
        register_value_map(con, "channel_map", SPEC.channels, ("label", "channel"))
        register_rows(con, "hold_on_us", ("reason",), [(r,) for r in WAITING_ON_US])
        custom = mapping.get("timestamp_format")
        formats = [str(custom), *ISO_FORMATS] if custom else list(SPEC.timestamp_formats)
        reader = timestamp_reader(decl, formats)
        reader.refuse_naive(con, "raw", {f: f for f in TIMESTAMP_FIELDS}, "file_name")
        record_zone_assumptions(decl, formats)
        if mapping.get("states"):
            decl.assume(
                "incident state map",
                ", ".join(f"{k} -> {v}" for k, v in mapping["states"].items()),
                "mapping states: (over the adapter's own map)",
            )

        def utc(field: str) -> str:
            return f"{reader.sql(field)} AS {field}_utc"

        digit = "regexp_extract(priority, '^\\s*([1-5])', 1)"
        try:
            run_sql(
                con,
                f"""
                CREATE TEMP TABLE inc AS
                SELECT raw.*,
                       {utc("opened_at")}, {utc("sys_created_at")}, {utc("sys_updated_at")},
                       {utc("resolved_at")}, {utc("closed_at")},
                       lower(trim(state)) AS state_key,
                       -- On Hold waiting on a change, problem or vendor is not waiting on
                       -- the caller: the resolution clock keeps running
                       CASE WHEN lower(trim(raw.state)) = 'on hold'
                                 AND lower(trim(raw.hold_reason)) IN (SELECT reason FROM hold_on_us)
                            THEN 'open' ELSE state_map.status END AS status,
                       CASE WHEN {digit} = '1' THEN 'P1' WHEN {digit} = '2' THEN 'P2'
                            WHEN {digit} = '3' THEN 'P3' WHEN {digit} IN ('4', '5') THEN 'P4'
                            WHEN lower(priority) LIKE '%critical%' THEN 'P1'
                            WHEN lower(priority) LIKE '%high%' THEN 'P2'
                            WHEN lower(priority) LIKE '%moderate%' THEN 'P3'
                            WHEN lower(priority) LIKE '%low%'
                              OR lower(priority) LIKE '%planning%' THEN 'P4'
                       END AS priority_code,
                       coalesce(channel_map.channel, $default_channel) AS channel
                FROM raw
                LEFT JOIN state_map ON state_map.label = lower(trim(raw.state))
                LEFT JOIN channel_map ON channel_map.label = trim(
                    regexp_replace(lower(raw.contact_type), '[-_ ]+', ' ', 'g'))
                """,
                {**reader.params, "default_channel": SPEC.default_channel},
            )
        except duckdb.Error as error:
            raise AdapterError(f"{', '.join(map(str, paths))}: {error}") from error
        (count,) = con.execute("SELECT count(*) FROM inc").fetchone()
        if not count:
            raise AdapterError(f"{', '.join(map(str, paths))}: no incident rows")
        unknown = con.execute(
            "SELECT string_agg(DISTINCT state, ', ' ORDER BY state), min(file_name) FROM inc "
            "WHERE state IS NOT NULL AND state_key NOT IN (SELECT label FROM state_map)"
        ).fetchone()
        if unknown[0]:
            raise AdapterError(
                f"{unknown[1]}: incident state(s) without a mapping: {unknown[0]} "
                f"(add them under `states:` in the mapping, e.g. 'Awaiting Parts: pending')"
            )
        for field in TIMESTAMP_FIELDS:
            bad = con.execute(
                f"SELECT file_name, {field} FROM inc "
                f"WHERE {field} IS NOT NULL AND {field}_utc IS NULL LIMIT 1"
            ).fetchone()
            if bad:
                raise AdapterError(
                    f"{bad[0]}: {field} value {bad[1]!r} does not match the date format "
                    f"({' or '.join(formats)}); set `timestamp_format` in the mapping"
                )
        missing_open = con.execute(
            "SELECT file_name, number FROM inc WHERE number IS NULL OR "
            "coalesce(opened_at_utc, sys_created_at_utc, sys_updated_at_utc) IS NULL LIMIT 1"
        ).fetchone()
        if missing_open:
            raise AdapterError(
                f"{missing_open[0]}: incident {missing_open[1] or '(no number)'} has no number "
                f"or no opened_at / sys_created_at / sys_updated_at"
            )

    # -- canonical entities --------------------------------------------------------------

    def _entity_queries(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        decl: Declarations,
        event_log: bool,
    ) -> dict[str, str]:
        ns = lambda column: namespaced(source, column)  # noqa: E731
        # one row per update, ordered; `created` is the incident's opening instant
        order = (
            "try_cast(sys_mod_count AS INTEGER) NULLS LAST, sys_updated_at_utc NULLS LAST, "
            "file_no, row_no"
            if event_log
            else "sys_updated_at_utc NULLS FIRST, file_no, row_no"
        )
        con.execute(
            f"""
            CREATE TEMP TABLE upd AS
            SELECT *,
                   row_number() OVER (PARTITION BY number ORDER BY {order}) AS seq,
                   count(*) OVER w AS updates,
                   coalesce(min(opened_at_utc) OVER w, min(sys_created_at_utc) OVER w,
                            min(sys_updated_at_utc) OVER w) AS created
            FROM inc
            WINDOW w AS (PARTITION BY number)
            """
        )
        week = register_team_week(con, decl)
        unassigned = source_id(source, "unassigned")
        con.execute(
            f"""
            CREATE TEMP TABLE t_tickets AS
            SELECT number,
                   {ns("number")} AS ticket_id,
                   min(created) AS created_at,
                   arg_max(channel, seq) AS channel,
                   coalesce(arg_max(priority_code, seq), 'P3') AS priority,
                   '2' AS complexity_tier,
                   coalesce(arg_max(category, seq), 'uncategorized') AS category,
                   coalesce(arg_max(business_service, seq), arg_max(cmdb_ci, seq)) AS product,
                   coalesce({ns("arg_max(assignment_group, seq)")}, {unassigned}) AS team_id,
                   {ns("arg_max_null(assigned_to, seq)")} AS agent_id,
                   {ns("arg_max(caller_id, seq)")} AS requester_id,
                   arg_max(short_description, seq) AS subject,
                   coalesce(arg_max(status, seq), 'new') AS status,
                   arg_max(u_symptom, seq) AS symptom,
                   arg_max(close_notes, seq) AS resolution_summary,
                   arg_max(closed_code, seq) AS closure_code,
                   arg_max(closed_at_utc, seq) AS closed_column,
                   -- the latest update's resolved_at (ServiceNow clears it on a reopen)
                   arg_max_null(resolved_at_utc, seq) AS resolved_column,
                   lower(arg_max(made_sla, seq)) AS made_sla,
                   lower(arg_max(knowledge, seq)) IN ('true', '1', 'yes') AS knowledge_used,
                   arg_max(try_cast(reassignment_count AS INTEGER), seq) AS reassignment_count,
                   arg_max(try_cast(reopen_count AS INTEGER), seq) AS reopen_count,
                   max(coalesce(sys_updated_at_utc, created)) AS last_update
            FROM upd GROUP BY number
            """
        )
        con.execute(self._events_sql(source, event_log))
        tickets = f"""
            SELECT t.ticket_id, {ISO.format("t.created_at")} AS created_at, t.channel,
                   t.priority, t.complexity_tier, t.category, t.product, t.team_id,
                   t.agent_id, t.requester_id, t.subject, t.status, t.symptom,
                   t.resolution_summary, t.closure_code,
                   -- a closed incident never resolved (no resolved_at) leaves closed_at
                   -- empty: its closure event dates the closure, and no closed_at can
                   -- stand in for the resolution it never had
                   CASE WHEN t.status = 'closed' AND t.resolved_column IS NOT NULL THEN {
            ISO.format("greatest(t.created_at, coalesce(t.closed_column, e.closed_event))")
        } END AS closed_at,
                   t.reassignment_count, t.reopen_count,
                   -- made_sla starts true and turns false when any task SLA breaches: false
                   -- is final, true is a verdict only once the incident is resolved
                   CASE WHEN t.made_sla IN ('false', '0', 'no') THEN false
                        WHEN t.made_sla IN ('true', '1', 'yes')
                             AND t.status IN ('solved', 'closed') THEN true
                   END AS source_resolution_sla_met
            FROM t_tickets AS t
            LEFT JOIN (
                SELECT ticket_id, max(event_at) AS closed_event FROM t_events
                WHERE event_type = 'closure' GROUP BY ticket_id
            ) AS e USING (ticket_id)
        """
        events = f"""
            SELECT event_id, ticket_id, {ISO.format("event_at")} AS event_at, event_type,
                   actor_type, agent_id, team_id, from_status, to_status, tool
            FROM t_events ORDER BY ticket_id, t_events.event_at, ord, event_id
        """
        agents = f"""
            SELECT {ns("assigned_to")} AS agent_id, assigned_to AS name,
                   coalesce({ns("arg_max(assignment_group, last_seen)")},
                            {unassigned}) AS team_id,
                   '1' AS tier, 'true' AS active
            FROM (SELECT *, coalesce(sys_updated_at_utc, created) AS last_seen FROM upd)
            WHERE assigned_to IS NOT NULL GROUP BY assigned_to
        """
        teams = f"""
            SELECT team_id, name, {TEAM_WEEK_COLUMNS}
            FROM (SELECT team_id, min(name) AS name FROM (
                SELECT {ns("assignment_group")} AS team_id, assignment_group AS name
                FROM upd WHERE assignment_group IS NOT NULL
                UNION ALL
                SELECT team_id, 'Unassigned' AS name FROM t_tickets WHERE team_id = {unassigned}
                UNION ALL
                SELECT {unassigned}, 'Unassigned' FROM upd
                WHERE assigned_to IS NOT NULL
                GROUP BY assigned_to HAVING count(assignment_group) = 0
            )
            GROUP BY team_id) CROSS JOIN {week} AS week
        """
        # the knowledge flag: a knowledge document was used to resolve the incident
        linked = "greatest(t.created_at, coalesce(t.resolved_column, t.last_update))"
        kb_links = f"""
            SELECT ticket_id, $unnamed_article AS article_id,
                   CAST(NULL AS VARCHAR) AS agent_id, {ISO.format(linked)} AS linked_at,
                   'used' AS link_type
            FROM t_tickets AS t WHERE t.knowledge_used
        """
        con.execute(
            "CREATE TEMP TABLE t_kb_links AS " + kb_links,
            {"unnamed_article": f"{source}:{UNNAMED_ARTICLE}"},
        )
        queries = {
            "tickets": tickets,
            "ticket_events": events,
            "agents": agents,
            "teams": teams,
            "kb_links": "SELECT * FROM t_kb_links ORDER BY ticket_id",
        }
        years = data_years(
            con,
            "SELECT created FROM upd UNION ALL SELECT sys_updated_at_utc FROM upd "
            "UNION ALL SELECT resolved_at_utc FROM upd UNION ALL SELECT closed_at_utc FROM upd",
        )
        holiday_days = holiday_query(con, decl, years)
        if holiday_days:
            queries["holiday_calendars"] = holiday_days
        return queries

    def _events_sql(self, source: str, event_log: bool) -> str:
        """t_events. An incident standing resolved or closed without resolved_at gets no
        resolution event (it was closed unresolved). The list form has no status history: it
        gives the resolution and closure milestones and no status_change at all, so
        process hygiene is unmeasured (NULL with its reason), never a broken chain. The
        event-log form gives every state change as a status_change from the previous
        state (the first from 'new'), plus the milestone it is (resolution, closure,
        reopen) as its own event."""
        ns = lambda column: namespaced(source, column)  # noqa: E731
        at = "greatest(coalesce(sys_updated_at_utc, created), created)"
        actor = "CASE WHEN lower(sys_updated_by) = 'system' THEN 'system' ELSE 'agent' END"
        # an incident standing resolved or closed without resolved_at was never resolved; a
        # reopened one (ServiceNow clears resolved_at on a reopen) keeps its resolutions
        resolved = (
            "number NOT IN (SELECT number FROM t_tickets "
            "WHERE status IN ('solved', 'closed') AND resolved_column IS NULL)"
        )
        status_changes = (
            "(SELECT *, prev_status AS from_status, status AS to_status, "
            f"{resolved} AS resolvable FROM changes)"
        )
        if not event_log:
            # a list row knows only when the incident was resolved and closed
            body = f"""
                SELECT number, 1 AS seq, 'resolved' AS kind,
                       greatest(resolved_at_utc, created) AS event_at,
                       'resolution' AS event_type, 'agent' AS actor_type,
                       {ns("assigned_to")} AS agent_id, {ns("assignment_group")} AS team_id,
                       CAST(NULL AS VARCHAR) AS from_status, 'solved' AS to_status
                FROM upd WHERE resolved_at_utc IS NOT NULL AND status IN ('solved', 'closed')
                  AND seq = updates
                UNION ALL
                SELECT number, 2, 'closed', greatest(closed_at_utc, created), 'closure',
                       'agent', {ns("assigned_to")}, {ns("assignment_group")}, NULL, 'closed'
                FROM upd WHERE closed_at_utc IS NOT NULL AND status = 'closed'
                  AND seq = updates
            """
        else:
            body = f"""
                SELECT number, seq,
                       CASE WHEN event_type = 'status_change' THEN 'state' ELSE event_type END,
                       {at}, event_type, {actor},
                       CASE WHEN {actor} = 'agent' THEN {ns("assigned_to")} END,
                       NULL, from_status, to_status
                FROM ({status_events_sql(status_changes)})
                UNION ALL
                SELECT number, seq, 'assign', {at},
                       CASE WHEN prev_group IS NOT NULL AND assignment_group <> prev_group
                            THEN 'transfer' ELSE 'assignment' END,
                       {actor}, {ns("assigned_to")}, {ns("assignment_group")}, NULL, NULL
                FROM changes
                WHERE (assignment_group IS NOT NULL
                       AND assignment_group IS DISTINCT FROM prev_group)
                   OR (assigned_to IS NOT NULL AND assigned_to IS DISTINCT FROM prev_agent)
            """
        return f"""
            CREATE TEMP TABLE t_events AS
            WITH changes AS (
                SELECT *,
                       coalesce(last_value(status IGNORE NULLS) OVER before, 'new')
                           AS prev_status,
                       last_value(assignment_group IGNORE NULLS) OVER before AS prev_group,
                       lag(assigned_to) OVER (PARTITION BY number ORDER BY seq) AS prev_agent
                FROM upd
                WINDOW before AS (PARTITION BY number ORDER BY seq
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            )
            -- the update number zero-padded: simultaneous updates sort by event_id in order
            SELECT {ns("number || '#' || lpad(CAST(seq AS VARCHAR), 6, '0') || '#' || kind")}
                       AS event_id,
                   {ns("number")} AS ticket_id, event_at, event_type, actor_type, agent_id,
                   team_id, from_status, to_status, CAST(NULL AS VARCHAR) AS tool,
                   seq AS ord
            FROM ({body}) AS e(number, seq, kind, event_at, event_type, actor_type, agent_id,
                               team_id, from_status, to_status)
        """
