"""TSQ_ENGINE=spark: dbt builds, the GX suites validate and the BI tables are published on
a local Apache Spark (docs/scale-out.md), or on a cluster when TSQ_SPARK_REMOTE is set:
through Spark Connect (`sc://`, spark_connect.py) or its Thrift server (`hive://`,
spark_thrift.py), the same steps through the cluster's own catalogue and storage; what
follows is the local session's way.

Everything Spark keeps lives under $TSQ_HOME/spark (`spark_home`): the raw Parquet files
of the push, dbt's tables (`warehouse/<database>.db/<table>`) and the catalogue, a Derby
metastore that admits ONE process at a time. The pipeline therefore never opens that
catalogue in its own process (a JVM keeps Derby booted until the process exits, even
after `SparkSession.stop()`):

- push_raw runs spark_raw in a process of its own, which ends before dbt starts;
- `dbt build --target spark` is dbt-spark's session inside the dbt process (profiles.yml);
- the GX suites and the pull of the published tables read dbt's tables through a Spark
  session in the pipeline's process that has no Hive catalogue (`reader_session`): each
  table the suite or the pull needs is declared in that session's in-memory catalogue
  over the folder dbt wrote it to, under the same `<database>.<table>` name, so the
  suite's SQL (`staging.stg_helpdesk__teams`, ...) resolves as it does on the other
  engines;
- the BI publication (versioned tables and views, `publish_bi`) runs in a process of its
  own again, because it writes the catalogue.

Publishing: Spark's `published` database (dbt's build) is read into the working
warehouse's `published` schema, and publish/store.py's `publish` writes published.duckdb,
its Parquet set and the report from it exactly as on DuckDB (the same privacy rules, the
same files). Just before the file is swapped in, that new Parquet set is copied into a
database of its own, `tsq_published_v_<run>`, and the views of `tsq_published` are
switched to it one by one (/tmp/decisions-sparkrun.md: what a reader sees meanwhile). A
publication that fails on Spark fails the run before the file is swapped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.engines.spark_raw import local_session, spark_identifier
from orchestration.engines.spark_thrift import is_thrift_url
from orchestration.sql_text import quote_identifier

if TYPE_CHECKING:  # imported when used: `tsq --help` need not start a JVM
    import duckdb
    from pyspark.sql import DataFrame, SparkSession

    from orchestration.publish.store import PublishOutcome
    from orchestration.quality.suites import SuiteFile
    from orchestration.settings import TsqSettings

#: the profile's target in dbt_project/profiles.yml
DBT_TARGET = "spark"
#: the database of views BI users query on Spark; each publication's tables sit in
#: `<BI_DATABASE>_v_<run>` and the views point at the newest
BI_DATABASE = "tsq_published"
PUBLISHED_DATABASE = "published"  # dbt's working copy (models/published/)

# Spark type (DataType.simpleString) -> the DuckDB type the same contract column has when
# dbt builds on DuckDB. Anything else stops the publication by name instead of being guessed.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "double": "DOUBLE",
    "float": "FLOAT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    # Spark's timestamps are instants shown in the session's zone (UTC): DuckDB's naive UTC
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
}
_DECIMAL = re.compile(r"decimal\((\d+),(\d+)\)")
# `<database>.<table>` in a suite's SQL: the tables a suite reads besides its own
_QUALIFIED_NAME = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_LABEL_UNSAFE = re.compile(r"[^a-z0-9_]+")


class SparkEngineError(RuntimeError):
    """A one-line reason a Spark step did not happen."""


def spark_home(settings: TsqSettings) -> Path:
    """$TSQ_HOME/spark, absolute (the profile's `spark` target builds the same path)."""
    return settings.root.resolve() / "spark"


def table_location(home: Path, database: str, table: str) -> Path:
    """Where the local session's warehouse keeps a managed table's files (Spark's layout
    under spark.sql.warehouse.dir)."""
    return home / "warehouse" / f"{database.lower()}.db" / table.lower()


def run_label(run_id: str) -> str:
    """A run id as a part of a Spark database name (lower-case letters, digits, _)."""
    return _LABEL_UNSAFE.sub("_", run_id.lower()).strip("_") or "run"


def _subprocess_environment(settings: TsqSettings) -> dict[str, str]:
    return {
        **os.environ,
        "TSQ_HOME": str(settings.root.resolve()),
        # pyspark's Python side renders timestamps in the process's zone
        "TZ": "UTC",
    }


def _run_spark_process(settings: TsqSettings, args: list[str], what: str) -> dict[str, Any]:
    """`python -m <args>` in a process of its own (the Derby metastore admits one process
    at a time and keeps to the JVM that opened it); its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, "-m", *args],
        env=_subprocess_environment(settings),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise SparkEngineError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- reading dbt's tables without the catalogue ---------------------------------------


def reader_session() -> SparkSession:
    """The pipeline process's Spark session: local, with an in-memory catalogue (never the
    Derby metastore, which dbt's process must be able to open next). One per process,
    whatever the TSQ home: tables are declared by absolute location."""
    from pyspark.sql import SparkSession

    scratch = Path(tempfile.gettempdir()) / f"tsq-spark-reader-{os.getpid()}"
    # Python UDTFs (pg_timezone_names below) run in worker processes of this interpreter
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master("local[*]")
        .appName("tsq read spark tables")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(scratch))
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("TSQ_SPARK_SHUFFLE_PARTITIONS", "2"))
        .config("spark.driver.memory", os.environ.get("TSQ_SPARK_READER_MEMORY", "1g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    session = builder.getOrCreate()
    register_pg_timezone_names(session)
    return session


def register_pg_timezone_names(session: SparkSession, zones: list[str] | None = None) -> None:
    """`pg_timezone_names()`, which a staging suite reads for the zone names an engine
    knows (DuckDB and PostgreSQL have it): on Spark, the JVM's zone ids, the ones its
    from_utc_timestamp accepts. A Spark Connect client cannot reach the JVM: it passes
    `zones` (the IANA zones Python knows, the database the JVM's ids come from)."""
    from pyspark.sql.functions import udtf

    if zones is None:
        zones = sorted(str(z) for z in session._jvm.java.time.ZoneId.getAvailableZoneIds())  # type: ignore[union-attr]

    @udtf(returnType="name: string")
    class PgTimezoneNames:
        def eval(self) -> Iterable[tuple[str]]:
            for zone in zones:
                yield (zone,)

    session.udtf.register("pg_timezone_names", PgTimezoneNames)


def dbt_views(home: Path) -> dict[tuple[str, str], tuple[str, list[tuple[str, str]]]]:
    """(database, view) -> (its compiled SELECT, the relations it reads) for every model
    dbt built as a view, from the manifest of the run's dbt invocation
    ($TSQ_HOME/dbt_target, beside the Spark home): a view has no files, and its text is
    in the metastore the reader session does not open."""
    manifest_path = home.parent / "dbt_target" / "manifest.json"
    if not manifest_path.is_file():
        return {}
    nodes = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {})

    def relation(node: dict[str, Any]) -> tuple[str, str] | None:
        name = (node.get("relation_name") or "").replace("`", "")
        database, _, table = name.rpartition(".")
        return (database.lower(), table.lower()) if database else None

    views = {}
    for node in nodes.values():
        if node.get("resource_type") != "model" or node["config"].get("materialized") != "view":
            continue
        own = relation(node)
        if own is None or not node.get("compiled_code"):
            continue
        reads = [
            found
            for dependency in node.get("depends_on", {}).get("nodes", [])
            if dependency in nodes and (found := relation(nodes[dependency])) is not None
        ]
        views[own] = (node["compiled_code"], reads)
    return views


def declare_tables(session: SparkSession, home: Path, names: Iterable[tuple[str, str]]) -> None:
    """Declare each (database, table) that dbt built under `home` in the reader session's
    catalogue: a table over its files (dropped and declared again: the files are dbt's
    latest build, and another TSQ home may have declared the same name before), a view
    by dbt's own compiled SELECT, after what it reads. A name that is neither (a column
    `alias.column` in SQL text) is skipped."""
    views: dict[tuple[str, str], tuple[str, list[tuple[str, str]]]] | None = None
    declared: set[tuple[str, str]] = set()

    def declare(database: str, table: str) -> None:
        nonlocal views
        key = (database.lower(), table.lower())
        if key in declared:
            return
        declared.add(key)
        qualified = f"{spark_identifier(database)}.{spark_identifier(table)}"
        location = table_location(home, database, table)
        if location.is_dir():
            session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(database)}")
            _drop(session, qualified)
            session.sql(
                f"CREATE TABLE {qualified} USING parquet LOCATION :location",
                args={"location": str(location)},
            )
            return
        if views is None:
            views = dbt_views(home)
        if key not in views:
            return
        select, reads = views[key]
        for read in reads:
            declare(*read)
        session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(database)}")
        _drop(session, qualified)
        # dbt's compiled SQL of the project's own model, as dbt ran it on Spark
        session.sql(f"CREATE OR REPLACE VIEW {qualified} AS {select}")

    for database, table in sorted(set(names)):
        declare(database, table)


