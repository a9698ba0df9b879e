"""`tsq run` with TSQ_ENGINE=postgres, end to end, on a real PostgreSQL 15 server
(scripts/postgres-test-server.sh through tests/postgres_server.py).

The same generated inbox is run twice through the real pipeline (runner.run_pipeline, what
`tsq run` calls): once on DuckDB, once with TSQ_ENGINE=postgres (ingest on DuckDB, raw
pushed, dbt built, the non-raw GX suites validated and the BI tables published on
PostgreSQL). Then:
- published.duckdb of the PostgreSQL run has the DuckDB run's tables, column types and
  rows (doubles to 1e-9; publish_log left out: its run ids and instants differ by design),
  and so has its Parquet set;
- PostgreSQL's BI schema (tsq_published) holds exactly the rows of that published.duckdb;
- PostgreSQL's raw tables hold DuckDB's raw rows (the push ran as its own step);
- the working warehouse never held the tables dbt builds (only raw and the published
  copy): the suites of those layers can only have passed by reading PostgreSQL;
- every dbt unit test passes on PostgreSQL, over the models the run built there;
- a day's drop (generator/delta.py: new tickets, restated tickets, new events on old ones)
  run on both engines: PostgreSQL's build takes the incremental path (only some tickets
  touched) and its per-ticket tables and published tables still equal DuckDB's. DuckDB's
  incremental build equals its full refresh (tests/test_incremental.py), and the first
  runs show both engines' full builds equal, so PostgreSQL's incremental build equals a
  full one;
- planted weights that do not sum to one make the scoring_weights suite, on PostgreSQL,
  fail: the run is refused, published.duckdb stays byte for byte, and the BI schema keeps
  the previous publication.

The inbox carries the quarantine cascade's planted files beside the generated export, so
raw.quarantine holds rows and the models' JSON reading of quarantined records runs on
PostgreSQL too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from orchestration.publish.store import PARQUET_FOLDER_NAME
from orchestration.settings import DBT_PROJECT_DIR, TsqSettings
from tests.conftest import CASCADE_FILES, DBT, planted_seeds, run_in
from tests.engine_comparison import (
    assert_dbt_layers_are_not_in,
    assert_same_published_tables,
    duck_tables,
)
from tests.test_engine_postgres import table_differences

pytestmark = pytest.mark.slow

GENERATED_TICKETS = 300
BI_SCHEMA = "tsq_published"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pg_tables(url: str, schema: str) -> dict[str, tuple[list[str], list[tuple]]]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as pg:
        pg.execute("SET TimeZone = 'UTC'")
        names = [
            n
            for (n,) in pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "ORDER BY 1",
                [schema],
            ).fetchall()
        ]
        found = {}
        for name in names:
            cursor = pg.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, name)))
            found[name] = ([d.name for d in cursor.description or []], cursor.fetchall())
        return found


def _differences(
    left: dict[str, tuple[list[str], list[tuple]]],
    right: dict[str, tuple[list[str], list[tuple]]],
    ignored: frozenset[str] = frozenset(),
) -> list[str]:
    found = (
        [f"tables differ: {sorted(left)} vs {sorted(right)}"] if left.keys() != right.keys() else []
    )
    for table in sorted((left.keys() & right.keys()) - ignored):
        (left_columns, left_rows), (right_columns, right_rows) = left[table], right[table]
        if left_columns != right_columns:
            found.append(f"{table}: columns {left_columns} vs {right_columns}")
            continue
        assert left_rows, f"{table} is empty: nothing would be compared"
        found += table_differences(table, left_columns, left_rows, right_rows)
    return found


@pytest.fixture(scope="module")
def engine_database(postgres_url: str) -> str:
    """A fresh database for this module's runs (they share it, as one deployment would)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier("t_engine_run")))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("t_engine_run")))
    return postgres_url.rsplit("/", 1)[0] + "/t_engine_run"


