"""One table's rows on DuckDB against another engine's (tests/test_engine_*.py and the
incremental test on PostgreSQL): the same number of rows and, both sides sorted the same
way, every value equal, floating point values to FLOAT_TOLERANCE.

Excused, each a representation and not a figure: a Decimal is compared as the integer or
float it is; an aware datetime as the naive UTC datetime DuckDB holds (Spark's timestamps
come back through Parquet as UTC instants)."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from orchestration.sql_text import quote_identifier

FLOAT_TOLERANCE = 1e-9


def _comparable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


#: values that order among their own kind (a column holds one kind)
_SCALARS = (bool, int, str, bytes, dt.date, dt.datetime, dt.time, dt.timedelta)


def _sort_key(row: tuple) -> tuple:
    # NULLs first, then scalars as themselves (a column holds one type, _comparable has
    # made Decimals and aware instants plain); floats rounded for ordering only, so two
    # engines' last-digit differences cannot reorder rows, and NaN after every number (it
    # compares with nothing); anything else (a list, a dict) by its text. The comparison
    # itself uses the exact values.
    key: list[tuple] = []
    for value in row:
        if value is None:
            key.append((0, 0))
        elif isinstance(value, float):
            rounded = round(value, 6)
            key.append((1, rounded) if rounded == rounded else (2, 0))
        elif isinstance(value, _SCALARS):
            key.append((1, value))
        else:
            key.append((3, str(value)))
    return tuple(key)


def table_differences(
    table: str, columns: list[str], duck_rows: list[tuple], other_rows: list[tuple], engine: str
) -> list[str]:
    """What differs between one table's rows on DuckDB and on `engine` (empty: equal)."""
    if len(duck_rows) != len(other_rows):
        return [f"{table}: {len(duck_rows)} rows on DuckDB, {len(other_rows)} on {engine}"]
    ordered_duck = sorted((tuple(map(_comparable, r)) for r in duck_rows), key=_sort_key)
    ordered_other = sorted((tuple(map(_comparable, r)) for r in other_rows), key=_sort_key)
    differences = []
    for duck_row, other_row in zip(ordered_duck, ordered_other, strict=True):
        if duck_row == other_row and not any(v != v for v in duck_row):
            continue  # every value equal; a NaN (equal to itself only as the same object
            # in a tuple) is looked at below, where it equals nothing
        for column, duck_value, other_value in zip(columns, duck_row, other_row, strict=True):
            if isinstance(duck_value, float) or isinstance(other_value, float):
                same = (
                    duck_value is not None
                    and other_value is not None
                    and math.isclose(duck_value, other_value, rel_tol=0, abs_tol=FLOAT_TOLERANCE)
                )
            else:
                same = duck_value == other_value
            if not same:
                differences.append(f"{table}.{column}: {duck_value!r} != {other_value!r}")
    return differences


def duck_tables(path: Path, schema: str = "main") -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of one schema of a DuckDB file: name -> (columns, rows), instants in UTC."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        names = [
            n
            for (n,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                "ORDER BY 1",
                [schema],
            ).fetchall()
        ]
        found = {}
        for name in names:
            relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            cursor = con.execute(f"SELECT * FROM {relation}")
            found[name] = ([d[0] for d in cursor.description], cursor.fetchall())
        return found


#: dbt's layers: on another engine they are built there, never in the working warehouse
DBT_LAYERS = frozenset({"staging", "intermediate", "indicators", "scores", "config"})


