"""TSQ_ENGINE=postgres: dbt builds, the GX suites validate and the BI tables are published
on PostgreSQL (docs/scale-out.md).

- The connection is the one of dbt's `postgres` target: the TSQ_PG_* variables
  (TsqSettings.pg_*), so dbt, the raw push, GX and the publication reach one database.
- Raw rows are pushed from DuckDB by postgres_raw.push_raw, a step of its own.
- GX suites of the layers dbt builds validate on PostgreSQL through GX's own PostgreSQL
  datasource; the raw suites stay on DuckDB, where ingest wrote and reconciled the rows
  (they run before the push, as gates of the ingest assets).
- Publishing: PostgreSQL's `published` schema (built by dbt in place, its working copy)
  is read in one snapshot into the working warehouse's `published` schema, and
  publish/store.py's `publish` writes published.duckdb, its Parquet set and the report
  from it exactly as on DuckDB (the same privacy rules, the same files). Just before the
  file is swapped in, publish/postgres.py copies that same new store into
  TSQ_PG_PUBLISH_SCHEMA and switches it in one transaction: BI users on PostgreSQL read
  the very rows of published.duckdb, and a publication that fails on PostgreSQL leaves
  both the file and the schema as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from orchestration.publish.postgres import PostgresPublishError, describe_url
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:
    import duckdb
    import psycopg

    from orchestration.publish.store import PublishOutcome
    from orchestration.quality.suites import SuiteFile
    from orchestration.settings import TsqSettings

#: the profile's target in dbt_project/profiles.yml
DBT_TARGET = "postgres"

# PostgreSQL type (information_schema.columns.data_type) -> the DuckDB type the same
# contract column has when dbt builds on DuckDB (the published models' contracts name
# portable types: varchar, double precision, integer, bigint, boolean, date, timestamp).
# Anything else stops the publication by name instead of being guessed.
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}
_BATCH_ROWS = 50_000


def _arrow_type(duckdb_type: str) -> Any:
    import pyarrow as pa

    return {
        "VARCHAR": pa.string(),
        "DOUBLE": pa.float64(),
        "FLOAT": pa.float32(),
        "SMALLINT": pa.int16(),
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    }[duckdb_type]


def postgres_url(settings: TsqSettings) -> str:
    """A libpq URL from the TSQ_PG_* settings (user and password percent-encoded)."""
    password = f":{quote(settings.pg_password, safe='')}" if settings.pg_password else ""
    host = f"[{settings.pg_host}]" if ":" in settings.pg_host else settings.pg_host
    return (
        f"postgresql://{quote(settings.pg_user, safe='')}{password}@{host}:{settings.pg_port}"
        f"/{quote(settings.pg_dbname, safe='')}"
    )


def sqlalchemy_url(settings: TsqSettings) -> str:
    """The same database as a SQLAlchemy URL for GX (the psycopg 3 driver)."""
    from sqlalchemy.engine import URL

    return URL.create(
        "postgresql+psycopg",
        username=settings.pg_user,
        password=settings.pg_password or None,
        host=settings.pg_host,
        port=settings.pg_port,
        database=settings.pg_dbname,
    ).render_as_string(hide_password=False)


def pull_published(
    con: duckdb.DuckDBPyConnection, url: str, models: tuple[str, ...], schema: str = "published"
) -> dict[str, int]:
    """Replace the working warehouse's `published` tables by PostgreSQL's (dbt's build
    there), read in one REPEATABLE READ snapshot and written in one DuckDB transaction.
    Column types are mapped by DUCKDB_TYPES, so the store publish() writes from them has
    the types a DuckDB build gives. Returns rows per table."""
    import psycopg

    counts: dict[str, int] = {}
    with psycopg.connect(url, connect_timeout=10, application_name="tsq pull published") as pg:
        # one snapshot for every table: a concurrent dbt build cannot mix two builds
        pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")
            with pg.transaction():
                pg.execute("SET LOCAL TimeZone = 'UTC'")  # timestamptz arrive as UTC
                for model in models:
                    counts[model] = _pull_table(con, pg, schema, model)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return counts


def _pull_table(
    con: duckdb.DuckDBPyConnection, pg: psycopg.Connection, schema: str, table: str
) -> int:
    import pyarrow as pa
    from psycopg import sql

    columns = pg.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    if not columns:
        raise PostgresPublishError(f"{schema}.{table} is missing on PostgreSQL: did dbt build?")
    typed = []
    for name, pg_type in columns:
        if pg_type not in DUCKDB_TYPES:
            raise PostgresPublishError(
                f"{schema}.{table}.{name}: PostgreSQL type {pg_type} has no DuckDB mapping"
            )
        typed.append((name, DUCKDB_TYPES[pg_type]))
    # names from PostgreSQL's catalogue, quoted; types from the fixed mapping above
    target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    definition = ", ".join(f"{quote_identifier(n)} {t}" for n, t in typed)
    con.execute(f"CREATE OR REPLACE TABLE {target} ({definition})")
    arrow_schema = pa.schema([(n, _arrow_type(t)) for n, t in typed])
    cursor = pg.cursor()
    cursor.execute(
        sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(sql.Identifier(n) for n, _ in typed),
            sql.Identifier(schema, table),
        )
    )
    rows = 0
    while batch := cursor.fetchmany(_BATCH_ROWS):
        columns_of_batch = list(zip(*batch, strict=True))
        arrow_batch = pa.table(
            [pa.array(values, type=field.type) for values, field in
             zip(columns_of_batch, arrow_schema, strict=True)],
            schema=arrow_schema,
        )  # fmt: skip
        con.register("tsq_pulled_batch", arrow_batch)
        try:
            con.execute(f"INSERT INTO {target} SELECT * FROM tsq_pulled_batch")
        finally:
            con.unregister("tsq_pulled_batch")
        rows += len(batch)
    cursor.close()
    return rows


@dataclass(frozen=True)
class PostgresEngine:
    settings: TsqSettings
    name: str = "postgres"
    pushes_raw: bool = True

    @property
    def url(self) -> str:
        return postgres_url(self.settings)

    def push_raw(self) -> dict[str, int]:
        from orchestration.engines.postgres_raw import push_raw

        return push_raw(self.settings.warehouse_path, self.url).row_counts

    def dbt_args(self) -> list[str]:
        return ["--target", DBT_TARGET]

    def dbt_environment(self) -> dict[str, str]:
        settings = self.settings
        return {
            "TSQ_PG_HOST": settings.pg_host,
            "TSQ_PG_PORT": str(settings.pg_port),
            "TSQ_PG_USER": settings.pg_user,
            "TSQ_PG_PASSWORD": settings.pg_password,
            "TSQ_PG_DBNAME": settings.pg_dbname,
            "TSQ_PG_SCHEMA": settings.pg_schema,
            # naive timestamps are UTC on both engines (DuckDB's profile sets TimeZone)
            "PGTZ": "UTC",
        }

    def dbt_vars(self) -> dict[str, Any]:
        # no password: this lands in the incremental record's fingerprint
        return {
            "tsq_engine": self.name,
            "tsq_engine_target": f"{describe_url(self.url)}?schema={self.settings.pg_schema}",
        }

    def suite_connection(self, suite: SuiteFile) -> str | None:
        # raw is DuckDB's: ingest wrote and reconciled it there, and its suites gate the
        # ingest assets, before the push
        return None if suite.layer == "raw" else sqlalchemy_url(self.settings)

    def suite_spark_home(self, suite: SuiteFile) -> Path | None:
        return None

    def publish(
        self,
        con: duckdb.DuckDBPyConnection,
        published_path: Path,
        run_id: str,
        checks_passed: int,
        publish_personal_names: bool,
    ) -> PublishOutcome:
        from orchestration.publish.postgres import publish_to_postgres
        from orchestration.publish.store import publish, published_models, staging_path_for

        pull_published(con, self.url, published_models())

        def on_step(step: str) -> None:
            # the new store is complete and synced, not yet swapped in: switch PostgreSQL's
            # schema to it now, so that a failure there leaves both publications as they were
            if step == "sync_next_store":
                publish_to_postgres(
                    staging_path_for(published_path, run_id),
                    self.url,
                    schema=self.settings.pg_publish_schema,
                )

        return publish(
            con,
            published_path,
            run_id,
            checks_passed,
            publish_personal_names=publish_personal_names,
            on_step=on_step,
        )
