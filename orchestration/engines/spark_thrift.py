"""TSQ_ENGINE=spark on a cluster that serves SQL only: its Thrift server (HiveServer2, the
JDBC/ODBC endpoint of Spark's own Thrift server, EMR, Dataproc), named by a `hive://`
TSQ_SPARK_REMOTE. Spark Connect (spark_connect.py) carries DataFrames; a Thrift server
carries SQL statements and their results, nothing else, so every step here is SQL:

- the raw push is the Connect push (spark_remote_push.py: the same tables, record and
  retractions), its rows sent inside INSERT statements (`send_rows`, dynamic partition
  overwrite: only the loads in the statement are replaced), then the time zone list the
  suites read (`register_timezone_names`);
- dbt builds with the profile's `spark_cluster` target (dbt-spark's thrift method), to
  which `tsq run` passes the URL's host, port and user;
- the GX suites validate through GX's SQL datasource on the same server
  (quality/gx_hive.py), with the suites' Spark spellings;
- the published tables are read back with SELECT, and the BI publication sends the new
  Parquet set's rows into `tsq_published_v_<run>` and switches the views, as the other
  Spark paths do (spark.publish_views).

**No value is spliced into SQL as text.** HiveServer2 has no parameter markers (PyHive's
"parameters" are quoted into the text on the client), so rows travel as one base64 string
per statement: a JSON array of rows, each value its exact text (a double's repr, an
instant in ISO form, UTC), decoded on the server by `unbase64` and `from_json` and cast
to the column's type there. Base64's alphabet has no quote or backslash, and each string
is checked against it before it is sent. Identifiers are quoted by spark_identifier; a
load id in DROP PARTITION must be a plain token, as on the other paths.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import duckdb

from orchestration.engines.raw_schema import RawTable
from orchestration.engines.spark_raw import (
    RawPushOutcome,
    spark_columns,
    spark_identifier,
    spark_raw_name,
)
from orchestration.engines.spark_remote_push import (
    PUSH_DATABASE,
    duck_load_rows,
    push_raw_remote,
    table_columns,
)

if TYPE_CHECKING:
    from pathlib import Path

#: the profile's target for a Thrift server (dbt_project/profiles.yml)
DBT_TARGET = "spark_cluster"
THRIFT_SCHEME = "hive"
TIMEZONE_NAMES = f"{spark_identifier(PUSH_DATABASE)}.`timezone_names`"
#: rows per INSERT statement: a few MB of JSON, far below a Thrift server's message limit
ROWS_PER_STATEMENT = 5_000
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class ThriftError(RuntimeError):
    """A statement the Thrift server refused, with the server's own one-line reason."""


def is_thrift_url(url: str) -> bool:
    return urlsplit(url).scheme == THRIFT_SCHEME


@dataclass(frozen=True)
class ThriftEndpoint:
    """`hive://user@host:port/database`: where the Thrift server listens, whom to connect
    as, and the database the suites' connection starts in (`default` when absent)."""

    host: str
    port: int
    user: str
    database: str

    @classmethod
    def parse(cls, url: str) -> ThriftEndpoint:
        parts = urlsplit(url)
        if parts.scheme != THRIFT_SCHEME or not parts.hostname:
            raise ValueError(f"not a Thrift server URL (hive://user@host:port/database): {url}")
        if parts.password:
            raise ValueError(
                "TSQ_SPARK_REMOTE: a password in the URL would be logged with it; this Thrift "
                "path supports the server's NONE authentication only (docs/scale-out.md)"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or 10000,
            user=unquote(parts.username or ""),
            database=parts.path.strip("/") or "default",
        )

    @property
    def sqlalchemy_url(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{THRIFT_SCHEME}://{user}{self.host}:{self.port}/{self.database}"


class ThriftSession:
    """One connection to the Thrift server, in UTC, its statements run one at a time."""

    def __init__(self, endpoint: ThriftEndpoint) -> None:
        from pyhive import hive

        self.endpoint = endpoint
        self._connection = hive.connect(
            host=endpoint.host,
            port=endpoint.port,
            username=endpoint.user or None,
            # naive timestamps are UTC on every engine
            configuration={"spark.sql.session.timeZone": "UTC"},
        )
        self._cursor = self._connection.cursor()

    def sql(self, text: str) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a statement without a result)."""
        from pyhive.exc import OperationalError

        try:
            self._cursor.execute(text)
        except OperationalError as error:
            raise ThriftError(_server_message(error)) from None
        if self._cursor.description is None:
            return []
        return [tuple(row) for row in self._cursor.fetchall()]

    def send_load(
        self, duck: duckdb.DuckDBPyConnection, table: RawTable, load_id: str | None
    ) -> None:
        """One load's rows (every row when load_id is None) into raw.<table>, replacing
        that load's partition (the whole table without a load id)."""
        text, parameters = duck_load_rows(table, load_id)
        qualified = spark_raw_name(table)
        rows = _duck_rows(duck.execute(text, parameters))
        sent = send_rows(self, qualified, spark_columns(table), rows, overwrite=True)
        if sent == 0 and load_id is None:
            self.sql(f"TRUNCATE TABLE {qualified}")

    def replace_table(
        self, qualified: str, columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]
    ) -> None:
        """A small table made again with `rows`."""
        self.sql(f"DROP TABLE IF EXISTS {qualified}")
        definition = ", ".join(f"{spark_identifier(c)} {t}" for c, t in columns)
        self.sql(f"CREATE TABLE {qualified} ({definition}) USING parquet")
        send_rows(self, qualified, columns, rows, overwrite=False)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> ThriftSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _server_message(error: Exception) -> str:
    """HiveServer2's errorMessage (the Java stack trace around it is dropped)."""
    response = error.args[0] if error.args else None
    status = getattr(response, "status", None)
    message = getattr(status, "errorMessage", None) or str(error)
    return " ".join(str(message).split())[:2000]


