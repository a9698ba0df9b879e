"""A publication stopped between any two of its steps leaves the complete old store or the
complete new one, and a publish_log that says which (issue 12, "a truthful publish log").

The stop is a real process death: a child process runs the real `publish` on real DuckDB
files and calls `os._exit` from the step hook, so no `finally`, no DETACH and no clean
close run, as with `kill -9`. No timing is involved: the hook fires exactly after the
named step. The `published` schema is built small by hand in a real working warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.store import (
    ADAPTER_SCRATCH_MAX_AGE_SECONDS,
    PUBLISH_STEPS,
    publish,
    reconcile_publish_log,
)
from orchestration.settings import TsqSettings
from tests.conftest import query

KILLED = 17

# Rows per table in every generation of the hand-made `published` schema.
ROWS = {"indicator_catalog": 2, "indicator_values": 3, "scores": 2, "ticket_sla": 4}


def write_generation(warehouse: Path, generation: int) -> None:
    """(Re)build the `published` schema so that every row of every table carries
    `generation`: a store is then 'complete' when all its rows carry one generation and
    every table has its ROWS count."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS published")
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE OR REPLACE TABLE raw.loads AS SELECT range AS load_no FROM range(5)")
        g = generation
        con.execute(
            "CREATE OR REPLACE TABLE published.indicator_catalog AS "
            "SELECT 'UX1.' || range AS indicator_id, ?::INTEGER AS generation FROM range(2)",
            [g],
        )
        con.execute(
            "CREATE OR REPLACE TABLE published.indicator_values AS "
            "SELECT 'month' AS period_grain, 'team' AS scope_type, 'T' || range AS scope_id, "
            "?::INTEGER AS generation, range * 1.5 AS value FROM range(3)",
            [g],
        )
        con.execute(
            "CREATE OR REPLACE TABLE published.scores AS "
            "SELECT 'team' AS scope_type, 'T' || range AS scope_id, ?::INTEGER AS generation, "
            "80.0 AS score FROM range(2)",
            [g],
        )
        con.execute(
            "CREATE OR REPLACE TABLE published.ticket_sla AS "
            "SELECT 'TK' || range AS ticket_id, 'T1' AS team_id, ?::INTEGER AS generation "
            "FROM range(4)",
            [g],
        )
        con.execute(
            "CREATE OR REPLACE TABLE published.score_tree AS "
            "SELECT 'UX' || range AS node_id, ?::INTEGER AS generation FROM range(2)",
            [g],
        )
        con.execute(
            "CREATE OR REPLACE TABLE published.scopes AS "
            "SELECT 'team' AS scope_type, 'T' || range AS scope_id, ?::INTEGER AS generation "
            "FROM range(2)",
            [g],
        )
    finally:
        con.close()


def publish_in_process(settings: TsqSettings, run_id: str) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        publish(con, settings.published_path, run_id, checks_passed=5)
    finally:
        con.close()


_CHILD = """
import os, sys
import duckdb
from pathlib import Path
from orchestration.publish.store import publish

warehouse, published, run_id, stop_after = sys.argv[1:5]

def die_after(step):
    if step == stop_after:
        os._exit(int(sys.argv[5]))

con = duckdb.connect(warehouse)
publish(con, Path(published), run_id, checks_passed=5, on_step=die_after)
os._exit(0)
"""


def publish_killed_after(settings: TsqSettings, run_id: str, step: str) -> int:
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(settings.warehouse_path),
            str(settings.published_path),
            run_id,
            step,
            str(KILLED),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert child.returncode in (0, KILLED), child.stderr
    return child.returncode


def store_generation(settings: TsqSettings) -> int:
    """The one generation of the store in place; fails if it is mixed or incomplete."""
    generations = set()
    for table, rows in ROWS.items():
        sql = f"SELECT count(*), min(generation), max(generation) FROM {table}"
        found = query(settings.published_path, sql)[0]
        assert found[0] == rows, (table, found)
        assert found[1] == found[2], (table, found)
        generations.add(found[1])
    assert len(generations) == 1, generations
    return generations.pop()


def published_runs(database: Path, schema: str = "main") -> list[str]:
    return [
        run_id
        for (run_id,) in query(
            database,
            f"SELECT run_id FROM {schema}.publish_log WHERE status = 'published' "
            "ORDER BY published_at",
        )
    ]


