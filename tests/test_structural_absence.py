"""Structural absence is never zero, end to end: canonical files that never carry a root
cause, a resolution summary or a status chain (as a ServiceNow incident export without
its audit trail) go through the real pipeline - ingest, dbt, quality gates, publish - and
the two indicators that cannot be judged from them are published as NULL with the
missing fields named, at every scope and period, and count as unmeasured in coverage.

The files are the generator's, with exactly those inputs taken out: the tickets lose
their root_cause and resolution_summary columns, the events lose every status_change row
and their from_status/to_status columns. Everything else is as generated.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.runner import RunOutcome, run_pipeline
from orchestration.settings import DBT_PROJECT_DIR, TsqSettings
from tests.conftest import dbt_build, query

DOCUMENTATION = "ux_documentation_score"
HYGIENE = "ops_ticket_hygiene_rate"
# catalogue order: the reason lists the missing terms sorted ('.' sorts before ':')
DOCUMENTATION_REASON = "no source provides tickets.resolution_summary, tickets.root_cause"
HYGIENE_REASON = (
    "no source provides ticket_events.from_status, ticket_events.to_status, "
    "ticket_events:status_change"
)
WEIGHTS_SEED = DBT_PROJECT_DIR / "seeds" / "scoring_weights.csv"


def strip_inputs(generated: Path, inbox: Path) -> None:
    """Copy the generated files to the inbox without the record fields and status chain."""
    con = duckdb.connect()
    try:
        for source in sorted(generated.glob("*.csv")):
            # the relation API: no path is ever spliced into SQL text
            rows = con.read_csv(str(source), header=True, all_varchar=True)
            if source.stem == "tickets":
                rows = rows.select("* EXCLUDE (root_cause, resolution_summary)")
            elif source.stem == "ticket_events":
                rows = rows.filter("event_type <> 'status_change'").select(
                    "* EXCLUDE (from_status, to_status)"
                )
            rows.write_csv(str(inbox / source.name), header=True)
    finally:
        con.close()


@pytest.fixture(scope="module")
def stripped_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TsqSettings, RunOutcome]]:
    base = tmp_path_factory.mktemp("structural_absence")
    generated = base / "generated"
    generate(generated, tickets=900, seed=11, days=92)
    home = base / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        strip_inputs(generated, settings.inbox)
        yield settings, run_pipeline(settings)


def test_the_stripped_files_really_lack_the_inputs(stripped_run):
    settings, outcome = stripped_run
    assert outcome.published, outcome.report_lines()
    coverage = dict(
        query(
            settings.warehouse_path,
            "SELECT term, provided FROM intermediate.int_source_coverage WHERE term IN ("
            "'tickets.symptom', 'tickets.closure_code', 'tickets.root_cause', "
            "'tickets.resolution_summary', 'ticket_events:status_change', "
            "'ticket_events.from_status', 'ticket_events:public_reply')",
        )
    )
    # the loader adds a contract column a file lacks as empty: present, never provided
    assert coverage == {
        "tickets.symptom": True,
        "tickets.closure_code": True,
        "tickets.root_cause": False,
        "tickets.resolution_summary": False,
        "ticket_events.from_status": False,
        "ticket_events:public_reply": True,
    }  # no 'ticket_events:status_change' row at all: no such event was loaded


def test_the_models_compute_structural_zeros_from_these_files(stripped_run):
    """What the catalogue guards against: left alone, the models turn the absence into 0
    - no record can be complete and no status log can chain."""
    settings, _ = stripped_run
    ((tickets, complete_records),) = query(
        settings.warehouse_path,
        "SELECT count(*), count(*) FILTER (WHERE record_complete) "
        "FROM intermediate.int_ticket_follow_up",
    )
    assert tickets > 0 and complete_records == 0
    hygiene = query(
        settings.warehouse_path,
        "SELECT count(*), count(*) FILTER (WHERE value = 0) "
        "FROM indicators.ind_ops_ticket_hygiene_rate",
    )[0]
    assert hygiene[0] > 0 and hygiene[0] == hygiene[1]


def test_documentation_and_hygiene_are_null_with_the_reason_at_every_scope_and_period(
    stripped_run,
):
    settings, _ = stripped_run
    (grid,) = query(
        settings.published_path,
        "SELECT count(*) FROM (SELECT DISTINCT period_grain, period_start, scope_type, "
        "scope_id FROM indicator_values)",
    )[0]
    assert grid > 0
    for indicator, reason in ((DOCUMENTATION, DOCUMENTATION_REASON), (HYGIENE, HYGIENE_REASON)):
        rows = query(
            settings.published_path,
            "SELECT count(*), count(value), count(score), count(numerator), "
            "max(sample_size), min(score_status), max(score_status), "
            "min(no_data_reason), max(no_data_reason) "
            "FROM indicator_values WHERE indicator_id = ?",
            [indicator],
        )
        # one row per period and scope of the grid, none with a value or a score
        assert rows == [(grid, 0, 0, 0, 0, "no_data", "no_data", reason, reason)], indicator
    # the mechanism names only what is missing: indicators the files do feed are measured
    (confirmation_values,) = query(
        settings.published_path,
        "SELECT count(value) FROM indicator_values WHERE indicator_id = 'ux_confirmation_rate'",
    )[0]
    assert confirmation_values > 0


def indicator_weights(subdimension: str) -> dict[str, float]:
    with WEIGHTS_SEED.open(encoding="utf-8", newline="") as handle:
        return {
            row["node_id"]: float(row["weight"])
            for row in csv.DictReader(handle)
            if row["level"] == "indicator" and row["parent_id"] == subdimension
        }


@pytest.mark.parametrize(("subdimension", "indicator"), [("UX4", DOCUMENTATION), ("OPS2", HYGIENE)])
def test_coverage_counts_them_unmeasured(stripped_run, subdimension, indicator):
    """A sub-dimension's coverage is the weight of its scored indicators: the structurally
    absent one never adds its weight (UX4 at most 1 - 0.25, OPS2 at most 1 - 0.15), and it
    is left out of the score instead of pulling it towards 0."""
    settings, _ = stripped_run
    weights = indicator_weights(subdimension)
    scored = query(
        settings.published_path,
        "SELECT period_grain, period_start, scope_type, scope_id, indicator_id "
        "FROM indicator_values WHERE score IS NOT NULL AND indicator_id IN "
        "(SELECT unnest(?))",
        [list(weights)],
    )
    expected: dict[tuple, float] = {}
    for grain, start, scope_type, scope_id, scored_indicator in scored:
        key = (grain, start, scope_type, scope_id)
        expected[key] = expected.get(key, 0.0) + weights[scored_indicator]
    published = query(
        settings.published_path,
        "SELECT period_grain, period_start, scope_type, scope_id, coverage FROM scores "
        "WHERE level = 'subdimension' AND node_id = ?",
        [subdimension],
    )
    assert published
    for grain, start, scope_type, scope_id, coverage in published:
        key = (grain, start, scope_type, scope_id)
        assert coverage == pytest.approx(expected.get(key, 0.0)), key
        assert coverage <= 1 - weights[indicator] + 1e-9, key
    # and on this data the siblings are measured: coverage is not 0 by accident
    assert max(coverage for *_, coverage in published) > 0


def test_a_fully_measured_month_stops_short_by_exactly_the_absent_weight(stripped_run):
    """By hand, from scoring_weights.csv: in May 2026 the organisation has every OPS2
    indicator but hygiene scored, so OPS2 coverage = qa 0.1 + compliance 0.2 + escalation
    0.1 + escalation effectiveness 0.15 + hops 0.15 + process review 0.15 = 0.85; in June
    every UX4 indicator but documentation, so UX4 = confirmation 0.25 + callback 0.2 + kb
    contribution 0.15 + complaint hours 0.15 = 0.75. Scoring the two as 0 would have given
    1.0 and dragged both scores down."""
    settings, _ = stripped_run
    rows = query(
        settings.published_path,
        "SELECT node_id, strftime(period_start, '%Y-%m'), coverage FROM scores "
        "WHERE level = 'subdimension' AND period_grain = 'month' "
        "AND scope_type = 'organisation' AND ((node_id = 'OPS2' AND period_start = '2026-05-01')"
        " OR (node_id = 'UX4' AND period_start = '2026-06-01')) ORDER BY node_id",
    )
    assert [(node, month) for node, month, _ in rows] == [("OPS2", "2026-05"), ("UX4", "2026-06")]
    assert [coverage for *_, coverage in rows] == pytest.approx([0.85, 0.75])


def test_a_blank_cell_is_as_absent_as_a_null_one(stripped_run, tmp_path):
    """The loader stores empty cells as NULL, but raw rows written any other way may hold
    '' or spaces: coverage trims them away. On a copy of the warehouse, every ticket gets
    a blank root cause ('' or '   ') and one ticket a real one; a rebuilt coverage says
    root_cause is still not provided in the first case and provided in the second."""
    settings, _ = stripped_run
    warehouse = tmp_path / "blank.duckdb"
    shutil.copyfile(settings.warehouse_path, warehouse)

    def root_cause_provided(first_ticket_value: str) -> bool:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute(
                "UPDATE raw.tickets SET root_cause = CASE WHEN rowid % 2 = 0 THEN '' ELSE '   ' END"
            )
            con.execute(
                "UPDATE raw.tickets SET root_cause = ? WHERE rowid = (SELECT min(rowid) "
                "FROM raw.tickets)",
                [first_ticket_value],
            )
        finally:
            con.close()
        completed = dbt_build(warehouse, tmp_path / "dbt_target", "int_source_coverage")
        assert completed.returncode == 0, completed.stdout[-3000:]
        ((provided,),) = query(
            warehouse,
            "SELECT provided FROM intermediate.int_source_coverage "
            "WHERE term = 'tickets.root_cause'",
        )
        return provided

    assert root_cause_provided(" ") is False
    assert root_cause_provided("disk full") is True