# -- rows as SQL text, without their values ever being SQL -----------------------------


def _text(value: Any) -> str | None:
    """A value as the exact text Spark's CAST reads back to the same value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back to the same double
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | int | str):
        return str(value)
    raise TypeError(f"no text form for a {type(value).__name__} value")


def send_rows(
    session: ThriftSession,
    target: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    overwrite: bool,
) -> int:
    """INSERT (INTO, or OVERWRITE: with dynamic partition overwrite, only the partitions
    the rows are in) `rows` into `target`, whose columns are `columns` (name, Spark type)
    in order, ROWS_PER_STATEMENT at a time. Returns the rows sent."""
    casts = ", ".join(
        f"CAST(tsq_row[{i}] AS {spark_type}) AS {spark_identifier(name)}"
        for i, (name, spark_type) in enumerate(columns)
    )
    sent = 0
    for batch in _batches(rows):
        payload = base64.b64encode(
            json.dumps([[_text(v) for v in row] for row in batch]).encode("utf-8")
        ).decode("ascii")
        if not _BASE64.fullmatch(payload):  # cannot happen; the guard keeps it so
            raise ThriftError(f"{target}: the encoded rows are not base64")
        verb = "INSERT OVERWRITE TABLE" if overwrite and sent == 0 else "INSERT INTO"
        session.sql(
            f"{verb} {target} SELECT {casts} FROM (SELECT explode(from_json("
            f"CAST(unbase64('{payload}') AS STRING), 'array<array<string>>')) AS tsq_row)"
        )
        sent += len(batch)
    return sent


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_STATEMENT:
            yield batch
            batch = []
    if batch:
        yield batch


def _duck_rows(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[Any, ...]]:
    while chunk := cursor.fetchmany(ROWS_PER_STATEMENT):
        yield from chunk


# -- the raw push (spark_remote_push.py: what Connect and Thrift share) --------------


def register_timezone_names(session: ThriftSession) -> None:
    """`pg_timezone_names()`, which a staging suite reads for the zone names an engine
    knows: a SQL table function in the suites' database over `tsq_push.timezone_names`,
    Python's IANA list (a Thrift client cannot reach the server's JVM, as on Connect)."""
    import zoneinfo

    zones = [(zone,) for zone in sorted(zoneinfo.available_timezones())]
    session.sql(f"CREATE DATABASE IF NOT EXISTS {spark_identifier(PUSH_DATABASE)}")
    session.replace_table(TIMEZONE_NAMES, [("name", "string")], zones)
    function = f"{spark_identifier(session.endpoint.database)}.`pg_timezone_names`"
    session.sql(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS TABLE (name STRING) "
        f"RETURN SELECT name FROM {TIMEZONE_NAMES}"
    )


def push_raw_thrift(warehouse: Path, session: ThriftSession) -> RawPushOutcome:
    """Mirror DuckDB's raw schema into the server's `raw` database, load by load, and
    write the time zone list the suites read."""
    outcome = push_raw_remote(warehouse, session)
    register_timezone_names(session)
    return outcome


# -- the publication -------------------------------------------------------------------


def read_table(
    session: ThriftSession, database: str, table: str
) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    """(columns with their Spark types, rows) of database.table."""
    qualified = f"{spark_identifier(database)}.{spark_identifier(table)}"
    columns = table_columns(session, qualified)
    select_list = ", ".join(spark_identifier(name) for name, _ in columns)
    return columns, session.sql(f"SELECT {select_list} FROM {qualified}")


# Arrow type of a Parquet set's column -> the Spark type of its BI table (the local
# engine's `read.parquet` gives the same: naive timestamps are timestamp_ntz)
def spark_type_of_arrow(arrow_type: Any, where: str) -> str:
    import pyarrow as pa

    simple = [
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_int8, "tinyint"),
        (pa.types.is_int16, "smallint"),
        (pa.types.is_int32, "int"),
        (pa.types.is_int64, "bigint"),
        (pa.types.is_float32, "float"),
        (pa.types.is_float64, "double"),
        (pa.types.is_date32, "date"),
    ]
    for test, spark_type in simple:
        if test(arrow_type):
            return spark_type
    if pa.types.is_timestamp(arrow_type):
        return "timestamp" if arrow_type.tz else "timestamp_ntz"
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    raise ThriftError(f"{where}: no Spark type for Parquet's {arrow_type}")


def copy_parquet_file(session: ThriftSession, file: Path, qualified: str) -> int:
    """A Parquet file's rows into a new table `qualified` on the server; returns the rows
    the server then counts."""
    import pyarrow.parquet as pq

    parquet = pq.read_table(file)
    columns = [
        (field.name, spark_type_of_arrow(field.type, f"{file.name}:{field.name}"))
        for field in parquet.schema
    ]
    definition = ", ".join(f"{spark_identifier(c)} {t}" for c, t in columns)
    session.sql(f"CREATE TABLE {qualified} ({definition}) USING parquet")
    names = parquet.column_names
    rows = (tuple(record[n] for n in names) for record in parquet.to_pylist())
    send_rows(session, qualified, columns, rows, overwrite=False)
    return int(session.sql(f"SELECT count(*) FROM {qualified}")[0][0])
