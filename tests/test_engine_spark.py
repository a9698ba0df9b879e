"""The dbt project on a local Apache Spark session gives DuckDB's published tables.

One real pipeline run on DuckDB (a small generated inbox, plus the quarantine cascade's
planted files so raw.quarantine holds rows), its raw schema pushed to Spark twice
(orchestration/engines/spark_raw.py: Parquet per load and external tables in the local
metastore under TSQ_HOME/spark), one real `dbt build --target spark` (a pyspark session
inside dbt: every model, seed and data test), and every table of DuckDB's
`published` schema compared with Spark's.

Every Spark step runs in a process of its own: the local metastore (Derby) admits one
process at a time, and a JVM started inside pytest would keep it.

Comparison: the same column names in the same order, the same number of rows, and row by
row (both sides sorted the same way) every value equal, floating point values to 1e-9.
Exceptions, each a representation and not a figure:
- Spark's tables are read back through Parquet, where its timestamps are UTC instants: an
  aware datetime is compared as the naive UTC datetime DuckDB holds.
- A Decimal is compared as the float or integer it is.
Nothing else is excused.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.engines.spark_raw import (
    RAW_SCHEMA,
    RawPushError,
    spark_identifier,
    write_raw_files,
)
from orchestration.settings import DBT_PROJECT_DIR, TsqSettings
from orchestration.sql_text import quote_identifier, sql_string
from tests.conftest import CASCADE_FILES, DBT, run_in
from tests.engine_comparison import table_differences as engine_table_differences

GENERATED_TICKETS = 200

# Run in a process of its own: every table of Spark's `published` database written as
# Parquet under argv[2]/<table>, timestamps as UTC instants (not Spark's legacy INT96).
_DUMP_PUBLISHED = """
import sys
from pathlib import Path
from orchestration.engines.spark_raw import local_session, spark_identifier
spark = local_session(Path(sys.argv[1]))
spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
out = Path(sys.argv[2])
for table in spark.catalog.listTables("published"):
    name = f"{spark_identifier('published')}.{spark_identifier(table.name)}"
    spark.table(name).coalesce(1).write.mode("overwrite").parquet(str(out / table.name))
spark.stop()
"""


def table_differences(
    table: str, columns: list[str], duck_rows: list[tuple], spark_rows: list[tuple]
) -> list[str]:
    """What differs between one table's rows on DuckDB and on Spark (empty: equal)."""
    return engine_table_differences(table, columns, duck_rows, spark_rows, "Spark")


def test_table_differences_sees_a_changed_value() -> None:
    """The comparison itself can fail, and excuses only what it says it does."""
    at = dt.datetime(2026, 9, 1, 8, 30)
    rows = [("a", 1.0, 2, at), ("b", 0.5, 3, None)]
    assert table_differences("t", ["k", "x", "n", "at"], rows, list(reversed(rows))) == []
    excused = [
        ("a", 1.0 + 1e-10, decimal.Decimal(2), at.replace(tzinfo=dt.UTC)),
        ("b", decimal.Decimal("0.5"), 3, None),
    ]
    assert table_differences("t", ["k", "x", "n", "at"], rows, excused) == []
    shifted = [("a", 1.0, 2, at.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))), rows[1]]
    assert table_differences("t", ["k", "x", "n", "at"], rows, shifted) != []
    assert table_differences("t", ["k", "x", "n", "at"], rows, [("a", 1.0 + 1e-8, 2, at), rows[1]])
    assert table_differences("t", ["k", "x", "n", "at"], rows, rows[:1]) == [
        "t: 2 rows on DuckDB, 1 on Spark"
    ]


def test_spark_identifier_quotes_backticks() -> None:
    assert spark_identifier("tickets") == "`tickets`"
    assert spark_identifier("a`b") == "`a``b`"


def _parquet_rows(folder: Path, columns: str) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select {columns} from read_parquet({sql_string(str(folder / '*.parquet'))},"
            " hive_partitioning = false) order by all"
        ).fetchall()


