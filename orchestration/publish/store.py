"""Write the BI-facing store: a new DuckDB file, completed, then swapped in atomically.

Readers open `published.duckdb` (read-only); they never meet the pipeline's write lock,
and `os.replace` guarantees they see either the previous complete file or the new one.

A publication is a fixed sequence of steps (PUBLISH_STEPS). The "published" row of a run
is written into the new file itself (so it is in place exactly when the file is) and into
the working warehouse's publish_log only after the swap. A crash between the swap and
that last insert is repaired at the next run: `reconcile_publish_log` copies the rows of
the store in place that the working warehouse lacks. A crash at any earlier step leaves
the old store and no row at all, plus a staging file that the next publication removes.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.readers import sql_string
from orchestration.publish.privacy import (
    find_replacements,
    publish_secret,
    remember_replacements,
    safe_select,
)

# The published contract (docs/published-tables.md): dbt models in schema `published`.
PUBLISHED_MODELS = (
    "indicator_catalog",
    "indicator_values",
    "scores",
    "ticket_sla",
    "score_tree",
    "scopes",
)

# The steps of `publish`, in order; `on_step` is called with each name once it is done.
PUBLISH_STEPS = (
    "remove_stale_temporaries",
    "reconcile_publish_log",
    "count_rows",
    "protect_personal_data",
    "build_next_store",
    "sync_next_store",
    "swap_in",
    "sync_folder",
    "record_in_working_warehouse",
)

# Folders of a killed run that the next publication may remove (see remove_stale_temporaries):
# the loader's scratch folders in TSQ_HOME (tempfile.TemporaryDirectory's default `tmp`
# + 8 characters), made while the warehouse's write lock is held, and the adapters'
# `.adapter-*` folders in the inbox, made by `tsq ingest` without that lock.
_LOADER_SCRATCH = re.compile(r"tmp[a-z0-9_]{8}")
_ADAPTER_SCRATCH_PREFIX = ".adapter-"
# `tsq ingest` may be converting right now in another process: its folder is only
# removed once it is clearly abandoned.
ADAPTER_SCRATCH_MAX_AGE_SECONDS = 24 * 3600

_PUBLISH_LOG_DDL = """
CREATE TABLE IF NOT EXISTS main.publish_log (
    run_id VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,            -- published | refused | interrupted
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
    pseudonymised: int = 0  # distinct values published under a pseudonym


def _loads_total(con: duckdb.DuckDBPyConnection) -> int:
    (loads,) = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_name = 'loads'"
    ).fetchone()
    return con.execute("SELECT count(*) FROM raw.loads").fetchone()[0] if loads else 0


def _log_row(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    checks_passed: int,
    checks_failed: list[str],
    row_counts: dict[str, int] | None,
) -> list:
    counts = row_counts or {}
    return [
        run_id,
        datetime.now(UTC),
        status,
        checks_passed,
        ", ".join(checks_failed) or None,
        counts.get("indicator_values"),
        counts.get("scores"),
        _loads_total(con),
    ]


def record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    checks_passed: int,
    checks_failed: list[str],
    row_counts: dict[str, int] | None = None,
) -> None:
    """Append a row to the working warehouse's publish_log. Only for runs that did not
    publish: a "published" row is written by `publish` alone, after its swap."""
    if status == "published":
        raise ValueError("a published row is written by publish(), once the store is in place")
    con.execute(_PUBLISH_LOG_DDL)
    con.execute(
        "INSERT INTO main.publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        _log_row(con, run_id, status, checks_passed, checks_failed, None),
    )


def reconcile_publish_log(con: duckdb.DuckDBPyConnection, published_path: Path) -> int:
    """Make the working warehouse's publish_log agree with the store in place.

    - A "published" row in the store's own log that the working warehouse lacks (a crash
      after the swap, before the working-warehouse insert) is copied over.
    - A working "published" row newer than every row of the store in place, yet absent
      from it, is a publication that never landed (written before the swap by versions
      before this one, then killed): its status becomes `interrupted`. Older rows absent
      from the store are left alone (a store restored from a backup lacks them honestly).

    Returns how many rows were added or corrected."""
    con.execute(_PUBLISH_LOG_DDL)
    if not published_path.is_file():
        return 0
    try:
        con.execute(f"ATTACH {sql_string(str(published_path))} AS store_in_place (READ_ONLY)")
    except duckdb.Error:
        # not a DuckDB file we can read (damaged, or something else put there): it holds no
        # log to repair from, and the publication about to replace it must not be blocked
        return 0
    try:
        (has_log,) = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'store_in_place' "
            "AND schema_name = 'main' AND table_name = 'publish_log'"
        ).fetchone()
        if not has_log:
            return 0
        (missing,) = con.execute(
            """
            SELECT count(*) FROM store_in_place.main.publish_log AS s
            WHERE s.status = 'published' AND NOT EXISTS (
                SELECT 1 FROM main.publish_log AS w
                WHERE w.run_id = s.run_id AND w.status = 'published')
            """
        ).fetchone()
        con.execute(
            """
            INSERT INTO main.publish_log
            SELECT * FROM store_in_place.main.publish_log AS s
            WHERE s.status = 'published' AND NOT EXISTS (
                SELECT 1 FROM main.publish_log AS w
                WHERE w.run_id = s.run_id AND w.status = 'published')
            """
        )
        (false_rows,) = con.execute(
            """
            SELECT count(*) FROM main.publish_log AS w
            WHERE w.status = 'published'
              AND w.published_at > (SELECT max(published_at) FROM store_in_place.main.publish_log)
              AND w.run_id NOT IN (SELECT run_id FROM store_in_place.main.publish_log)
            """
        ).fetchone()
        con.execute(
            """
            UPDATE main.publish_log AS w SET status = 'interrupted'
            WHERE w.status = 'published'
              AND w.published_at > (SELECT max(published_at) FROM store_in_place.main.publish_log)
              AND w.run_id NOT IN (SELECT run_id FROM store_in_place.main.publish_log)
            """
        )
        return missing + false_rows
    finally:
        con.execute("DETACH store_in_place")