@pytest.fixture(scope="module")
def postgres_environment(engine_database: str) -> Iterator[dict[str, str]]:
    """TSQ_ENGINE=postgres and the TSQ_PG_* connection, for the PostgreSQL runs only;
    everything is restored after the module (the dbt step also sets them in os.environ)."""
    parts = urlsplit(engine_database)
    values = {
        "TSQ_ENGINE": "postgres",
        "TSQ_PG_HOST": parts.hostname or "127.0.0.1",
        "TSQ_PG_PORT": str(parts.port or 5432),
        "TSQ_PG_USER": parts.username or "postgres",
        "TSQ_PG_PASSWORD": parts.password or "",
        "TSQ_PG_DBNAME": parts.path.lstrip("/"),
        "TSQ_PG_SCHEMA": "public",
        "PGTZ": "UTC",
    }
    with pytest.MonkeyPatch.context() as env:
        for name in values:
            env.delenv(name, raising=False)  # restored as it was when the module ends
        yield values


@pytest.fixture(scope="module")
def two_runs(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_environment: dict[str, str],
) -> tuple[TsqSettings, TsqSettings]:
    from orchestration.generator import generate

    duck_home = tmp_path_factory.mktemp("duckdb-engine") / "home"
    pg_home = tmp_path_factory.mktemp("postgres-engine") / "home"
    duck_inbox = TsqSettings(home=duck_home).ensure().inbox
    generate(duck_inbox, tickets=GENERATED_TICKETS, seed=16)
    for name, text in CASCADE_FILES.items():
        (duck_inbox / name).write_text(text, encoding="utf-8")
    shutil.copytree(
        duck_home / "inbox", TsqSettings(home=pg_home).ensure().inbox, dirs_exist_ok=True
    )

    duck_settings, duck_outcome = run_in(duck_home)
    assert duck_outcome.published, duck_outcome.report_lines()

    with pytest.MonkeyPatch.context() as env:
        for name, value in postgres_environment.items():
            env.setenv(name, value)
        pg_settings, pg_outcome = run_in(pg_home)
        assert pg_settings.engine == "postgres"
    assert pg_outcome.published, pg_outcome.report_lines()
    return duck_settings, pg_settings


def test_postgres_run_publishes_what_the_duckdb_run_publishes(
    two_runs: tuple[TsqSettings, TsqSettings], engine_database: str
) -> None:
    duck, pg = two_runs
    # the same tables with the same column types (compare_published's fingerprint) and
    # the same rows, doubles to 1e-9
    store = assert_same_published_tables(duck.published_path, pg.published_path, "PostgreSQL")

    # the Parquet set of the PostgreSQL run: one file per table, the store's rows
    parquet = pg.published_path.with_name(PARQUET_FOLDER_NAME)
    assert sorted(p.stem for p in parquet.iterdir()) == sorted(store)
    with duckdb.connect() as con:
        for table in sorted(store.keys() - {"publish_log"}):
            (rows,) = con.execute(
                "SELECT count(*) FROM read_parquet(?)", [str(parquet / f"{table}.parquet")]
            ).fetchone()  # type: ignore[misc]
            assert rows == len(store[table][1])

    # PostgreSQL's BI schema is the very store, publish_log included
    bi = _pg_tables(engine_database, BI_SCHEMA)
    differences = _differences(store, bi)
    assert differences == [], "\n".join(differences[:40])


def test_postgres_run_pushed_raw_and_built_nothing_on_duckdb(
    two_runs: tuple[TsqSettings, TsqSettings], engine_database: str
) -> None:
    _, pg = two_runs
    duck_raw = duck_tables(pg.warehouse_path, "raw")
    pg_raw = _pg_tables(engine_database, "raw")
    assert {t: len(rows) for t, (_, rows) in pg_raw.items()} == {
        t: len(rows) for t, (_, rows) in duck_raw.items()
    }
    assert len(pg_raw["tickets"][1]) >= GENERATED_TICKETS
    assert_dbt_layers_are_not_in(pg.warehouse_path)
    pg_schemas = set(_pg_schema_names(engine_database))
    assert {"staging", "intermediate", "indicators", "scores", "config", "published"} <= pg_schemas


