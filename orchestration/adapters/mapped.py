"""Any ticket sheet (CSV or XLSX) through a YAML column mapping: which source column fills
which canonical ticket column, which timestamp columns mark lifecycle events (first
response -> public_reply, resolution time -> resolution, ...), value maps (状态, 优先级,
渠道, 满意度 words -> canonical values), the date format(s) and the sheet's time zone.

CSV files may be UTF-8 (with or without BOM) or GBK/GB18030 (detected); XLSX files are
read with python-calamine. The conversion itself is set-based DuckDB SQL.
See orchestration/adapters/mappings/example-mapped-zh.yml for a commented mapping.
"""

from __future__ import annotations

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
    SOURCE_FILE,
    SOURCE_ROW,
    TEAM_WEEK_COLUMNS,
    XLSX_SUFFIXES,
    Declarations,
    TimestampReader,
    VendorSpec,
    data_years,
    declarations,
    holiday_query,
    lookup_sql,
    read_source_csv,
    record_zone_assumptions,
    register_rows,
    register_team_week,
    register_value_map,
    run_sql,
    write_conversion,
    xlsx_to_csv,
)
from orchestration.contract import CHANNELS, EVENT_TYPES, PRIORITIES, STATUSES
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import sql_string
from orchestration.text_files import (
    UnreadableFileError,
    detect_csv_encoding,
    transcode_to_utf8,
)