def test_raw_files_follow_loads_and_their_retraction(tmp_path: Path) -> None:
    """The file half of the Spark push, on a hand-made raw schema (no JVM): one folder of
    Parquet per load, values untouched (a quote, a backslash, a newline, a NULL), the load
    id in the folder's name and not in the file; written twice, the same files; load L2
    retracted in DuckDB (as `tsq retract` does), its folders go."""
    from orchestration.raw_tables import ensure_ledger

    warehouse = tmp_path / "tsq.duckdb"
    awkward = 'it\'s a \\ "q"\nnext'
    with duckdb.connect(str(warehouse)) as con:
        ensure_ledger(con)
        con.execute(
            "insert into raw.tickets (ticket_id, subject, _source_file, _source_row, _load_id,"
            " _loaded_at) values (?, ?, 'a.csv', 1, 'L1', '2026-09-01 00:00:00+00'),"
            " (?, ?, 'b.csv', 1, 'L2', '2026-09-02 00:00:00+00'),"
            " (?, ?, 'b.csv', 2, 'L2', '2026-09-02 00:00:00+00')",
            ["T1", awkward, "T2", None, "T3", "plain"],
        )
        con.execute(
            "insert into raw.loads values (?, 'tickets', 'a.csv', 'h1', 'csv', 'utf-8', 1, 1, 0,"
            " '2026-09-01 00:00:00+00'), (?, 'tickets', 'b.csv', 'h2', 'csv', 'utf-8', 3, 2, 1,"
            " '2026-09-02 00:00:00+00')",
            ["L1", "L2"],
        )
    raw_root = tmp_path / "spark" / "raw"
    first = write_raw_files(warehouse, raw_root)
    second = write_raw_files(warehouse, raw_root)
    assert first.loads_written == second.loads_written == {"L1", "L2"}
    assert second.loads_removed == set()
    tickets = raw_root / "tickets"
    assert sorted(p.name for p in tickets.iterdir()) == ["_load_id=L1", "_load_id=L2"]
    assert sorted(p.name for p in (raw_root / "loads").iterdir()) == ["load_id=L1", "load_id=L2"]
    assert _parquet_rows(tickets / "_load_id=L1", "ticket_id, subject") == [("T1", awkward)]
    assert _parquet_rows(tickets / "_load_id=L2", "ticket_id, subject, _source_row") == [
        ("T2", None, 1),
        ("T3", "plain", 2),
    ]
    with duckdb.connect() as con:
        file_columns = con.execute(
            f"select * from read_parquet({sql_string(str(tickets / '_load_id=L1' / '*'))},"
            " hive_partitioning = false)"
        ).description
    assert "_load_id" not in {c[0] for c in file_columns}

    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw.tickets where _load_id = ?", ["L2"])
        con.execute("delete from raw.loads where load_id = ?", ["L2"])
    third = write_raw_files(warehouse, raw_root)
    assert (third.loads_written, third.loads_removed) == ({"L1"}, {"L2"})
    assert sorted(p.name for p in tickets.iterdir()) == ["_load_id=L1"]
    assert sorted(p.name for p in (raw_root / "loads").iterdir()) == ["load_id=L1"]
    assert not list(tickets.glob(".*"))  # no staging folder left behind


def test_a_load_id_that_is_not_a_plain_name_is_refused(tmp_path: Path) -> None:
    """A load id becomes a folder name: one that could climb out of it is refused."""
    from orchestration.raw_tables import ensure_ledger

    warehouse = tmp_path / "tsq.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_ledger(con)
        con.execute(
            "insert into raw.tickets (ticket_id, _source_file, _source_row, _load_id,"
            " _loaded_at) values ('T1', 'a.csv', 1, ?, '2026-09-01 00:00:00+00')",
            ["../L1"],
        )
    with pytest.raises(RawPushError, match="not a plain name"):
        write_raw_files(warehouse, tmp_path / "spark" / "raw")


def _environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TSQ_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        # pyspark's Python side reads timestamps in the process's zone
        "TZ": "UTC",
    }


