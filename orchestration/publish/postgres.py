"""Copy the published store into PostgreSQL and switch readers to it at once
(`tsq publish --to postgresql://…`).

1. Every table of `published.duckdb` (opened read-only: the copy is of one publication,
   even if a run swaps a new store in meanwhile) is created in a fresh schema
   `<schema>_new_<run>` with explicitly mapped column types, filled with COPY FROM STDIN,
   counted against DuckDB, and described (COMMENT ON) from the dbt manifest.
2. One transaction renames `<schema>` to `<schema>_old_<run>` and the new schema to
   `<schema>`. It first takes ACCESS EXCLUSIVE locks on the old tables with NOWAIT and
   checks that no transaction in the database holds a snapshot older than the load; if
   either fails it rolls back, waits and tries again (never waiting while it holds a
   lock, so it cannot deadlock with a reader). So a reader transaction that has read the
   old tables keeps reading the old ones until it ends, and one whose snapshot predates
   the load (which could not see the new rows) ends before the switch.
3. The previous schema is dropped after the switch.

One publisher at a time per schema (a PostgreSQL advisory lock). Leftover `_new_` and
`_old_` schemas of a publisher that died are dropped by the next one. Identifiers go
through psycopg.sql.Identifier, values through bound parameters or COPY; COMMENT ON takes
no parameters, so its text goes through psycopg.sql.Literal (the driver's quoting).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import duckdb

from orchestration.publish.store import (
    DBT_MANIFEST_PATH,
    published_model_nodes,
    published_table_name,
    read_manifest,
)
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:  # imported when used: `tsq --help` need not load the driver
    import psycopg

DEFAULT_SCHEMA = "tsq_published"
URL_ENVIRONMENT_VARIABLE = "TSQ_PUBLISH_POSTGRES_URL"
DEFAULT_WAIT_FOR_READERS_SECONDS = 300.0

# The steps of `publish_to_postgres`; `on_step` is called with each name once it is done,
# and with "waiting_for_readers" each time the switch has to wait.
POSTGRES_STEPS = ("connect", "load_new_schema", "switch_schemas", "drop_previous_schema")

# DuckDB type (information_schema.columns.data_type) -> PostgreSQL type. A type that is
# not listed stops the publication by name instead of being guessed.
POSTGRES_TYPES = {
    "BOOLEAN": "boolean",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    # the store's naive timestamps are UTC (docs/published-tables.md); kept naive
    "TIMESTAMP": "timestamp without time zone",
    "VARCHAR": "text",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")

# publish_log is written by the publish step, not dbt: its descriptions live here.
PUBLISH_LOG_DESCRIPTIONS = {
    "": "One row per publication of this store, this one included.",
    "run_id": "The Dagster run that published.",
    "published_at": "When the store was published (UTC).",
    "status": "published.",
    "checks_passed": "Asset checks that passed in the run.",
    "checks_failed": "Names of failed blocking checks (always empty here: only published runs).",
    "indicator_values_rows": "Rows of indicator_values published.",
    "scores_rows": "Rows of scores published.",
    "loads_total": "Inbox files loaded so far.",
}

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
_POSTGRES_NAME_LIMIT = 63  # bytes in an identifier (NAMEDATALEN - 1)
_BATCH_ROWS = 10_000
_FIRST_RETRY_SECONDS = 0.05
_LONGEST_RETRY_SECONDS = 2.0


class PostgresPublishError(RuntimeError):
    """A one-line reason the publication did not happen; never holds a password."""


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    duckdb_type: str
    postgres_type: str
    description: str | None


@dataclass(frozen=True)
class PublishedTable:
    name: str
    description: str | None
    columns: tuple[PublishedColumn, ...]


@dataclass(frozen=True)
class PostgresOutcome:
    target: str  # the URL without its password
    schema: str
    row_counts: dict[str, int]
    described_columns: int
    undescribed_columns: list[str] = field(default_factory=list)  # table.column
    previous_schema_dropped: bool = True
    waits: int = 0  # how many times the switch waited for readers


def describe_url(url: str) -> str:
    """The URL as it may be printed: scheme, user, host, port and database, no password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
    except ValueError:
        return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)
    user = f"{parts.username}@" if parts.username else ""
    database = parts.path.lstrip("/") or "(default database)"
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{user}{shown_host}:{port}/{database}"