def _drop(session: SparkSession, qualified: str) -> None:
    """Drop a table or a view of the reader session's catalogue (Spark refuses DROP TABLE
    on a view and DROP VIEW on a table)."""
    if session.catalog.tableExists(qualified):
        kind = session.catalog.getTable(qualified).tableType
        session.sql(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {qualified}")


def _declared(home: Path, database: str, table: str) -> bool:
    return table_location(home, database, table).is_dir() or (
        (database.lower(), table.lower()) in dbt_views(home)
    )


def suite_dataframe(home: Path, suite: SuiteFile) -> DataFrame:
    """The table a suite guards as a DataFrame of the reader session, with every table its
    SQL names declared beside it."""
    database, _, table = suite.table.partition(".")
    names = [(database, table)]
    for expectation in suite.expectations:
        for value in expectation.get("kwargs", {}).values():
            if isinstance(value, str):
                names += _QUALIFIED_NAME.findall(value)
    url = _remote_url()
    if url:
        # a cluster: its catalogue already has every table dbt built
        import zoneinfo

        from orchestration.engines.spark_connect import refreshed, remote_session

        session = remote_session(url)
        register_pg_timezone_names(session, sorted(zoneinfo.available_timezones()))
        found = {name: refreshed(session, *name) for name in sorted(set(names))}
        if not found[(database, table)]:
            raise SparkEngineError(f"{suite.table} is missing on Spark: did dbt build?")
        return session.table(f"{spark_identifier(database)}.{spark_identifier(table)}")
    session = reader_session()
    declare_tables(session, home, names)
    if not _declared(home, database, table):
        raise SparkEngineError(f"{suite.table} is missing on Spark: did dbt build?")
    return session.table(f"{spark_identifier(database)}.{spark_identifier(table)}")


def duckdb_type(spark_type: str, where: str) -> str:
    if spark_type in DUCKDB_TYPES:
        return DUCKDB_TYPES[spark_type]
    decimal = _DECIMAL.fullmatch(spark_type)
    if decimal:
        return f"DECIMAL({decimal.group(1)},{decimal.group(2)})"
    raise SparkEngineError(f"{where}: Spark type {spark_type} has no DuckDB mapping")


def pull_published(
    con: duckdb.DuckDBPyConnection, home: Path, models: tuple[str, ...]
) -> dict[str, int]:
    """Replace the working warehouse's `published` tables by Spark's (dbt's build under
    `home`), written in one DuckDB transaction with the types a DuckDB build gives
    (DUCKDB_TYPES). Returns rows per table."""
    import pyarrow as pa

    url = _remote_url()
    if is_thrift_url(url):
        return _pull_published_thrift(con, url, models)
    if url:
        from orchestration.engines.spark_connect import refreshed, remote_session

        session = remote_session(url)

        def built(model: str) -> bool:
            return refreshed(session, PUBLISHED_DATABASE, model)
    else:
        session = reader_session()
        declare_tables(session, home, [(PUBLISHED_DATABASE, m) for m in models])

        def built(model: str) -> bool:
            return table_location(home, PUBLISHED_DATABASE, model).is_dir()

    def read(model: str) -> tuple[list[tuple[str, str]], pa.Table]:
        if not built(model):
            raise SparkEngineError(f"published.{model} is missing on Spark: did dbt build?")
        frame = session.table(f"{spark_identifier(PUBLISHED_DATABASE)}.{spark_identifier(model)}")
        columns = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
        return columns, frame.toArrow()

    return _write_published(con, models, read)


def _pull_published_thrift(
    con: duckdb.DuckDBPyConnection, url: str, models: tuple[str, ...]
) -> dict[str, int]:
    """pull_published from a Thrift server: each table's rows by SELECT."""
    import pyarrow as pa

    from orchestration.engines.spark_remote_push import exists
    from orchestration.engines.spark_thrift import ThriftEndpoint, ThriftSession, read_table

    with ThriftSession(ThriftEndpoint.parse(url)) as thrift:

        def read(model: str) -> tuple[list[tuple[str, str]], pa.Table]:
            if not exists(thrift, PUBLISHED_DATABASE, model):
                raise SparkEngineError(f"published.{model} is missing on Spark: did dbt build?")
            columns, rows = read_table(thrift, PUBLISHED_DATABASE, model)
            # the server's values as Python gives them (dates as text): DuckDB casts each
            # to the typed table's column on insert
            arrow = pa.table(
                {name: pa.array([row[i] for row in rows]) for i, (name, _) in enumerate(columns)}
            )
            return columns, arrow

        return _write_published(con, models, read)


def _write_published(
    con: duckdb.DuckDBPyConnection,
    models: tuple[str, ...],
    read: Callable[[str], tuple[list[tuple[str, str]], Any]],
) -> dict[str, int]:
    """Each model's (Spark columns, Arrow rows) from `read` into the working warehouse's
    `published` schema, in one DuckDB transaction, typed as a DuckDB build types them."""
    import pyarrow as pa

    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(PUBLISHED_DATABASE)}")
        for model in models:
            columns, arrow = read(model)
            typed = [
                (name, duckdb_type(spark_type, f"published.{model}.{name}"))
                for name, spark_type in columns
            ]
            # aware UTC instants -> naive UTC (the cast keeps the stored values); the rest
            # is cast by DuckDB on insert into the typed table
            arrow = pa.table(
                [
                    column.cast(pa.timestamp("us"))
                    if pa.types.is_timestamp(column.type)
                    else column
                    for column in arrow.columns
                ],
                names=arrow.column_names,
            )
            target = f"{quote_identifier(PUBLISHED_DATABASE)}.{quote_identifier(model)}"
            # names from Spark's schema, quoted; types from the fixed mapping above
            definition = ", ".join(f"{quote_identifier(n)} {t}" for n, t in typed)
            con.execute(f"CREATE OR REPLACE TABLE {target} ({definition})")
            con.register("tsq_pulled_table", arrow)
            try:
                con.execute(f"INSERT INTO {target} SELECT * FROM tsq_pulled_table")
            finally:
                con.unregister("tsq_pulled_table")
            counts[model] = arrow.num_rows
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


