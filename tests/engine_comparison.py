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


def _sort_key(row: tuple) -> tuple:
    # floats rounded for ordering only, so two engines' last-digit differences cannot
    # reorder rows; the comparison itself uses the exact values
    return tuple(
        (0, "")
        if value is None
        else (1, f"{round(value, 6):.6f}")
        if isinstance(value, float)
        else (1, str(value))
        for value in row
    )


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


def run_on_duckdb_and_engine(
    tmp_path: Path, tickets: int, engine_environment: dict[str, str]
) -> tuple[Any, Any]:
    """One generated inbox (seed 11, plus the quarantine cascade's planted files, so
    raw.quarantine holds rows) run twice through the real pipeline: on DuckDB in this
    process, then as `tsq run` in a process of its own with `engine_environment` (the
    engine's settings). Returns both homes' settings."""
    import os
    import shutil
    import subprocess
    import sys

    from orchestration.generator import generate
    from orchestration.settings import TsqSettings
    from tests.conftest import CASCADE_FILES, run_in

    duck_home, engine_home = tmp_path / "duckdb-home", tmp_path / "engine-home"
    inbox = TsqSettings(home=duck_home).ensure().inbox
    generate(inbox, tickets=tickets, seed=11)
    for name, text in CASCADE_FILES.items():
        (inbox / name).write_text(text, encoding="utf-8")
    shutil.copytree(inbox, TsqSettings(home=engine_home).ensure().inbox, dirs_exist_ok=True)
    duck, duck_outcome = run_in(duck_home)
    assert duck_outcome.published, duck_outcome.report_lines()
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


def assert_same_published_tables(
    duck_published: Path, engine_published: Path, engine: str
) -> dict[str, tuple[list[str], list[tuple]]]:
    """The engine run's published.duckdb has the DuckDB run's tables, column types and rows
    (publish_log left out: run ids and instants differ by design). Returns its tables."""
    from scripts.compare_published import fingerprint

    duck_types = {t: c for t, (c, _, _) in fingerprint(duck_published).items()}
    assert {t: c for t, (c, _, _) in fingerprint(engine_published).items()} == duck_types
    assert len(duck_types) >= 6
    duck_store, store = duck_tables(duck_published), duck_tables(engine_published)
    assert duck_store.keys() == store.keys()
    differences: list[str] = []
    for table in sorted(duck_store.keys() - {"publish_log"}):
        (duck_columns, duck_rows), (columns, rows) = duck_store[table], store[table]
        assert columns == duck_columns, table
        assert duck_rows, f"{table} is empty: nothing would be compared"
        differences += table_differences(table, duck_columns, duck_rows, rows, engine)
    assert differences == [], "\n".join(differences[:40])
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
