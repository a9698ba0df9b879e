"""The vendor specs: every value they map to is canonical, the generated page is current,
and the one status-chain rule every vendor with a status history shares gives the events
a person would write down."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.adapters.registry import ADAPTERS
from orchestration.adapters.spec_doc import SPECS, render_markdown
from orchestration.adapters.toolkit import register_rows, status_events_sql
from orchestration.contract import CHANNELS, ENTITY_BY_NAME, PRIORITIES, STATUSES
from orchestration.settings import PROJECT_ROOT


def test_every_adapter_has_a_spec_and_the_page_is_generated_from_them():
    assert [spec.name for spec in SPECS] == list(ADAPTERS)
    page = PROJECT_ROOT / "docs" / "vendor-specs.md"
    assert page.read_text(encoding="utf-8") == render_markdown(), "run `tsq docs`"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_a_spec_maps_only_to_canonical_values(spec):
    assert set(spec.entities) <= set(ENTITY_BY_NAME)
    assert {s for s in spec.statuses.values() if s is not None} <= set(STATUSES)
    assert set(spec.channels.values()) | {spec.default_channel} <= set(CHANNELS)
    assert set(spec.priorities.values()) | {spec.default_priority} <= set(PRIORITIES)
    # keys are matched against lower-cased vendor values
    for value_map in (spec.statuses, spec.channels, spec.priorities):
        assert all(key == key.lower() for key in value_map)


def _events(rows: list[tuple]) -> list[tuple]:
    con = duckdb.connect()
    changes = register_rows(
        con, "changes", ("ticket", "n", "from_status", "to_status", "resolvable"), rows
    )
    sql = status_events_sql(
        f"(SELECT ticket, CAST(n AS INTEGER) AS n, from_status, to_status, "
        f"CAST(resolvable AS BOOLEAN) AS resolvable FROM {changes})"
    )
    return con.execute(f"SELECT ticket, n, event_type FROM ({sql}) ORDER BY 1, 2, 3").fetchall()


def test_the_shared_status_rule_gives_the_chain_and_its_milestones():
    rows = [
        # T1, by hand: created new -> open -> pending -> open -> solved (resolution) ->
        # open (reopen) -> solved (resolution again) -> closed (closure, no resolution:
        # it was already solved)
        ("T1", 1, None, "new", "true"),
        ("T1", 2, "new", "open", "true"),
        ("T1", 3, "open", "pending", "true"),
        ("T1", 4, "pending", "open", "true"),
        ("T1", 5, "open", "solved", "true"),
        ("T1", 6, "solved", "open", "true"),
        ("T1", 7, "open", "solved", "true"),
        ("T1", 8, "solved", "closed", "true"),
        # T2: open straight to closed, resolved: resolution and closure on one change
        ("T2", 1, "open", "closed", "true"),
        # T3: cancelled, closed without ever being resolved: closure, no resolution
        ("T3", 1, "open", "closed", "false"),
        # T4: two vendor states of one canonical status (Jira's Waiting for support ->
        # In Progress), and a row without a status: no event at all
        ("T4", 1, "open", "open", "true"),
        ("T4", 2, "open", None, "true"),
        # T5: closed reopened
        ("T5", 1, "closed", "pending", "true"),
    ]
    assert _events(rows) == [
        ("T1", 1, "status_change"),
        ("T1", 2, "status_change"),
        ("T1", 3, "status_change"),
        ("T1", 4, "status_change"),
        ("T1", 5, "resolution"),
        ("T1", 5, "status_change"),
        ("T1", 6, "reopen"),
        ("T1", 6, "status_change"),
        ("T1", 7, "resolution"),
        ("T1", 7, "status_change"),
        ("T1", 8, "closure"),
        ("T1", 8, "status_change"),
        ("T2", 1, "closure"),
        ("T2", 1, "resolution"),
        ("T2", 1, "status_change"),
        ("T3", 1, "closure"),
        ("T3", 1, "status_change"),
        ("T5", 1, "reopen"),
        ("T5", 1, "status_change"),
    ]


def test_a_source_name_with_a_quote_stays_text_in_the_sql():
    from orchestration.adapters.base import namespaced, source_id

    con = duckdb.connect()
    hostile = "x' || (SELECT 42) || '"
    (value,) = con.execute("SELECT " + namespaced(hostile, "'T1'")).fetchone()
    assert value == f"{hostile}:T1"
    (value,) = con.execute(f"SELECT {source_id(hostile, 'default')}").fetchone()
    assert value == f"{hostile}:default"
