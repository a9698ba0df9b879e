"""Write the BI-facing store: a new DuckDB file, completed, then swapped in atomically.

Readers open `published.duckdb` (read-only); they never meet the pipeline's write lock,
and `os.replace` guarantees they see either the previous complete file or the new one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.readers import sql_string

# The published contract (docs/published-tables.md): dbt models in schema `published`.
PUBLISHED_MODELS = ("indicator_catalog", "indicator_values", "scores", "ticket_sla")

_PUBLISH_LOG_DDL = """
CREATE TABLE IF NOT EXISTS main.publish_log (
    run_id VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,            -- published | refused
    checks_passed INTEGER NOT NULL,
    checks_failed VARCHAR,              -- names of the failed blocking checks, if refused
    indicator_values_rows BIGINT,
    scores_rows BIGINT,
    loads_total BIGINT
)
"""


@dataclass(frozen=True)
class PublishOutcome:
    path: Path
    row_counts: dict[str, int]


def record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    checks_passed: int,
    checks_failed: list[str],
    row_counts: dict[str, int] | None = None,
) -> None:
    """Append a row to the working warehouse's publish_log (published or refused)."""
    con.execute(_PUBLISH_LOG_DDL)
    counts = row_counts or {}
    (loads,) = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = 'loads'"
    ).fetchone()
    loads_total = con.execute("SELECT count(*) FROM raw.loads").fetchone()[0] if loads else 0
    con.execute(
        "INSERT INTO main.publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            datetime.now(UTC),
            status,
            checks_passed,
            ", ".join(checks_failed) or None,
            counts.get("indicator_values"),
            counts.get("scores"),
            loads_total,
        ],
    )


def publish(
    con: duckdb.DuckDBPyConnection, published_path: Path, run_id: str, checks_passed: int
) -> PublishOutcome:
    """Copy the published models and the publish log into a fresh file and swap it in."""
    staging_path = published_path.with_name(f".{published_path.name}.{run_id}.tmp")
    staging_path.unlink(missing_ok=True)
    row_counts = {
        model: con.execute(f"SELECT count(*) FROM published.{model}").fetchone()[0]
        for model in PUBLISHED_MODELS
    }
    record_run(con, run_id, "published", checks_passed, [], row_counts)
    con.execute(f"ATTACH {sql_string(str(staging_path))} AS next_store")
    try:
        for model in (*PUBLISHED_MODELS,):
            con.execute(f"CREATE TABLE next_store.main.{model} AS SELECT * FROM published.{model}")
        con.execute(
            "CREATE TABLE next_store.main.publish_log AS "
            "SELECT * FROM main.publish_log WHERE status = 'published' ORDER BY published_at"
        )
    finally:
        con.execute("DETACH next_store")
    _fsync(staging_path)
    os.replace(staging_path, published_path)
    _fsync(published_path.parent)
    return PublishOutcome(path=published_path, row_counts=row_counts)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