@pytest.fixture
def published_once(tsq_home: TsqSettings) -> TsqSettings:
    """A home whose store in place is generation 1, published by run-old; the working
    warehouse then holds generation 2, ready for run-new."""
    write_generation(tsq_home.warehouse_path, 1)
    publish_in_process(tsq_home, "run-old")
    write_generation(tsq_home.warehouse_path, 2)
    return tsq_home


def test_the_steps_are_the_ones_the_hook_reports(published_once):
    settings = published_once
    seen: list[str] = []
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        publish(con, settings.published_path, "run-new", checks_passed=5, on_step=seen.append)
    finally:
        con.close()
    assert tuple(seen) == PUBLISH_STEPS
    assert store_generation(settings) == 2
    assert published_runs(settings.published_path) == ["run-old", "run-new"]
    assert published_runs(settings.warehouse_path) == ["run-old", "run-new"]


# The swap (os.replace) is the moment the new store is in place: killed after `swap_in`
# or any later step, the new store stands; killed before it, the old one.
@pytest.mark.parametrize("step", PUBLISH_STEPS)
def test_a_publication_killed_after_any_step_leaves_one_complete_store_and_a_true_log(
    published_once, step
):
    settings = published_once
    assert publish_killed_after(settings, "run-new", step) == KILLED
    new_in_place = PUBLISH_STEPS.index(step) >= PUBLISH_STEPS.index("swap_in")

    # the store in place is complete, old or new, and its own log says which
    assert store_generation(settings) == (2 if new_in_place else 1)
    in_store = published_runs(settings.published_path)
    assert in_store == (["run-old", "run-new"] if new_in_place else ["run-old"])

    # the working warehouse never claims a publication that is not in place ...
    in_working = published_runs(settings.warehouse_path)
    assert "run-new" not in in_working or new_in_place
    # ... and once reconciled (the first thing the next run does) it says exactly so
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        reconcile_publish_log(con, settings.published_path)
    finally:
        con.close()
    assert published_runs(settings.warehouse_path) == in_store

    # the next publication recovers cleanly: new store, one row per publication in both
    # logs, no staging file left behind
    write_generation(settings.warehouse_path, 3)
    publish_in_process(settings, "run-next")
    assert store_generation(settings) == 3
    expected = [*in_store, "run-next"]
    assert published_runs(settings.published_path) == expected
    assert published_runs(settings.warehouse_path) == expected
    assert not list(settings.root.glob(".published.duckdb.*"))


def test_a_refused_run_repairs_the_log_of_a_publication_killed_after_its_swap(published_once):
    """The runner's refused path reconciles too, so the record is not lost even when the
    run after the crash does not publish."""
    from orchestration.runner import refuse_publication

    settings = published_once
    assert publish_killed_after(settings, "run-new", "sync_folder") == KILLED
    assert published_runs(settings.warehouse_path) == ["run-old"]
    assert settings.root.joinpath(".published.duckdb.run-new.tmp").exists() is False  # swapped
    stale = settings.root / ".published.duckdb.run-dead.tmp"
    stale.write_bytes(b"a killed run's half store")
    assert refuse_publication(settings, "run-refused", 3, ["raw_tickets:gx_raw_tickets"]) is False
    assert not stale.exists()  # a refused run cleans up too
    assert published_runs(settings.warehouse_path) == ["run-old", "run-new"]
    assert query(
        settings.warehouse_path, "SELECT status FROM main.publish_log WHERE run_id = 'run-refused'"
    ) == [("refused",)]


class PublishStepFailed(RuntimeError):
    pass


def test_a_publish_step_that_fails_after_the_swap_is_recorded_as_published(published_once):
    """Not a death this time: the step raises after the swap (as a failing working-
    warehouse insert would), the runner sees no materialisation and goes down its refused
    path, which must find the run's store in place and say published, not refused."""
    from orchestration.runner import refuse_publication

    settings = published_once

    def fail_after_swap(step: str) -> None:
        if step == "sync_folder":
            raise PublishStepFailed(step)

    con = duckdb.connect(str(settings.warehouse_path))
    try:
        with pytest.raises(PublishStepFailed):
            publish(con, settings.published_path, "run-new", 5, on_step=fail_after_swap)
    finally:
        con.close()
    assert store_generation(settings) == 2
    assert refuse_publication(settings, "run-new", 5, ["published_store"]) is True
    assert published_runs(settings.warehouse_path) == ["run-old", "run-new"]
    assert query(
        settings.warehouse_path, "SELECT count(*) FROM main.publish_log WHERE status = 'refused'"
    ) == [(0,)]