# -- the BI publication on Spark (a process of its own) -------------------------------


@dataclass(frozen=True)
class SparkPublication:
    database: str  # the views' database BI users read
    version_database: str  # where this publication's tables are
    row_counts: dict[str, int]
    dropped_versions: list[str]


def version_database(label: str) -> str:
    return f"{BI_DATABASE}_v_{label}"


#: runs one SQL statement on Spark and returns its rows as tuples (a session's
#: `sql(...).collect()`, or a Thrift server's cursor: spark_thrift.ThriftSession.sql)
SqlRunner = Callable[[str], list[tuple[Any, ...]]]
#: copies one Parquet file of the set into a new table `<database>.<table>`; returns
#: (rows in the file, rows the table then holds)
FileCopier = Callable[[Path, str], tuple[int, int]]


def publish_bi(session: SparkSession, parquet_set: Path, label: str) -> SparkPublication:
    """publish_views through a Spark session (local, or Spark Connect)."""

    def sql(text: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in session.sql(text).collect()]

    def copy(file: Path, qualified: str) -> tuple[int, int]:
        if _is_connect(session):
            import pyarrow.parquet as pq

            # a cluster cannot read this machine's files: the rows travel as Arrow
            frame = session.createDataFrame(pq.read_table(file))
        else:
            frame = session.read.parquet(str(file))
        frame.write.format("parquet").saveAsTable(qualified)
        return frame.count(), session.table(qualified).count()

    return publish_views(sql, copy, parquet_set, label)


