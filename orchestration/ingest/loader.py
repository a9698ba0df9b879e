"""Load the inbox files of one entity into `raw.<entity>` with lineage columns.

Each file is one load, applied in one transaction together with its ledger row in
`raw.loads`, so a failure leaves nothing half-loaded and a file already in the ledger
(same entity, same bytes) is skipped: loading it twice adds nothing. Rows that break a
row-level rule of the contract, or cannot be parsed at all, go to `raw.quarantine` with
the rule, the source file and the row number: nothing read is lost, and
rows read = rows accepted + rows quarantined for every load.

A file that cannot be read at all (empty, a header naming a column twice, bytes that are
not text, a record count of its own that does not match what was read) is refused
whole: recorded in `raw.refused_files` with the reason, the other files load and the run
goes on. It stays in the inbox and is tried again on the next run.

A row of an entity that needs its ticket (events, surveys, QA reviews, KB links) whose
ticket is quarantined is quarantined too, with the rule `its ticket was quarantined`
(orchestration/ingest/ticket_cascade.py), so one bad ticket does not block the run.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.contract import Entity, classify_file
from orchestration.ingest.readers import (
    IngestError,
    SourceFile,
    check_csv_header,
    count_lines,
    gunzip_to,
    holds_control_bytes,
    relation_sql,
    stage_file,
)
from orchestration.ingest.row_rules import (
    DUPLICATE_OF,
    breaks_any_rule_sql,
    broken_rule_reasons_sql,
    broken_rules_sql,
    create_plausible_window,
)
from orchestration.ingest.ticket_cascade import (
    CASCADE_RULE,
    QUARANTINED_TICKETS,
    cascade_condition,
    cascade_reason_sql,
    depends_on_tickets,
    follow_ticket_quarantine,
)
from orchestration.raw_tables import ensure_raw_schema
from orchestration.sql_text import quote_identifier
from orchestration.text_files import (
    UnreadableFileError,
    csv_header,
    detect_csv_encoding,
    transcode_to_utf8,
)


@dataclass
class LoadSummary:
    entity: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    # (file, reason): files refused whole; the run goes on without them
    files_refused: list[tuple[str, str]] = field(default_factory=list)
    # files whose load was retracted (`tsq retract`): the same bytes are not loaded again
    files_retracted: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    total_rows: int = 0
    # rows loaded earlier that followed their ticket into quarantine, or out of it
    rows_moved_to_quarantine: int = 0
    rows_released_from_quarantine: int = 0


def inbox_files(inbox: Path, entity: Entity) -> list[SourceFile]:
    """The inbox files of an entity, in the order of their names (a later name is a later
    load, so for the same key its row wins)."""
    files = []
    for path in sorted(inbox.glob("*")):
        classified = classify_file(path.name) if path.is_file() else None
        if classified and classified[0] is entity:
            files.append(SourceFile(path=path, entity=entity, file_format=classified[1]))
    return files


def load_entity(
    con: duckdb.DuckDBPyConnection, entity: Entity, inbox: Path, work_dir: Path
) -> LoadSummary:
    ensure_raw_schema(con, entity)
    summary = LoadSummary(entity=entity.name)
    cascades = depends_on_tickets(entity)
    if cascades:
        moved, released = follow_ticket_quarantine(con, entity)
        summary.rows_moved_to_quarantine = moved
        summary.rows_released_from_quarantine = released
    for source in inbox_files(inbox, entity):
        digest = source.sha256
        already = con.execute(
            "SELECT 1 FROM raw.loads WHERE entity = ? AND file_sha256 = ?",
            [entity.name, digest],
        ).fetchone()
        if already:
            summary.files_skipped.append(source.path.name)
            continue
        retracted = con.execute(
            "SELECT 1 FROM raw.retractions WHERE entity = ? AND file_sha256 = ?",
            [entity.name, digest],
        ).fetchone()
        if retracted:
            summary.files_retracted.append(source.path.name)
            continue
        try:
            accepted, quarantined = _load_file(con, source, digest, work_dir, cascades)
        except UnreadableFileError as error:
            # one unreadable file must not hold back the others: refuse it whole, say why
            reason = str(error)
            if not reason.startswith(f"{source.path.name}: "):
                reason = f"{source.path.name}: {reason}"  # always name the file first
            _record_refusal(con, source, digest, reason)
            summary.files_refused.append((source.path.name, reason))
            continue
        con.execute(
            "DELETE FROM raw.refused_files WHERE entity = ? AND source_file = ?",
            [entity.name, source.path.name],
        )
        summary.rows_loaded += accepted
        summary.rows_quarantined += quarantined
        summary.files_loaded.append(source.path.name)
    if cascades:
        con.execute(f"DROP TABLE IF EXISTS {QUARANTINED_TICKETS}")
    (summary.total_rows,) = con.execute(f"SELECT count(*) FROM raw.{entity.name}").fetchone()
    return summary


def _record_refusal(
    con: duckdb.DuckDBPyConnection, source: SourceFile, digest: str, reason: str
) -> None:
    """Keep one row per refused file (its latest reason), so `tsq loads` and the run's
    summary can say which inbox files were not read, and why."""
    con.execute(
        "DELETE FROM raw.refused_files WHERE entity = ? AND source_file = ?",
        [source.entity.name, source.path.name],
    )
    con.execute(
        "INSERT INTO raw.refused_files VALUES (?, ?, ?, ?, ?)",
        [source.entity.name, source.path.name, digest, reason, datetime.now(UTC)],
    )


def _load_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    digest: str,
    work_dir: Path,
    cascades: bool = False,
) -> tuple[int, int]:
    """Load one file; with `cascades`, rows whose ticket is in `quarantined_tickets` are
    quarantined too. Raises IngestError (an UnreadableFileError), naming the file, when it
    cannot be read."""
    load_id = str(uuid.uuid4())
    incoming, rejects = f"incoming_{load_id[:8]}", f"rejects_{load_id[:8]}"
    name = source.path.name
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        readable = source.path
        if name.lower().endswith(".gz"):
            readable = gunzip_to(source.path, Path(scratch))
        encoding = None
        if source.file_format == "csv":
            encoding = detect_csv_encoding(readable, shown_name=name)
            if encoding == "gb18030":
                readable = transcode_to_utf8(readable, encoding, Path(scratch))
            check_csv_header(name, csv_header(readable))
        try:
            unparseable = stage_file(con, source, readable, incoming, rejects)
            _reconcile_with_the_files_lines(con, source, readable, incoming, rejects, unparseable)
            checked = _mark_duplicate_keys(con, source.entity, incoming)
            control_characters_possible = source.file_format != "csv" or holds_control_bytes(
                readable
            )
            return _commit_load(
                con, source, digest, encoding, load_id, checked, rejects, unparseable,
                cascades, control_characters_possible,
            )  # fmt: skip
        finally:
            # `incoming` is a view over `incoming_read` (or `incoming_renumbered`)
            for view in (f"{incoming}_checked", incoming):
                con.execute(f"DROP VIEW IF EXISTS {view}")
            for table in (
                f"{incoming}_read",
                f"{incoming}_renumbered",
                f"{incoming}_duplicates",
                rejects,
                f"{rejects}_scan",
            ):
                con.execute(f"DROP TABLE IF EXISTS {table}")


def _mark_duplicate_keys(con: duckdb.DuckDBPyConnection, entity: Entity, incoming: str) -> str:
    """A view of the staged rows with `_duplicate_of`: for the second and later rows of a
    key within this file, the row number of its first row (NULL otherwise). A row without
    its key is left to the `required` rule. Returns the view's name."""
    key = [f'"{c}"' for c in entity.key]
    duplicates = f"{incoming}_duplicates"
    con.execute(
        f"CREATE TEMP TABLE {duplicates} AS SELECT {', '.join(key)}, "
        f"min(_source_row) AS _first_row FROM {incoming} "
        f"WHERE {' AND '.join(f'{k} IS NOT NULL' for k in key)} "
        f"GROUP BY ALL HAVING count(*) > 1"
    )
    (any_duplicate,) = con.execute(f"SELECT count(*) > 0 FROM {duplicates}").fetchone()
    checked = f"{incoming}_checked"
    if not any_duplicate:  # the usual case: no join at all
        con.execute(
            f"CREATE TEMP VIEW {checked} AS "
            f"SELECT *, CAST(NULL AS BIGINT) AS {DUPLICATE_OF} FROM {incoming}"
        )
        return checked
    matches = " AND ".join(f"incoming_row.{k} = first_rows.{k}" for k in key)
    con.execute(
        f"CREATE TEMP VIEW {checked} AS SELECT incoming_row.*, "
        f"CASE WHEN incoming_row._source_row > first_rows._first_row "
        f"THEN first_rows._first_row END AS {DUPLICATE_OF} "
        f"FROM {incoming} AS incoming_row LEFT JOIN {duplicates} AS first_rows ON {matches}"
    )
    return checked


