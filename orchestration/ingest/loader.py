"""Load the inbox files of one entity into `raw.<entity>` with lineage columns.

Each file is one load, applied in one transaction together with its ledger row in
`raw.loads`, so a failure leaves nothing half-loaded and a file already in the ledger
(same entity, same bytes) is skipped: loading it twice adds nothing. Rows that break a
row-level rule of the contract, or cannot be parsed at all, go to `raw.quarantine` with
the rule, the source file and the row number: nothing read is lost, and
rows read = rows accepted + rows quarantined for every load.

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
    detect_csv_encoding,
    sql_string,
    stage_file,
    transcode_to_utf8,
)
from orchestration.ingest.row_rules import breaks_any_rule_sql, broken_rules_sql
from orchestration.ingest.ticket_cascade import (
    CASCADE_RULE,
    QUARANTINED_TICKETS,
    cascade_condition,
    cascade_reason_sql,
    depends_on_tickets,
    follow_ticket_quarantine,
)


@dataclass
class LoadSummary:
    entity: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    total_rows: int = 0
    # rows loaded earlier that followed their ticket into quarantine, or out of it
    rows_moved_to_quarantine: int = 0
    rows_released_from_quarantine: int = 0


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.loads (
            load_id VARCHAR PRIMARY KEY,
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            file_format VARCHAR NOT NULL,
            encoding VARCHAR,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_quarantined BIGINT NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS raw.quarantine (
            load_id VARCHAR NOT NULL,
            entity VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row BIGINT NOT NULL,   -- data row (1 = first row after the header)
            rule VARCHAR NOT NULL,        -- the first rule broken
            rules_broken VARCHAR NOT NULL,
            original_row VARCHAR NOT NULL, -- the row as JSON, or the raw line if unparseable
            quarantined_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    columns = ", ".join(f'"{c}" VARCHAR' for c in entity.column_names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{entity.name} ({columns}, "
        "_source_file VARCHAR NOT NULL, _source_row BIGINT NOT NULL, "
        "_load_id VARCHAR NOT NULL, _loaded_at TIMESTAMPTZ NOT NULL)"
    )
    # A warehouse made before the contract gained an optional column gets it here (empty
    # for the rows already loaded), so upgrading TSQ never means deleting the warehouse.
    for column in entity.column_names:
        con.execute(f'ALTER TABLE raw.{entity.name} ADD COLUMN IF NOT EXISTS "{column}" VARCHAR')


def inbox_files(inbox: Path, entity: Entity) -> list[SourceFile]:
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
        accepted, quarantined = _load_file(con, source, digest, work_dir, cascades)
        summary.rows_loaded += accepted
        summary.rows_quarantined += quarantined
        summary.files_loaded.append(source.path.name)
    if cascades:
        con.execute(f"DROP TABLE IF EXISTS {QUARANTINED_TICKETS}")
    (summary.total_rows,) = con.execute(f"SELECT count(*) FROM raw.{entity.name}").fetchone()
    return summary


def _load_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    digest: str,
    work_dir: Path,
    cascades: bool = False,
) -> tuple[int, int]:
    """Load one file; with `cascades`, rows whose ticket is in `quarantined_tickets` are
    quarantined too."""
    encoding = detect_csv_encoding(source.path) if source.file_format == "csv" else None
    load_id = str(uuid.uuid4())
    incoming, rejects = f"incoming_{load_id[:8]}", f"rejects_{load_id[:8]}"
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        readable = source.path
        if encoding == "gb18030":
            readable = transcode_to_utf8(source.path, encoding, Path(scratch))
        try:
            unparseable = stage_file(con, source, readable, incoming, rejects)
            return _commit_load(
                con, source, digest, encoding, load_id, incoming, rejects, unparseable, cascades
            )
        finally:
            # `incoming` is a view over `incoming_read` (or `incoming_renumbered`)
            con.execute(f"DROP VIEW IF EXISTS {incoming}")
            for table in (
                f"{incoming}_read",
                f"{incoming}_renumbered",
                rejects,
                f"{rejects}_scan",
            ):
                con.execute(f"DROP TABLE IF EXISTS {table}")


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
) -> tuple[int, int]:
    entity = source.entity
    loaded_at = datetime.now(UTC)
    file_name = sql_string(source.path.name)
    columns = ", ".join(f'"{c}"' for c in entity.column_names)
    # The rules are evaluated where the rows are copied, instead of into a checked copy
    # of the whole file first: writing that copy cost 5 s of the 11.5M events.
    breaks_any_rule = breaks_any_rule_sql(entity)
    own_rules = broken_rules_sql(entity)
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
            f"SELECT {columns}, _source_row, {file_name} AS _source_file, "
            "?::VARCHAR AS _load_id, ?::TIMESTAMPTZ AS _loaded_at "
            f"FROM {incoming} WHERE NOT ({breaks_any_rule})",
            [load_id, loaded_at],
        )
        # the rule is the first own rule broken, else the cascade; rules_broken lists them
        # all, the cascade with its ticket's own reason
        con.execute(
            "INSERT INTO raw.quarantine "
            f"SELECT ?, ?, {file_name}, _source_row, coalesce(_own[1], ?), "
            "array_to_string(list_concat(_own, _cascade), '; '), "
            f"CAST(to_json(struct_pack({columns})) AS VARCHAR), ? "
            f"FROM (SELECT *, {own_rules} AS _own, {cascade_reasons} AS _cascade "
            f"FROM {incoming} AS incoming_row WHERE {breaks_any_rule})",
            [load_id, entity.name, CASCADE_RULE, loaded_at],
        )
        if unparseable:
            # one row per unparseable line, with every parse error found on it
            con.execute(
                "INSERT INTO raw.quarantine "
                f"SELECT ?, ?, {file_name}, line - 1, "
                "'unparseable:' || lower(replace(min(error_type), ' ', '_')), "
                "string_agg(DISTINCT error_message, '; '), min(csv_line), ? "
                f"FROM {rejects} GROUP BY line",
                [load_id, entity.name, loaded_at],
            )
        (accepted,) = con.execute(
            f"SELECT count(*) FROM raw.{entity.name} WHERE _load_id = ?", [load_id]
        ).fetchone()
        (quarantined,) = con.execute(
            "SELECT count(*) FROM raw.quarantine WHERE load_id = ?", [load_id]
        ).fetchone()
        (staged,) = con.execute(f"SELECT count(*) FROM {incoming}").fetchone()
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
        raise IngestError(f"{source.path}: {error}") from error
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return accepted, quarantined


def _any_quarantined_ticket(con: duckdb.DuckDBPyConnection) -> bool:
    (count,) = con.execute(f"SELECT count(*) FROM {QUARANTINED_TICKETS}").fetchone()
    return bool(count)
