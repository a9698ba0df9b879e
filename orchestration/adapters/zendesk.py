"""Zendesk Support, from the JSON of its Incremental Export API (one page per file).

Each file is one response page, recognised by its top-level key:

- ``tickets``: ``GET /api/v2/incremental/tickets.json?include=metric_sets`` (or the
  cursor variant); ``metric_sets`` sideloaded in the same page are read too;
- ``ticket_events``: ``GET /api/v2/incremental/ticket_events.json?include=comment_events``,
  each event with its ``child_events`` (Create / Change / Comment);
- ``audits``: ``GET /api/v2/tickets/{id}/audits.json`` (the same changes, under ``events``);
- ``satisfaction_ratings``: ``GET /api/v2/satisfaction_ratings.json``.

Everything is read with DuckDB's JSON reader and unnested set-based; no per-row Python.
"""

from __future__ import annotations

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
    record_zone_assumptions,
    register_team_week,
    register_value_map,
    status_events_sql,
    write_conversion,
    zoned_utc_sql,
)
from orchestration.contract import CHANNELS
from orchestration.sql_text import sql_string  # adapter constants only

KINDS = ("tickets", "ticket_events", "audits", "satisfaction_ratings")
#: keys every element of a kind's array must have (a missing one means: not Zendesk's JSON)
REQUIRED_KEYS = {
    "tickets": ("id", "created_at", "status"),
    "ticket_events": ("ticket_id", "child_events"),
    "audits": ("ticket_id", "created_at", "events"),
    "satisfaction_ratings": ("id", "ticket_id", "score", "created_at"),
}
STATUS_MAP = {
    "new": "new",
    "open": "open",
    # pending: waiting on the requester (Zendesk's SLA requester-wait clock pauses here)
    "pending": "pending",
    # on-hold: waiting on a third party or another team, not on the requester; Zendesk's
    # own requester wait time keeps counting it, so the resolution clock runs
    "hold": "open",
    "solved": "solved",
    "closed": "closed",
}
PRIORITY_MAP = {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"}
#: via.channel -> canonical channel; anything else is 'web'
CHANNEL_MAP = {
    "email": "email",
    "voice": "phone",
    "phone": "phone",
    "chat": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "sms": "chat",
    "whatsapp": "chat",
    "facebook": "chat",
    "twitter": "chat",
    "instagram_dm": "chat",
    "line": "chat",
    "wechat": "chat",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "api": "web",
    "mobile_sdk": "web",
}


#: Zendesk's API writes every timestamp in ISO 8601 with Z: no zone needs declaring
TIMESTAMP_FORMATS = ("iso",)


SPEC = VendorSpec(
    name="zendesk",
    title="Zendesk Support",
    entities=("tickets", "ticket_events", "surveys", "agents", "teams", "holiday_calendars"),
    statuses=STATUS_MAP,
    channels=CHANNEL_MAP,
    priorities=PRIORITY_MAP,
    timestamp_formats=TIMESTAMP_FORMATS,
    readings=(
        (
            "hold",
            "on-hold waits on a third party or another team, not on the requester: open, "
            "the resolution clock runs (pending pauses it)",
        ),
        (
            "vendor counts",
            "metric_sets reopens and group_stations - 1 are the ticket's own reopen and "
            "reassignment counts (preferred over the audits the export happens to hold)",
        ),
        ("complexity", "custom field complexity_tier 1-3 where present, else 2"),
    ),
)


def _ts(json_text_sql: str) -> str:
    """SQL: an ISO 8601 text with Z or an offset as a naive UTC timestamp; NULL otherwise."""
    return zoned_utc_sql(json_text_sql)


class ZendeskAdapter:
    name = SPEC.name
    entities = SPEC.entities

    def detect(self, path: Path) -> bool:
        if path.suffix.lower() != ".json":
            return False
        con = duckdb.connect()
        try:
            (keys,) = con.execute(
                "SELECT json_keys(json) FROM read_json_objects(?) LIMIT 1", [str(path)]
            ).fetchone()
        except (duckdb.Error, TypeError):
            return False
        finally:
            con.close()
        return any(k in KINDS for k in keys or ())

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
            con.execute("SET TimeZone = 'UTC'")
            register_value_map(con, "zd_status_map", SPEC.statuses)
            register_value_map(con, "zd_priority_map", SPEC.priorities)
            kinds = self._load_pages(con, paths)
            self._check_keys(con)
            if kinds & {"ticket_events", "audits"} and "tickets" not in kinds:
                raise AdapterError(
                    f"{', '.join(map(str, paths))}: ticket events/audits need the tickets "
                    "export of the same window (a page with top-level key 'tickets') in the "
                    "same call: requesters, groups and creation times come from it"
                )
            self._flatten(con, source, mapping)
            record_zone_assumptions(decl, SPEC.timestamp_formats)
            queries = self._entity_queries(con, source, mapping, decl, kinds)
            return write_conversion(con, queries, out_dir, source, decl)
        finally:
            con.close()

    # -- reading -------------------------------------------------------------------------

    def _load_pages(self, con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> set[str]:
        try:
            con.execute(
                "CREATE TEMP TABLE pages AS SELECT filename, json AS doc, "
                "json_type(json) AS doc_type, json_keys(json) AS doc_keys, "
                "row_number() OVER () AS page_no "
                "FROM read_json_objects($files, filename = true)",
                {"files": [str(p) for p in paths]},
            )
        except duckdb.Error as error:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: not readable as Zendesk export JSON: {error}"
            ) from error
        kind_list = "[" + ", ".join(sql_string(k) for k in KINDS) + "]"
        con.execute(
            f"CREATE TEMP TABLE page_kinds AS SELECT filename, page_no, doc, doc_keys, "
            f"list_filter({kind_list}, lambda k: list_contains(doc_keys, k)) AS kinds FROM pages"
        )
        bad = con.execute(
            "SELECT filename, doc_keys FROM page_kinds WHERE len(kinds) = 0 ORDER BY page_no"
        ).fetchall()
        if bad:
            file, keys = bad[0]
            raise AdapterError(
                f"{file}: not a Zendesk incremental export page: no top-level key "
                f"{' / '.join(KINDS)} (it has {', '.join(keys or []) or 'no object keys'})"
            )
        not_arrays = con.execute(
            "SELECT filename, k FROM page_kinds, unnest(kinds) AS u(k) "
            "WHERE json_type(doc, '$.' || k) <> 'ARRAY'"
        ).fetchall()
        if not_arrays:
            file, key = not_arrays[0]
            raise AdapterError(f"{file}: top-level '{key}' is not an array of records")
        con.execute(
            "CREATE TEMP TABLE records AS "
            "SELECT filename, page_no, k AS kind, rec, ord "
            "FROM page_kinds, unnest(kinds) AS u(k), "
            "unnest(from_json(json_extract(doc, '$.' || k), '[\"JSON\"]')) "
            "WITH ORDINALITY AS r(rec, ord)"
        )
        # metric sets sideloaded in tickets pages
        con.execute(
            "CREATE TEMP TABLE metric_records AS SELECT page_no, rec, ord "
            "FROM page_kinds, unnest(from_json(coalesce(json_extract(doc, '$.metric_sets'), "
            "'[]'), '[\"JSON\"]')) WITH ORDINALITY AS r(rec, ord) "
            "WHERE list_contains(doc_keys, 'metric_sets')"
        )
        return {
            k for (k,) in con.execute("SELECT DISTINCT unnest(kinds) FROM page_kinds").fetchall()
        }

    def _check_keys(self, con: duckdb.DuckDBPyConnection) -> None:
        for kind, keys in REQUIRED_KEYS.items():
            for key in keys:
                row = con.execute(
                    "SELECT filename, ord FROM records "
                    "WHERE kind = ? AND json_extract(rec, '$.' || ?) IS NULL "
                    "ORDER BY page_no, ord LIMIT 1",
                    [kind, key],
                ).fetchone()
                if row:
                    raise AdapterError(
                        f"{row[0]}: record {row[1]} of '{kind}' lacks '{key}' "
                        f"(Zendesk {kind} records have {', '.join(keys)})"
                    )
        for kind, column in (
            ("tickets", "created_at"),
            ("audits", "created_at"),
            ("satisfaction_ratings", "created_at"),
        ):
            parsed = _ts(f"rec->>'{column}'")
            row = con.execute(
                f"SELECT filename, rec->>'{column}' FROM records "
                f"WHERE kind = ? AND {parsed} IS NULL LIMIT 1",
                [kind],
            ).fetchone()
            if row:
                raise AdapterError(
                    f"{row[0]}: {kind} {column} {row[1]!r} is not ISO 8601 with Z or an offset"
                )
        parsed = _ts("rec->>'created_at'")
        row = con.execute(
            f"SELECT filename, ord FROM records WHERE kind = 'ticket_events' "
            f"AND {parsed} IS NULL "
            f"AND TRY_CAST(rec->>'timestamp' AS BIGINT) IS NULL LIMIT 1"
        ).fetchone()
        if row:
            raise AdapterError(
                f"{row[0]}: ticket event {row[1]} has neither an ISO created_at nor a timestamp"
            )

    def _flatten(
        self, con: duckdb.DuckDBPyConnection, source: str, mapping: dict[str, Any]
    ) -> None:
        fields = mapping.get("custom_fields") or {}
        # Zendesk custom field ids are integers: validated as such, they enter the SQL as
        # numbers, never as mapping text
        field_ids: dict[str, int] = {}
        for name, field_id in fields.items():
            try:
                field_ids[name] = int(str(field_id))
            except ValueError as error:
                raise AdapterError(
                    f"zendesk mapping: custom_fields.{name} must be a Zendesk field id "
                    f"(an integer), not {field_id!r}"
                ) from error

        def custom(name: str) -> str:
            if name not in field_ids:
                return "NULL"
            return (
                "list_filter(from_json(coalesce(rec->'custom_fields', '[]'), "
                '\'[{"id": "VARCHAR", "value": "VARCHAR"}]\'), '
                f"lambda f: f.id = CAST({field_ids[name]:d} AS VARCHAR))[1].value"
            )

        # latest version of each ticket (a ticket updated twice appears on two pages)
        con.execute(f"""
            CREATE TEMP TABLE zd_tickets AS
            SELECT rec->>'id' AS id,
                   {_ts("rec->>'created_at'")} AS created_at,
                   {_ts("rec->>'updated_at'")} AS updated_at,
                   lower(rec->>'status') AS status_raw,
                   lower(rec->>'priority') AS priority_raw,
                   rec->>'type' AS ticket_type,
                   rec->>'subject' AS subject,
                   lower(rec->'via'->>'channel') AS via_channel,
                   rec->>'group_id' AS group_id,
                   rec->>'assignee_id' AS assignee_id,
                   rec->>'requester_id' AS requester_id,
                   {custom("category")} AS cf_category,
                   {custom("product")} AS cf_product,
                   {custom("complexity_tier")} AS cf_complexity
            FROM records WHERE kind = 'tickets'
            QUALIFY row_number() OVER (
                PARTITION BY rec->>'id'
                ORDER BY {_ts("rec->>'updated_at'")} DESC NULLS LAST, page_no DESC, ord DESC
            ) = 1
        """)
        con.execute("""
            CREATE TEMP TABLE zd_live AS SELECT * FROM zd_tickets WHERE status_raw <> 'deleted'
        """)
        con.execute(f"""
            CREATE TEMP TABLE zd_metrics AS
            SELECT rec->>'ticket_id' AS ticket_id,
                   TRY_CAST(rec->'reply_time_in_minutes'->>'calendar' AS DOUBLE) AS reply_minutes,
                   {_ts("rec->>'solved_at'")} AS solved_at,
                   {_ts("rec->>'assigned_at'")} AS assigned_at,
                   -- Zendesk's own counts: reopens, and the groups the ticket passed
                   -- through (the first group is a station, not a reassignment)
                   TRY_CAST(rec->>'reopens' AS INTEGER) AS reopens,
                   greatest(TRY_CAST(rec->>'group_stations' AS INTEGER) - 1, 0)
                       AS reassignments
            FROM metric_records
            QUALIFY row_number() OVER (
                PARTITION BY rec->>'ticket_id'
                ORDER BY {_ts("rec->>'updated_at'")} DESC NULLS LAST, page_no DESC, ord DESC
            ) = 1
        """)
        # one row per child event, from incremental ticket events and from ticket audits
        # (ticket events name the field either as field_name/value or as the key itself)
        field = (
            "coalesce(c->>'field_name', CASE "
            "WHEN json_extract(c, '$.status') IS NOT NULL THEN 'status' "
            "WHEN json_extract(c, '$.assignee_id') IS NOT NULL THEN 'assignee_id' "
            "WHEN json_extract(c, '$.group_id') IS NOT NULL THEN 'group_id' END)"
        )
        con.execute(f"""
            CREATE TEMP TABLE zd_children AS
            WITH parents AS (
                SELECT page_no, ord AS parent_ord, rec AS p,
                       coalesce(rec->'child_events', rec->'events') AS children
                FROM records WHERE kind IN ('ticket_events', 'audits')
            ),
            flat AS (
                SELECT p->>'ticket_id' AS ticket_id,
                       coalesce({_ts("p->>'created_at'")},
                                CAST(to_timestamp(TRY_CAST(p->>'timestamp' AS BIGINT))
                                     AS TIMESTAMP)) AS at_utc,
                       coalesce(p->>'id', page_no || '.' || parent_ord) AS parent_key,
                       coalesce(p->>'updater_id', p->>'author_id') AS updater_id,
                       c, child_ord,
                       coalesce(c->>'event_type', c->>'type') AS kind,
                       {field} AS field
                FROM parents,
                     unnest(from_json(children, '["JSON"]')) WITH ORDINALITY AS u(c, child_ord)
            )
            SELECT ticket_id, at_utc, parent_key, child_ord, kind, field, updater_id,
                   coalesce(c->>'id', parent_key || '.' || child_ord) AS child_key,
                   CASE WHEN c->>'field_name' IS NOT NULL OR json_extract(c, '$.value') IS NOT NULL
                        THEN c->>'value'
                        WHEN field = 'status' THEN c->>'status'
                        WHEN field = 'assignee_id' THEN c->>'assignee_id'
                        WHEN field = 'group_id' THEN c->>'group_id' END AS value,
                   c->>'previous_value' AS previous_value,
                   TRY_CAST(coalesce(c->>'public', c->>'comment_public') AS BOOLEAN) AS is_public,
                   coalesce(c->>'plain_body', c->>'body') AS body,
                   coalesce(c->>'author_id', updater_id) AS author_id,
                   bool_or(kind = 'Create') OVER (PARTITION BY parent_key) AS in_creating_audit
            FROM flat
            QUALIFY row_number() OVER (PARTITION BY child_key ORDER BY at_utc) = 1
        """)
        con.execute(f"""
            CREATE TEMP TABLE zd_ratings AS
            SELECT rec->>'id' AS id, rec->>'ticket_id' AS ticket_id,
                   lower(rec->>'score') AS score, nullif(trim(rec->>'comment'), '') AS comment,
                   {_ts("rec->>'created_at'")} AS created_at,
                   {_ts("rec->>'updated_at'")} AS updated_at
            FROM records WHERE kind = 'satisfaction_ratings'
            QUALIFY row_number() OVER (
                PARTITION BY rec->>'id'
                ORDER BY {_ts("rec->>'updated_at'")} DESC NULLS LAST, page_no DESC, ord DESC
            ) = 1
        """)
        self._build_events(con, source)

    def _build_events(self, con: duckdb.DuckDBPyConnection, source: str) -> None:
        status = "zd_status_map"
        # actor of a change: Zendesk's system user is -1
        actor = (
            "CASE WHEN x.updater_id IS NULL OR x.updater_id = '-1' THEN 'system' "
            "WHEN x.updater_id = x.requester_id THEN 'customer' ELSE 'agent' END"
        )
        status_changes = (
            "(SELECT *, from_s AS from_status, to_s AS to_status, true AS resolvable FROM statuses)"
        )
        con.execute(f"""
            CREATE TEMP TABLE zd_events AS
            WITH group_log AS (
                SELECT ticket_id, at_utc, value AS group_id FROM zd_children
                WHERE field = 'group_id' AND kind IN ('Create', 'Change')
                  AND nullif(value, '') IS NOT NULL
            ),
            x AS (
                -- with the ticket's group as of the event (its current one if never logged)
                SELECT x.*, t.requester_id, t.created_at,
                       coalesce(g.group_id, t.group_id) AS group_then,
                       max(CASE WHEN x.field = 'assignee_id' THEN x.value END)
                           OVER (PARTITION BY x.parent_key) AS audit_assignee
                FROM zd_children AS x JOIN zd_live AS t ON t.id = x.ticket_id
                     ASOF LEFT JOIN group_log AS g
                         ON g.ticket_id = x.ticket_id AND x.at_utc >= g.at_utc
            ),
            statuses AS (
                SELECT x.*, {actor} AS actor_type,
                       CASE WHEN x.kind = 'Create' THEN 'new' ELSE f.canonical END AS from_s,
                       s.canonical AS to_s
                FROM x JOIN {status} AS s ON s.raw = lower(x.value)
                     LEFT JOIN {status} AS f ON f.raw = lower(x.previous_value)
                WHERE x.field = 'status' AND x.kind IN ('Create', 'Change')
            ),
            status_rows AS (
                -- Zendesk closes only what was solved first: every ticket is resolvable
                {status_events_sql(status_changes)}
            )
            SELECT CASE WHEN event_type = 'status_change' THEN child_key
                        ELSE child_key || ':' || event_type END AS event_key,
                   ticket_id, at_utc, created_at, child_ord, event_type, actor_type,
                   CASE WHEN actor_type = 'agent' THEN updater_id END AS agent_id,
                   NULL AS team_id, from_s AS from_status, to_s AS to_status, NULL AS body
            FROM status_rows
            UNION ALL
            SELECT child_key, ticket_id, at_utc, x.created_at, child_ord, 'assignment',
                   {actor},
                   value, group_then, NULL, NULL, NULL
            FROM x
            WHERE field = 'assignee_id' AND kind IN ('Create', 'Change')
              AND nullif(value, '') IS NOT NULL AND value IS DISTINCT FROM previous_value
            UNION ALL
            SELECT child_key, ticket_id, at_utc, x.created_at, child_ord, 'transfer',
                   {actor},
                   audit_assignee, value, NULL, NULL, NULL
            FROM x
            WHERE field = 'group_id' AND kind = 'Change'
              AND nullif(value, '') IS NOT NULL AND nullif(previous_value, '') IS NOT NULL
              AND value <> previous_value
            UNION ALL
            SELECT child_key, ticket_id, at_utc, x.created_at, child_ord,
                   CASE WHEN NOT coalesce(is_public, true) THEN 'internal_note'
                        WHEN author_id = requester_id THEN 'customer_reply'
                        WHEN author_id = '-1' THEN 'auto_reply'
                        ELSE 'public_reply' END,
                   CASE WHEN author_id = requester_id THEN 'customer'
                        WHEN author_id = '-1' OR author_id IS NULL THEN 'system'
                        ELSE 'agent' END,
                   CASE WHEN author_id NOT IN (requester_id, '-1') THEN author_id END,
                   NULL, NULL, NULL, body
            FROM x
            WHERE kind = 'Comment'
              -- the opening comment is the ticket's description, not a reply
              AND NOT (in_creating_audit AND author_id IS DISTINCT FROM requester_id)
            UNION ALL
            -- tickets without any event in the input: milestones from their metric set
            SELECT t.id || ':' || m.kind, t.id, m.at_utc, t.created_at, m.n, m.kind,
                   CASE WHEN m.kind = 'closure' THEN 'system' ELSE 'agent' END,
                   CASE WHEN m.kind <> 'closure' THEN t.assignee_id END,
                   CASE WHEN m.kind = 'assignment' THEN t.group_id END, NULL, NULL, NULL
            FROM zd_live AS t JOIN zd_metrics AS ms ON ms.ticket_id = t.id,
                 LATERAL (VALUES
                    (1, 'assignment',
                     CASE WHEN t.assignee_id IS NOT NULL THEN ms.assigned_at END),
                    (2, 'public_reply',
                     t.created_at + to_microseconds(CAST(ms.reply_minutes * 60000000 AS BIGINT))),
                    (3, 'resolution',
                     CASE WHEN t.status_raw IN ('solved', 'closed') THEN ms.solved_at END),
                    (4, 'closure', CASE WHEN t.status_raw = 'closed' THEN t.updated_at END)
                 ) AS m(n, kind, at_utc)
            WHERE m.at_utc IS NOT NULL
              AND t.id NOT IN (SELECT ticket_id FROM zd_children WHERE ticket_id IS NOT NULL)
        """)

    # -- canonical entities --------------------------------------------------------------

    def _entity_queries(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        mapping: dict[str, Any],
        decl: Declarations,
        kinds: set[str],
    ) -> dict[str, str]:
        channels = {**SPEC.channels, **mapping.get("channels", {})}
        wrong = sorted({c for c in channels.values() if c not in CHANNELS})
        if wrong:
            raise AdapterError(f"zendesk mapping: unknown channel(s) {', '.join(wrong)}")
        group_names = {str(k): str(v) for k, v in mapping.get("groups", {}).items()}
        register_value_map(con, "zd_channel_map", channels)
        register_value_map(con, "zd_group_names", group_names, ("group_id", "name"))
        if mapping.get("channels"):
            decl.assume("channel map", "adapter spec + mapping channels:", "mapping")
        no_group = source_id(source, "no-group")
        ns = lambda column: namespaced(source, column)  # noqa: E731
        queries: dict[str, str] = {}
        if "tickets" in kinds:
            event_at = "greatest(e.at_utc, e.created_at)"
            events = f"""
                SELECT {ns("e.event_key")} AS event_id, {ns("e.ticket_id")} AS ticket_id,
                       {ISO.format(event_at)} AS event_at, e.event_type, e.actor_type,
                       {ns("e.agent_id")} AS agent_id, {ns("e.team_id")} AS team_id,
                       e.from_status, e.to_status, e.body
                FROM zd_events AS e
                ORDER BY e.ticket_id, {event_at}, e.child_ord, e.event_key
            """
            closed = (
                "SELECT ticket_id, max(greatest(at_utc, created_at)) AS closed_at "
                "FROM zd_events WHERE event_type = 'closure' GROUP BY ticket_id"
            )
            tickets = f"""
                SELECT {ns("t.id")} AS ticket_id, {ISO.format("t.created_at")} AS created_at,
                       coalesce(ch.canonical, {sql_string(SPEC.default_channel)}) AS channel,
                       coalesce(pr.canonical, {sql_string(SPEC.default_priority)}) AS priority,
                       CASE WHEN t.cf_complexity IN ('1', '2', '3') THEN t.cf_complexity
                            ELSE '2' END AS complexity_tier,
                       coalesce(nullif(t.cf_category, ''), t.ticket_type, 'unspecified')
                           AS category,
                       nullif(t.cf_product, '') AS product,
                       coalesce({ns("t.group_id")}, {no_group}) AS team_id,
                       {ns("t.assignee_id")} AS agent_id,
                       {ns("t.requester_id")} AS requester_id,
                       t.subject, st.canonical AS status,
                       ms.reassignments AS reassignment_count, ms.reopens AS reopen_count,
                       {
                ISO.format(
                    "coalesce(c.closed_at, CASE WHEN t.status_raw = 'closed' THEN t.updated_at END)"
                )
            } AS closed_at
                FROM zd_live AS t
                     LEFT JOIN zd_channel_map AS ch
                         ON ch.raw = t.via_channel
                     LEFT JOIN zd_priority_map AS pr
                         ON pr.raw = t.priority_raw
                     LEFT JOIN zd_status_map AS st
                         ON st.raw = t.status_raw
                     LEFT JOIN ({closed}) AS c ON c.ticket_id = t.id
                     LEFT JOIN zd_metrics AS ms ON ms.ticket_id = t.id
                ORDER BY t.created_at, t.id
            """
            unknown = con.execute(
                "SELECT DISTINCT status_raw FROM zd_live WHERE status_raw NOT IN "
                "(SELECT raw FROM zd_status_map)"
            ).fetchall()
            if unknown:
                raise AdapterError(
                    f"zendesk: unknown ticket status(es) {', '.join(str(u[0]) for u in unknown)}"
                )
            names = "zd_group_names"
            week = register_team_week(con, decl)
            teams = f"""
                SELECT coalesce({ns("g.group_id")}, {no_group}) AS team_id,
                       coalesce(n.name, CASE WHEN g.group_id IS NULL THEN 'No group'
                                             ELSE 'Zendesk group ' || g.group_id END) AS name,
                       {TEAM_WEEK_COLUMNS}
                FROM (SELECT DISTINCT group_id FROM zd_live
                      UNION SELECT DISTINCT team_id FROM zd_events WHERE team_id IS NOT NULL) AS g
                     LEFT JOIN {names} AS n ON n.group_id = g.group_id
                     CROSS JOIN {week} AS week
                ORDER BY team_id
            """
            agents = f"""
                SELECT {ns("agent_id")} AS agent_id,
                       coalesce({ns("mode(group_id)")}, {no_group}) AS team_id,
                       '1' AS tier, 'true' AS active
                FROM (
                    SELECT assignee_id AS agent_id, group_id FROM zd_live
                    UNION ALL
                    SELECT e.agent_id, coalesce(e.team_id, t.group_id)
                    FROM zd_events AS e JOIN zd_live AS t ON t.id = e.ticket_id
                )
                WHERE agent_id IS NOT NULL
                GROUP BY agent_id ORDER BY agent_id
            """
            queries.update(teams=teams, agents=agents, tickets=tickets, ticket_events=events)
            years = data_years(
                con, "SELECT created_at FROM zd_live UNION ALL SELECT updated_at FROM zd_live"
            )
            holiday_sql = holiday_query(con, decl, years)
            if holiday_sql:
                queries["holiday_calendars"] = holiday_sql
        if "satisfaction_ratings" in kinds:
            deleted = "SELECT id FROM zd_tickets WHERE status_raw = 'deleted'"
            queries["surveys"] = f"""
                SELECT {ns("id")} AS survey_id, {ns("ticket_id")} AS ticket_id,
                       {ISO.format("created_at")} AS sent_at,
                       CASE WHEN score LIKE 'good%' OR score LIKE 'bad%'
                            THEN {ISO.format("greatest(updated_at, created_at)")} END
                           AS responded_at,
                       CASE WHEN score LIKE 'good%' THEN '5'
                            WHEN score LIKE 'bad%' THEN '1' END AS rating,
                       comment
                FROM zd_ratings
                WHERE score <> 'unoffered' AND ticket_id NOT IN ({deleted})
                ORDER BY created_at, id
            """
        return queries