def publish_views(
    sql: SqlRunner, copy: FileCopier, parquet_set: Path, label: str
) -> SparkPublication:
    """Copy every `<table>.parquet` of a complete Parquet set (publish/store.py's, written
    from the new published.duckdb) into a fresh database `tsq_published_v_<label>`,
    check each copy's row count, then point the views `tsq_published.<table>` at it
    (CREATE OR REPLACE VIEW, one per table), drop the views of tables no longer
    published, and drop every older version but the one just replaced (a reader's query
    planned on it a moment ago still finds its files)."""
    new_db = version_database(label)
    files = sorted(parquet_set.glob("*.parquet"))
    if not files:
        raise SparkEngineError(f"{parquet_set}: no Parquet file to publish")
    sql(f"DROP DATABASE IF EXISTS {spark_identifier(new_db)} CASCADE")  # a retry
    sql(f"CREATE DATABASE {spark_identifier(new_db)}")
    counts: dict[str, int] = {}
    for file in files:
        table = file.stem
        qualified = f"{spark_identifier(new_db)}.{spark_identifier(table)}"
        expected, copied = copy(file, qualified)
        if expected != copied:
            raise SparkEngineError(f"{qualified}: {copied} rows copied of {expected}")
        counts[table] = copied

    bi = spark_identifier(BI_DATABASE)
    sql(f"CREATE DATABASE IF NOT EXISTS {bi}")
    # SHOW VIEWS rows are (namespace, viewName, isTemporary)
    previous = {str(row[1]) for row in sql(f"SHOW VIEWS IN {bi}")}
    previous_version = _current_version(sql)
    for table in counts:
        sql(
            f"CREATE OR REPLACE VIEW {bi}.{spark_identifier(table)} AS "
            f"SELECT * FROM {spark_identifier(new_db)}.{spark_identifier(table)}"
        )
    for table in sorted(previous - set(counts)):
        sql(f"DROP VIEW IF EXISTS {bi}.{spark_identifier(table)}")
    keep = {new_db, previous_version}
    dropped = []
    for (name,) in sql("SHOW DATABASES"):
        if name.startswith(f"{BI_DATABASE}_v_") and name not in keep:
            sql(f"DROP DATABASE IF EXISTS {spark_identifier(name)} CASCADE")
            dropped.append(name)
    return SparkPublication(BI_DATABASE, new_db, counts, sorted(dropped))