def assert_dbt_layers_are_not_in(warehouse: Path) -> None:
    """A run on another engine leaves only raw (ingest's) and published (the copy the
    store is written from) in the DuckDB working warehouse: the suites of dbt's layers
    can only have passed by reading the engine."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = {
            s
            for (s,) in con.execute(
                "SELECT DISTINCT table_schema FROM information_schema.tables"
            ).fetchall()
        }
    assert not schemas & DBT_LAYERS, schemas
    assert {"raw", "published"} <= schemas, schemas


def write_two_ticket_loads(warehouse: Path, awkward: str) -> None:
    """A hand-made raw schema for the pushers' tests: tickets T1 (subject `awkward`) in
    load L1, T2 (no subject) and T3 in load L2."""
    from orchestration.raw_tables import ensure_ledger

    with duckdb.connect(str(warehouse)) as con:
        ensure_ledger(con)
        con.execute(
            "insert into raw.tickets (ticket_id, subject, _source_file, _source_row, _load_id,"
            " _loaded_at) values (?, ?, 'a.csv', 1, 'L1', '2026-09-01 00:00:00+00'),"
            " (?, ?, 'b.csv', 1, 'L2', '2026-09-02 00:00:00+00'),"
            " (?, ?, 'b.csv', 2, 'L2', '2026-09-02 00:00:00+00')",
            ["T1", awkward, "T2", None, "T3", "plain"],
        )


def retract_l2_and_restate_l1(warehouse: Path) -> None:
    """After write_two_ticket_loads: load L2 retracted, and L1's one row replaced by
    another (T9, subject `back`), the same count under the same load id: a cascade and a
    release in one run, which a push must send again."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw.tickets where _load_id = ?", ["L2"])
        con.execute("delete from raw.tickets where _load_id = ?", ["L1"])
        con.execute(
            "insert into raw.tickets (ticket_id, subject, _source_file, _source_row, _load_id,"
            " _loaded_at) values ('T9', 'back', 'a.csv', 2, 'L1', '2026-09-01 00:00:00+00')"
        )


def _shared_folder(tmp_path: Path) -> Path:
    """A folder every pytest-xdist worker of this session sees (the workers' base temporary
    folders are siblings named popen-gw<N>), or this session's own without xdist."""
    import os

    base = next((parent for parent in tmp_path.parents if parent.name.startswith("popen-gw")), None)
    if base is not None and os.environ.get("PYTEST_XDIST_TESTRUNUID"):
        return base.parent / f"shared-{os.environ['PYTEST_XDIST_TESTRUNUID']}"
    return tmp_path.parent / "shared"


def comparison_inbox(folder: Path, tickets: int) -> Path:
    """The inbox every engine comparison runs: `tickets` generated tickets (seed 11) plus
    the quarantine cascade's planted files, so raw.quarantine holds rows."""
    from orchestration.generator import generate
    from tests.conftest import CASCADE_FILES

    inbox = folder / "inbox"
    generate(inbox, tickets=tickets, seed=11)
    for name, text in CASCADE_FILES.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return inbox


def duckdb_reference_run(tmp_path: Path, tickets: int) -> tuple[Any, Path]:
    """The DuckDB run of comparison_inbox(tickets), made once per test session and shared
    by every comparison on every xdist worker (a file lock: the first to ask runs it, the
    others wait and read its published store, read-only). Returns its settings and the
    untouched inbox it ran, for the engine's run to copy. A failed run is not kept: the
    next comparison that asks runs it again and fails the same way."""
    import fcntl
    import shutil

    from orchestration.settings import TsqSettings
    from tests.conftest import run_in

    folder = _shared_folder(tmp_path) / f"duckdb-reference-{tickets}"
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "published"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        home = folder / "home"
        if not done.exists():
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(folder / "inbox", ignore_errors=True)
            inbox = comparison_inbox(folder, tickets)
            shutil.copytree(inbox, TsqSettings(home=home).ensure().inbox, dirs_exist_ok=True)
            _, outcome = run_in(home)
            assert outcome.published, outcome.report_lines()
            done.touch()
    return TsqSettings(home=home), folder / "inbox"


def run_on_duckdb_and_engine(
    tmp_path: Path, tickets: int, engine_environment: dict[str, str]
) -> tuple[Any, Any]:
    """comparison_inbox(tickets) run twice through the real pipeline: on DuckDB
    (duckdb_reference_run, shared by the comparisons), then as `tsq run` in a process of
    its own with `engine_environment` (the engine's settings). Returns both homes'
    settings."""
    import os
    import shutil
    import subprocess
    import sys

    from orchestration.settings import TsqSettings

    duck, inbox = duckdb_reference_run(tmp_path, tickets)
    engine_home = tmp_path / "engine-home"
    shutil.copytree(inbox, TsqSettings(home=engine_home).ensure().inbox, dirs_exist_ok=True)
    ran = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env={
            **os.environ,
            "TSQ_HOME": str(engine_home),
            "DAGSTER_HOME": str(engine_home / "dagster"),
            # pyspark's Python side reads timestamps in the process's zone
            "TZ": "UTC",
            **engine_environment,
        },
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, (ran.stdout[-3000:], ran.stderr[-3000:])
    return duck, TsqSettings(home=engine_home)


