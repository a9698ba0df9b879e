"""Great Expectations suites run pushed down into DuckDB: good data passes, bad data
fails for the right reason, with counts and samples of the bad values."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import ENTITIES, ENTITY_BY_NAME, row_rules
from orchestration.quality.suites import SuiteFile, discover_suites, validate_suite
from orchestration.raw_tables import ensure_raw_schema
from orchestration.settings import EXPECTATIONS_DIR
from scripts import build_raw_suites

RAW_TICKETS = SuiteFile.read(EXPECTATIONS_DIR / "raw" / "tickets.json")
GOOD_TICKET = {
    "ticket_id": "K1",
    "created_at": "2026-10-09T06:50:17Z",
    "channel": "email",
    "priority": "P2",
    "complexity_tier": "2",
    "category": "network",
    "team_id": "T1",
    "status": "closed",
    "closed_at": "2026-10-10 08:00:00+08:00",
}


def raw_tickets_db(path: Path, rows: list[dict[str, str]]) -> Path:
    database = path / "warehouse.duckdb"  # not raw.duckdb: the catalog would shadow schema raw
    con = duckdb.connect(str(database))
    ensure_raw_schema(con, ENTITY_BY_NAME["tickets"])
    for number, row in enumerate(rows, start=1):
        columns = [*row, "_source_file", "_source_row", "_load_id", "_loaded_at"]
        values = [*row.values(), "tickets.csv", number, "load-1", "2026-11-01 00:00:00+00"]
        con.execute(
            f"INSERT INTO raw.tickets ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in values)})",
            values,
        )
    con.close()
    return database


def failed(outcome) -> dict[str, object]:
    return {
        f"{o.expectation}:{o.column}": o.unexpected_count for o in outcome.outcomes if not o.success
    }


def test_every_suite_file_is_well_formed_and_names_a_layer():
    suites = discover_suites()
    assert {s.layer for s in suites} >= {"raw", "staging", "intermediate", "indicators", "scores"}
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    for suite in suites:
        assert suite.expectations, suite.path
        for spec in suite.expectations:
            # GX itself accepts every expectation (a missing kwarg fails here, not in a run)
            ExpectationConfiguration(
                type=spec["type"], kwargs=spec["kwargs"], meta=spec["meta"]
            ).to_domain_obj()
            assert spec["meta"]["severity"] in ("blocking", "warning"), (suite.path, spec)


def test_good_raw_tickets_pass(tmp_path):
    second = {**GOOD_TICKET, "ticket_id": "K2", "closed_at": None}
    outcome = validate_suite(raw_tickets_db(tmp_path, [GOOD_TICKET, second]), RAW_TICKETS)
    assert outcome.passed and not failed(outcome), outcome.summary()
    assert outcome.rows_checked == 2


@pytest.mark.parametrize(
    ("bad_values", "expected_failure"),
    [
        ({"priority": "P9"}, "expect_column_values_to_be_in_set:priority"),
        ({"created_at": "9 Oct 2026"}, "expect_column_values_to_match_regex:created_at"),
        ({"created_at": None}, "expect_column_values_to_not_be_null:created_at"),
        ({"complexity_tier": "4"}, "expect_column_values_to_be_in_set:complexity_tier"),
        ({"ticket_id": "K1"}, "expect_compound_columns_to_be_unique:ticket_id,_load_id"),
    ],
)
def test_bad_raw_tickets_fail_for_the_right_reason(tmp_path, bad_values, expected_failure):
    bad = {**GOOD_TICKET, "ticket_id": "K2", **bad_values}
    outcome = validate_suite(raw_tickets_db(tmp_path, [GOOD_TICKET, bad]), RAW_TICKETS)
    assert not outcome.passed
    failures = failed(outcome)
    assert list(failures) == [expected_failure], outcome.summary()
    assert failures[expected_failure] in (1, 2)  # duplicates count both rows


def test_bad_values_are_sampled(tmp_path):
    bad = {**GOOD_TICKET, "ticket_id": "K2", "priority": "urgent"}
    outcome = validate_suite(raw_tickets_db(tmp_path, [GOOD_TICKET, bad]), RAW_TICKETS)
    (priority,) = [o for o in outcome.outcomes if o.column == "priority" and not o.success]
    assert priority.sample == ["urgent"] and priority.severity == "blocking"


def test_warning_expectations_do_not_block(tmp_path):
    """The raw suites are all blocking belts now; a warning is tested on a suite of its own
    over the same table."""
    spec = {
        "name": "raw_tickets_warning",
        "table": "raw.tickets",
        "asset_key": ["raw", "tickets"],
        "expectations": [
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "channel", "value_set": ["email"]},
                "meta": {"severity": "warning", "why": "test"},
            }
        ],
    }
    suite_path = tmp_path / "raw_tickets_warning.json"
    suite_path.write_text(json.dumps(spec))
    odd_channel = {**GOOD_TICKET, "ticket_id": "K2", "channel": "phone"}
    outcome = validate_suite(
        raw_tickets_db(tmp_path, [GOOD_TICKET, odd_channel]), SuiteFile.read(suite_path)
    )
    assert outcome.passed
    assert [o.column for o in outcome.warning_failures] == ["channel"]


def test_shipped_raw_suites_are_generated_from_the_contract():
    """expectations/raw/*.json are exactly scripts/build_raw_suites.py's output: a rule
    changed in the contract without regenerating them fails here."""
    assert build_raw_suites.out_of_date() == []
    assert build_raw_suites.main(["--check"]) == 0


def test_a_hand_edited_raw_suite_is_caught_by_the_check(tmp_path):
    for entity in ENTITIES:
        (tmp_path / f"{entity.name}.json").write_text(build_raw_suites.rendered(entity))
    assert build_raw_suites.out_of_date(tmp_path) == []
    edited = tmp_path / "tickets.json"
    edited.write_text(edited.read_text().replace('"P4"', '"P5"'))
    assert build_raw_suites.out_of_date(tmp_path) == ["tickets.json"]


def test_every_raw_belt_is_a_row_rule_of_the_contract():
    """One source: each expectation of a raw suite is the expectation of a row rule."""
    for entity in ENTITIES:
        shipped = SuiteFile.read(EXPECTATIONS_DIR / "raw" / f"{entity.name}.json")
        from_rules = [r.expectation for r in row_rules(entity) if r.expectation]
        assert list(shipped.expectations) == from_rules, entity.name


# a staging column derived from contract columns, and the row rule that bounds it
_DERIVED_BOUNDS = {("teams", "working_day_minutes"): "order:work_end>work_start"}


def test_every_single_row_staging_bound_is_a_row_rule_at_load():
    """A blocking staging check on one row's values (a range, an order of two columns)
    must never refuse a run for a row the load accepted: each is a row rule of the
    contract, so the row is quarantined at load and the check is only a belt."""
    unmatched = []
    for suite in discover_suites():
        entity_name = suite.table.removeprefix("staging.stg_helpdesk__")
        if not suite.table.startswith("staging.") or entity_name not in ENTITY_BY_NAME:
            continue
        entity = ENTITY_BY_NAME[entity_name]
        rules = {rule.name for rule in row_rules(entity)}
        columns = {column.name: column for column in entity.columns}
        for expectation in suite.expectations:
            kind, kwargs = expectation["type"], expectation["kwargs"]
            if expectation["meta"]["severity"] != "blocking":
                continue
            if kind == "expect_column_values_to_be_between":
                name = kwargs["column"]
                column = columns.get(name)
                derived = _DERIVED_BOUNDS.get((entity.name, name))
                ok = (
                    derived in rules
                    if derived
                    else column is not None
                    and (
                        (column.minimum, column.maximum)
                        == (kwargs.get("min_value"), kwargs.get("max_value"))
                        or f"allowed:{name}" in rules
                    )
                )
            elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
                ok = f"order:{kwargs['column_A']}>=" + kwargs["column_B"] in rules
            else:
                continue
            if not ok:
                unmatched.append((suite.name, kind, kwargs))
    assert unmatched == []


def test_validation_is_pushed_down_not_loaded(tmp_path):
    """200,000 rows with 7 bad ones: the counts come back exact from DuckDB's SQL."""
    database = raw_tickets_db(tmp_path, [])
    con = duckdb.connect(str(database))
    con.execute(
        """
        INSERT INTO raw.tickets (ticket_id, created_at, channel, priority, complexity_tier,
            category, team_id, status, _source_file, _source_row, _load_id, _loaded_at)
        SELECT 'K' || i, '2026-10-09T06:50:17Z', 'email',
               CASE WHEN i % 30000 = 0 THEN 'P0' ELSE 'P3' END, '1', 'network', 'T1', 'open',
               'tickets.csv', i, 'load-1', TIMESTAMPTZ '2026-11-01 00:00:00+00'
        FROM range(1, 200001) AS r(i)
        """
    )
    con.close()
    outcome = validate_suite(database, RAW_TICKETS)
    assert outcome.rows_checked == 200_000
    assert failed(outcome) == {"expect_column_values_to_be_in_set:priority": 6}
