"""Write the BI-facing store: a new DuckDB file, completed, then swapped in atomically.

Readers open `published.duckdb` (read-only); they never meet the pipeline's write lock,
and `os.replace` guarantees they see either the previous complete file or the new one.

A publication is a fixed sequence of steps (PUBLISH_STEPS). The "published" row of a run
is written into the new file itself (so it is in place exactly when the file is) and into
the working warehouse's publish_log only after the swap. A crash between the swap and
that last insert is repaired at the next run: `reconcile_publish_log` copies the rows of
the store in place that the working warehouse lacks. A crash at any earlier step leaves
the old store and no row at all, plus a staging file that the next publication removes.

Beside the store, `published-parquet/` holds one Parquet file per published table. It is a
symbolic link to a complete set `.published-parquet.<run>/`, written from the new store
before the store's swap, and switched by a second rename (of a new link over the old one)
right after it. Between the two renames a reader sees the new store and the previous
publication's complete set; a crash there is repaired at the next run, published or
refused, by `reconcile_parquet_set`, which makes the link follow the store in place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.publish.privacy import (
    find_replacements,
    publish_secret,
    remember_replacements,
    safe_select,
)
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.sql_text import quote_identifier, sql_string

# The manifest dagster-dbt loads when the code location is imported
# (transform/dbt_assets.py, `dbt_project.manifest_path`): the published list and the
# asset graph are read from the same parse.
DBT_MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
# dbt_project.yml gives the folder models/published/ `+schema: published`; the schema is
# the first part of a model's asset key (LayerTranslator) and the schema publish reads.
PUBLISHED_SCHEMA = "published"


def read_manifest(manifest_path: Path = DBT_MANIFEST_PATH) -> dict[str, Any]:
    """The parsed dbt manifest. Missing, it is an error: what to publish is not guessed."""
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{manifest_path} is missing: the published models are read from the dbt "
            "manifest (make install, or `dbt parse --profiles-dir .` in dbt_project/)"
        ) from None
    return json.loads(text)


def published_table_name(node: Mapping[str, Any]) -> str:
    """The table a dbt model is published as: its alias, else its name (as its asset key)."""
    return node.get("alias") or node["name"]


def published_model_nodes(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The one rule for what is published (docs/published-tables.md): a dbt model whose
    schema is `published`, which is every model in dbt_project/models/published/ and no
    other (tests/test_published_models.py compares the two). Ordered by table name, so
    the order is the same from one parse to the next (the manifest's is not)."""
    nodes = [
        node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("schema") == PUBLISHED_SCHEMA
    ]
    return sorted(nodes, key=published_table_name)


def published_models(manifest_path: Path = DBT_MANIFEST_PATH) -> tuple[str, ...]:
    """The tables of the published store that dbt builds, in publication order."""
    return tuple(
        published_table_name(node) for node in published_model_nodes(read_manifest(manifest_path))
    )


# The steps of `publish`, in order; `on_step` is called with each name once it is done.
PUBLISH_STEPS = (
    "remove_stale_temporaries",
    "reconcile_publish_log",
    "count_rows",
    "protect_personal_data",
    "build_next_store",
    "write_next_parquet",
    "sync_next_store",
    "swap_in",
    "sync_folder",
    "swap_in_parquet",
    "record_in_working_warehouse",
)

