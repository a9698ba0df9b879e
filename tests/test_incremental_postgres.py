"""The incremental models build incrementally on a real PostgreSQL 15 too, and give what a
full build there gives.

One home, real pipeline runs on DuckDB (120 generated tickets, then a day's drop from
generator/delta.py: new tickets, restated tickets, new events on old tickets), its raw
schema pushed to PostgreSQL after each run (orchestration/engines/postgres_raw.py):
- database `inc`: `dbt build --target postgres` after the first push (a full build), then
  again after the drop's push without --full-refresh: the staging base models and the
  per-ticket models take their incremental paths (delete of the touched tickets, append);
- database `full`: one `dbt build --full-refresh` after the drop's push.
Every table of the per-ticket models, int_touched_tickets' fingerprints and every published
table must then be equal in the two databases (tests/test_engine_postgres.py's comparison:
floating point values to 1e-9, Decimal as its number).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from orchestration.engines.postgres_raw import push_raw
from orchestration.settings import DBT_PROJECT_DIR, TsqSettings
from tests.conftest import DBT, run_in
from tests.test_engine_postgres import _pg_environment, table_differences

pytestmark = pytest.mark.slow

# the per-ticket models (macros/touched_tickets.sql), compared whole
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
)


def dbt_build_on(url: str, tmp_path: Path, name: str, full_refresh: bool) -> dict:
    """One `dbt build --target postgres` (models, seeds, data tests; unit tests are the
    engine test's), and its run_results.json."""
    target = tmp_path / f"dbt_target_{name}"
    built = subprocess.run(
        [
            DBT,
            "build",
            "--target",
            "postgres",
            "--profiles-dir",
            ".",
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / f"dbt_logs_{name}"),
            *(["--full-refresh"] if full_refresh else []),
        ],
        cwd=DBT_PROJECT_DIR,
        env=_pg_environment(url, "public"),
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-6000:]
    return json.loads((target / "run_results.json").read_text())


def create_database(postgres_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return postgres_url.rsplit("/", 1)[0] + "/" + name


def rows_of(url: str, schema: str, table: str, columns: list[str] | None = None) -> tuple:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as pg:
        if columns is None:
            columns = [
                c
                for (c,) in pg.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
        query = sql.SQL("select {} from {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.Identifier(schema, table),
        )
        return columns, pg.execute(query).fetchall()


def test_postgres_incremental_build_equals_a_full_build(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.generator import generate
    from orchestration.generator.delta import generate_delta

    monkeypatch.delenv("TSQ_FULL_REFRESH", raising=False)
    incremental = create_database(postgres_url, "t_incremental_inc")
    full = create_database(postgres_url, "t_incremental_full")

    home = tmp_path / "home"
    inbox = TsqSettings(home=home).ensure().inbox
    generate(inbox, tickets=120, seed=11)
    settings, outcome = run_in(home)
    assert outcome.published, outcome
    push_raw(settings.warehouse_path, incremental)
    dbt_build_on(incremental, tmp_path, "first", full_refresh=False)

    drop = generate_delta(inbox, inbox, share=0.1, seed=1)
    assert drop.rows["tickets"] == 24
    settings, outcome = run_in(home)
    assert outcome.published, outcome
    push_raw(settings.warehouse_path, incremental)
    push_raw(settings.warehouse_path, full)

    results = dbt_build_on(incremental, tmp_path, "delta", full_refresh=False)
    assert not results["args"].get("full_refresh")
    # the second build did take the incremental path: the touched set is the drop's tickets
    invocation = results["metadata"]["invocation_id"]
    _, touched = rows_of(incremental, "intermediate", "int_touched_tickets")
    touched_now = {row[0] for row in touched if row[2] == invocation}
    assert 0 < len(touched_now) < len(touched)
    dbt_build_on(full, tmp_path, "full", full_refresh=True)

    differences: list[str] = []
    compared = [("intermediate", t, None) for t in PER_TICKET_TABLES]
    compared += [("intermediate", "fct_tickets", None)]
    compared += [("intermediate", "int_touched_tickets", ["ticket_id", "inputs_fingerprint"])]
    import psycopg

    with psycopg.connect(full) as pg:
        published = [
            name
            for (name,) in pg.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'published' order by table_name"
            ).fetchall()
        ]
    assert len(published) >= 6
    compared += [("published", t, None) for t in published]
    for schema, table, columns in compared:
        full_columns, full_rows = rows_of(full, schema, table, columns)
        inc_columns, inc_rows = rows_of(incremental, schema, table, columns)
        assert inc_columns == full_columns, table
        if table == "int_touched_tickets":
            inc_rows = [row for row in inc_rows if row[1] is not None]
        differences += table_differences(f"{schema}.{table}", full_columns, full_rows, inc_rows)
    assert differences == []
