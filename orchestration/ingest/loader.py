"""Load the inbox files of one entity into `raw.<entity>` with lineage columns.

Each file is one load, applied in one transaction together with its ledger row in
`raw.loads`, so a failure leaves nothing half-loaded and a file already in the ledger
(same entity, same bytes) is skipped: loading it twice adds nothing.
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
    select_text_columns_sql,
    sql_string,
    transcode_to_utf8,
)

LINEAGE_COLUMNS = ("_source_file", "_source_row", "_load_id", "_loaded_at")


@dataclass
class LoadSummary:
    entity: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    total_rows: int = 0


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
            rows_loaded BIGINT NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    columns = ", ".join(f'"{c}" VARCHAR' for c in entity.column_names)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{entity.name} ({columns}, "
        "_source_file VARCHAR NOT NULL, _source_row BIGINT NOT NULL, "
        "_load_id VARCHAR NOT NULL, _loaded_at TIMESTAMPTZ NOT NULL)"
    )


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
    for source in inbox_files(inbox, entity):
        digest = source.sha256
        already = con.execute(
            "SELECT 1 FROM raw.loads WHERE entity = ? AND file_sha256 = ?",
            [entity.name, digest],
        ).fetchone()
        if already:
            summary.files_skipped.append(source.path.name)
            continue
        summary.rows_loaded += _load_file(con, source, digest, work_dir)
        summary.files_loaded.append(source.path.name)
    (summary.total_rows,) = con.execute(f"SELECT count(*) FROM raw.{entity.name}").fetchone()
    return summary


def _load_file(
    con: duckdb.DuckDBPyConnection, source: SourceFile, digest: str, work_dir: Path
) -> int:
    encoding = detect_csv_encoding(source.path) if source.file_format == "csv" else None
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        readable = source.path
        if encoding == "gb18030":
            readable = transcode_to_utf8(source.path, encoding, Path(scratch))
        select_sql = select_text_columns_sql(con, source, readable)
        load_id = str(uuid.uuid4())
        loaded_at = datetime.now(UTC)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"INSERT INTO raw.{source.entity.name} BY NAME "
                f"SELECT *, {sql_string(source.path.name)} AS _source_file, "
                "?::VARCHAR AS _load_id, ?::TIMESTAMPTZ AS _loaded_at "
                f"FROM ({select_sql}) AS file_rows",
                [load_id, loaded_at],
            )
            (rows,) = con.execute(
                f"SELECT count(*) FROM raw.{source.entity.name} WHERE _load_id = ?", [load_id]
            ).fetchone()
            con.execute(
                "INSERT INTO raw.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    source.entity.name,
                    source.path.name,
                    digest,
                    source.file_format,
                    encoding,
                    rows,
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
    return rows