def _is_connect(session: SparkSession) -> bool:
    """Whether the session is a Spark Connect client (TSQ_SPARK_REMOTE)."""
    return type(session).__module__.startswith("pyspark.sql.connect")


def _remote_url() -> str:
    """TSQ_SPARK_REMOTE: a cluster's Spark Connect (sc://) or Thrift (hive://) endpoint,
    or '' for the local session."""
    from orchestration.settings import get_settings

    return get_settings().spark_remote


def _current_version(sql: SqlRunner) -> str | None:
    """The version database the BI views point at now (from publish_log's view, present
    in every publication), or None before the first."""
    bi = spark_identifier(BI_DATABASE)
    if BI_DATABASE not in {str(row[0]) for row in sql("SHOW DATABASES")}:
        return None
    # SHOW TABLES rows are (namespace, tableName, isTemporary); views are among them
    if "publish_log" not in {str(row[1]) for row in sql(f"SHOW TABLES IN {bi}")}:
        return None
    rows = sql(f"DESCRIBE TABLE EXTENDED {bi}.`publish_log`")
    text = " ".join(str(row[1]) for row in rows if row[0] == "View Text")
    found = re.search(rf"`({re.escape(BI_DATABASE)}_v_[a-z0-9_]+)`", text)
    return found.group(1) if found else None


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.engines.spark publish <parquet set> <label>` or
    `... current-version`: on $TSQ_HOME's local Spark, in a process of its own, or on the
    cluster TSQ_SPARK_REMOTE names. Prints one line of JSON."""
    from orchestration.settings import get_settings

    args = sys.argv[1:] if argv is None else argv
    if not (args[:1] == ["publish"] and len(args) == 3) and args != ["current-version"]:
        print(main.__doc__, file=sys.stderr)
        return 2
    settings = get_settings()
    if is_thrift_url(settings.spark_remote):
        # a cluster's Thrift server: SQL only, the rows inside statements (spark_thrift.py)
        from orchestration.engines.spark_thrift import (
            ThriftEndpoint,
            ThriftSession,
            copy_parquet_file,
        )

        with ThriftSession(ThriftEndpoint.parse(settings.spark_remote)) as thrift:
            if args[0] == "publish":

                def copy(file: Path, qualified: str) -> tuple[int, int]:
                    return pyarrow_rows(file), copy_parquet_file(thrift, file, qualified)

                outcome: dict[str, Any] = dataclasses.asdict(
                    publish_views(thrift.sql, copy, Path(args[1]), args[2])
                )
            else:
                outcome = {"version": _current_version(thrift.sql)}
        print(json.dumps(outcome, sort_keys=True))
        return 0
    if settings.spark_remote:
        from orchestration.engines.spark_connect import remote_session

        session = remote_session(settings.spark_remote)
    else:
        session = local_session(spark_home(settings))
    try:
        if args[0] == "publish":
            outcome = dataclasses.asdict(publish_bi(session, Path(args[1]), args[2]))
        else:
            outcome = {
                "version": _current_version(
                    lambda text: [tuple(row) for row in session.sql(text).collect()]
                )
            }
    finally:
        session.stop()
    print(json.dumps(outcome, sort_keys=True))
    return 0


def pyarrow_rows(file: Path) -> int:
    """Rows in a Parquet file, from its footer."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(file).metadata.num_rows)


# -- the engine ------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkEngine:
    settings: TsqSettings
    name: str = "spark"
    pushes_raw: bool = True

    @property
    def home(self) -> Path:
        return spark_home(self.settings)

    def push_raw(self) -> dict[str, int]:
        # a process of its own, ended before dbt opens the same metastore
        outcome = _run_spark_process(
            self.settings, ["orchestration.engines.spark_raw"], "the raw push to Spark"
        )
        return dict(outcome["row_counts"])

    @property
    def thrift(self) -> bool:
        """Whether TSQ_SPARK_REMOTE names a Thrift server (hive://) rather than Connect."""
        return is_thrift_url(self.settings.spark_remote)

    def dbt_args(self) -> list[str]:
        if self.thrift:
            from orchestration.engines.spark_thrift import DBT_TARGET as THRIFT_TARGET

            return ["--target", THRIFT_TARGET]
        if self.settings.spark_remote:
            from orchestration.engines.spark_connect import DBT_TARGET as CONNECT_TARGET

            return ["--target", CONNECT_TARGET]
        return ["--target", DBT_TARGET]

    def dbt_environment(self) -> dict[str, str]:
        # the profile builds the warehouse, metastore and Derby paths from TSQ_HOME, which
        # must be absolute there; pyspark's Python side reads timestamps in TZ
        environment = {"TSQ_HOME": str(self.settings.root.resolve()), "TZ": "UTC"}
        if self.thrift:
            from orchestration.engines.spark_thrift import ThriftEndpoint

            # the profile's spark_cluster target reads where the server is from these
            endpoint = ThriftEndpoint.parse(self.settings.spark_remote)
            environment |= {
                "TSQ_SPARK_METHOD": "thrift",
                "TSQ_SPARK_HOST": endpoint.host,
                "TSQ_SPARK_PORT": str(endpoint.port),
                "TSQ_SPARK_USER": endpoint.user,
            }
        elif self.settings.spark_remote:
            # dbt-spark's session method: pyspark's builder connects to SPARK_REMOTE
            environment["SPARK_REMOTE"] = self.settings.spark_remote
        return environment

    def dbt_vars(self) -> dict[str, Any]:
        schema = os.environ.get("TSQ_SPARK_SCHEMA", "tsq")
        if self.settings.spark_remote:
            from orchestration.engines.spark_connect import describe_remote

            # the URL without its user or parameters (a Databricks token sits in them)
            way = "spark-thrift" if self.thrift else "spark-connect"
            target = f"{way}:{describe_remote(self.settings.spark_remote)}?{schema}"
        else:
            target = f"spark-local:{self.home}?{schema}"
        return {"tsq_engine": self.name, "tsq_engine_target": target}

    def suite_connection(self, suite: SuiteFile) -> str | None:
        # a Thrift server is reached by SQL only: GX's SQL datasource (quality/gx_hive.py);
        # otherwise no SQLAlchemy URL on Spark: suite_spark_home says where suites validate
        if self.thrift and suite.layer != "raw":
            from orchestration.engines.spark_thrift import ThriftEndpoint

            return ThriftEndpoint.parse(self.settings.spark_remote).sqlalchemy_url
        return None

    def suite_spark_home(self, suite: SuiteFile) -> Path | None:
        # raw is DuckDB's: ingest wrote and reconciled it there, and its suites gate the
        # ingest assets, before the push
        return None if suite.layer == "raw" or self.thrift else self.home

    def publish(
        self,
        con: duckdb.DuckDBPyConnection,
        published_path: Path,
        run_id: str,
        checks_passed: int,
        publish_personal_names: bool,
    ) -> PublishOutcome:
        from orchestration.publish.store import parquet_set_for, publish, published_models

        pull_published(con, self.home, published_models())
        label = run_label(run_id)

        def on_step(step: str) -> None:
            # the new store and its Parquet set are complete and synced, not yet swapped
            # in: publish that set on Spark now, so that a failure there leaves both
            # publications as they were
            if step == "sync_next_store":
                _run_spark_process(
                    self.settings,
                    [
                        "orchestration.engines.spark",
                        "publish",
                        str(parquet_set_for(published_path, run_id)),
                        label,
                    ],
                    "the publication on Spark",
                )

        return publish(
            con,
            published_path,
            run_id,
            checks_passed,
            publish_personal_names=publish_personal_names,
            on_step=on_step,
        )


if __name__ == "__main__":
    sys.exit(main())
