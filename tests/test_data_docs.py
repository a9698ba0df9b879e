"""Data Docs pages stand alone: no script or stylesheet from the network, no link into a
GX site that does not exist, and a passing expectation says why it shows no value."""

from __future__ import annotations

import json
import re

import duckdb

from orchestration.quality.data_docs import NOT_COLLECTED, write_data_docs
from orchestration.quality.suites import SuiteFile, validate_suite


def _suite(tmp_path, rule_max: int) -> SuiteFile:
    path = tmp_path / "staging" / "tickets_demo.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "name": "tickets_demo",
                "table": "staging.tickets_demo",
                "asset_key": ["staging", "tickets_demo"],
                "expectations": [
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "ticket_id"},
                        "meta": {"severity": "blocking"},
                    },
                    {
                        "type": "expect_column_values_to_be_between",
                        "kwargs": {"column": "rating", "min_value": 1, "max_value": rule_max},
                        "meta": {"severity": "blocking"},
                    },
                ],
            }
        )
    )
    return SuiteFile.read(path)


def _warehouse(tmp_path):
    database = tmp_path / "tsq.duckdb"
    con = duckdb.connect(str(database))
    con.execute("CREATE SCHEMA staging")
    # ratings 1..5, and one 7: the 1-5 rule fails on exactly one row
    con.execute(
        "CREATE TABLE staging.tickets_demo AS SELECT * FROM (VALUES "
        "('T1', 1), ('T2', 5), ('T3', 7), ('T4', 3)) AS t(ticket_id, rating)"
    )
    con.close()
    return database


def test_a_page_needs_no_network_and_links_only_to_its_folder(tmp_path):
    database = _warehouse(tmp_path)
    outcome = validate_suite(database, _suite(tmp_path, rule_max=5))
    assert not outcome.passed
    page = write_data_docs(outcome, tmp_path / "docs").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]*(src|href)=\"https?://", page)
    assert "../" not in page and "<style>" in page
    # the failing rule shows its count; the passing one (re-run with counts) its own value
    assert "7" in page and "tickets_demo" in page


def test_a_passing_suite_says_why_it_shows_no_observed_value(tmp_path):
    database = _warehouse(tmp_path)
    outcome = validate_suite(database, _suite(tmp_path, rule_max=10))
    assert outcome.passed
    page = write_data_docs(outcome, tmp_path / "docs").read_text(encoding="utf-8")
    # not null, passed without `mostly`: no unexpected row, so 100% not null; the range
    # rule's value was not collected, and the page says so
    assert "100% not null" in page and page.count(NOT_COLLECTED) == 1
    assert ">--<" not in page.replace(" ", "") and "unknown %" not in page
    index = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert "tickets_demo.html" in index and "passed" in index
