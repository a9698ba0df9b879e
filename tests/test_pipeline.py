"""The whole graph, materialised through Dagster on a small generated sample in a
temporary TSQ_HOME: ingest -> dbt -> checks -> publish, rerun, and blocked publishing.

The first run is conftest's session fixture `first_run` (1,500 generated tickets, seed 7,
with test_quarantine_cascade's -cascade.csv files planted beside them); the figures read
here are the generated files' (tickets.csv, ...)."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import ENTITIES
from orchestration.generator import generate
from orchestration.settings import TsqSettings
from tests.conftest import GENERATED_TICKETS, LATE_TICKET_HEADER, planted_seeds, query, run_in

UX1_IDS = {
    "ux_first_response_minutes",
    "ux_first_response_sla_rate",
    "ux_resolution_hours_tiered",
    "ux_resolution_sla_rate",
    "ux_proactive_update_rate",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_whole_graph_runs_and_publishes(first_run):
    settings, outcome = first_run
    assert outcome.success, outcome.report_lines()
    assert outcome.published and not outcome.failed_checks
    tables = {row[0] for row in query(settings.published_path, "SHOW TABLES")}
    assert tables == {
        "indicator_catalog",
        "indicator_values",
        "scores",
        "ticket_sla",
        "score_tree",
        "scopes",
        "publish_log",
    }
    # the report of what was published, beside the store
    assert "技术支持服务质量报告" in (settings.root / "report.html").read_text(encoding="utf-8")
    assert query(settings.published_path, "SELECT count(*), min(status) FROM publish_log") == [
        (1, "published")
    ]
    (checks_passed,) = query(settings.published_path, "SELECT checks_passed FROM publish_log")[0]
    assert checks_passed >= 5  # at least one suite per layer


def test_the_dbt_version_read_from_the_package_is_the_clis():
    """InstalledDbtCliResource skips dagster-dbt's `dbt --version` call; the version it
    reads from the installed package must be the one the CLI reports."""
    from dagster_dbt import DbtCliResource

    from orchestration.transform.dbt_assets import InstalledDbtCliResource, dbt_project

    executable = str(Path(sys.executable).parent / "dbt")
    ours = InstalledDbtCliResource(project_dir=dbt_project, dbt_executable=executable)
    asked = DbtCliResource(project_dir=dbt_project, dbt_executable=executable)
    assert ours._cli_version == asked._cli_version


def test_every_suite_leaves_a_data_docs_page(first_run):
    from orchestration.quality.suites import discover_suites

    settings, _ = first_run
    pages = {page.stem for page in settings.data_docs_dir.glob("*.html")}
    assert pages == {suite.name for suite in discover_suites()} | {"index"}
    index = (settings.data_docs_dir / "index.html").read_text(encoding="utf-8")
    assert "raw_tickets.html" in index and "FAILED" not in index


def test_raw_rows_keep_their_lineage(first_run):
    settings, _ = first_run
    rows = query(
        settings.warehouse_path,
        "SELECT _source_file, count(*), count(DISTINCT _source_row), min(_source_row), "
        "max(_source_row) FROM raw.tickets GROUP BY 1 ORDER BY 1",
    )
    # the generated tickets.csv, row for row; beside it the planted tickets-cascade.csv,
    # whose row 1 (CASC-OK) was accepted and row 2 (CASC-BAD) quarantined
    assert rows == [
        ("tickets-cascade.csv", 1, 1, 1, 1),
        ("tickets.csv", GENERATED_TICKETS, GENERATED_TICKETS, 1, GENERATED_TICKETS),
    ]


def test_every_catalogue_indicator_has_a_value_for_the_organisation_each_month(first_run):
    settings, _ = first_run
    catalogue = {
        row[0]
        for row in query(settings.published_path, "SELECT indicator_id FROM indicator_catalog")
    }
    assert catalogue >= UX1_IDS and len(catalogue) >= 35
    rows = query(
        settings.published_path,
        "SELECT indicator_id, count(*) FILTER (WHERE value IS NOT NULL) FROM indicator_values "
        "WHERE period_grain = 'month' AND scope_type = 'organisation' "
        "AND period_start BETWEEN DATE '2026-05-01' AND DATE '2026-09-01' "
        "GROUP BY indicator_id",
    )
    months_with_value = dict(rows)
    # April is the data's first month: no process review is due yet, so it is left out
    missing = {i: months_with_value.get(i, 0) for i in catalogue if months_with_value.get(i, 0) < 5}
    assert not missing, missing


def test_indicators_below_their_minimum_sample_are_flagged_not_zeroed(first_run):
    settings, _ = first_run
    rows = query(
        settings.published_path,
        "SELECT score_status, count(*) FILTER (WHERE score IS NOT NULL), count(*) "
        "FROM indicator_values GROUP BY score_status ORDER BY score_status",
    )
    by_status = {status: (scored, total) for status, scored, total in rows}
    assert by_status["below_min_sample"][0] == 0 and by_status["below_min_sample"][1] > 0
    assert by_status["no_data"][0] == 0
    assert by_status["scored"][0] == by_status["scored"][1]


def test_rates_sit_inside_their_intervals(first_run):
    settings, _ = first_run
    outside = query(
        settings.published_path,
        "SELECT count(*) FROM indicator_values "
        "WHERE ci_low IS NOT NULL AND NOT (value BETWEEN ci_low - 1e-6 AND ci_high + 1e-6)",
    )
    assert outside == [(0,)]


def test_teams_score_differently(first_run):
    settings, _ = first_run
    scores = query(
        settings.published_path,
        "SELECT scope_id, score FROM scores WHERE period_grain = 'quarter' "
        "AND scope_type = 'team' AND level = 'subdimension' AND node_id = 'UX1' "
        "AND score IS NOT NULL AND period_start = DATE '2026-07-01'",
    )
    values = [score for _, score in scores]
    assert len(values) >= 3
    assert max(values) - min(values) >= 5, scores


def test_a_row_breaking_a_contract_rule_is_quarantined_and_the_run_still_publishes(
    late_files_run,
):
    """conftest's late_files_run: a copy of first_run's home given tickets-late.csv
    (LATE-1 valid, LATE-2 with priority P9) and, for test_quarantine_cascade, a later
    events file, then run again. The events file is not about these tickets; the whole
    quarantine table is counted in that module (6 + 2 rows)."""
    rerun_settings, outcome = late_files_run
    assert outcome.success and outcome.published
    assert query(
        rerun_settings.warehouse_path,
        "SELECT source_file, source_row, rule FROM raw.quarantine "
        "WHERE source_file = 'tickets-late.csv'",
    ) == [("tickets-late.csv", 2, "allowed:priority")]
    assert query(
        rerun_settings.warehouse_path, "SELECT count(*) FROM raw.tickets WHERE ticket_id = 'LATE-1'"
    ) == [(1,)]


def test_a_second_run_adds_nothing_and_changes_no_score(first_run, tmp_path):
    settings, _ = first_run
    copy = tmp_path / "home"
    shutil.copytree(settings.root, copy)
    values_sql = (
        "SELECT md5(string_agg(row_text, ',' ORDER BY row_text)) FROM (SELECT concat_ws('|', "
        "period_grain, period_start, scope_type, scope_id, indicator_id, value, score) AS row_text "
        "FROM indicator_values)"
    )
    scores_sql = (
        "SELECT md5(string_agg(row_text, ',' ORDER BY row_text)) FROM (SELECT concat_ws('|', "
        "period_grain, period_start, scope_type, scope_id, level, node_id, score, coverage, rank)"
        " AS row_text FROM scores)"
    )
    before = query(settings.published_path, values_sql)
    scores_before = query(settings.published_path, scores_sql)
    counts_sql = "SELECT (SELECT count(*) FROM raw.tickets), (SELECT count(*) FROM raw.loads)"
    loads_before = query(settings.warehouse_path, counts_sql)
    published_before = sha256(copy / "published.duckdb")
    # nothing new in the inbox or the project: nothing runs, nothing changes
    rerun_settings, skipped = run_in(copy)
    assert skipped.success and skipped.skipped and not skipped.published
    assert skipped.run_id == first_run[1].run_id
    assert sha256(copy / "published.duckdb") == published_before
    # forced, the whole graph runs again: it loads nothing twice and changes no score
    rerun_settings, outcome = run_in(copy, force=True)
    assert outcome.success and outcome.published and not outcome.skipped
    assert query(rerun_settings.warehouse_path, counts_sql) == loads_before
    assert query(rerun_settings.published_path, values_sql) == before
    assert query(rerun_settings.published_path, scores_sql) == scores_before
    assert query(rerun_settings.published_path, "SELECT count(*) FROM publish_log") == [(2,)]


EVENT_HEADER = "event_id,ticket_id,event_at,event_type,actor_type\n"


def test_rows_a_check_would_refuse_are_set_aside_and_the_run_publishes(first_run, tmp_path):
    """Each of these rows used to fail a blocking staging check and refuse every later
    publication until its whole load was retracted. Now the single-row ones are
    quarantined at load, and the ones that need another entity are held back until it
    arrives: the run publishes, and `tsq quarantine` names each row."""
    from click.testing import CliRunner

    from orchestration.cli import main

    settings, _ = first_run
    copy = tmp_path / "home"
    shutil.copytree(settings.root, copy)
    ((team, agent, ticket, created),) = query(
        copy / "tsq.duckdb",
        "SELECT (SELECT min(team_id) FROM raw.teams), (SELECT min(agent_id) FROM raw.agents), "
        "ticket_id, created_at FROM raw.tickets ORDER BY ticket_id LIMIT 1",
    )
    inbox = copy / "inbox"
    (inbox / "tickets-late.csv").write_text(
        LATE_TICKET_HEADER
        # closed a month before it was created: quarantined at load
        + f"BAD-2,2026-09-01T02:00:00Z,email,P2,1,network,{team},closed,2026-08-01T02:00:00Z\n"
        # a team nobody exported: held back, with its event
        + "BAD-3,2026-09-01T02:00:00Z,email,P2,1,network,NO-SUCH-TEAM,open,\n"
    )
    (inbox / "ticket_events-late.csv").write_text(
        EVENT_HEADER
        + "EV-ORPHAN,NO-SUCH-TICKET,2026-09-01T03:00:00Z,public_reply,agent\n"
        + "EV-BAD-3,BAD-3,2026-09-01T03:00:00Z,public_reply,agent\n"
        + f"EV-EARLY,{ticket},2000-01-02T00:00:00Z,public_reply,agent\n"
    )
    (inbox / "kb_articles-late.csv").write_text(
        "article_id,title,author_agent_id,created_at,status,helpful_votes,unhelpful_votes\n"
        f"KB-BAD,Broken votes,{agent},2026-05-01T02:00:00Z,active,-50,1\n"
    )
    rerun_settings, outcome = run_in(copy)
    assert outcome.success and outcome.published, outcome.report_lines()
    warehouse = rerun_settings.warehouse_path
    assert query(
        warehouse,
        "SELECT source_file, source_row, rule FROM raw.quarantine "
        "WHERE source_file LIKE '%-late.csv' ORDER BY 1, 2",
    ) == [
        ("kb_articles-late.csv", 1, "range:helpful_votes"),
        ("tickets-late.csv", 1, "order:closed_at>=created_at"),
    ]
    assert query(
        warehouse,
        "SELECT entity, row_key, rule, source_file, source_row "
        "FROM intermediate.int_held_back_rows ORDER BY 1, 2",
    ) == [
        (
            "ticket_events",
            "EV-BAD-3",
            "held back: its ticket is held back",
            "ticket_events-late.csv",
            2,
        ),
        (
            "ticket_events",
            "EV-EARLY",
            "held back: before its ticket was created",
            "ticket_events-late.csv",
            3,
        ),
        ("ticket_events", "EV-ORPHAN", "held back: unknown ticket", "ticket_events-late.csv", 1),
        ("tickets", "BAD-3", "held back: unknown team", "tickets-late.csv", 2),
    ]
    assert created > "2000-01-02"
    published = {
        t for (t,) in query(rerun_settings.published_path, "SELECT ticket_id FROM ticket_sla")
    }
    assert "BAD-3" not in published and ticket in published
    listed = (
        CliRunner()
        .invoke(main, ["quarantine"], env={"TSQ_HOME": str(copy), "COLUMNS": "300"})
        .output
    )
    for rule in ("held back: unknown team", "held back: unknown ticket", "range:helpful_votes"):
        assert rule in listed, listed
    # the team arrives in a later file: its ticket and the ticket's event are released
    (inbox / "teams-late.csv").write_text(
        "team_id,name,timezone,work_start,work_end,work_days,calendar_id\n"
        'NO-SUCH-TEAM,Late team,Asia/Shanghai,09:00,18:00,"1,2,3,4,5",CN\n'
    )
    rerun_settings, outcome = run_in(copy)
    assert outcome.success and outcome.published, outcome.report_lines()
    assert query(
        rerun_settings.warehouse_path,
        "SELECT row_key FROM intermediate.int_held_back_rows ORDER BY 1",
    ) == [("EV-EARLY",), ("EV-ORPHAN",)]
    assert query(
        rerun_settings.published_path, "SELECT count(*) FROM ticket_sla WHERE ticket_id = 'BAD-3'"
    ) == [(1,)]


@pytest.mark.parametrize(
    ("suite_file", "tamper_sql", "expected_failure"),
    [
        (
            "scores/score_indicators.json",
            "DELETE FROM scores.score_indicators WHERE indicator_id = 'ux_csat_rate'",
            "unexpected_rows_expectation",
        ),
        (
            "scores/score_indicators.json",
            "UPDATE scores.score_indicators SET score = 0 WHERE score_status = 'no_data'",
            "unexpected_rows_expectation",
        ),
        (
            "indicators/ind_indicator_values.json",
            "UPDATE indicators.ind_indicator_values SET value = 1.5, ci_low = NULL, ci_high = NULL "
            "WHERE indicator_id = 'ux_reopen_rate'",
            "unexpected_rows_expectation",
        ),
        (
            "scores/score_rollup.json",
            "UPDATE scores.score_rollup SET score = 120 WHERE level = 'overall'",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__surveys.json",
            "UPDATE staging.base_helpdesk__surveys SET rating = 7 "
            "WHERE survey_id = (SELECT min(survey_id) FROM staging.base_helpdesk__surveys "
            "WHERE rating IS NOT NULL)",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__qa_reviews.json",
            "UPDATE staging.base_helpdesk__qa_reviews SET attitude_score = 140 "
            "WHERE review_id = (SELECT min(review_id) FROM staging.base_helpdesk__qa_reviews)",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__complaints.json",
            "UPDATE staging.stg_helpdesk__complaints "
            "SET resolved_at = received_at - INTERVAL 1 DAY "
            "WHERE complaint_id = (SELECT min(complaint_id) FROM staging.stg_helpdesk__complaints)",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "staging/stg_helpdesk__agents.json",
            "UPDATE staging.stg_helpdesk__agents SET tier = 7",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__teams.json",
            "UPDATE staging.stg_helpdesk__teams SET timezone = 'Mars/Olympus'",
            "unexpected_rows_expectation",
        ),
        (
            "staging/stg_helpdesk__kb_articles.json",
            "UPDATE staging.stg_helpdesk__kb_articles SET helpful_votes = -3",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__mystery_shops.json",
            "UPDATE staging.base_helpdesk__mystery_shops SET overall = 130",
            "expect_column_values_to_be_between",
        ),
        (
            "staging/stg_helpdesk__process_audits.json",
            "UPDATE staging.stg_helpdesk__process_audits SET items_compliant = items_checked + 1",
            "unexpected_rows_expectation",
        ),
        (
            "staging/stg_helpdesk__improvement_actions.json",
            "UPDATE staging.stg_helpdesk__improvement_actions "
            "SET due_at = opened_at - INTERVAL 1 DAY",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "staging/stg_helpdesk__holiday_calendars.json",
            "UPDATE staging.stg_helpdesk__holiday_calendars SET day_type = 'festival'",
            "expect_column_values_to_be_in_set",
        ),
        (
            "intermediate/int_ticket_business_clock.json",
            # the stored rows: int_ticket_business_clock is a view over them
            "UPDATE intermediate.int_ticket_business_clock_stored SET created_clock_minutes = NULL "
            "WHERE ticket_id = (SELECT min(ticket_id) FROM intermediate.int_ticket_business_clock)",
            "expect_column_values_to_not_be_null",
        ),
        (
            "scores/scoring_weights.json",
            "UPDATE config.scoring_weights SET weight = 0.9 WHERE node_id = 'UX'",
            "unexpected_rows_expectation",
        ),
    ],
)
def test_each_layer_suite_fails_on_tampered_data_and_passes_on_the_real_one(
    first_run, tmp_path, suite_file, tamper_sql, expected_failure
):
    from orchestration.quality.suites import SuiteFile, validate_suite
    from orchestration.settings import EXPECTATIONS_DIR

    settings, _ = first_run
    suite = SuiteFile.read(EXPECTATIONS_DIR / suite_file)
    database = tmp_path / "tsq.duckdb"
    shutil.copy(settings.warehouse_path, database)
    assert validate_suite(database, suite).passed
    con = duckdb.connect(str(database))
    con.execute(tamper_sql)
    con.close()
    outcome = validate_suite(database, suite)
    assert not outcome.passed
    assert [o.expectation for o in outcome.blocking_failures] == [expected_failure]
    assert outcome.blocking_failures[0].unexpected_count


@pytest.mark.parametrize("entity", [e.name for e in ENTITIES])
def test_every_raw_suite_fails_on_a_key_repeated_within_a_load(first_run, tmp_path, entity):
    from orchestration.quality.suites import SuiteFile, validate_suite
    from orchestration.settings import EXPECTATIONS_DIR

    settings, _ = first_run
    suite = SuiteFile.read(EXPECTATIONS_DIR / "raw" / f"{entity}.json")
    database = tmp_path / "tsq.duckdb"
    shutil.copy(settings.warehouse_path, database)
    assert validate_suite(database, suite).passed
    con = duckdb.connect(str(database))
    con.execute(f"INSERT INTO raw.{entity} SELECT * FROM raw.{entity} LIMIT 1")
    con.close()
    outcome = validate_suite(database, suite)
    assert [o.expectation for o in outcome.blocking_failures] == [
        "expect_compound_columns_to_be_unique"
    ]


@pytest.fixture(scope="module")
def planted_seeds_run(first_run, tmp_path_factory):
    """One run of a copy of first_run's home with two errors planted in the seeds a user
    edits: weights whose children do not sum to one (UX 0.9 beside OPS 0.5), and a
    catalogue row calling a per-1,000 indicator a rate (its values, about 15, are then out
    of [0, 1]). Each is caught by its own gate in the same run (the dbt step builds every
    model, then each asset's blocking checks run), so one run shows both; publication
    stops and the store stays byte for byte as it was."""
    from orchestration.catalog_doc import CATALOG_SEED
    from orchestration.weights import WEIGHTS_SEED

    settings, _ = first_run
    copy = tmp_path_factory.mktemp("planted-seeds") / "home"
    shutil.copytree(settings.root, copy)
    published_before = sha256(copy / "published.duckdb")
    weights, catalogue = WEIGHTS_SEED.read_bytes(), CATALOG_SEED.read_bytes()
    planted_weights = weights.decode().replace(
        "dimension,UX,overall,0.5", "dimension,UX,overall,0.9"
    )
    lines = catalogue.decode("utf-8").splitlines(keepends=True)
    planted_catalogue = [
        line.replace(",per_1000,", ",rate,") if line.startswith("ux_complaint_rate,") else line
        for line in lines
    ]
    assert planted_weights != weights.decode() and planted_catalogue != lines
    with planted_seeds({WEIGHTS_SEED: planted_weights, CATALOG_SEED: "".join(planted_catalogue)}):
        rerun_settings, outcome = run_in(copy)
    return outcome, published_before, rerun_settings


def test_planted_weights_that_do_not_sum_to_one_stop_publication_at_the_scores(
    planted_seeds_run,
):
    outcome, published_before, rerun_settings = planted_seeds_run
    assert not outcome.published
    assert sha256(rerun_settings.published_path) == published_before
    # the scoring_weights suite holds the rule (one check per rule: no dbt test repeats it)
    assert "config/scoring_weights:gx_scoring_weights" in outcome.failed_checks


def test_a_planted_catalogue_error_stops_publication_at_the_indicators(planted_seeds_run):
    outcome, published_before, rerun_settings = planted_seeds_run
    assert not outcome.published
    assert "indicators/ind_indicator_values:gx_ind_indicator_values" in outcome.failed_checks
    assert sha256(rerun_settings.published_path) == published_before


def test_a_run_out_of_memory_is_refused_and_says_what_to_raise(tmp_path, monkeypatch):
    home = tmp_path / "home"
    generate(TsqSettings(home=home).ensure().inbox, tickets=200, seed=3)
    monkeypatch.setenv("TSQ_DUCKDB_MEMORY_LIMIT", "1MB")  # far too little for anything
    settings, outcome = run_in(home)
    assert not outcome.success and not outcome.published
    assert not settings.published_path.exists()
    assert outcome.ran_out_of_memory()
    assert any("set TSQ_DUCKDB_MEMORY_LIMIT higher" in line for line in outcome.report_lines())


def test_the_running_period_is_published_but_never_graded(first_run):
    """The generated data ends part-way into a period: the periods holding the as-of
    instant are published with period_complete = false and no grade, rank or change;
    every graded score rests on coverage at or above the floor, in a complete period."""
    settings, _ = first_run
    ((as_of,),) = query(
        settings.warehouse_path,
        "SELECT timezone('Asia/Shanghai', timezone('UTC', as_of_at)) "
        "FROM intermediate.int_data_window",
    )
    running = query(
        settings.published_path,
        "SELECT DISTINCT period_grain, period_start FROM scores WHERE NOT period_complete",
    )
    # the day of the as-of instant is running (unless it is exactly midnight)
    assert ("day", as_of.date()) in running or as_of.time() == as_of.time().min
    for grain, start in running:
        assert start <= as_of.date(), (grain, start, as_of)
    ungraded_running = query(
        settings.published_path,
        "SELECT count(*), count(grade), count(rank), count(score_change), count(score) "
        "FROM scores WHERE NOT period_complete",
    )
    assert ungraded_running[0][:4] == (ungraded_running[0][0], 0, 0, 0)
    assert ungraded_running[0][4] > 0  # published, with scores
    assert query(
        settings.published_path,
        "SELECT count(*) FROM scores WHERE grade IS NOT NULL "
        "AND (coverage < 0.6 OR NOT period_complete OR grade_status <> 'graded')",
    ) == [(0,)]
    assert query(
        settings.published_path,
        "SELECT count(*) FROM indicator_values WHERE period_complete IS NULL",
    ) == [(0,)]