def _equal_in_duckdb(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple]) -> bool:
    """Whether `table` holds the same rows in the attached stores `left` and `right`, doubles
    rounded to 9 decimals (two doubles that round alike differ by less than
    FLOAT_TOLERANCE), and no NaN on either side (a NaN is equal to nothing in
    table_differences). False says only "look closer", not what differs."""
    doubles = [name for name, data_type in columns if data_type in ("DOUBLE", "FLOAT")]
    selected = ", ".join(
        f"round({quote_identifier(name)}, 9)" if name in doubles else quote_identifier(name)
        for name, _ in columns
    )
    nan_found = " OR ".join(f"isnan({quote_identifier(name)})" for name in doubles) or "false"
    relation = quote_identifier(table)
    (differing,) = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT {selected} FROM left_store.{relation}"
        f" EXCEPT ALL SELECT {selected} FROM right_store.{relation}))"
        f" + (SELECT count(*) FROM (SELECT {selected} FROM right_store.{relation}"
        f" EXCEPT ALL SELECT {selected} FROM left_store.{relation}))"
        f" + (SELECT count(*) FROM left_store.{relation} WHERE {nan_found})"
        f" + (SELECT count(*) FROM right_store.{relation} WHERE {nan_found})"
    ).fetchone() or (1,)
    return differing == 0


def store_differences(
    duck_published: Path,
    engine_published: Path,
    engine: str,
    types: dict[str, list[tuple]] | None = None,
) -> list[str]:
    """What differs between two published stores' tables (publish_log left out: run ids and
    instants differ by design), each holding the same tables and column types. A table
    equal in DuckDB (_equal_in_duckdb) is equal; any other is compared row by row
    (table_differences), which says what differs. The row-by-row comparison alone took
    seconds per store even at 200 tickets (200,000 indicator values). `types`: the stores'
    tables and column types, when the caller has read them already."""
    from scripts.compare_published import fingerprint

    if types is None:
        types = {t: c for t, (c, _, _) in fingerprint(duck_published).items()}
    differences: list[str] = []
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("ATTACH ? AS left_store (READ_ONLY)", [str(duck_published)])
        con.execute("ATTACH ? AS right_store (READ_ONLY)", [str(engine_published)])
        for table in sorted(types.keys() - {"publish_log"}):
            (count,) = con.execute(
                f"SELECT count(*) FROM left_store.{quote_identifier(table)}"
            ).fetchone() or (0,)
            assert count, f"{table} is empty: nothing would be compared"
            if _equal_in_duckdb(con, table, types[table]):
                continue
            relation = quote_identifier(table)
            left = con.execute(f"SELECT * FROM left_store.{relation}")
            columns = [d[0] for d in left.description]
            left_rows = left.fetchall()
            right_rows = con.execute(f"SELECT * FROM right_store.{relation}").fetchall()
            differences += table_differences(table, columns, left_rows, right_rows, engine)
    return differences


def assert_same_published_tables(
    duck_published: Path, engine_published: Path, engine: str
) -> dict[str, tuple[list[str], list[tuple]]]:
    """The engine run's published.duckdb has the DuckDB run's tables, column types and rows
    (publish_log left out: run ids and instants differ by design). Returns its tables."""
    from scripts.compare_published import fingerprint

    duck_types = {t: c for t, (c, _, _) in fingerprint(duck_published).items()}
    assert {t: c for t, (c, _, _) in fingerprint(engine_published).items()} == duck_types
    assert len(duck_types) >= 6
    differences = store_differences(duck_published, engine_published, engine, duck_types)
    assert differences == [], "\n".join(differences[:40])
    store = duck_tables(engine_published)
    assert store.keys() == {*duck_types, "publish_log"}
    return store


@contextlib.contextmanager
def spark_server(kind: str, folder: Path) -> Iterator[str]:
    """A real Spark server of `kind` (connect or thrift) in `folder`, started by the
    project's own script (scripts/spark-server.sh) and stopped after; yields its URL."""
    import os
    import subprocess
    import sys

    from orchestration.settings import PROJECT_ROOT

    script = PROJECT_ROOT / "scripts" / "spark-server.sh"
    environment = {**os.environ, "TSQ_PYTHON": sys.executable}
    started = subprocess.run(
        ["bash", str(script), kind, "start", str(folder)],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(
            ["bash", str(script), kind, "stop", str(folder)], env=environment, capture_output=True
        )