def _reconcile_with_the_files_lines(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    readable: Path,
    incoming: str,
    rejects: str,
    unparseable: int,
) -> None:
    """Refuse the file when the records read are not the file's own records.

    The file's own count comes from its bytes: its non-blank lines (less the header of a
    CSV), less the line breaks inside quoted values of the rows that parsed. A row that
    did not parse and spans several lines is an unterminated quote that swallowed the
    records after it (DuckDB and Python's csv module both read it as one record, so
    only the line count shows it). Parquet carries its own row count."""
    if source.file_format == "parquet":
        return
    name = source.path.name
    header_lines = 1 if source.file_format == "csv" else 0
    (staged,) = con.execute(f"SELECT count(*) FROM {incoming}").fetchone()
    read = staged + unparseable
    lines = count_lines(readable) - header_lines
    if lines == read:
        return  # the usual case: one record per line, checked at memory speed
    if unparseable:
        spanning = con.execute(
            f"SELECT line - 1, len(csv_line) - len(replace(csv_line, chr(10), '')), "
            f"min(error_message) FROM {rejects} "
            "WHERE csv_line LIKE '%' || chr(10) || '%' GROUP BY ALL ORDER BY 1 LIMIT 1"
        ).fetchone()
        if spanning:
            row, breaks, error = spanning
            raise IngestError(
                f"{name}: row {row} does not parse ({error}) and runs over {breaks} line "
                f"break(s): a quote opened there is not closed where it should be, so the "
                f"{breaks} line(s) after it would be lost inside that one row. Fix the "
                "quoting and put the file in the inbox again; nothing of it was loaded"
            )
    blank = count_lines(readable, blank_only=True)
    embedded = 0
    if source.file_format == "csv":
        columns = csv_header(readable)
        breaks = " + ".join(
            f"coalesce(len({quoted}) - len(replace({quoted}, chr(10), '')), 0)"
            for quoted in map(quote_identifier, columns)
        )
        relation, params = relation_sql("csv", readable)  # the rows that parse
        (embedded,) = con.execute(
            f"SELECT coalesce(sum({breaks}), 0) FROM {relation}", params
        ).fetchone()
    records = lines - blank - int(embedded)
    if records != read:
        raise IngestError(
            f"{name}: the file holds {records} record(s) by its own lines, but {read} "
            f"were read ({staged} parsed, {unparseable} unparseable); a record would be "
            "lost or doubled, so nothing of it was loaded"
        )