def test_the_unit_tests_pass_on_postgres(
    two_runs: tuple[TsqSettings, TsqSettings],
    postgres_environment: dict[str, str],
    tmp_path: Path,
) -> None:
    """dbt's unit tests over the relations the PostgreSQL run built (a unit test reads its
    inputs' column types from the database): every model's logic, on PostgreSQL's SQL."""
    tested = subprocess.run(
        [
            DBT,
            "test",
            "--select",
            "test_type:unit",
            "--target",
            "postgres",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--log-path",
            str(tmp_path / "dbt_logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **postgres_environment},
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout[-6000:]
    results = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text())
    statuses = {r["unique_id"]: r["status"] for r in results["results"]}
    unit_tests = {
        node: status for node, status in statuses.items() if node.startswith("unit_test.")
    }
    assert len(unit_tests) >= 60
    assert set(unit_tests.values()) == {"pass"}, statuses


#: the per-ticket models (macros/touched_tickets.sql) and views over them, compared whole
#: after the drop
PER_TICKET_TABLES = (
    "int_ticket_lifecycle",
    "int_ticket_pending_intervals",
    "int_ticket_workaround_outcomes",
    "int_ticket_business_clock",
    "int_ticket_proactive_days",
    "int_ticket_follow_up",
    "int_ticket_escalations",
    "int_ticket_process_checks",
    "int_ticket_resolution_outcomes",
    "int_ticket_resourcing",
    "fct_tickets",
    # the stored rows under the three as-of views above, and the per-team as-of readings
    "int_ticket_business_clock_stored",
    "int_ticket_workaround_outcomes_stored",
    "fct_tickets_stored",
    "int_ticket_as_of_readings",
)


def _touched_in(url: str) -> dict[str, str | None]:
    """int_touched_tickets on PostgreSQL: ticket -> the dbt invocation that last touched it."""
    import psycopg

    with psycopg.connect(url) as pg:
        rows = pg.execute(
            "SELECT ticket_id, touched_in FROM intermediate.int_touched_tickets "
            "WHERE inputs_fingerprint IS NOT NULL"
        ).fetchall()
    return dict(rows)


def test_a_drop_builds_incrementally_on_postgres_and_still_equals_duckdb(
    two_runs: tuple[TsqSettings, TsqSettings],
    engine_database: str,
    postgres_environment: dict[str, str],
) -> None:
    from orchestration.generator.delta import generate_delta

    duck, pg = two_runs
    before = _touched_in(engine_database)
    assert len(set(before.values())) == 1  # the first build was full: one stamp on all
    already = {path.name for path in duck.inbox.iterdir()}
    drop = generate_delta(duck.inbox, duck.inbox, share=0.05, seed=3)
    assert drop.rows["tickets"] > 0
    dropped = [path for path in duck.inbox.iterdir() if path.name not in already]
    assert dropped
    for path in dropped:
        shutil.copy2(path, pg.inbox / path.name)

    duck, duck_outcome = run_in(duck.root)
    assert duck_outcome.published, duck_outcome.report_lines()
    with pytest.MonkeyPatch.context() as env:
        for name, value in postgres_environment.items():
            env.setenv(name, value)
        env.delenv("TSQ_FULL_REFRESH", raising=False)
        pg, pg_outcome = run_in(pg.root)
    assert pg_outcome.published, pg_outcome.report_lines()

    # PostgreSQL's build was incremental: only some tickets got the new build's stamp
    after = _touched_in(engine_database)
    touched = {ticket for ticket, stamp in after.items() if stamp not in before.values()}
    assert 0 < len(touched) < len(after) / 2, (len(touched), len(after))

    assert_same_published_tables(duck.published_path, pg.published_path, "PostgreSQL")
    duck_facts = {
        t: rows
        for t, rows in duck_tables(duck.warehouse_path, "intermediate").items()
        if t in PER_TICKET_TABLES
    }
    pg_facts = {
        t: rows
        for t, rows in _pg_tables(engine_database, "intermediate").items()
        if t in PER_TICKET_TABLES
    }
    assert sorted(duck_facts) == sorted(PER_TICKET_TABLES)
    differences = _differences(duck_facts, pg_facts)
    assert differences == [], "\n".join(differences[:40])


def _pg_schema_names(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as pg:
        return [n for (n,) in pg.execute("SELECT nspname FROM pg_namespace").fetchall()]


def test_a_failing_suite_on_postgres_blocks_the_publication(
    two_runs: tuple[TsqSettings, TsqSettings],
    engine_database: str,
    postgres_environment: dict[str, str],
) -> None:
    """Weights of a dimension that no longer sum to one (a planted seed, as
    tests/test_pipeline.py plants them): dbt builds them on PostgreSQL and the
    scoring_weights suite, validated there, fails."""
    from orchestration.weights import WEIGHTS_SEED

    _, pg = two_runs
    store_before = _sha256(pg.published_path)
    bi_before = _pg_tables(engine_database, BI_SCHEMA)
    weights = WEIGHTS_SEED.read_bytes()
    planted = weights.decode().replace("dimension,UX,overall,0.5", "dimension,UX,overall,0.9")
    assert planted != weights.decode()
    with planted_seeds({WEIGHTS_SEED: planted}), pytest.MonkeyPatch.context() as env:
        for name, value in postgres_environment.items():
            env.setenv(name, value)
        _, outcome = run_in(pg.root, force=True)
    assert not outcome.published
    assert "config/scoring_weights:gx_scoring_weights" in outcome.failed_checks
    # the check read PostgreSQL's table (DuckDB's working warehouse has no config schema)
    details = " ".join(outcome.check_details["config/scoring_weights:gx_scoring_weights"])
    assert re.search(r"unexpected_rows_expectation", details), details
    assert _sha256(pg.published_path) == store_before
    assert _differences(bi_before, _pg_tables(engine_database, BI_SCHEMA)) == []


def test_a_publication_that_fails_on_postgres_leaves_the_file_as_it_was(
    two_runs: tuple[TsqSettings, TsqSettings], engine_database: str
) -> None:
    """Another publisher holds the BI schema's advisory lock: the engine's publish raises
    before published.duckdb and its Parquet link are swapped, so both publications (file
    and schema) stay the previous one."""
    import os

    import psycopg

    from orchestration.engines import engine_for
    from orchestration.publish.postgres import PostgresPublishError

    _, pg = two_runs
    settings = pg.model_copy(
        update={
            "engine": "postgres",
            "pg_host": urlsplit(engine_database).hostname,
            "pg_port": urlsplit(engine_database).port,
            "pg_dbname": "t_engine_run",
        }
    )
    store_before = _sha256(pg.published_path)
    link = pg.published_path.with_name(PARQUET_FOLDER_NAME)
    link_before = os.readlink(link)
    bi_before = _pg_tables(engine_database, BI_SCHEMA)
    with psycopg.connect(engine_database, autocommit=True) as other_publisher:
        other_publisher.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", [f"tsq publish {BI_SCHEMA}"]
        )
        with duckdb.connect(str(pg.warehouse_path)) as con:
            con.execute("SET TimeZone = 'UTC'")
            with pytest.raises(PostgresPublishError, match="another tsq publish"):
                engine_for(settings).publish(
                    con, pg.published_path, "run-that-fails", 0, publish_personal_names=False
                )
    assert _sha256(pg.published_path) == store_before
    assert os.readlink(link) == link_before
    assert _differences(bi_before, _pg_tables(engine_database, BI_SCHEMA)) == []