def _without_secret(message: str, url: str) -> str:
    """The first line of a driver message, with the URL's password (if any) masked."""
    line = (message.strip().splitlines() or [""])[0]
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        line = line.replace(password, "***")
    return line.replace(url, describe_url(url))


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        raise PostgresPublishError(f"not a valid URL ({describe_url(url)}): {error}") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise PostgresPublishError(
            f"not a PostgreSQL URL: {describe_url(url)} (expected postgresql://user@host:port/db)"
        )


def postgres_type(duckdb_type: str, where: str) -> str:
    mapped = POSTGRES_TYPES.get(duckdb_type)
    if mapped:
        return mapped
    decimal = _DECIMAL.fullmatch(duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    raise PostgresPublishError(f"{where}: DuckDB type {duckdb_type} has no PostgreSQL mapping")


def read_descriptions(manifest_path: Path) -> dict[str, tuple[str | None, dict[str, str]]]:
    """Per published model (store.py's `published_model_nodes`, the one rule for what is
    published): its description and its columns'. Without a manifest, no descriptions
    (the tables are still copied; only their COMMENT ON is skipped)."""
    if not manifest_path.is_file():
        return {}
    found: dict[str, tuple[str | None, dict[str, str]]] = {}
    for node in published_model_nodes(read_manifest(manifest_path)):
        columns = {
            name: column["description"]
            for name, column in node.get("columns", {}).items()
            if column.get("description")
        }
        found[published_table_name(node)] = (node.get("description") or None, columns)
    publish_log_columns = {k: v for k, v in PUBLISH_LOG_DESCRIPTIONS.items() if k}
    found["publish_log"] = (PUBLISH_LOG_DESCRIPTIONS[""], publish_log_columns)
    return found


def read_store_tables(
    store: duckdb.DuckDBPyConnection, descriptions: dict[str, tuple[str | None, dict[str, str]]]
) -> list[PublishedTable]:
    tables = [
        name
        for (name,) in store.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database() ORDER BY table_name"
        ).fetchall()
    ]
    if not tables:
        raise PostgresPublishError("the published store holds no table")
    published = []
    for table in tables:
        table_description, column_descriptions = descriptions.get(table, (None, {}))
        rows = store.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        columns = tuple(
            PublishedColumn(
                name=name,
                duckdb_type=data_type,
                postgres_type=postgres_type(data_type, f"{table}.{name}"),
                description=column_descriptions.get(name),
            )
            for name, data_type in rows
        )
        published.append(PublishedTable(table, table_description, columns))
    return published


