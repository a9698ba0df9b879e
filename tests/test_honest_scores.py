"""Honest roll-up (issue 11): the score_rollup gate refuses a grade, rank or change on a
node below the coverage floor or in a running period, and passes an honest table; the
coverage floor is a setting that reaches dbt. The formulas themselves are dbt unit tests
in dbt_project/models/scores/_scores.yml (hand-computed fixtures)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from orchestration.quality.suites import SuiteFile, validate_suite
from orchestration.scorecard import read_scorecard
from orchestration.settings import EXPECTATIONS_DIR, TsqSettings
from orchestration.transform.dbt_assets import dbt_build_args

SCORE_ROLLUP = SuiteFile.read(EXPECTATIONS_DIR / "scores" / "score_rollup.json")
COLUMNS = (
    "period_grain varchar, period_start date, period_complete boolean, scope_type varchar, "
    "scope_id varchar, level varchar, node_id varchar, score double, grade varchar, "
    "grade_status varchar, coverage double, coverage_floor double, coverage_sufficient boolean, "
    "indicators_scored hugeint, indicators_total hugeint, rank_in_scope bigint, "
    "peers_ranked bigint, score_change double"
)
# T1 and T2 graded; T3 at 5% coverage, published but insufficient (no grade, rank, change)
# fmt: off
HONEST_ROWS = [
    ("month", "2026-09-01", True, "team", "T1", "overall", "overall", 80.0, "B", "graded",
     0.9, 0.6, True, 30, 39, 1, 2, 5.0),
    ("month", "2026-09-01", True, "team", "T2", "overall", "overall", 60.0, "C", "graded",
     0.7, 0.6, True, 25, 39, 2, 2, None),
    ("month", "2026-09-01", True, "team", "T3", "overall", "overall", 100.0, None,
     "insufficient_coverage", 0.05, 0.6, False, 1, 39, None, 2, None),
    ("month", "2026-10-01", False, "team", "T1", "overall", "overall", 90.0, None,
     "period_incomplete", 0.9, 0.6, True, 30, 39, None, 0, None),
]
# fmt: on


def scores_db(path: Path, rows: list[tuple]) -> Path:
    database = path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    con.execute("CREATE SCHEMA scores")
    con.execute(f"CREATE TABLE scores.score_rollup ({COLUMNS})")
    con.executemany(
        f"INSERT INTO scores.score_rollup VALUES ({', '.join('?' for _ in rows[0])})", rows
    )
    con.close()
    return database


def blocking_failures(outcome) -> dict[str, int | None]:
    return {f"{o.expectation}:{o.column}": o.unexpected_count for o in outcome.blocking_failures}


def test_an_honest_score_table_passes(tmp_path):
    outcome = validate_suite(scores_db(tmp_path, HONEST_ROWS), SCORE_ROLLUP)
    assert outcome.passed, outcome.summary()


GRADED_ONLY_WHEN_EARNED = "unexpected_rows_expectation:None"


@pytest.mark.parametrize(
    ("row_index", "change", "expected"),
    [
        # a grade at 5% coverage, as the issue found (a team 1st with grade A at 3%)
        (2, {8: "A", 9: "graded"}, {GRADED_ONLY_WHEN_EARNED: 1}),
        # a rank on an insufficient node
        (2, {15: 1}, {GRADED_ONLY_WHEN_EARNED: 1}),
        # a five-hour month graded and compared
        (3, {8: "A", 17: 10.3}, {GRADED_ONLY_WHEN_EARNED: 1}),
        (3, {9: "graded"}, {GRADED_ONLY_WHEN_EARNED: 1}),
        (0, {2: None}, {"expect_column_values_to_not_be_null:period_complete": 1}),
        (
            0,
            {9: "sufficient"},
            {"expect_column_values_to_be_in_set:grade_status": 1, GRADED_ONLY_WHEN_EARNED: 1},
        ),
    ],
)
def test_the_score_gate_refuses_grades_on_thin_or_running_measurements(
    tmp_path, row_index, change, expected
):
    rows = [list(row) for row in HONEST_ROWS]
    for column, value in change.items():
        rows[row_index][column] = value
    outcome = validate_suite(scores_db(tmp_path, [tuple(r) for r in rows]), SCORE_ROLLUP)
    assert not outcome.passed
    assert blocking_failures(outcome) == expected, outcome.summary()


def test_the_coverage_floor_setting_reaches_dbt(monkeypatch):
    monkeypatch.delenv("TSQ_COVERAGE_FLOOR", raising=False)
    default_args = dbt_build_args(TsqSettings())
    assert "tsq_coverage_floor" not in default_args[default_args.index("--vars") + 1]
    monkeypatch.setenv("TSQ_COVERAGE_FLOOR", "0.75")
    args = dbt_build_args(TsqSettings())
    assert '"tsq_coverage_floor": 0.75' in args[args.index("--vars") + 1]


def test_a_coverage_floor_outside_zero_to_one_is_refused(monkeypatch):
    monkeypatch.setenv("TSQ_COVERAGE_FLOOR", "60")
    with pytest.raises(ValueError, match="coverage_floor"):
        TsqSettings()


def test_tsq_scores_shows_the_latest_complete_period_and_says_so(tmp_path):
    published = tmp_path / "published.duckdb"
    con = duckdb.connect(str(published))
    con.execute(f"CREATE TABLE scores ({COLUMNS.replace('rank_in_scope', 'rank')})")
    con.executemany(
        f"INSERT INTO scores VALUES ({', '.join('?' for _ in HONEST_ROWS[0])})", HONEST_ROWS
    )
    con.close()
    console = Console(record=True, width=200)
    console.print(read_scorecard(published, "month", "team", None))
    shown = console.export_text()
    # September is the latest complete month; October (running, 90.0) is not the default
    assert "month from 2026-09-01" in shown and "90.0" not in shown
    assert "the latest complete month" in shown and "running month from 2026-10-01" in shown
    # T3 is published with its score but marked, not graded or ranked
    (t3,) = [line for line in shown.splitlines() if "T3" in line]
    assert "100.0" in t3 and "insufficient" in t3 and "/2" not in t3
    (t1,) = [line for line in shown.splitlines() if "T1" in line]
    assert " B " in t1 and "1/2" in t1

    console = Console(record=True, width=200)
    console.print(read_scorecard(published, "month", "team", "2026-10-01"))
    running = console.export_text()
    assert "90.0" in running and "running" in running and "RUNNING" in running