def test_a_false_published_row_left_by_an_older_version_is_marked_interrupted(published_once):
    """Before this fix the working row was written before the swap; a kill there left a
    'published' row newer than the store in place and absent from it."""
    settings = published_once
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.execute(
            "INSERT INTO main.publish_log VALUES "
            "('run-ghost', now() + INTERVAL 1 MINUTE, 'published', 5, NULL, 3, 2, 5)"
        )
    finally:
        con.close()
    publish_in_process(settings, "run-new")
    assert published_runs(settings.published_path) == ["run-old", "run-new"]
    assert published_runs(settings.warehouse_path) == ["run-old", "run-new"]
    assert query(
        settings.warehouse_path, "SELECT status FROM main.publish_log WHERE run_id = 'run-ghost'"
    ) == [("interrupted",)]


def test_only_our_stale_temporaries_are_removed(published_once):
    settings = published_once
    home, inbox = settings.root, settings.inbox
    stale_store = home / ".published.duckdb.run-dead.tmp"
    stale_store.write_bytes(b"half a store")
    (home / ".published.duckdb.run-dead.tmp.wal").write_bytes(b"wal")
    loader_scratch = home / "tmpab12_xyz"  # tempfile.TemporaryDirectory(dir=TSQ_HOME)
    loader_scratch.mkdir()
    (loader_scratch / "part.csv").write_text("x\n")
    old_adapter = inbox / ".adapter-k2j4h5"
    old_adapter.mkdir()
    day_and_more = time.time() - ADAPTER_SCRATCH_MAX_AGE_SECONDS - 60
    os.utime(old_adapter, (day_and_more, day_and_more))
    fresh_adapter = inbox / ".adapter-n0w"  # `tsq ingest` may be converting right now
    fresh_adapter.mkdir()
    not_ours = [home / "tmp-notes", home / "published.duckdb.bak", inbox / "tickets.csv"]
    not_ours[0].mkdir()
    not_ours[1].write_bytes(b"a user's backup")
    not_ours[2].write_text("ticket_id\n")

    publish_in_process(settings, "run-new")

    assert not stale_store.exists()
    assert not (home / ".published.duckdb.run-dead.tmp.wal").exists()
    assert not loader_scratch.exists()
    assert not old_adapter.exists()
    assert fresh_adapter.is_dir()
    assert all(path.exists() for path in not_ours)


def test_a_refused_run_names_the_files_and_rows_a_raw_check_rejected(tmp_path):
    """What `tsq run` prints under a failed raw check: per failed expectation, the files
    of the rejected rows and a few of them with their row numbers. The check is the real
    raw tickets suite, validated by GX against a real hand-made raw.tickets."""
    from orchestration.contract import ENTITY_BY_NAME
    from orchestration.quality.suites import discover_suites, validate_suite
    from orchestration.runner import offending_rows

    warehouse = tmp_path / "tsq.duckdb"
    columns = ENTITY_BY_NAME["tickets"].column_names
    good = {
        "created_at": "2026-01-05T09:00:00Z",
        "channel": "email",
        "priority": "P2",
        "complexity_tier": "1",
        "category": "access",
        "team_id": "T1",
        "status": "open",
    }
    # (file, row, ticket_id, changes to a good row)
    rows = [
        ("tickets_a.csv", 2, "K1", {}),
        ("tickets_a.csv", 3, "K2", {}),
        ("tickets_a.csv", 4, "K2", {}),  # the same id twice in one file
        ("tickets_b.csv", 2, "K3", {"priority": "P9"}),
        ("tickets_b.csv", 3, "K4", {"created_at": "2026-01-05"}),  # a date, not ISO time
        ("tickets_b.csv", 4, "K5", {"priority": "urgent"}),
    ]
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA raw")
        definitions = ", ".join(f'"{c}" VARCHAR' for c in columns)
        con.execute(
            f"CREATE TABLE raw.tickets ({definitions}, _source_file VARCHAR, "
            "_source_row BIGINT, _load_id VARCHAR, _loaded_at TIMESTAMPTZ)"
        )
        for source_file, row, ticket_id, changes in rows:
            values = {**good, "ticket_id": ticket_id, **changes}
            con.execute(
                f"INSERT INTO raw.tickets VALUES ({', '.join('?' * (len(columns) + 4))})",
                [values.get(c) for c in columns]
                + [f"/inbox/{source_file}", row, f"load-{source_file}", "2026-01-06 00:00+00"],
            )
    finally:
        con.close()
    suite = next(s for s in discover_suites() if s.table == "raw.tickets")
    outcome = validate_suite(warehouse, suite)
    failed = [
        {"expectation": o.expectation, "column": o.column, "severity": o.severity}
        for o in outcome.blocking_failures
    ]
    lines = offending_rows(warehouse, "raw.tickets", failed)
    text = "\n".join(lines)
    assert (
        "expect_column_values_to_be_in_set on priority: rejected rows in tickets_b.csv (2 rows)"
        in lines
    ), text
    assert "  tickets_b.csv data row 2: 'P9'" in lines, text
    assert "  tickets_b.csv data row 4: 'urgent'" in lines, text
    assert (
        "expect_column_values_to_match_regex on created_at: rejected rows in tickets_b.csv (1 row)"
        in lines
    ), text
    assert "  tickets_b.csv data row 3: '2026-01-05'" in lines, text
    assert (
        "expect_compound_columns_to_be_unique on ticket_id,_load_id: "
        "rejected rows in tickets_a.csv (2 rows)" in lines
    ), text
    assert "  tickets_a.csv data row 3: 'K2', 'load-tickets_a.csv'" in lines, text
    # the good rows are named nowhere
    assert "row 2: 'K1'" not in text