# tried in this order when the mapping declares no date_format; "iso" is ISO 8601
DATE_FORMATS = (
    "iso",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H时%M分",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)
TICKET_TIMESTAMPS = ("created_at", "closed_at")


SPEC = VendorSpec(
    name="mapped",
    title="Any ticket sheet through a mapping",
    entities=("tickets", "ticket_events", "surveys", "agents", "teams", "holiday_calendars"),
    readings=(
        (
            "ticket sheet",
            "every column, value map and lifecycle timestamp is the mapping's; the sheet "
            "has no status history, so process hygiene is unmeasured",
        ),
    ),
)


class MappedAdapter:
    name = SPEC.name
    entities = SPEC.entities

    def detect(self, path: Path) -> bool:
        return False  # any sheet: it needs --format mapped and a --mapping

    def convert(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        source: str,
        mapping: dict[str, Any] | None,
    ) -> Conversion:
        if not mapping or not isinstance(mapping.get("columns"), dict):
            raise AdapterError("mapped: a --mapping file with a `columns:` section is required")
        for required in ("ticket_id", "created_at"):
            if required not in mapping["columns"]:
                raise AdapterError(f"mapped mapping: columns must name the {required} column")
        self._check_mapping(mapping)
        decl = declarations(mapping, SPEC)
        con = duckdb.connect()
        with tempfile.TemporaryDirectory(prefix="tsq-mapped-") as work:
            try:
                con.execute("SET TimeZone = 'UTC'")
                self._load(con, paths, mapping, Path(work))
                self._normalise(con, paths, source, mapping, decl)
                queries = self._queries(con, source, decl, mapping)
                return write_conversion(con, queries, out_dir, source, decl)
            finally:
                con.close()

    # --- checks and reading -------------------------------------------------------------

    def _check_mapping(self, mapping: dict[str, Any]) -> None:
        bad = [t for t in mapping.get("ticket_events", {}) if t not in EVENT_TYPES]
        if bad:
            raise AdapterError(f"mapped mapping: unknown event type(s) {', '.join(bad)}")
        allowed = {
            "priority": PRIORITIES,
            "status": STATUSES,
            "channel": CHANNELS,
            "complexity_tier": ("1", "2", "3"),
            "rating": ("1", "2", "3", "4", "5"),
        }
        for column, values in mapping.get("values", {}).items():
            wrong = sorted({str(v) for v in values.values()} - set(allowed.get(column, ())))
            if column in allowed and wrong:
                raise AdapterError(
                    f"mapped mapping: values.{column} maps to {', '.join(wrong)}; "
                    f"allowed: {', '.join(allowed[column])}"
                )

    def _readable(self, path: Path, mapping: dict[str, Any], work: Path) -> Path:
        if path.suffix.lower() in XLSX_SUFFIXES:
            return xlsx_to_csv(path, work, mapping.get("sheet"))
        try:
            encoding = detect_csv_encoding(path)
            return transcode_to_utf8(path, encoding, work) if encoding != "utf-8" else path
        except UnreadableFileError as error:
            raise AdapterError(str(error)) from error

    def _load(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        mapping: dict[str, Any],
        work: Path,
    ) -> None:
        """The table `sheet`: every source column the mapping names under a private alias
        (toolkit.read_source_csv: by position, so a header such as `Status` or `status`
        never stands in for the mapped column), with `_file` and `_row`."""
        wanted = [
            *mapping["columns"].values(),
            *mapping.get("ticket_events", {}).values(),
            *(v for k, v in mapping.get("survey", {}).items() if k != "send"),
        ]
        parts = []
        for n, path in enumerate(paths):
            readable = self._readable(path, mapping, work)
            self.aliases = read_source_csv(con, f"part{n}", readable, wanted, label=str(path))
            parts.append(f"SELECT *, {n} AS part FROM part{n}")
        con.execute(
            f"CREATE TEMP TABLE sheet AS "
            f"SELECT * EXCLUDE (part, {SOURCE_FILE}, {SOURCE_ROW}), {SOURCE_FILE} AS _file, "
            f"row_number() OVER (ORDER BY part, {SOURCE_ROW}) AS _row "
            f"FROM ({' UNION ALL '.join(parts)})"
        )

    def _src(self, column: str) -> str:
        """The private (quoted) name of the source column `column` in `sheet`."""
        return self.aliases[column]

    # --- normalising --------------------------------------------------------------------

    def _timestamp(
        self, con: duckdb.DuckDBPyConnection, column: str, mapping: dict[str, Any]
    ) -> str:
        """SQL for a naive UTC timestamp of a source column, in the first declared (or
        common) format that parses every non-empty value; AdapterError if none does."""
        declared = mapping.get("date_format")
        formats = [declared] if isinstance(declared, str) else list(declared or DATE_FORMATS)
        value = f"nullif(trim({self._src(column)}), '')"
        name = f"ts{len(self.timestamp_params)}"
        TimestampReader(formats, self.decl.timezone).refuse_naive(
            con, "sheet", {f"column {column}": self._src(column)}, "_file"
        )
        for fmt in formats:
            reader = TimestampReader([str(fmt)], self.decl.timezone, name=name)
            parsed = reader.sql(self._src(column))
            (failures,) = run_sql(
                con,
                f"SELECT count(*) FROM sheet WHERE {value} IS NOT NULL AND {parsed} IS NULL",
                reader.params,
            ).fetchone()
            if not failures:
                self.timestamp_params.update(reader.params)
                self.formats_used.append(str(fmt))
                return parsed
        (example, path) = con.execute(
            f"SELECT {value}, _file FROM sheet WHERE {value} IS NOT NULL LIMIT 1"
        ).fetchone()
        raise AdapterError(
            f"{path}: column {column} has dates like {example!r} in none of the formats "
            f"{', '.join(formats)}; declare date_format in the mapping"
        )

    def _mapped_value(
        self,
        con: duckdb.DuckDBPyConnection,
        column: str,
        canonical: str,
        mapping: dict[str, Any],
        allowed: Sequence[str],
        strict: bool,
    ) -> str:
        """SQL mapping a source column through values.<canonical> (canonical values pass);
        with strict, a value that maps to nothing is an error naming the values."""
        values = {
            str(k).strip().lower(): str(v)
            for k, v in (mapping.get("values") or {}).get(canonical, {}).items()
        }
        values.update({a.lower(): a for a in allowed if a.lower() not in values})
        table = register_value_map(con, f"values_{canonical}", values)
        expr = lookup_sql(table, f"lower(trim({self._src(column)}))")
        if strict:
            unmapped = [
                row[0]
                for row in con.execute(
                    f"SELECT DISTINCT trim({self._src(column)}) FROM sheet "
                    f"WHERE nullif(trim({self._src(column)}), '') IS NOT NULL "
                    f"AND ({expr}) IS NULL "
                    f"ORDER BY 1"
                ).fetchall()
            ]
            if unmapped:
                raise AdapterError(
                    f"column {column}: value(s) {', '.join(unmapped)} have no mapping to "
                    f"{canonical} ({', '.join(allowed)}); add them under values.{canonical}"
                )
        return expr

    def _normalise(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        source: str,
        mapping: dict[str, Any],
        decl: Declarations,
    ) -> None:
        columns = mapping["columns"]
        constants = {k: str(v) for k, v in (mapping.get("constants") or {}).items()}
        if constants:
            register_rows(con, "mapped_constants", list(constants), [list(constants.values())])
        self.timestamp_params: dict[str, Any] = {}
        self.decl = decl
        self.formats_used: list[str] = []

        def constant(canonical: str, default: str | None) -> str:
            """The mapping's constant (a registered value), else the adapter's default."""
            if canonical in constants:
                return f"(SELECT {_q(canonical)} FROM mapped_constants)"
            return sql_string(default) if default is not None else "CAST(NULL AS VARCHAR)"

        def text(canonical: str, default: str | None = None) -> str:
            if canonical in columns:
                return f"nullif(trim({self._src(columns[canonical])}), '')"
            return constant(canonical, default)

        def valued(canonical: str, allowed: Sequence[str], default: str, strict: bool) -> str:
            if canonical not in columns:
                return constant(canonical, default)
            expr = self._mapped_value(con, columns[canonical], canonical, mapping, allowed, strict)
            return f"coalesce({expr}, {constant(canonical, default)})"

        selects = {
            "ticket_key": text("ticket_id"),
            "channel": valued("channel", CHANNELS, "web", strict=False),
            "priority": valued("priority", PRIORITIES, "P3", strict=True),
            "complexity_tier": valued("complexity_tier", ("1", "2", "3"), "2", strict=True),
            "category": f"coalesce({text('category')}, 'uncategorised')",
            "team_key": text("team_id"),
            "agent_key": text("agent_id"),
        }
        if "status" in columns:
            selects["source_status"] = valued("status", STATUSES, "open", strict=True)
        else:
            selects["source_status"] = "CAST(NULL AS VARCHAR)"
        for name in (
            "product",
            "requester_id",
            "language",
            "subject",
            "symptom",
            "root_cause",
            "resolution_summary",
            "closure_code",
        ):
            selects[name] = text(name)
        for name in TICKET_TIMESTAMPS:
            selects[name] = (
                self._timestamp(con, columns[name], mapping)
                if name in columns
                else "CAST(NULL AS TIMESTAMP)"
            )
        events = mapping.get("ticket_events", {})
        for n, column in enumerate(events.values()):
            selects[f"event_{n}"] = self._timestamp(con, column, mapping)
        survey = mapping.get("survey", {})
        for name in ("sent_at", "responded_at"):
            selects[f"survey_{name}"] = (
                self._timestamp(con, survey[name], mapping)
                if name in survey
                else "CAST(NULL AS TIMESTAMP)"
            )
        if "rating" in survey:
            rating_map = self._mapped_value(
                con, survey["rating"], "rating", mapping, ("1", "2", "3", "4", "5"), strict=False
            )
            rating = self._src(survey["rating"])
            numeric = f"CAST(round(try_cast(trim({rating}) AS DOUBLE)) AS INTEGER)"
            selects["rating"] = (
                f"coalesce(try_cast({rating_map} AS INTEGER), "
                f"CASE WHEN {numeric} BETWEEN 1 AND 5 THEN {numeric} END)"
            )
            bad = con.execute(
                f"SELECT trim({rating}), _file FROM sheet "
                f"WHERE nullif(trim({rating}), '') IS NOT NULL "
                f"AND ({selects['rating']}) IS NULL LIMIT 1"
            ).fetchone()
            if bad:
                raise AdapterError(
                    f"{bad[1]}: rating {bad[0]!r} in column {survey['rating']} is neither 1-5 "
                    f"nor in values.rating"
                )
        else:
            selects["rating"] = "CAST(NULL AS INTEGER)"
        selects["survey_comment"] = (
            f"nullif(trim({self._src(survey['comment'])}), '')" if "comment" in survey else "NULL"
        )
        body = ",\n".join(f"{expr} AS {_q(name)}" for name, expr in selects.items())
        run_sql(
            con,
            f"CREATE TEMP TABLE rows AS SELECT _row, _file, {body} FROM sheet",
            self.timestamp_params,
        )
        record_zone_assumptions(decl, sorted(set(self.formats_used)))
        missing = con.execute(
            "SELECT _file, _row FROM rows WHERE ticket_key IS NULL OR created_at IS NULL LIMIT 1"
        ).fetchone()
        if missing:
            raise AdapterError(
                f"{missing[0]}: data row {missing[1]} has no ticket id or creation time"
            )
        duplicate = con.execute(
            "SELECT ticket_key FROM rows GROUP BY 1 HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        if duplicate:
            raise AdapterError(
                f"{', '.join(map(str, paths))}: ticket {duplicate[0]} appears on more than one row"
            )

    # --- canonical entities -------------------------------------------------------------

    def _queries(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        decl: Declarations,
        mapping: dict[str, Any],
    ) -> dict[str, str]:
        events = mapping.get("ticket_events", {})
        team_id = f"coalesce({namespaced(source, 'team_key')}, {source_id(source, 'default')})"
        resolution = [f"event_{n}" for n, t in enumerate(events) if t == "resolution"]
        resolved_at = f"coalesce({', '.join(resolution)})" if resolution else "NULL"
        closure_column = [f"event_{n}" for n, t in enumerate(events) if t == "closure"]
        closed_at = f"coalesce(closed_at{''.join(', ' + c for c in closure_column)})"
        con.execute(
            f"""
            CREATE TEMP TABLE tickets AS
            SELECT *, {team_id} AS team_id,
                   CAST({resolved_at} AS TIMESTAMP) AS resolved_at,
                   CAST({closed_at} AS TIMESTAMP) AS final_closed_at,
                   coalesce(source_status,
                            CASE WHEN {closed_at} IS NOT NULL THEN 'closed'
                                 WHEN {resolved_at} IS NOT NULL THEN 'solved'
                                 ELSE 'open' END) AS status
            FROM rows
            """
        )
        tickets = f"""
            SELECT {namespaced(source, "ticket_key")} AS ticket_id,
                   {ISO.format("created_at")} AS created_at,
                   channel, priority, complexity_tier, category, product, team_id,
                   {namespaced(source, "agent_key")} AS agent_id,
                   {namespaced(source, "requester_id")} AS requester_id,
                   language, subject, status, symptom, root_cause, resolution_summary,
                   closure_code,
                   CASE WHEN status = 'closed' THEN {ISO.format("final_closed_at")} END
                       AS closed_at
            FROM tickets
        """
        parts = [
            "SELECT ticket_key, 'created' AS seq, created_at AS at_utc, "
            "'status_change' AS event_type, 'customer' AS actor_type, NULL AS agent, "
            "'new' AS to_status FROM tickets"
        ]
        for n, event_type in enumerate(events):
            actor = "'customer'" if event_type == "customer_reply" else "'agent'"
            agent = "NULL" if event_type == "customer_reply" else "agent_key"
            parts.append(
                f"SELECT ticket_key, {sql_string(event_type)}, event_{n}, "
                f"{sql_string(event_type)}, {actor}, {agent}, NULL FROM tickets "
                f"WHERE event_{n} IS NOT NULL"
            )
        if "closure" not in events and "closed_at" in mapping["columns"]:
            parts.append(
                "SELECT ticket_key, 'closure', closed_at, 'closure', 'agent', agent_key, NULL "
                "FROM tickets WHERE closed_at IS NOT NULL"
            )
        ticket_events = f"""
            SELECT {namespaced(source, "e.ticket_key || '#' || e.seq")} AS event_id,
                   {namespaced(source, "e.ticket_key")} AS ticket_id,
                   {ISO.format("greatest(e.at_utc, t.created_at)")} AS event_at,
                   e.event_type, e.actor_type,
                   {namespaced(source, "e.agent")} AS agent_id,
                   CASE WHEN e.event_type IN ('assignment', 'transfer') THEN t.team_id END
                       AS team_id,
                   e.to_status
            FROM ({" UNION ALL ".join(parts)}) AS e
            JOIN tickets AS t USING (ticket_key)
        """
        agents = f"""
            SELECT {namespaced(source, "agent_key")} AS agent_id, agent_key AS name,
                   min(team_id) AS team_id, '1' AS tier, 'true' AS active
            FROM tickets WHERE agent_key IS NOT NULL GROUP BY agent_key
        """
        week = register_team_week(con, decl)
        teams = f"""
            SELECT team_id, name, {TEAM_WEEK_COLUMNS}
            FROM (SELECT DISTINCT team_id, team_key AS name FROM tickets)
                 CROSS JOIN {week} AS week
        """
        queries = {
            "tickets": tickets,
            "ticket_events": ticket_events,
            "agents": agents,
            "teams": teams,
        }
        years = data_years(
            con,
            "SELECT created_at FROM tickets UNION ALL SELECT final_closed_at FROM tickets",
        )
        holiday_days = holiday_query(con, decl, years)
        if holiday_days:
            queries["holiday_calendars"] = holiday_days
        survey = mapping.get("survey", {})
        if "rating" in survey:
            sent = (
                "coalesce(survey_sent_at, resolved_at, final_closed_at, survey_responded_at, "
                "CASE WHEN rating IS NOT NULL THEN created_at END)"
            )
            only_rated = "AND rating IS NOT NULL" if survey.get("send") == "rated" else ""
            queries["surveys"] = f"""
                SELECT {namespaced(source, "ticket_key || '#survey'")} AS survey_id,
                       {namespaced(source, "ticket_key")} AS ticket_id,
                       {ISO.format(f"greatest({sent}, created_at)")} AS sent_at,
                       CASE WHEN rating IS NOT NULL THEN {
                ISO.format(f"greatest(coalesce(survey_responded_at, {sent}), {sent}, created_at)")
            } END AS responded_at,
                       rating, survey_comment AS comment
                FROM tickets WHERE {sent} IS NOT NULL {only_rated}
            """
        return queries