def _commit_load(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    digest: str,
    encoding: str | None,
    load_id: str,
    incoming: str,
    rejects: str,
    unparseable: int,
    cascades: bool = False,
    control_characters_possible: bool = True,
) -> tuple[int, int]:
    entity = source.entity
    loaded_at = datetime.now(UTC)
    file_name = source.path.name  # a value from outside: bound, never spliced
    columns = ", ".join(map(quote_identifier, entity.column_names))
    # The rules are evaluated where the rows are copied, instead of into a checked copy
    # of the whole file first: writing that copy was a large share of a big load
    # (docs/performance.md, "Why the code is shaped as it is").
    create_plausible_window(con, loaded_at)
    breaks_any_rule = breaks_any_rule_sql(
        entity, at_load=True, control_characters_possible=control_characters_possible
    )
    own_rules = broken_rules_sql(entity, at_load=True)
    own_reasons = broken_rule_reasons_sql(entity, at_load=True)
    cascade_reasons = "CAST([] AS VARCHAR[])"
    if cascades and _any_quarantined_ticket(con):
        # the usual case (no quarantined ticket) keeps the plain rule test
        breaks_any_rule = f"({breaks_any_rule}) OR {cascade_condition()}"
        cascade_reasons = (
            f"CASE WHEN {cascade_condition()} THEN [{cascade_reason_sql('incoming_row')}] "
            "ELSE CAST([] AS VARCHAR[]) END"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"INSERT INTO raw.{entity.name} BY NAME "
            f"SELECT {columns}, _source_row, ?::VARCHAR AS _source_file, "
            "?::VARCHAR AS _load_id, ?::TIMESTAMPTZ AS _loaded_at "
            f"FROM {incoming} WHERE NOT ({breaks_any_rule})",
            [file_name, load_id, loaded_at],
        )
        (accepted,) = con.execute(
            f"SELECT count(*) FROM raw.{entity.name} WHERE _load_id = ?", [load_id]
        ).fetchone()
        (staged,) = con.execute(f"SELECT count(*) FROM {incoming}").fetchone()
        # The rows not accepted are the ones the rules set aside. When every row was
        # accepted there are none, and the rules are not evaluated over every row a second
        # time (at 1M tickets that pass cost 10 s of the ticket events' load).
        if accepted < staged:
            # the rule is the first own rule broken, else the cascade; rules_broken lists
            # them all, the cascade with its ticket's own reason
            con.execute(
                "INSERT INTO raw.quarantine "
                "SELECT ?, ?, ?, _source_row, coalesce(_own[1], ?), "
                "array_to_string(list_concat(_own_reasons, _cascade), '; '), "
                f"CAST(to_json(struct_pack({columns})) AS VARCHAR), ? "
                f"FROM (SELECT *, {own_rules} AS _own, {own_reasons} AS _own_reasons, "
                f"{cascade_reasons} AS _cascade "
                f"FROM {incoming} AS incoming_row WHERE {breaks_any_rule})",
                [load_id, entity.name, file_name, CASCADE_RULE, loaded_at],
            )
        if unparseable:
            # one row per unparseable line, with every parse error found on it
            con.execute(
                "INSERT INTO raw.quarantine "
                "SELECT ?, ?, ?, line - 1, "
                "'unparseable:' || lower(replace(min(error_type), ' ', '_')), "
                "string_agg(DISTINCT error_message, '; '), min(csv_line), ? "
                f"FROM {rejects} GROUP BY line",
                [load_id, entity.name, file_name, loaded_at],
            )
        (quarantined,) = con.execute(
            "SELECT count(*) FROM raw.quarantine WHERE load_id = ?", [load_id]
        ).fetchone()
        con.execute(
            "INSERT INTO raw.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                entity.name,
                source.path.name,
                digest,
                source.file_format,
                encoding,
                staged + unparseable,
                accepted,
                quarantined,
                loaded_at,
            ],
        )
        con.execute("COMMIT")
    except duckdb.Error as error:
        con.execute("ROLLBACK")
        raise IngestError(f"{source.path.name}: {error}") from error
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return accepted, quarantined


def _any_quarantined_ticket(con: duckdb.DuckDBPyConnection) -> bool:
    (count,) = con.execute(f"SELECT count(*) FROM {QUARANTINED_TICKETS}").fetchone()
    return bool(count)