def _run_label(store: duckdb.DuckDBPyConnection, schema: str) -> str:
    """The store's publication (its latest run id), as a PostgreSQL name part."""
    (has_log,) = store.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND table_name = 'publish_log' AND database_name = current_database()"
    ).fetchone()
    latest = None
    if has_log:
        latest = store.execute(
            "SELECT run_id FROM main.publish_log ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
    label = re.sub(r"[^a-z0-9]+", "_", (latest[0] if latest else "unlogged").lower()).strip("_")
    room = _POSTGRES_NAME_LIMIT - len(f"{schema}_new_")
    return label[:room] or "run"


def _store_rows(store: duckdb.DuckDBPyConnection, table: PublishedTable) -> Iterator[tuple]:
    # the table and column names come from the store's own catalogue, quoted
    columns = ", ".join(quote_identifier(c.name) for c in table.columns)
    cursor = store.execute(f"SELECT {columns} FROM main.{quote_identifier(table.name)}")
    while batch := cursor.fetchmany(_BATCH_ROWS):
        yield from batch


def publish_to_postgres(
    published_path: Path,
    url: str,
    schema: str = DEFAULT_SCHEMA,
    manifest_path: Path = DBT_MANIFEST_PATH,
    wait_for_readers_seconds: float = DEFAULT_WAIT_FOR_READERS_SECONDS,
    grant_to: tuple[str, ...] = (),
    on_step: Callable[[str], None] | None = None,
) -> PostgresOutcome:
    """Copy the published store into `schema` of the database at `url`, switched in one
    transaction (see the module's docstring). Raises PostgresPublishError."""
    import psycopg

    def done(step: str) -> None:
        if on_step is not None:
            on_step(step)

    check_url(url)
    if not _SCHEMA_NAME.fullmatch(schema):
        raise PostgresPublishError(
            f"schema {schema!r}: use lower-case letters, digits and _ (at most 40)"
        )
    if not published_path.is_file():
        raise PostgresPublishError(f"{published_path}: no published store yet: run `tsq run`")
    target = describe_url(url)
    descriptions = read_descriptions(manifest_path)

    store = duckdb.connect(str(published_path), read_only=True)
    try:
        store.execute("SET TimeZone = 'UTC'")
        tables = read_store_tables(store, descriptions)
        label = _run_label(store, schema)
        try:
            connection = psycopg.connect(url, connect_timeout=10, application_name="tsq publish")
        except psycopg.Error as error:
            raise PostgresPublishError(
                f"cannot connect to PostgreSQL at {target}: {_without_secret(str(error), url)}"
            ) from None
        with connection:
            done("connect")
            try:
                return _publish(
                    connection, store, tables, target, schema, label,
                    wait_for_readers_seconds, grant_to, done,
                )  # fmt: skip
            except psycopg.Error as error:
                raise PostgresPublishError(
                    f"PostgreSQL at {target}: {_without_secret(str(error), url)}"
                ) from None
    finally:
        store.close()


def _publish(
    connection: psycopg.Connection,
    store: duckdb.DuckDBPyConnection,
    tables: list[PublishedTable],
    target: str,
    schema: str,
    label: str,
    wait_for_readers_seconds: float,
    grant_to: tuple[str, ...],
    done: Callable[[str], None],
) -> PostgresOutcome:
    from psycopg import sql

    new_schema, old_schema = f"{schema}_new_{label}", f"{schema}_old_{label}"
    # statements outside `connection.transaction()` blocks commit at once
    connection.autocommit = True
    (locked,) = connection.execute(
        "SELECT pg_try_advisory_lock(hashtext(%s))", [f"tsq publish {schema}"]
    ).fetchone()
    if not locked:
        raise PostgresPublishError(f"another tsq publish into {schema} at {target} is running")
    try:
        _drop_leftovers(connection, schema)
        row_counts, load_xid = _load(connection, store, tables, new_schema, grant_to)
        done("load_new_schema")
        waits = _switch(connection, schema, new_schema, old_schema, load_xid,
                        wait_for_readers_seconds, target, done)  # fmt: skip
        done("switch_schemas")
        dropped = True
        try:
            connection.execute("SET lock_timeout = '60s'")
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(old_schema))
            )
        except Exception:  # noqa: BLE001 - a lock wait or the like: the next publish drops it
            dropped = False
        done("drop_previous_schema")
    finally:
        connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"tsq publish {schema}"])
    undescribed = [f"{t.name}.{c.name}" for t in tables for c in t.columns if not c.description]
    return PostgresOutcome(
        target=target,
        schema=schema,
        row_counts=row_counts,
        described_columns=sum(1 for t in tables for c in t.columns if c.description),
        undescribed_columns=undescribed,
        previous_schema_dropped=dropped,
        waits=waits,
    )


