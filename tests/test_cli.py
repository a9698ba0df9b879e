"""The `tsq` command line a manager and an operator read: `--version`, the scorecard of the
published store (`tsq scores`), the weight tree (`tsq weights`), and how `tsq run` words
and colours what the runner returns. The scorecard tests read the session's small built
warehouse (tests/built_warehouse.py: 300 generated tickets, 2026-04-01 for 92 days, a real
dbt build, the published tables copied as the publish step lays them out), and compare
what is printed with the store's own rows, never with figures typed here."""

from __future__ import annotations

import csv
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from orchestration import weights as weight_file
from orchestration.cli import REPORTED_PACKAGES, _styled, main
from orchestration.runner import ReportLine, RunOutcome
from orchestration.settings import PROJECT_ROOT

# The small warehouse's data run from 2026-04-01 for 92 days, to 2026-07-01 inclusive
# (30 + 31 + 30 = 91 days to the end of June, then July 1st). So April, May and June are
# complete months and July is running: the default period is June.
LATEST_COMPLETE_MONTH = "2026-06-01"
RUNNING_MONTH = "2026-07-01"


def tsq(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"TSQ_HOME": str(home)})


def store_rows(home: Path, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(str(home / "published.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def cells(output: str, label: str) -> list[str]:
    """The cells of the one printed row whose first cell is `label`: printed into a pipe,
    the table is at its natural width, one line per row, columns two or more spaces apart."""
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label + "  ")]
    return re.split(r"\s{2,}", line.strip())


def header(output: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if line.strip().startswith("team  ")]
    return re.split(r"\s{2,}", line.strip())


def team_overall(home: Path, period: str) -> list[tuple]:
    return store_rows(
        home,
        "SELECT s.scope_id, p.display_name, s.score, s.grade, s.grade_status, s.rank, "
        "s.peers_ranked, s.coverage, s.coverage_sufficient FROM scores AS s "
        "JOIN scopes AS p ON p.scope_type = s.scope_type AND p.scope_id = s.scope_id "
        "WHERE s.period_grain = 'month' AND s.period_start = ? AND s.scope_type = 'team' "
        "AND s.level = 'overall' ORDER BY s.scope_id",
        [period],
    )


def test_version_names_tsq_and_the_tools_it_runs_on():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = result.output.splitlines()
    assert lines[0] == f"tsq {pyproject['project']['version']}"
    assert lines[1:] == [f"{package} {version(package)}" for package in REPORTED_PACKAGES]
    assert [line.split()[0] for line in lines[1:]] == [
        "dbt-core", "dagster", "great_expectations", "duckdb",
    ]  # fmt: skip


def test_the_scorecard_shows_each_team_by_name_with_its_published_scores(small_home):
    result = tsq(small_home, "scores")
    assert result.exit_code == 0, result.output
    assert f"month from {LATEST_COMPLETE_MONTH} (complete), scope team" in result.output
    assert "the latest complete month; the running month from 2026-07-01" in result.output
    teams = team_overall(small_home, LATEST_COMPLETE_MONTH)
    assert len(teams) >= 2, teams  # the generator makes several teams
    columns = header(result.output)
    subdimensions = store_rows(
        small_home,
        "SELECT node_id, name_zh FROM score_tree WHERE level = 'subdimension' ORDER BY node_id",
        [],
    )
    assert columns == [
        "team", "overall", "grade", "rank", "change", "coverage",
        *(node_id for node_id, _ in subdimensions),
    ]  # fmt: skip
    graded = insufficient = 0
    for scope_id, name, score, grade, status, rank, peers, coverage, sufficient in teams:
        row = cells(result.output, f"{name} ({scope_id})")
        assert row[0] == f"{name} ({scope_id})"
        if status == "graded":
            graded += 1
            assert row[1:4] == [f"{score:.1f}", grade, f"{rank}/{peers}"]
        elif status == "insufficient_coverage":
            insufficient += 1
            # the score is shown, marked, and neither graded nor ranked
            assert not sufficient and grade is None and rank is None
            assert row[1:3] == [f"{score:.1f}†", "insufficient"]
            assert f"/{peers}" not in " ".join(row)
        assert f"{coverage:.0%}" in row
    # the small warehouse has both kinds in June (checked so the loop above cannot pass empty)
    assert graded and insufficient, teams
    # a sub-dimension cell is the store's score of that team and sub-dimension
    scope_id, name = teams[0][0], teams[0][1]
    by_node = dict(
        store_rows(
            small_home,
            "SELECT node_id, score FROM scores WHERE period_grain = 'month' AND period_start = ? "
            "AND scope_type = 'team' AND scope_id = ? AND level = 'subdimension'",
            [LATEST_COMPLETE_MONTH, scope_id],
        )
    )
    row = dict(zip(columns, cells(result.output, f"{name} ({scope_id})"), strict=True))
    for node_id, _ in subdimensions:
        shown = row[node_id].rstrip("†◔")
        assert shown == ("–" if by_node.get(node_id) is None else f"{by_node[node_id]:.1f}")
    # the sub-dimensions are named under the table from score_tree, in the language asked
    assert all(f"{node_id} {name_zh}" in result.output for node_id, name_zh in subdimensions)


def test_the_scorecard_names_sub_dimensions_in_english_when_asked(small_home):
    result = tsq(small_home, "scores", "--lang", "en")
    assert result.exit_code == 0, result.output
    names = store_rows(
        small_home, "SELECT node_id, name_en FROM score_tree WHERE level = 'subdimension'", []
    )
    assert len(names) == 8
    assert all(f"{node_id} {name_en}" in result.output for node_id, name_en in names)


def test_a_running_month_is_shown_marked_and_never_graded(small_home):
    result = tsq(small_home, "scores", "--period", RUNNING_MONTH)
    assert result.exit_code == 0, result.output
    assert f"month from {RUNNING_MONTH} (RUNNING: not graded, ranked or compared)" in result.output
    teams = team_overall(small_home, RUNNING_MONTH)
    assert any(status == "period_incomplete" for *_, status, _, _, _, _ in teams), teams
    for scope_id, name, score, grade, status, *_ in teams:
        assert grade is None  # the store grades no running period; nor does the scorecard
        row = cells(result.output, f"{name} ({scope_id})")
        if status == "period_incomplete":
            assert row[1].startswith(f"{score:.1f}") and row[1].endswith("◔"), row
            assert row[2] == "running"


def test_the_organisation_scope_is_one_row(small_home):
    result = tsq(small_home, "scores", "--scope", "organisation", "--grain", "quarter")
    assert result.exit_code == 0, result.output
    ((score,),) = store_rows(
        small_home,
        "SELECT score FROM scores WHERE period_grain = 'quarter' AND period_start = ? "
        "AND scope_type = 'organisation' AND level = 'overall'",
        ["2026-04-01"],  # Q2 2026, complete; Q3 (from July 1st) is running
    )
    assert "quarter from 2026-04-01 (complete), scope organisation" in result.output
    assert cells(result.output, "Organisation (all)")[1].rstrip("†") == f"{score:.1f}"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--scope", "nonsense"],
            "Invalid value for --scope: unknown scope type 'nonsense'; published: agent, "
            "channel, complexity_tier, organisation, priority, product, team",
        ),
        (
            ["--period", "2026-13-01"],
            "Invalid value for --period: '2026-13-01' is not a date: give a month's start as "
            "YYYY-MM-DD; published: 2026-04-01, 2026-05-01, 2026-06-01, 2026-07-01",
        ),
        (
            ["--period", "2026-05-15"],
            "Invalid value for --period: no month starting 2026-05-15 is published; "
            "published: 2026-04-01, 2026-05-01, 2026-06-01, 2026-07-01",
        ),
        (
            ["--grain", "day", "--period", "2026-09-01"],
            "Invalid value for --period: no day starting 2026-09-01 is published; published: "
            "2026-04-01, 2026-04-02, 2026-04-03, ... 2026-06-30, 2026-07-01, 2026-07-02 "
            "(92 periods)",
        ),
        (["--grain", "year"], "Invalid value for '--grain': 'year' is not one of"),
    ],
)
def test_an_unknown_scope_grain_or_period_is_a_usage_error_naming_what_exists(
    small_home, args, says
):
    result = tsq(small_home, "scores", *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert says in error


def test_no_store_yet_is_a_plain_error(tmp_path):
    result = tsq(tmp_path, "scores")
    assert result.exit_code == 1
    assert "published.duckdb does not exist yet: run `tsq run` first" in result.output


def _seed_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_weights_prints_the_tree_with_names_weights_and_each_parents_sum():
    result = CliRunner().invoke(main, ["weights", "--lang", "en"])
    assert result.exit_code == 0, result.output
    names = {row["node_id"]: row["name_en"] for row in _seed_rows(weight_file.NODE_NAMES_SEED)}
    names |= {row["indicator_id"]: row["name_en"] for row in _seed_rows(weight_file.CATALOG_SEED)}
    seed = _seed_rows(weight_file.WEIGHTS_SEED)
    lines = result.output.splitlines()
    for row in seed:
        (line,) = [line for line in lines if re.search(rf"\b{re.escape(row['node_id'])}  ", line)]
        assert f"{row['node_id']}  {names[row['node_id']]}  weight {float(row['weight']):g}" in (
            line
        )
    # overall, 2 dimensions and 8 sub-dimensions have children: 11 sums, each 1
    assert sum("children sum 1.000000 ✓" in line for line in lines) == 11
    # the tree's shape: UX1 hangs under UX, its indicators under UX1
    ux = next(i for i, line in enumerate(lines) if re.search(r"── UX  ", line))
    ux1 = next(i for i, line in enumerate(lines) if re.search(r"── UX1  ", line))
    first_indicator = next(r["node_id"] for r in seed if r["parent_id"] == "UX1")
    assert ux < ux1 < next(i for i, line in enumerate(lines) if first_indicator in line)
    assert "every parent's children sum to 1" in result.output


def test_weights_refuses_a_parent_whose_children_do_not_sum_to_one(tmp_path, monkeypatch):
    # UX1's indicators 0.25 + 0.2 + 0.25 + 0.2 + 0.1 = 1.0; its last set to 0.05: 0.95
    rows = _seed_rows(weight_file.WEIGHTS_SEED)
    last_of_ux1 = [row for row in rows if row["parent_id"] == "UX1"][-1]
    assert last_of_ux1["weight"] == "0.1"
    last_of_ux1["weight"] = "0.05"
    broken = tmp_path / "scoring_weights.csv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, weight_file.WEIGHTS_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(weight_file, "WEIGHTS_SEED", broken)
    result = CliRunner().invoke(main, ["weights"])
    assert result.exit_code == 1
    (ux1,) = [line for line in result.output.splitlines() if re.search(r"── UX1  ", line)]
    assert "children sum 0.950000 ✗ not 1" in ux1
    assert "the children's weights of UX1 do not sum to 1" in result.output
    # one off parent, and only it: the overall node and UX still sum to 1
    assert result.output.count("✗") == 1


def test_a_run_report_is_plain_data_and_the_cli_colours_only_its_lead():
    outcome = RunOutcome(
        run_id="run-1",
        success=False,
        published=False,
        failed_checks=["raw/tickets:gx_raw_tickets"],
        check_details={"raw/tickets:gx_raw_tickets": ["priority [blocking]: 2 rows"]},
        published_path=Path("/home/published.duckdb"),
        duckdb_memory_limit="1MB",
        log_path=Path("/home/logs/run.log"),
        out_of_memory=True,
    )
    assert outcome.report_lines() == [
        "run run-1 (full log: /home/logs/run.log)",
        "blocking check failed: raw/tickets:gx_raw_tickets",
        "  priority [blocking]: 2 rows",
        "DuckDB ran out of memory (its limit is 1MB; unset, TSQ_DUCKDB_MEMORY_LIMIT is half "
        "of the machine's memory): set TSQ_DUCKDB_MEMORY_LIMIT higher, e.g. "
        "TSQ_DUCKDB_MEMORY_LIMIT=16GB (up to about 80% of the memory), or free memory, "
        "and run again",
        "not published: the previous published.duckdb was left as it was",
    ]
    assert [line.tone for line in outcome.describe()] == [
        "note", "failure", "note", "failure", "failure",
    ]  # fmt: skip
    # the terminal gets the same words: [blocking] is text, not a markup tag to swallow
    console = Console(record=True, width=400, force_terminal=True, color_system="standard")
    for line in outcome.describe():
        console.print(_styled(line))
    assert console.export_text().splitlines() == outcome.report_lines()
    styled = _styled(ReportLine("/home/published.duckdb", "success", "published"))
    assert styled.plain == "published /home/published.duckdb"
    assert [(span.start, span.end, span.style) for span in styled.spans] == [(0, 9, "green")]


def test_load_ids_and_file_names_print_whole_into_a_pipe(tmp_path):
    """`tsq loads` and `tsq quarantine --rows` print a load id a user copies into
    `tsq retract`, and file names: into a pipe (rich assumes 80 columns there, and a dumb
    terminal forces 80) they are printed whole, never cropped to `7c808aa0…`."""
    from orchestration.raw_tables import ensure_ledger

    load_id = "7c808aa0-8c1e-4a43-9d0e-5f2b9e4c1a77"
    file_name = "tickets-export-from-the-helpdesk-2026-09-01-full-history.csv"
    home = tmp_path / "home"
    home.mkdir()
    with duckdb.connect(str(home / "tsq.duckdb")) as con:
        ensure_ledger(con)
        con.execute(
            "insert into raw.loads values (?, 'tickets', ?, 'h1', 'csv', 'utf-8', 12345, 12000,"
            " 345, '2026-09-01 00:00:00+00')",
            [load_id, file_name],
        )
        con.execute(
            "insert into raw.quarantine values (?, 'tickets', ?, 17, 'required',"
            " 'required: category is empty', ?, '2026-09-01 00:00:00+00')",
            [load_id, file_name, '{"ticket_id": "T-17"}'],
        )
    for args, whole in ((["loads"], [load_id, file_name]), (["quarantine", "--rows"], [file_name])):
        result = CliRunner().invoke(
            main, args, env={"TSQ_HOME": str(home), "TERM": "dumb", "COLUMNS": None}
        )
        assert result.exit_code == 0, result.output
        for text in whole:
            assert text in result.output, result.output
        assert "…" not in result.output, result.output
