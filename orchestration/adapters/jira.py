"""Jira Service Management: the CSV issue export (Filters -> Export -> CSV (all fields)),
optionally with a second CSV of the issues' changelog flattened from the REST API
(`Issue key, Created, Field, From, To`, one row per changed field).

The issue export has no status history: without the changelog a ticket gets a resolution
at `Resolved` and a closure there too when its status is Closed/Done, and no status_change
at all (process hygiene is then "no data", not a broken chain). With the changelog the
status chain starts `new` -> the status the issue was created in, status changes become
status_change/resolution/closure/reopen events, assignee changes assignment/transfer
events and team-field changes transfers. Only an issue with a `Resolved` date is
resolved: one closed without it (Canceled, Declined) is closed unresolved.
Comments (repeated `Comment` columns, each `date;author;text`) become customer replies
when written by the reporter and public replies otherwise. `Custom field (Satisfaction)`
(1-5) becomes surveys.

The JSM SLA fields `Custom field (Time to first response)` and `Custom field (Time to
resolution)` become the tickets' `source_first_response_sla_met` and
`source_resolution_sla_met`: the source's own verdict, kept for reconciliation (TSQ's SLA
indicators use TSQ's targets). A cell is read in whichever of three forms it takes:

- Data Center / Server export, the Java toString `SLAValue{completeSLAData=[
  CompleteSLAData{..., succeeded=true, ...}], ongoingSLAData=..., ...}`: the last
  completed cycle's `succeeded`; no completed cycle -> empty (still running).
- REST JSON pasted into the cell (`{"completedCycles": [{"breached": false, ...}],
  "ongoingCycle": {...}}`): an ongoing cycle already breached -> false; else the last
  completed cycle's `breached`, negated; else empty.
- Jira Cloud's remaining time (`2h 30m`, `-1d 4h`, `-45m`; units m/min, h, d, w, mo,
  yr): negative -> false (breached); otherwise true only once the milestone happened (an
  agent's comment for first response, `Resolved` for resolution), else empty (running).

Anything else, an empty cell or an absent column is empty, never an error.

Everything is set-based DuckDB SQL; the optional mapping dict may name the export's time
zone (`timezone`, or `tsq ingest --timezone`; required, since Jira's export format
carries no zone), a different `date_format`, the column holding
the team (`team_column`, default `Project key`), status overrides (`statuses`), constants
(`constants`: channel, complexity_tier, ...) and the teams' working hours (`team`).
"""

from __future__ import annotations

import re
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
    Declarations,
    VendorSpec,
    data_years,
    declarations,
    holiday_query,
    lookup_sql,
    record_zone_assumptions,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
    status_events_sql,
    timestamp_reader,
    write_conversion,
)
from orchestration.contract import STATUSES
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import sql_string
from orchestration.text_files import csv_header

JIRA_DATE_FORMAT = "%d/%b/%y %-I:%M %p"  # Jira's default "dd/MMM/yy h:mm a"
ISSUE_COLUMNS = ("Issue key", "Issue Type", "Status", "Priority", "Created", "Summary")
CHANGELOG_COLUMNS = ("Issue key", "Created", "Field", "From", "To")