def _drop_leftovers(connection: psycopg.Connection, schema: str) -> None:
    """Schemas `<schema>_new_…` and `<schema>_old_…` of a publisher that died: under the
    advisory lock no other publisher of this schema is alive."""
    from psycopg import sql

    leftovers = [
        name
        for (name,) in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) "
            "OR starts_with(nspname, %s)",
            [f"{schema}_new_", f"{schema}_old_"],
        ).fetchall()
    ]
    for name in leftovers:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _load(
    connection: psycopg.Connection,
    store: duckdb.DuckDBPyConnection,
    tables: list[PublishedTable],
    new_schema: str,
    grant_to: tuple[str, ...],
) -> tuple[dict[str, int], int]:
    """Create, fill, count and describe every table in `new_schema`, in one transaction;
    returns the row counts and that transaction's id (as a 32-bit xid)."""
    from psycopg import sql

    schema_id = sql.Identifier(new_schema)
    row_counts: dict[str, int] = {}
    with connection.transaction():
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(schema_id))
        for table in tables:
            table_id = sql.Identifier(new_schema, table.name)
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.postgres_type))
                for c in table.columns
            )
            connection.execute(sql.SQL("CREATE TABLE {} ({})").format(table_id, columns))
            names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
            with connection.cursor() as cursor:
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(table_id, names)
                with cursor.copy(copy_sql) as copy:
                    # the base type names (numeric(p,s) -> numeric) choose the dumpers
                    copy.set_types([c.postgres_type.split("(")[0] for c in table.columns])
                    for row in _store_rows(store, table):
                        copy.write_row(row)
            (loaded,) = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(table_id)
            ).fetchone()
            (expected,) = store.execute(
                f"SELECT count(*) FROM main.{quote_identifier(table.name)}"
            ).fetchone()
            if loaded != expected:
                raise PostgresPublishError(
                    f"{table.name}: {loaded} rows arrived in PostgreSQL, the store has {expected}"
                )
            row_counts[table.name] = loaded
            if table.description:
                connection.execute(
                    sql.SQL("COMMENT ON TABLE {} IS {}").format(
                        table_id, sql.Literal(table.description)
                    )
                )
            for column in table.columns:
                if column.description:
                    connection.execute(
                        sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                            table_id, sql.Identifier(column.name), sql.Literal(column.description)
                        )
                    )
            connection.execute(sql.SQL("ANALYZE {}").format(table_id))
        for role in grant_to:
            connection.execute(
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, sql.Identifier(role))
            )
            connection.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                    schema_id, sql.Identifier(role)
                )
            )
        (xid,) = connection.execute("SELECT pg_current_xact_id()::text").fetchone()
    return row_counts, int(xid) % 2**32


class _ReadersInTheWay(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _switch(
    connection: psycopg.Connection,
    schema: str,
    new_schema: str,
    old_schema: str,
    load_xid: int,
    wait_for_readers_seconds: float,
    target: str,
    done: Callable[[str], None],
) -> int:
    """Rename old → `old_schema` and new → `schema` in one transaction, once no reader
    holds the old tables and no snapshot predates the load. Returns how often it waited."""
    import psycopg
    from psycopg import sql

    deadline = time.monotonic() + wait_for_readers_seconds
    pause = _FIRST_RETRY_SECONDS
    waits = 0
    while True:
        try:
            with connection.transaction():
                old_tables = connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                    [schema],
                ).fetchall()
                if old_tables:
                    connection.execute(
                        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE NOWAIT").format(
                            sql.SQL(", ").join(
                                sql.Identifier(schema, name) for (name,) in old_tables
                            )
                        )
                    )
                (older_snapshots,) = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "AND backend_xmin IS NOT NULL AND age(backend_xmin) >= age(%s::text::xid)",
                    [str(load_xid)],
                ).fetchone()
                if older_snapshots:
                    raise _ReadersInTheWay(
                        f"{older_snapshots} transaction(s) began before the new tables were "
                        "loaded and are still open"
                    )
                if old_tables or _schema_exists(connection, schema):
                    connection.execute(
                        sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                            sql.Identifier(schema), sql.Identifier(old_schema)
                        )
                    )
                connection.execute(
                    sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        sql.Identifier(new_schema), sql.Identifier(schema)
                    )
                )
            return waits
        except (psycopg.errors.LockNotAvailable, _ReadersInTheWay) as error:
            reason = (
                error.reason
                if isinstance(error, _ReadersInTheWay)
                else f"a transaction is reading {schema}"
            )
            if time.monotonic() + pause > deadline:
                _drop_quietly(connection, new_schema)
                raise PostgresPublishError(
                    f"{target}: {schema} was not switched: {reason} after waiting "
                    f"{wait_for_readers_seconds:g} s; the previous tables stay in place"
                ) from None
            waits += 1
            done("waiting_for_readers")
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_RETRY_SECONDS)


def _schema_exists(connection: psycopg.Connection, schema: str) -> bool:
    (exists,) = connection.execute(
        "SELECT count(*) > 0 FROM pg_namespace WHERE nspname = %s", [schema]
    ).fetchone()
    return bool(exists)


def _drop_quietly(connection: psycopg.Connection, name: str) -> None:
    from psycopg import sql

    try:
        with connection.transaction():
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )
    except Exception:  # noqa: BLE001 - the next publish drops leftovers
        pass
