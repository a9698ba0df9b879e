"""`tsq run` with TSQ_ENGINE=spark publishes what a DuckDB run publishes.

The same small generated inbox (plus the quarantine cascade's planted files, so
raw.quarantine holds rows) is run twice through the real pipeline: once on DuckDB
(runner.run_pipeline, in this process), once as `tsq run` with TSQ_ENGINE=spark in a
process of its own (ingest on DuckDB; raw pushed to a local Spark under TSQ_HOME/spark;
`dbt build --target spark`; the non-raw GX suites validated through GX's Spark
datasource; the published tables read back, published.duckdb and its Parquet set
written, and the BI views `tsq_published` switched to a versioned database). Then:
- published.duckdb of the Spark run has the DuckDB run's tables, column types and rows
  (publish_log left out: run ids and instants differ by design);
- the working warehouse of the Spark run never held dbt's layers: the suites of those
  layers can only have passed by reading Spark;
- Spark's raw tables hold DuckDB's raw rows, and Spark's BI views hold exactly the rows
  of published.duckdb, in the database of that run (`tsq_published_v_<run>`);
- a suite validated on Spark can fail: the scoring_weights suite with a weight it does
  not allow, on the very tables of the run.

Every Spark step runs in a process of its own: the local metastore (Derby) admits one
process at a time, and a JVM started inside pytest would keep it (and its memory).

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
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.engines.spark import run_label, version_database
from orchestration.engines.spark_raw import (
    RawPushError,
    spark_identifier,
    write_raw_files,
)
from orchestration.publish.store import PARQUET_FOLDER_NAME
from orchestration.sql_text import sql_string
from tests.engine_comparison import (
    assert_dbt_layers_are_not_in,
    assert_same_published_tables,
    duck_tables,
    run_on_duckdb_and_engine,
    store_differences,
    write_two_ticket_loads,
)
from tests.engine_comparison import table_differences as engine_table_differences

GENERATED_TICKETS = 200


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


def _store(path: Path, rows: list[tuple]) -> Path:
    """A published store of two tables: `scores` (the rows given) and publish_log."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE scores (scope_id VARCHAR, score DOUBLE, n BIGINT)")
        con.executemany("INSERT INTO scores VALUES (?, ?, ?)", rows)
        con.execute("CREATE TABLE publish_log (run_id VARCHAR)")
        con.execute("INSERT INTO publish_log VALUES (?)", [path.stem])
    return path


def test_store_differences_is_as_strict_as_the_row_by_row_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison in DuckDB passes only what table_differences passes: the same rows in
    any order and doubles within 1e-9; anything else is named, a NaN included."""
    import tests.engine_comparison as comparison

    rows = [("a", 0.5, 1), ("b", None, 2), ("b", None, 2)]

    def differences(other: list[tuple], name: str) -> list[str]:
        left = _store(tmp_path / f"{name}-left.duckdb", rows)
        return store_differences(left, _store(tmp_path / f"{name}-right.duckdb", other), "X")

    with monkeypatch.context() as patched:
        # equal stores are settled in DuckDB, without the row-by-row comparison
        patched.setattr(comparison, "table_differences", None)
        assert differences(list(reversed(rows)), "same") == []
        assert differences([("a", 0.5 + 4e-10, 1), *rows[1:]], "within") == []
    assert differences([("a", 0.5 + 1e-7, 1), *rows[1:]], "beyond") == [
        "scores.score: 0.5 != 0.5000001"
    ]
    assert differences([rows[0], ("b", None, 2), ("b", None, 3)], "counted") == ["scores.n: 2 != 3"]
    assert differences(rows[:2], "fewer") == ["scores: 3 rows on DuckDB, 2 on X"]
    nan = [("a", math.nan, 1), *rows[1:]]
    left = _store(tmp_path / "nan-left.duckdb", nan)
    assert store_differences(left, _store(tmp_path / "nan-right.duckdb", nan), "X") == [
        "scores.score: nan != nan"
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
    warehouse = tmp_path / "tsq.duckdb"
    awkward = 'it\'s a \\ "q"\nnext'
    write_two_ticket_loads(warehouse, awkward)
    with duckdb.connect(str(warehouse)) as con:
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


def _environment(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TSQ_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        # pyspark's Python side reads timestamps in the process's zone
        "TZ": "UTC",
        **extra,
    }


# Run in a process of its own on the Spark home argv[1] (its catalogue: Derby): rows per
# raw table, rows per BI view, the database each view reads, and the databases there.
_READ_CATALOGUE = """
import json, sys
from pathlib import Path
from orchestration.engines.spark_raw import local_session
spark = local_session(Path(sys.argv[1]))
found = {"raw": {}, "bi": {}, "bi_source": {}}
for t in spark.catalog.listTables("raw"):
    found["raw"][t.name] = spark.table(f"raw.`{t.name}`").count()