def _push(home: Path) -> dict[str, Any]:
    pushed = subprocess.run(
        [sys.executable, "-m", "orchestration.engines.spark_raw"],
        env=_environment(home),
        capture_output=True,
        text=True,
    )
    assert pushed.returncode == 0, pushed.stderr[-4000:]
    return json.loads(pushed.stdout.strip().splitlines()[-1])


def _duck_raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        return {
            name: con.execute(
                f"select count(*) from {RAW_SCHEMA}.{quote_identifier(name)}"
            ).fetchone()[0]  # type: ignore[index]
            for name in tables
        }


@pytest.mark.slow
def test_spark_publishes_what_duckdb_publishes(tmp_path: Path) -> None:
    from orchestration.generator import generate

    home = tmp_path / "home"
    inbox = TsqSettings(home=home).ensure().inbox
    generate(inbox, tickets=GENERATED_TICKETS, seed=11)
    for name, text in CASCADE_FILES.items():
        (inbox / name).write_text(text, encoding="utf-8")
    settings, outcome = run_in(home)
    assert outcome.published, outcome
    warehouse = settings.warehouse_path

    # -- raw to Spark, twice: the second push leaves the same rows -----------------------
    duck_counts = _duck_raw_counts(warehouse)
    assert duck_counts["quarantine"] > 0  # the cascade's CASC-BAD rows
    first = _push(home)
    second = _push(home)
    assert first["row_counts"] == duck_counts
    assert second["row_counts"] == duck_counts
    assert second["loads_pushed"] == first["loads_pushed"] > 0
    assert second["loads_deleted"] == 0
    # one folder of Parquet per load, under TSQ_HOME/spark/raw
    ticket_folders = sorted((home / "spark" / "raw" / "tickets").iterdir())
    assert ticket_folders and all(f.name.startswith("_load_id=") for f in ticket_folders)

    # -- one dbt build on Spark --------------------------------------------------------
    built = subprocess.run(
        [
            DBT,
            "build",
            "--target",
            "spark",
            "--profiles-dir",
            ".",
            # the unit tests check each model's SQL over fixtures, engine by engine the same
            # SQL DuckDB's unit tests check; on Spark they cost ~2 s each (its fixed cost
            # per query), so the suite leaves them out: docs/scale-out.md gives a whole
            # `dbt build --target spark` with them (252 of 252 nodes)
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--log-path",
            str(tmp_path / "dbt_logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=_environment(home),
        capture_output=True,
        text=True,
    )
    results = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text())
    failed = [r["unique_id"] for r in results["results"] if r["status"] not in {"success", "pass"}]
    assert built.returncode == 0 and failed == [], failed
    kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert {"model", "seed", "test"} <= kinds

    # -- every published table equal ---------------------------------------------------
    dumped = tmp_path / "spark_published"
    dump = subprocess.run(
        [sys.executable, "-c", _DUMP_PUBLISHED, str(home / "spark"), str(dumped)],
        env=_environment(home),
        capture_output=True,
        text=True,
    )
    assert dump.returncode == 0, dump.stderr[-4000:]
    differences: list[str] = []
    with duckdb.connect(str(warehouse), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        tables = [
            name
            for (name,) in duck.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'published' order by table_name"
            ).fetchall()
        ]
        assert len(tables) >= 6
        assert sorted(p.name for p in dumped.iterdir()) == tables
        for table in tables:
            duck_columns = [
                c
                for (c,) in duck.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'published' and table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            # the path is the test's own (tmp_path and a name from DuckDB's catalogue)
            spark_relation = duck.sql(
                f"select * from read_parquet({sql_string(str(dumped / table / '*.parquet'))})"
            )
            assert spark_relation.columns == duck_columns, table
            duck_rows = duck.execute(
                f"select * from published.{quote_identifier(table)}"
            ).fetchall()
            assert duck_rows, f"published.{table} is empty: nothing would be compared"
            differences += table_differences(
                table, duck_columns, duck_rows, spark_relation.fetchall()
            )
    assert differences == [], "\n".join(differences[:40])
