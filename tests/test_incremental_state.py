"""When the dbt build may be incremental (orchestration/transform/incremental.py), decided
on a real DuckDB warehouse whose raw tables are written by hand here; no pipeline run.
The whole-pipeline identity with a full refresh is tests/test_incremental.py (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import up_to_date
from orchestration.settings import PROJECT_ROOT, TsqSettings
from orchestration.sql_text import quote_identifier
from orchestration.transform.incremental import (
    INCREMENTAL_ENTITIES,
    build_fingerprint,
    forget_build,
    full_refresh_reason,
    record_build,
)


def raw_warehouse(settings: TsqSettings) -> None:
    """Every raw table the incremental models read, with only the lineage columns, and two
    ticket rows of load L1 at 2026-11-01."""
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("CREATE SCHEMA raw")
    for entity in INCREMENTAL_ENTITIES:
        con.execute(
            f"CREATE TABLE raw.{quote_identifier(entity)} (_load_id VARCHAR, "
            "_source_file VARCHAR, _source_row BIGINT, _loaded_at TIMESTAMPTZ)"
        )
    add_rows(con, "L1", "2026-11-01 00:00:00+00", 2)
    con.close()


def add_rows(con: duckdb.DuckDBPyConnection, load_id: str, loaded_at: str, rows: int) -> None:
    con.execute(
        "INSERT INTO raw.tickets SELECT ?, ? || '.csv', range + 1, CAST(? AS TIMESTAMPTZ) "
        "FROM range(?)",
        [load_id, load_id, loaded_at, rows],
    )


def test_a_build_after_new_loads_only_is_incremental_and_anything_else_is_full(
    tsq_home: TsqSettings,
) -> None:
    settings = tsq_home
    raw_warehouse(settings)
    assert full_refresh_reason(settings, "fp") == "no record of a previous build"

    record_build(settings, "fp")
    assert full_refresh_reason(settings, "fp") is None
    assert full_refresh_reason(settings, "fp", asked=True) == ("asked for (tsq run --full-refresh)")
    assert full_refresh_reason(settings, "another") == (
        "the project, its seeds or the dbt vars changed"
    )

    # a new load, later than the recorded one: still incremental
    con = duckdb.connect(str(settings.warehouse_path))
    add_rows(con, "L2", "2026-11-02 00:00:00+00", 3)
    con.close()
    assert full_refresh_reason(settings, "fp") is None

    # a row put back under the old load (a quarantine release): full
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("INSERT INTO raw.tickets VALUES ('L1', 'L1.csv', 7, '2026-11-01 00:00:00+00')")
    con.close()
    assert "changed below its last build's loads" in (full_refresh_reason(settings, "fp") or "")

    # recorded again, then a row of the old load goes (a retraction): full
    record_build(settings, "fp")
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("DELETE FROM raw.tickets WHERE _load_id = 'L1' AND _source_row = 1")
    con.close()
    assert "raw.tickets changed" in (full_refresh_reason(settings, "fp") or "")

    # a build that starts forgets the record: if it fails, the next one is full
    record_build(settings, "fp")
    forget_build(settings)
    assert full_refresh_reason(settings, "fp") == "no record of a previous build"


def test_a_changed_team_agent_or_calendar_means_a_full_build(tsq_home: TsqSettings) -> None:
    """The organisation enters every ticket's facts (business clocks, tiers, skills): any
    change to what staging reads of it rebuilds in full; the same rows re-sent do not."""
    settings = tsq_home
    raw_warehouse(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        "CREATE TABLE raw.teams (team_id VARCHAR, name VARCHAR, timezone VARCHAR, "
        "work_start VARCHAR, work_end VARCHAR, work_days VARCHAR, calendar_id VARCHAR, "
        "_source_file VARCHAR, _source_row BIGINT, _load_id VARCHAR, _loaded_at TIMESTAMPTZ)"
    )
    team = ["T1", "Desk", "Europe/Berlin", "09:00", "17:00", "1-5", "DE"]
    con.execute(
        "INSERT INTO raw.teams VALUES (?, ?, ?, ?, ?, ?, ?, 'teams.csv', 1, 'L1', "
        "'2026-11-01 00:00:00+00')",
        team,
    )
    con.close()
    record_build(settings, "fp")
    assert full_refresh_reason(settings, "fp") is None

    # the same team re-sent in a later export: what staging reads is unchanged
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        "INSERT INTO raw.teams VALUES (?, ?, ?, ?, ?, ?, ?, 'teams-2.csv', 1, 'L2', "
        "'2026-11-02 00:00:00+00')",
        team,
    )
    con.close()
    assert full_refresh_reason(settings, "fp") is None

    # the team moves to another time zone: every business clock of its tickets moves
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        "INSERT INTO raw.teams VALUES (?, ?, 'Asia/Shanghai', ?, ?, ?, ?, 'teams-3.csv', 1, "
        "'L3', '2026-11-03 00:00:00+00')",
        [team[0], team[1], *team[3:]],
    )
    con.close()
    assert full_refresh_reason(settings, "fp") == (
        "raw.teams changed (the organisation enters every ticket's facts)"
    )
    record_build(settings, "fp")
    assert full_refresh_reason(settings, "fp") is None


def test_an_unreadable_record_means_a_full_build(tsq_home: TsqSettings) -> None:
    raw_warehouse(tsq_home)
    (tsq_home.root / "incremental_state.json").write_text("{not json", encoding="utf-8")
    assert full_refresh_reason(tsq_home, "fp") == ("the record of the previous build is unreadable")


def test_the_fingerprint_changes_with_a_weight_a_model_or_a_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a copy of the project's seeds and one model, as the fingerprint's root
    root = tmp_path / "project"
    for part in ("dbt_project/seeds", "dbt_project/models/marts"):
        shutil.copytree(PROJECT_ROOT / part, root / part)
    monkeypatch.setattr(up_to_date, "PROJECT_ROOT", root)
    vars_ = {"tsq_warehouse_path": "/a/tsq.duckdb", "tsq_as_of": None}
    before = build_fingerprint(vars_)
    # the warehouse's path is not part of it (the same warehouse by another path)
    assert build_fingerprint({**vars_, "tsq_warehouse_path": "/b/tsq.duckdb"}) == before

    weights = root / "dbt_project" / "seeds" / "scoring_weights.csv"
    original = weights.read_bytes()
    weights.write_bytes(original.replace(b"0.", b"0.0", 1))
    assert build_fingerprint(vars_) != before
    weights.write_bytes(original)
    assert build_fingerprint(vars_) == before

    model = next((root / "dbt_project" / "models" / "marts").glob("*.sql"))
    sql = model.read_bytes()
    model.write_bytes(sql + b"\n-- edited\n")
    assert build_fingerprint(vars_) != before
    model.write_bytes(sql)
    assert build_fingerprint(vars_) == before

    assert build_fingerprint({**vars_, "tsq_as_of": "2026-11-30"}) != before