def staging_path_for(published_path: Path, run_id: str) -> Path:
    return published_path.with_name(f".{published_path.name}.{run_id}.tmp")


def remove_stale_temporaries(published_path: Path, keep_run_id: str) -> list[Path]:
    """Remove what killed runs left behind in TSQ_HOME; returns what was removed.

    Called by `publish` while it holds the working warehouse's write lock (DuckDB lets one
    process write a file): any other run's staging store or loader scratch folder then
    belongs to a run that is no longer alive, since a live one would hold that lock. Only
    our own names are touched: `.published.duckdb.<run>.tmp` (and its `.wal`), `tmp…`
    folders directly in TSQ_HOME, and `.adapter-*` folders in the inbox older than a day.
    """
    home = published_path.parent
    removed: list[Path] = []
    keep = staging_path_for(published_path, keep_run_id).name
    staging_prefix = f".{published_path.name}."
    for path in home.iterdir():
        name = path.name
        if (
            path.is_file()
            and name.startswith(staging_prefix)
            and (name.endswith(".tmp") or name.endswith(".tmp.wal"))
            and not name.startswith(keep)
        ):
            path.unlink(missing_ok=True)
            removed.append(path)
        elif path.is_dir() and not path.is_symlink() and _LOADER_SCRATCH.fullmatch(name):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    inbox = home / "inbox"
    if inbox.is_dir():
        cutoff = time.time() - ADAPTER_SCRATCH_MAX_AGE_SECONDS
        for path in inbox.iterdir():
            if (
                path.name.startswith(_ADAPTER_SCRATCH_PREFIX)
                and path.is_dir()
                and not path.is_symlink()
                and path.stat().st_mtime < cutoff
            ):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def publish(
    con: duckdb.DuckDBPyConnection,
    published_path: Path,
    run_id: str,
    checks_passed: int,
    publish_personal_names: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> PublishOutcome:
    """Copy the published models (personal data replaced, formulas neutralised) and the
    publish log into a fresh file and swap it in; `on_step(name)` after each step."""

    def done(step: str) -> None:
        if on_step is not None:
            on_step(step)

    staging_path = staging_path_for(published_path, run_id)
    staging_path.unlink(missing_ok=True)
    Path(f"{staging_path}.wal").unlink(missing_ok=True)
    remove_stale_temporaries(published_path, run_id)
    done("remove_stale_temporaries")

    reconcile_publish_log(con, published_path)
    done("reconcile_publish_log")

    row_counts = {
        model: con.execute(f"SELECT count(*) FROM published.{model}").fetchone()[0]
        for model in PUBLISHED_MODELS
    }
    log_row = _log_row(con, run_id, "published", checks_passed, [], row_counts)
    done("count_rows")

    replacements = find_replacements(
        con, "published", PUBLISHED_MODELS, publish_secret(con), publish_personal_names
    )
    remember_replacements(con, replacements, run_id)
    done("protect_personal_data")

    con.execute(f"ATTACH {sql_string(str(staging_path))} AS next_store")
    try:
        for model in PUBLISHED_MODELS:
            select_sql, params = safe_select(con, "published", model, replacements)
            con.execute(f"CREATE TABLE next_store.main.{model} AS {select_sql}", params)
        # the store's own log: every earlier publication, then this one (true exactly
        # when this file is the one in place)
        con.execute(
            "CREATE TABLE next_store.main.publish_log AS "
            "SELECT * FROM main.publish_log WHERE status = 'published' ORDER BY published_at"
        )
        con.execute(
            "INSERT INTO next_store.main.publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", log_row
        )
    finally:
        con.execute("DETACH next_store")
    done("build_next_store")

    _fsync(staging_path)
    done("sync_next_store")

    os.replace(staging_path, published_path)
    done("swap_in")

    _fsync(published_path.parent)
    done("sync_folder")

    con.execute("INSERT INTO main.publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", log_row)
    done("record_in_working_warehouse")
    return PublishOutcome(
        path=published_path, row_counts=row_counts, pseudonymised=len(replacements)
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