def test_a_refused_run_names_the_rows_a_staging_check_rejected(tmp_path):
    """The same for staging: a one-sided bound (votes >= 0) and a column pair (updated at
    or after created), with the real staging kb_articles suite."""
    from orchestration.quality.suites import discover_suites, validate_suite
    from orchestration.runner import offending_rows

    warehouse = tmp_path / "tsq.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE staging.stg_helpdesk__kb_articles (article_id VARCHAR, "
            "helpful_votes INTEGER, unhelpful_votes INTEGER, created_at TIMESTAMP, "
            "updated_at TIMESTAMP, _source_file VARCHAR, _source_row BIGINT)"
        )
        con.execute(
            """
            INSERT INTO staging.stg_helpdesk__kb_articles VALUES
            ('KB1', 3, 0, '2026-01-01 09:00', '2026-01-02 09:00', '/inbox/kb_articles.csv', 1),
            ('KB2', -50, 1, '2026-01-01 09:00', '2026-01-01 09:00', '/inbox/kb_articles.csv', 2),
            ('KB3', 0, 0, '2026-01-05 09:00', '2026-01-04 09:00', '/inbox/kb_late.csv', 7),
            ('KB4', 1, 1, '2026-01-05 09:00', NULL, '/inbox/kb_late.csv', 8)
            """
        )
    finally:
        con.close()
    suite = next(s for s in discover_suites() if s.table == "staging.stg_helpdesk__kb_articles")
    outcome = validate_suite(warehouse, suite)
    failed = [
        {"expectation": o.expectation, "column": o.column, "severity": o.severity}
        for o in outcome.blocking_failures
    ]
    lines = offending_rows(warehouse, suite.table, failed)
    text = "\n".join(lines)
    # KB2 has -50 helpful votes; KB3 was updated a day before it was created; KB4's
    # missing update is ignored by the suite (ignore_row_if) and so here too
    assert (
        "expect_column_values_to_be_between on helpful_votes: "
        "rejected rows in kb_articles.csv (1 row)" in lines
    ), text
    assert "  kb_articles.csv data row 2: -50" in lines, text
    assert (
        "expect_column_pair_values_a_to_be_greater_than_b on updated_at,created_at: "
        "rejected rows in kb_late.csv (1 row)" in lines
    ), text
    assert "  kb_late.csv data row 7: 2026-01-04 09:00:00, 2026-01-05 09:00:00" in lines, text
    assert "data row 8" not in text and "data row 1:" not in text


def test_an_unreadable_store_in_place_does_not_block_the_next_publication(published_once):
    settings = published_once
    settings.published_path.write_bytes(b"not a duckdb file")
    publish_in_process(settings, "run-new")
    assert store_generation(settings) == 2
    # the damaged store's log could not be read: the new one carries the working log
    assert published_runs(settings.published_path) == ["run-old", "run-new"]


# --- the Parquet set beside the store -------------------------------------------------


def parquet_fingerprints(folder: Path) -> dict[str, tuple[int, str]]:
    """Per Parquet file of a set: its row count and the md5 of its rows, each row rendered
    as text by DuckDB and sorted (so row order does not matter, every value does)."""
    con = duckdb.connect()
    try:
        return {
            path.stem: con.execute(
                "SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), chr(10) "
                "ORDER BY CAST(t AS VARCHAR))) FROM read_parquet(?) AS t",
                [str(path)],
            ).fetchone()
            for path in sorted(folder.glob("*.parquet"))
        }
    finally:
        con.close()