# Jira's shipped priority schemes (current and legacy) -> P1..P4; anything else P3
PRIORITY_MAP = {
    "highest": "P1",
    "blocker": "P1",
    "critical": "P1",
    "high": "P2",
    "major": "P2",
    "medium": "P3",
    "minor": "P3",
    "low": "P4",
    "lowest": "P4",
    "trivial": "P4",
}
# Jira / JSM workflow status names -> canonical status; others open (solved if resolved)
STATUS_MAP = {
    "open": "new",
    "to do": "new",
    "new": "new",
    "backlog": "new",
    "in progress": "open",
    "work in progress": "open",
    "waiting for support": "open",
    "escalated": "open",
    "reopened": "open",
    "under investigation": "open",
    "under review": "open",
    # waiting on the customer (JSM's SLA goals pause on it): the canonical pending
    "waiting for customer": "pending",
    "pending": "pending",
    "waiting for approval": "pending",
    "awaiting approval": "pending",
    # waiting on a vendor is not waiting on the customer: the resolution clock runs
    "waiting for third party": "open",
    "resolved": "solved",
    "done": "closed",
    "closed": "closed",
    "canceled": "closed",
    "cancelled": "closed",
    "declined": "closed",
    "completed": "closed",
}
# JSM request channels (portal, email, api, jira, anonymousportal) -> canonical channel
CHANNEL_MAP = {
    "email": "email",
    "portal": "web",
    "anonymousportal": "web",
    "phone": "phone",
    "chat": "chat",
    "slack": "chat",
    "msteams": "chat",
    "widget": "chat",
}
CHANNEL_COLUMNS = ("Custom field (Request channel)", "Custom field (Channel)", "Channel")
REQUEST_TYPE = "Custom field (Request Type)"
SATISFACTION = "Custom field (Satisfaction)"
SATISFACTION_DATE = "Custom field (Satisfaction date)"
COMMENT_COLUMN = re.compile(r"^Comment(_\d+)?$")
# JSM's default SLA fields; older or renamed exports drop the "Custom field" wrapper
FIRST_RESPONSE_SLA_COLUMNS = (
    "Custom field (Time to first response)",
    "Time to first response",
)
RESOLUTION_SLA_COLUMNS = ("Custom field (Time to resolution)", "Time to resolution")
# Jira Cloud's friendly duration: optional minus, then `<n><unit>` parts (2h 30m, -1d 4h)
_FRIENDLY_UNIT = r"(mo|min|yr|m|h|d|w)"
FRIENDLY_DURATION = rf"-?\s*\d+\s*{_FRIENDLY_UNIT}(\s*\d+\s*{_FRIENDLY_UNIT})*"
# one completed cycle's outcome in the Data Center toString; the ongoing cycle has none
COMPLETED_CYCLE = r"CompleteSLAData\{[^{}]*?succeeded=(true|false)"


SPEC = VendorSpec(
    name="jira",
    title="Jira Service Management",
    entities=("tickets", "ticket_events", "surveys", "agents", "teams", "holiday_calendars"),
    statuses=STATUS_MAP,
    channels=CHANNEL_MAP,
    priorities=PRIORITY_MAP,
    timestamp_formats=(JIRA_DATE_FORMAT, "iso"),
    readings=(
        (
            "status",
            "a workflow status the map does not name is open (solved if the issue has a "
            "Resolved date)",
        ),
        (
            "resolved",
            "only an issue with a Resolved date: one closed without it (Canceled, Declined) "
            "was closed unresolved",
        ),
        (
            "waiting",
            "Waiting for customer / approval is pending (the resolution clock pauses); "
            "Waiting for third party is open",
        ),
        (
            "sla fields",
            "Time to first response / Time to resolution are the source's own verdicts, "
            "for reconciliation only",
        ),
    ),
)


def _case(expr: str, table: str, default: str) -> str:
    """The canonical value of lower(trim(expr)) in a registered value map, else default."""
    return lookup_sql(table, f"lower(trim({expr}))", default)


def sla_verdict_sql(cell: str, milestone: str) -> str:
    """SQL for the source's SLA verdict (BOOLEAN, NULL = unknown or still running) from a
    JSM SLA cell (VARCHAR, NULL when empty) in any of the three forms of the module
    docstring; `milestone` is SQL that is true when the SLA's stop event happened, which
    is what tells a met SLA from a running one in Jira Cloud's remaining-time form."""
    text = f"trim({cell})"
    # only valid JSON reaches the JSON functions, so no other text can raise there
    as_json = f"CASE WHEN json_valid({text}) THEN {text} END"

    def json_flag(path: str) -> str:
        return f"try_cast(json_extract_string({as_json}, {sql_string(path)}) AS BOOLEAN)"

    last_succeeded = (
        f"list_extract(regexp_extract_all({text}, {sql_string(COMPLETED_CYCLE)}, 1), -1)"
    )
    friendly = f"lower({text})"
    return f"""CASE
        WHEN starts_with({text}, 'SLAValue{{') THEN try_cast({last_succeeded} AS BOOLEAN)
        WHEN starts_with({text}, '{{') AND json_valid({text}) THEN
            CASE WHEN {json_flag("$.ongoingCycle.breached")} THEN false
                 ELSE NOT {json_flag("$.completedCycles[#-1].breached")} END
        WHEN regexp_full_match({friendly}, {sql_string(FRIENDLY_DURATION)}) THEN
            CASE WHEN starts_with({friendly}, '-') THEN false WHEN {milestone} THEN true END
    END"""


def _header(path: Path) -> list[str]:
    try:
        return csv_header(path)
    except (OSError, ValueError):
        return []