for t in spark.catalog.listTables("tsq_published"):
    found["bi"][t.name] = spark.table(f"tsq_published.`{t.name}`").count()
    text = [r.data_type for r in spark.sql(f"DESCRIBE TABLE EXTENDED tsq_published.`{t.name}`")
            .collect() if r.col_name == "View Text"]
    found["bi_source"][t.name] = text[0] if text else None
found["databases"] = sorted(r[0] for r in spark.sql("SHOW DATABASES").collect())
spark.stop()
print(json.dumps(found))
"""

# Run in a process of its own (a JVM): the scoring_weights suite validated on Spark as it
# is, then with one weight it must refuse; prints both outcomes.
_VALIDATE = """
import dataclasses, json, sys
from pathlib import Path
from orchestration.quality.suites import discover_suites, validate_suite
suite = next(s for s in discover_suites() if s.name == "scoring_weights")
home = Path(sys.argv[1])
clean = validate_suite(Path("unused.duckdb"), suite, spark_home=home)
strict = dataclasses.replace(suite, expectations=(*suite.expectations, {
    "type": "expect_column_values_to_be_between",
    "kwargs": {"column": "weight", "min_value": 0, "max_value": 0.01},
    "meta": {"severity": "blocking"},
}))
refused = validate_suite(Path("unused.duckdb"), strict, spark_home=home)
print(json.dumps({
    "clean": [clean.passed, clean.rows_checked, len(clean.outcomes)],
    "refused": [refused.passed, [o.expectation for o in refused.blocking_failures],
                [o.unexpected_count for o in refused.blocking_failures]],
}))
"""


def _json_of(script: str, home: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(home / "spark")],
        env=_environment(home),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_a_spark_run_publishes_what_a_duckdb_run_publishes(tmp_path: Path) -> None:
    duck, spark = run_on_duckdb_and_engine(tmp_path, GENERATED_TICKETS, {"TSQ_ENGINE": "spark"})
    spark_home = spark.root

    # -- the published files: DuckDB's tables, column types and rows --------------------
    store = assert_same_published_tables(duck.published_path, spark.published_path, "Spark")
    parquet = spark.published_path.with_name(PARQUET_FOLDER_NAME)
    assert sorted(p.stem for p in parquet.iterdir()) == sorted(store)

    # -- dbt's layers were never on DuckDB: the suites read Spark -----------------------
    assert_dbt_layers_are_not_in(spark.warehouse_path)

    # -- Spark's catalogue: raw as DuckDB's, the BI views the very store -----------------
    catalogue = _json_of(_READ_CATALOGUE, spark_home)
    duck_raw = {t: len(rows) for t, (_, rows) in duck_tables(spark.warehouse_path, "raw").items()}
    assert duck_raw["quarantine"] > 0  # the cascade's CASC-BAD rows
    assert catalogue["raw"] == duck_raw
    assert catalogue["bi"] == {t: len(rows) for t, (_, rows) in store.items()}
    # the views read the database named after the run that published the store
    log_columns, log_rows = store["publish_log"]
    latest = max(log_rows, key=lambda row: row[log_columns.index("published_at")])
    version = version_database(run_label(latest[log_columns.index("run_id")]))
    versions = [d for d in catalogue["databases"] if d.startswith("tsq_published_v_")]
    assert versions == [version], catalogue["databases"]
    assert all(f"`{version}`" in (text or "") for text in catalogue["bi_source"].values())
    assert {"staging", "scores", "published", "raw"} <= set(catalogue["databases"])

    # -- a suite on Spark can fail -------------------------------------------------------
    validated = _json_of(_VALIDATE, spark_home)
    assert validated["clean"][0] is True and validated["clean"][1] > 0, validated
    passed, failed, counts = validated["refused"]
    assert passed is False and failed == ["expect_column_values_to_be_between"], validated
    assert counts[0] > 0