# The Parquet folder readers open, beside the store: a symbolic link to one complete set.
PARQUET_FOLDER_NAME = "published-parquet"
# A set's name holds its run id; only these characters, so a run id is never a path.
_UNSAFE_IN_SET_NAME = re.compile(r"[^A-Za-z0-9_-]")

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
    parquet_folder: Path | None = None  # published-parquet, the link to this run's set


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

    The Parquet set is made to follow the store in place first (`reconcile_parquet_set`).

    Returns how many rows were added or corrected."""
    con.execute(_PUBLISH_LOG_DDL)
    reconcile_parquet_set(published_path)
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


def parquet_folder_for(published_path: Path) -> Path:
    """The Parquet folder readers open: a symbolic link to the complete set in place."""
    return published_path.with_name(PARQUET_FOLDER_NAME)


def parquet_set_for(published_path: Path, run_id: str) -> Path:
    """The complete Parquet set of one publication. The folder only ever appears under
    this name by a rename, once every file in it is written and synced."""
    safe_run = _UNSAFE_IN_SET_NAME.sub("_", run_id)
    return published_path.with_name(f".{PARQUET_FOLDER_NAME}.{safe_run}")


def _store_tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    """The tables the store attached as `database` holds."""
    return {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = ? AND schema_name = 'main'",
            [database],
        ).fetchall()
    }


def write_parquet_set(
    con: duckdb.DuckDBPyConnection,
    database: str,
    published_path: Path,
    run_id: str,
    models: tuple[str, ...],
) -> Path:
    """COPY each of `models` and the publish log that the store attached as `database`
    holds (a store written by an older version may lack some) to `<table>.parquet` in a
    scratch folder, sync the files and the folder, then rename it to the run's set name
    (`parquet_set_for`): a set that exists under that name is complete. Returns it."""
    final = parquet_set_for(published_path, run_id)
    scratch = final.with_name(f"{final.name}.tmp")
    shutil.rmtree(scratch, ignore_errors=True)  # an earlier attempt of this same run
    scratch.mkdir()
    present = _store_tables(con, database)
    for table in (table for table in (*models, "publish_log") if table in present):
        target = scratch / f"{table}.parquet"
        # the path is bound, not spliced; `database` is our own name, `table` a quoted one
        con.execute(
            f"COPY {database}.main.{quote_identifier(table)} TO ? (FORMAT parquet)",
            [str(target)],
        )
        _fsync(target)
    _fsync(scratch)
    link = parquet_folder_for(published_path)
    if final.exists():
        if link.is_symlink() and os.readlink(link) == final.name:
            raise RuntimeError(f"{final} is the Parquet set in place; it is not rewritten")
        shutil.rmtree(final)  # a complete set of an earlier attempt of this run
    os.rename(scratch, final)
    _fsync(final.parent)
    return final


def switch_parquet_link(published_path: Path, parquet_set: Path) -> None:
    """Point `published-parquet` at `parquet_set` in one rename (a new link over the old
    one), then remove the sets older than the one it replaced: a reader that resolved the
    link just before keeps a complete set until the next publication."""
    link = parquet_folder_for(published_path)
    previous = os.readlink(link) if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        # a real folder by this name (made by hand): moved aside, never deleted
        os.rename(link, link.with_name(f"{PARQUET_FOLDER_NAME}.moved-aside-{int(time.time())}"))
    temporary_link = parquet_set.with_name(f"{parquet_set.name}.link")
    temporary_link.unlink(missing_ok=True)
    os.symlink(parquet_set.name, temporary_link)  # relative: the home may be moved
    os.replace(temporary_link, link)
    _fsync(link.parent)
    keep = {parquet_set.name, previous}
    set_prefix = f".{PARQUET_FOLDER_NAME}."
    for path in link.parent.iterdir():
        name = path.name
        if (
            name.startswith(set_prefix)
            and not name.endswith((".tmp", ".link"))
            and name not in keep
            and path.is_dir()
            and not path.is_symlink()
        ):
            shutil.rmtree(path, ignore_errors=True)


def reconcile_parquet_set(published_path: Path) -> bool:
    """Make `published-parquet` follow the store in place: after a crash between the
    store's swap and the link's, finish the switch (building the set from the store in
    place when it is missing, as for a store published before Parquet sets existed).
    Returns True when the link was changed."""
    if not published_path.is_file():
        return False
    con = duckdb.connect()
    try:
        try:
            con.execute("ATTACH ? AS store_in_place (READ_ONLY)", [str(published_path)])
        except duckdb.Error:
            return False  # not a store we can read; the next publication replaces it
        if "publish_log" not in _store_tables(con, "store_in_place"):
            return False
        latest = con.execute(
            "SELECT run_id FROM store_in_place.main.publish_log WHERE status = 'published' "
            "ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
        if latest is None:
            return False
        wanted = parquet_set_for(published_path, latest[0])
        link = parquet_folder_for(published_path)
        if wanted.is_dir() and link.is_symlink() and os.readlink(link) == wanted.name:
            return False
        if not wanted.is_dir():
            write_parquet_set(con, "store_in_place", published_path, latest[0], published_models())
        switch_parquet_link(published_path, wanted)
        return True
    finally:
        con.close()


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
    keep_parquet = parquet_set_for(published_path, keep_run_id).name
    parquet_prefix = f".{PARQUET_FOLDER_NAME}."
    for path in home.iterdir():
        name = path.name
        if (
            name.startswith(parquet_prefix)
            and name not in (f"{keep_parquet}.tmp", f"{keep_parquet}.link")
            and (
                (name.endswith(".tmp") and path.is_dir() and not path.is_symlink())
                or (name.endswith(".link") and path.is_symlink())
            )
        ):
            # a killed run's half-written Parquet set or its unused link
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif (
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
    manifest_path: Path = DBT_MANIFEST_PATH,
) -> PublishOutcome:
    """Copy the published models (`published_models` of the dbt manifest; personal data
    replaced, formulas neutralised) and the publish log into a fresh file and swap it in;
    `on_step(name)` after each step."""

    def done(step: str) -> None:
        if on_step is not None:
            on_step(step)

    models = published_models(manifest_path)
    staging_path = staging_path_for(published_path, run_id)
    staging_path.unlink(missing_ok=True)
    Path(f"{staging_path}.wal").unlink(missing_ok=True)
    remove_stale_temporaries(published_path, run_id)
    done("remove_stale_temporaries")

    reconcile_publish_log(con, published_path)
    done("reconcile_publish_log")

    row_counts = {
        model: con.execute(
            f"SELECT count(*) FROM {PUBLISHED_SCHEMA}.{quote_identifier(model)}"
        ).fetchone()[0]
        for model in models
    }
    log_row = _log_row(con, run_id, "published", checks_passed, [], row_counts)
    done("count_rows")

    replacements = find_replacements(
        con, PUBLISHED_SCHEMA, models, publish_secret(con), publish_personal_names
    )
    remember_replacements(con, replacements, run_id)
    done("protect_personal_data")

    con.execute(f"ATTACH {sql_string(str(staging_path))} AS next_store")
    try:
        for model in models:
            select_sql, params = safe_select(con, PUBLISHED_SCHEMA, model, replacements)
            con.execute(
                f"CREATE TABLE next_store.main.{quote_identifier(model)} AS {select_sql}",
                params,
            )
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

    # the Parquet set is written from the new store itself, so it holds exactly its rows
    con.execute("ATTACH ? AS next_store (READ_ONLY)", [str(staging_path)])
    try:
        next_parquet = write_parquet_set(con, "next_store", published_path, run_id, models)
    finally:
        con.execute("DETACH next_store")
    done("write_next_parquet")

    _fsync(staging_path)
    done("sync_next_store")

    os.replace(staging_path, published_path)
    done("swap_in")

    _fsync(published_path.parent)
    done("sync_folder")

    # the second rename: between the two a reader sees the new store and the previous
    # complete Parquet set; a crash here is finished by the next run's reconcile_parquet_set
    switch_parquet_link(published_path, next_parquet)
    done("swap_in_parquet")

    con.execute("INSERT INTO main.publish_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", log_row)
    done("record_in_working_warehouse")
    return PublishOutcome(
        path=published_path,
        row_counts=row_counts,
        pseudonymised=len(replacements),
        parquet_folder=parquet_folder_for(published_path),
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