class JiraAdapter:
    name = SPEC.name
    entities = SPEC.entities

    def detect(self, path: Path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        header = set(_header(path))
        return set(ISSUE_COLUMNS) <= header or set(CHANGELOG_COLUMNS) <= header

    def convert(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        source: str,
        mapping: dict[str, Any] | None,
    ) -> Conversion:
        mapping = mapping or {}
        issues, changelogs = self._classify(paths)
        decl = declarations(mapping, SPEC)
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            self.date_format = str(mapping.get("date_format", JIRA_DATE_FORMAT))
            # Jira's own export format carries no zone (the exporting user's profile zone);
            # ISO 8601 values with an offset carry theirs
            self.reader = timestamp_reader(decl, [self.date_format, "iso"])
            status_map = {
                **SPEC.statuses,
                **{str(k).lower(): v for k, v in (mapping.get("statuses") or {}).items()},
            }
            bad = sorted(str(v) for v in status_map.values() if v not in STATUSES)
            if bad:
                raise AdapterError(
                    f"jira mapping: statuses map to unknown status(es) {', '.join(bad)}"
                )
            register_value_map(con, "jira_status_map", status_map)
            register_value_map(con, "jira_channel_map", SPEC.channels)
            register_value_map(con, "jira_priority_map", SPEC.priorities)
            constants = mapping.get("constants") or {}
            register_rows(
                con,
                "jira_constants",
                ("complexity_tier", "channel"),
                [(constants.get("complexity_tier", "2"), constants.get("channel"))],
            )
            self._load(con, "raw_issues", issues)
            columns = {row[0] for row in con.execute("DESCRIBE raw_issues").fetchall()}
            self._load_issues(con, columns, source, mapping)
            has_changelog = bool(changelogs)
            if has_changelog:
                self._load(con, "raw_changelog", changelogs)
                self._load_changelog(con)
            record_zone_assumptions(decl, [self.date_format, "iso"])
            queries = self._queries(con, columns, source, decl, has_changelog)
            return write_conversion(con, queries, out_dir, source, decl)
        finally:
            con.close()

    # --- reading ----------------------------------------------------------------------

    def _classify(self, paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
        issues, changelogs = [], []
        for path in paths:
            header = set(_header(path))
            if set(ISSUE_COLUMNS) <= header:
                issues.append(path)
            elif set(CHANGELOG_COLUMNS) <= header:
                changelogs.append(path)
            else:
                missing = [c for c in ISSUE_COLUMNS if c not in header]
                raise AdapterError(
                    f"{path}: not a Jira issue export (lacks column(s) {', '.join(missing)}) "
                    f"nor a Jira changelog (needs {', '.join(CHANGELOG_COLUMNS)}); "
                    f"it has: {', '.join(sorted(header)) or '(no header)'}"
                )
        if not issues:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: no Jira issue export among the files "
                f"(a changelog alone cannot make tickets)"
            )
        return issues, changelogs

    def _load(self, con: duckdb.DuckDBPyConnection, table: str, paths: list[Path]) -> None:
        try:
            con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT *, row_number() OVER () AS src_row "
                f"FROM read_csv($files, header = true, all_varchar = true, "
                f"union_by_name = true, filename = true)",
                {"files": [str(p) for p in paths]},
            )
        except duckdb.Error as error:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: not a readable CSV: {error}"
            ) from error

    def _ts(self, expr: str) -> str:
        """Naive UTC timestamp from a Jira date (export format, local time of the declared
        zone) or an ISO 8601 value (converted by its own offset; a naive one is local)."""
        return self.reader.sql(expr)

    def _check_dates(
        self, con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]
    ) -> None:
        """Fail on the first non-empty value of each named column that is not a date."""
        self.reader.refuse_naive(con, table, columns, "filename")
        for label, raw in columns.items():
            bad = run_sql(
                con,
                f"SELECT {raw}, filename FROM {table} "
                f"WHERE nullif(trim({raw}), '') IS NOT NULL AND {self._ts(raw)} IS NULL LIMIT 1",
                self.reader.params,
            ).fetchone()
            if bad:
                raise AdapterError(
                    f"{bad[1]}: {label} value {bad[0]!r} is not a date in the format "
                    f"{self.date_format!r} (set date_format in the mapping) nor ISO 8601"
                )

    def _load_issues(
        self,
        con: duckdb.DuckDBPyConnection,
        columns: set[str],
        source: str,
        mapping: dict[str, Any],
    ) -> None:
        def col(name: str | None) -> str:
            return f"nullif(trim({_q(name)}), '')" if name in columns else "CAST(NULL AS VARCHAR)"

        dates = {
            "created_at": ("Created", col("Created")),
            "resolved_at": ("Resolved", col("Resolved")),
            "satisfaction_at": (SATISFACTION_DATE, col(SATISFACTION_DATE)),
        }
        team_column = mapping.get("team_column", "Project key")
        # the changelog's name of the team field: `Custom field (Team)` is logged as `Team`;
        # the default team, the project, changes when an issue moves to another project
        logged = re.sub(r"^custom field \((.*)\)$", r"\1", str(team_column).strip().lower())
        register_rows(
            con,
            "jira_team_fields",
            ("field",),
            [("team",), ("project",) if logged == "project key" else (logged,)],
        )
        team = source_id(source, "default")
        if team_column in columns:
            team = f"coalesce({namespaced(source, col(team_column))}, {team})"
        channel_column = next((c for c in CHANNEL_COLUMNS if c in columns), None)
        default_channel = sql_string(SPEC.default_channel)
        channel = (
            _case(col(channel_column), "jira_channel_map", default_channel)
            if channel_column
            else default_channel
        )
        # SLA columns the export lacks read as empty: no verdict, not an error
        first_response_sla = next((c for c in FIRST_RESPONSE_SLA_COLUMNS if c in columns), None)
        resolution_sla = next((c for c in RESOLUTION_SLA_COLUMNS if c in columns), None)
        run_sql(
            con,
            f"""
            CREATE TEMP TABLE issues AS
            SELECT src_row, filename,
                   {col("Issue key")} AS issue_key,
                   {", ".join(f"{self._ts(v)} AS {k}" for k, (_, v) in dates.items())},
                   {col("Status")} AS jira_status,
                   {_case(col("Status"), "jira_status_map", "NULL")} AS mapped_status,
                   {_case(col("Priority"), "jira_priority_map", sql_string(SPEC.default_priority))}
                       AS priority,
                   {channel} AS channel,
                   coalesce({col(REQUEST_TYPE)}, {col("Issue Type")}, 'uncategorised')
                       AS category,
                   {col("Component/s")} AS product,
                   {team} AS team_id,
                   coalesce({col("Assignee Id")}, {col("Assignee")}) AS assignee_key,
                   {col("Assignee")} AS assignee_name,
                   coalesce({col("Reporter Id")}, {col("Reporter")}) AS reporter_key,
                   {col("Reporter")} AS reporter_name,
                   {col("Summary")} AS subject,
                   {col("Resolution")} AS resolution,
                   round(try_cast({col(SATISFACTION)} AS DOUBLE)) AS rating,
                   {col(first_response_sla)} AS first_response_sla,
                   {col(resolution_sla)} AS resolution_sla
            FROM raw_issues
            """,
            self.reader.params,
        )
        self._check_dates(con, "raw_issues", {name: raw for name, raw in dates.values()})
        missing = con.execute(
            "SELECT filename, src_row FROM issues WHERE issue_key IS NULL OR created_at IS NULL "
            "LIMIT 1"
        ).fetchone()
        if missing:
            raise AdapterError(f"{missing[0]}: data row {missing[1]} has no Issue key or Created")
        con.execute(
            """
            CREATE TEMP TABLE tickets AS
            SELECT *,
                   CASE WHEN mapped_status IS NOT NULL THEN mapped_status
                        WHEN resolved_at IS NOT NULL THEN 'solved' ELSE 'open' END AS status
            FROM issues
            """
        )
        comment_columns = sorted(
            (c for c in columns if COMMENT_COLUMN.match(c)),
            key=lambda c: int(c.split("_")[1]) if "_" in c else 0,
        )
        parts = [
            f"SELECT issue_key, {n} AS comment_no, "
            f"regexp_extract({_q(c)}, '^([^;]*);([^;]*);(.*)$', ['at', 'author', 'body'], 's') "
            f"AS c, {_q(c)} AS raw, filename FROM raw_issues "
            f"JOIN (SELECT src_row, issue_key FROM issues) USING (src_row) "
            f"WHERE nullif(trim({_q(c)}), '') IS NOT NULL"
            for n, c in enumerate(comment_columns)
        ]
        if not parts:
            parts = [
                "SELECT NULL::VARCHAR AS issue_key, 0 AS comment_no, "
                "{'at': NULL::VARCHAR, 'author': NULL::VARCHAR, 'body': NULL::VARCHAR} AS c, "
                "NULL::VARCHAR AS raw, NULL::VARCHAR AS filename WHERE false"
            ]
        con.execute(f"CREATE TEMP TABLE raw_comments AS {' UNION ALL '.join(parts)}")
        self._check_dates(con, "raw_comments", {"Comment date": "c.at"})
        run_sql(
            con,
            f"""
            CREATE TEMP TABLE comments AS
            SELECT issue_key, comment_no, {self._ts("c.at")} AS at_utc,
                   nullif(trim(c.author), '') AS author, c.body AS body
            FROM raw_comments
            """,
            self.reader.params,
        )

    def _load_changelog(self, con: duckdb.DuckDBPyConnection) -> None:
        self._check_dates(con, "raw_changelog", {"changelog Created": '"Created"'})
        columns = {row[0] for row in con.execute("DESCRIBE raw_changelog").fetchall()}
        author = "nullif(trim(\"Author\"), '')" if "Author" in columns else "NULL::VARCHAR"
        run_sql(
            con,
            f"""
            CREATE TEMP TABLE changelog AS
            SELECT src_row, trim("Issue key") AS issue_key, {self._ts('"Created"')} AS at_utc,
                   lower(trim("Field")) AS field,
                   nullif(trim("From"), '') AS from_value, nullif(trim("To"), '') AS to_value,
                   {author} AS author
            FROM raw_changelog
            """,
            self.reader.params,
        )

    # --- canonical entities -------------------------------------------------------------

    def _queries(
        self,
        con: duckdb.DuckDBPyConnection,
        columns: set[str],
        source: str,
        decl: Declarations,
        has_changelog: bool,
    ) -> dict[str, str]:
        tier = "(SELECT complexity_tier FROM jira_constants)"
        channel = "coalesce((SELECT channel FROM jira_constants), channel)"

        def status(expr: str) -> str:
            return _case(expr, "jira_status_map", "'open'")

        # the milestone that stops JSM's first-response clock, as TSQ sees it: a comment
        # by someone other than the reporter (what becomes an agent's public_reply below)
        agent_replied = """
            issue_key IN (
                SELECT c.issue_key FROM comments AS c JOIN tickets AS r USING (issue_key)
                WHERE c.at_utc IS NOT NULL AND c.author IS NOT NULL
                  AND (c.author IN (r.reporter_key, r.reporter_name)) IS NOT TRUE
            )
        """
        tickets = f"""
            SELECT {namespaced(source, "issue_key")} AS ticket_id,
                   {ISO.format("created_at")} AS created_at,
                   {channel} AS channel, priority, {tier} AS complexity_tier,
                   category, product, team_id,
                   {namespaced(source, "assignee_key")} AS agent_id,
                   {namespaced(source, "reporter_key")} AS requester_id,
                   subject, status, resolution AS closure_code,
                   -- closed without a Resolved date: closed unresolved (no closed_at to
                   -- stand in for a resolution; a changelog's closure event dates it)
                   CASE WHEN status = 'closed' AND resolved_at IS NOT NULL
                        THEN {ISO.format("resolved_at")} END AS closed_at,
                   {sla_verdict_sql("first_response_sla", agent_replied)}
                       AS source_first_response_sla_met,
                   {sla_verdict_sql("resolution_sla", "resolved_at IS NOT NULL")}
                       AS source_resolution_sla_met
            FROM tickets
        """
        # events: (issue_key, seq, at_utc, event_type, actor_type, agent, from, to, body)
        # The issue export alone has no status history: no status_change at all (process
        # hygiene is then unmeasured, not a broken chain). With the changelog the chain
        # starts at creation: 'new' to the status the issue was created in (the first
        # logged change's From, else its status now) when that is not 'new' itself.
        created = f"""
            SELECT t.issue_key, 'created' AS seq, t.created_at AS at_utc,
                   'status_change' AS event_type, 'customer' AS actor_type,
                   NULL AS agent, 'new' AS from_status,
                   {status("coalesce(first.from_value, t.jira_status)")} AS to_status,
                   'created in ' || coalesce(first.from_value, t.jira_status) AS body
            FROM tickets AS t
            LEFT JOIN (
                SELECT issue_key, arg_min(from_value, (at_utc, src_row)) AS from_value
                FROM changelog WHERE field = 'status' GROUP BY issue_key
            ) AS first USING (issue_key)
            WHERE {status("coalesce(first.from_value, t.jira_status)")} <> 'new'
        """
        fallback_filter = (
            "WHERE issue_key NOT IN (SELECT issue_key FROM changelog WHERE field = 'status')"
            if has_changelog
            else ""
        )
        fallback = f"""
            SELECT issue_key, 'resolved', resolved_at, 'resolution', 'agent', assignee_key,
                   NULL, NULL, resolution
            FROM tickets WHERE resolved_at IS NOT NULL
                AND issue_key IN (SELECT issue_key FROM tickets {fallback_filter})
            UNION ALL
            SELECT issue_key, 'closed', resolved_at, 'closure', 'agent', assignee_key,
                   NULL, NULL, jira_status
            FROM tickets WHERE resolved_at IS NOT NULL AND status = 'closed'
                AND issue_key IN (SELECT issue_key FROM tickets {fallback_filter})
        """
        comments = """
            SELECT c.issue_key, 'comment#' || comment_no, at_utc,
                   CASE WHEN author IN (t.reporter_key, t.reporter_name) THEN 'customer_reply'
                        ELSE 'public_reply' END,
                   CASE WHEN author IS NULL THEN 'system'
                        WHEN author IN (t.reporter_key, t.reporter_name) THEN 'customer'
                        ELSE 'agent' END,
                   CASE WHEN author NOT IN (t.reporter_key, t.reporter_name) THEN author END,
                   NULL, NULL, body
            FROM comments AS c JOIN tickets AS t USING (issue_key)
        """
        parts = [created, fallback, comments] if has_changelog else [fallback, comments]
        if has_changelog:
            status_rows = f"""
                SELECT l.issue_key, l.src_row, l.at_utc,
                       {status("l.from_value")} AS from_status,
                       {status("l.to_value")} AS to_status, l.from_value, l.to_value,
                       CASE WHEN l.author IN (t.reporter_key, t.reporter_name) THEN 'customer'
                            ELSE 'agent' END AS actor,
                       CASE WHEN l.author NOT IN (t.reporter_key, t.reporter_name)
                            THEN l.author END AS who,
                       -- closed with no Resolved date (Canceled, Declined): never resolved
                       NOT (t.status = 'closed' AND t.resolved_at IS NULL) AS resolvable
                FROM changelog AS l JOIN tickets AS t USING (issue_key)
                WHERE l.field = 'status'
            """
            parts.append(
                f"""
                SELECT issue_key,
                       'log#' || src_row
                           || CASE WHEN event_type = 'status_change' THEN ''
                                   ELSE '#' || event_type END,
                       at_utc, event_type, actor, who,
                       CASE WHEN event_type = 'status_change' THEN from_status END,
                       CASE WHEN event_type = 'status_change' THEN to_status END,
                       CASE WHEN event_type = 'status_change'
                            THEN from_value || ' -> ' || to_value ELSE to_value END
                FROM ({status_events_sql(f"({status_rows})")})
                UNION ALL
                SELECT l.issue_key, 'log#' || l.src_row,  l.at_utc,
                       -- a hand-over at the instant the team changed is that one transfer
                       CASE WHEN l.from_value IS NULL OR (l.issue_key, l.at_utc) IN (
                                SELECT (issue_key, at_utc) FROM changelog
                                WHERE field IN (SELECT field FROM jira_team_fields))
                            THEN 'assignment' ELSE 'transfer' END,
                       'agent', coalesce(names.assignee_key, l.to_value), NULL, NULL,
                       'assignee: ' || coalesce(l.from_value, '') || ' -> ' || l.to_value
                FROM changelog AS l
                LEFT JOIN (SELECT DISTINCT assignee_name, assignee_key FROM tickets
                           WHERE assignee_name IS NOT NULL) AS names
                    ON names.assignee_name = l.to_value
                WHERE l.field = 'assignee' AND l.to_value IS NOT NULL
                UNION ALL
                -- a change of the owning team (JSM's Team field, or the team column the
                -- mapping names) is a transfer to that team
                SELECT l.issue_key, 'log#' || l.src_row, l.at_utc,
                       CASE WHEN l.from_value IS NULL THEN 'assignment' ELSE 'transfer' END,
                       'agent', NULL, NULL, NULL,
                       'team: ' || coalesce(l.from_value, '') || ' -> ' || l.to_value
                FROM changelog AS l
                WHERE l.field IN (SELECT field FROM jira_team_fields) AND l.to_value IS NOT NULL
                """
            )
        all_events = " UNION ALL ".join(f"({p})" for p in parts)
        # the receiving team of a logged team change; the ticket's team otherwise
        team_change_join = (
            "LEFT JOIN changelog AS moved ON e.seq = 'log#' || moved.src_row "
            "AND moved.field IN (SELECT field FROM jira_team_fields)"
            if has_changelog
            else ""
        )
        team_then = (
            f"coalesce({namespaced(source, 'moved.to_value')}, t.team_id)"
            if has_changelog
            else "t.team_id"
        )
        events = f"""
            SELECT {namespaced(source, "e.issue_key || '#' || e.seq")} AS event_id,
                   {namespaced(source, "e.issue_key")} AS ticket_id,
                   {ISO.format("greatest(e.at_utc, t.created_at)")} AS event_at,
                   e.event_type, e.actor_type,
                   {namespaced(source, "e.agent")} AS agent_id,
                   CASE WHEN e.event_type IN ('assignment', 'transfer')
                        THEN {team_then} END AS team_id,
                   e.from_status, e.to_status, e.body
            FROM ({all_events}) AS e(issue_key, seq, at_utc, event_type, actor_type, agent,
                                    from_status, to_status, body)
            JOIN tickets AS t USING (issue_key)
            {team_change_join}
            WHERE e.at_utc IS NOT NULL
        """
        assignment_targets = (
            """
            UNION
            SELECT coalesce(names.assignee_key, l.to_value), l.to_value, t.team_id
            FROM changelog AS l JOIN tickets AS t USING (issue_key)
            LEFT JOIN (SELECT DISTINCT assignee_name, assignee_key FROM tickets
                       WHERE assignee_name IS NOT NULL) AS names
                ON names.assignee_name = l.to_value
            WHERE l.field = 'assignee' AND l.to_value IS NOT NULL
            """
            if has_changelog
            else ""
        )
        agents = f"""
            SELECT {namespaced(source, "agent")} AS agent_id, min(name) AS name,
                   min(team_id) AS team_id, '1' AS tier, 'true' AS active
            FROM (
                SELECT assignee_key AS agent, assignee_name AS name, team_id FROM tickets
                WHERE assignee_key IS NOT NULL
                {assignment_targets}
            )
            GROUP BY agent
        """
        week = register_team_week(con, decl)
        # teams an issue was transferred to or from in the changelog are teams too
        logged_teams = (
            f"UNION SELECT {namespaced(source, 'v')} FROM changelog, "
            "unnest([from_value, to_value]) AS u(v) "
            "WHERE field IN (SELECT field FROM jira_team_fields) AND v IS NOT NULL"
            if has_changelog
            else ""
        )
        teams = f"""
            SELECT team_id, {TEAM_WEEK_COLUMNS}
            FROM (SELECT DISTINCT team_id FROM tickets {logged_teams}) CROSS JOIN {week} AS week
        """
        queries = {"tickets": tickets, "ticket_events": events, "agents": agents, "teams": teams}
        years = data_years(
            con, "SELECT created_at FROM tickets UNION ALL SELECT resolved_at FROM tickets"
        )
        holiday_days = holiday_query(con, decl, years)
        if holiday_days:
            queries["holiday_calendars"] = holiday_days
        has_ratings = (
            SATISFACTION in columns
            and con.execute("SELECT count(rating) FROM tickets").fetchone()[0]
        )
        if has_ratings:
            # CSAT is switched on: every resolved request got a survey; unanswered = no rating
            answered = ISO.format("greatest(coalesce(satisfaction_at, resolved_at), resolved_at)")
            queries["surveys"] = f"""
                SELECT {namespaced(source, "issue_key || '#csat'")} AS survey_id,
                       {namespaced(source, "issue_key")} AS ticket_id,
                       {ISO.format("resolved_at")} AS sent_at,
                       CASE WHEN rating BETWEEN 1 AND 5 THEN {answered} END AS responded_at,
                       CASE WHEN rating BETWEEN 1 AND 5 THEN CAST(rating AS INTEGER) END AS rating
                FROM tickets WHERE resolved_at IS NOT NULL
            """
        return queries