def store_fingerprints(store: Path) -> dict[str, tuple[int, str]]:
    """The same for every table of a published store."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
        return {
            table: con.execute(
                f"SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), chr(10) "
                f"ORDER BY CAST(t AS VARCHAR))) FROM {table} AS t"
            ).fetchone()
            for table in sorted(tables)
        }
    finally:
        con.close()


def parquet_generation(settings: TsqSettings) -> int:
    """The one generation of the Parquet set readers see (through the link, resolved
    once, as the docs tell readers to); fails if it is mixed or incomplete."""
    folder = Path(os.path.realpath(settings.root / "published-parquet"))
    generations = set()
    for table, rows in ROWS.items():
        found = query_parquet(folder / f"{table}.parquet")
        assert found[0] == rows, (table, found)
        assert found[1] == found[2], (table, found)
        generations.add(found[1])
    assert len(generations) == 1, generations
    return generations.pop()


def query_parquet(path: Path) -> tuple:
    con = duckdb.connect()
    try:
        return con.execute(
            "SELECT count(*), min(generation), max(generation) FROM read_parquet(?)",
            [str(path)],
        ).fetchone()
    finally:
        con.close()


def test_the_parquet_set_holds_exactly_the_stores_rows(published_once):
    settings = published_once
    publish_in_process(settings, "run-new")
    link = settings.root / "published-parquet"
    assert link.is_symlink()
    assert os.readlink(link) == ".published-parquet.run-new"
    in_store = store_fingerprints(settings.published_path)
    # six models and the publish log; every table's count and sorted-rows md5 agree
    assert sorted(in_store) == sorted([*ROWS, "score_tree", "scopes", "publish_log"])
    assert parquet_fingerprints(link) == in_store
    assert in_store["publish_log"][0] == 2  # run-old and run-new
    # the set the link replaced stays for readers that resolved it just before; nothing older
    sets = sorted(p.name for p in settings.root.glob(".published-parquet.*"))
    assert sets == [".published-parquet.run-new", ".published-parquet.run-old"]
    write_generation(settings.warehouse_path, 3)
    publish_in_process(settings, "run-next")
    sets = sorted(p.name for p in settings.root.glob(".published-parquet.*"))
    assert sets == [".published-parquet.run-new", ".published-parquet.run-next"]
    assert parquet_generation(settings) == 3


@pytest.mark.parametrize("step", PUBLISH_STEPS)
def test_a_publication_killed_after_any_step_leaves_a_complete_parquet_set(published_once, step):
    """Killed after any step, readers find one complete set: the new one only from the
    second swap (`swap_in_parquet`) on. Between the two swaps (after `swap_in` or
    `sync_folder`) the store is new and the set is still the previous publication's; the
    next run, even a refused one, finishes the switch."""
    from orchestration.runner import refuse_publication

    settings = published_once
    assert publish_killed_after(settings, "run-new", step) == KILLED
    store_new = PUBLISH_STEPS.index(step) >= PUBLISH_STEPS.index("swap_in")
    parquet_new = PUBLISH_STEPS.index(step) >= PUBLISH_STEPS.index("swap_in_parquet")
    assert store_generation(settings) == (2 if store_new else 1)
    assert parquet_generation(settings) == (2 if parquet_new else 1)

    refuse_publication(settings, "run-refused", 3, ["raw_tickets:gx_raw_tickets"])
    # the set now follows the store in place, row for row, and no scratch is left
    assert parquet_generation(settings) == store_generation(settings)
    link = settings.root / "published-parquet"
    assert parquet_fingerprints(link) == store_fingerprints(settings.published_path)
    assert not list(settings.root.glob(".published-parquet.*.tmp"))
    assert not list(settings.root.glob(".published-parquet.*.link"))


def test_a_store_without_a_parquet_set_gets_one_from_the_store_in_place(published_once):
    """A store published before Parquet sets existed (or whose set was deleted by hand):
    the next run builds the set from the store in place, not from the working warehouse."""
    import shutil

    settings = published_once
    link = settings.root / "published-parquet"
    shutil.rmtree(settings.root / ".published-parquet.run-old")
    link.unlink()
    # generation 2 waits in the working warehouse; the store in place is generation 1
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        reconcile_publish_log(con, settings.published_path)
    finally:
        con.close()
    assert os.readlink(link) == ".published-parquet.run-old"
    assert parquet_generation(settings) == 1
    assert parquet_fingerprints(link) == store_fingerprints(settings.published_path)
