"""Event logs: events derived from changes in attribute columns (transfer, escalation,
reopen, waiting on the customer), mapped columns that collide with contract names, and
the derived events counted by the pipeline.

The fixture tests/data/eventlog/support-lines.csv is shaped like the real help-desk log
(same headers, the duplicated `Variant`, `2012/10/9 14:50:17` timestamps, an `Activity`
column), with a support line (support_section: Line 1 < Line 2 < Line 3) and a group
(workgroup) that change within cases. Times are Europe/Rome: CEST (UTC+2) until
28 October 2012, CET (UTC+1) after. Its mapping: tests/data/eventlog/support-lines.yml.

The cases, row numbers (data rows of the file, from 1) and what they hold:
  Case 1  rows 1-4    one go in Group A, Line 1: nothing derived
  Case 2  rows 5-9    row 7 (3 Oct 11:00, Value 2) is in Group B at Line 2: a transfer
                      A -> B and an escalation Line 1 -> Line 2 (tier 2, escalated by
                      Value 1, the resource of row 6)
  Case 3  rows 10-17  Wait at row 12 (3 Oct 12:00): waiting starts; row 13 (5 Oct 10:00,
                      Take in charge in Group B) ends it and is a transfer A -> B; row 14
                      (VERIFIED, Group C) is an anomaly-tracker row, ignored for
                      transfers; row 15 (8 Oct 09:00, Group A) is a transfer B -> A
  Case 4  rows 18-24  resolved at row 20, taken in charge again at row 21 (10 Oct 09:00,
                      Value 4, Line 3): a reopen and an escalation Line 1 -> Line 3
                      (tier 3, escalated by Value 1); row 22 falls back to Line 1, which
                      is no escalation
  Case 5  rows 25-30  Wait at row 27 (15 Oct 10:00) and row 28 (one wait, not two); the
                      resolution at row 29 (17 Oct 10:00) ends it by itself: no `open`
  Case 6  rows 31-36  listed out of time order; by time: Take in charge 22 Oct 09:05
                      (row 33), Require upgrade 22 Oct 11:00 (row 34, an escalation by
                      its activity, tier unknown), Take in charge 23 Oct 09:00 (row 32,
                      Group C): a transfer A -> C
  Case 7  rows 37-39  row 39 (30 Oct 09:00 CET, Group B, Line 2): a transfer and an
                      escalation; never resolved
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import ingest_files
from orchestration.settings import PROJECT_ROOT, TsqSettings
from tests.conftest import query

FIXTURES = PROJECT_ROOT / "tests" / "data" / "eventlog"
LOG = FIXTURES / "support-lines.csv"
MAPPING = FIXTURES / "support-lines.yml"


def canonical(inbox: Path, entity: str) -> list[dict[str, str]]:
    """The rows of a canonical file the adapter wrote, sorted (its row order is not part
    of the contract)."""
    with (inbox / f"{entity}-lines.csv").open(encoding="utf-8") as handle:
        return sorted(csv.DictReader(handle), key=lambda row: list(row.values()))


def derived_rows(inbox: Path) -> list[tuple[str, ...]]:
    """(event_id, event_type, event_at, agent_id, team_id, tier, to_status) of every
    derived event, sorted by event id."""
    return sorted(
        (
            e["event_id"],
            e["event_type"],
            e["event_at"],
            e["agent_id"],
            e["team_id"],
            e["tier"],
            e["to_status"],
        )
        for e in canonical(inbox, "ticket_events")
        if e["body"].startswith("derived: ")
    )


# Worked out by hand from the case notes above (UTC = Rome - 2h until 28 Oct, - 1h after)
EXPECTED_DERIVED = sorted(
    [
        # (event_id, event_type, event_at, agent_id, team_id, tier, to_status)
        # transfers: the receiving team, the resource that took the ticket there
        ("lines:Case 2#7:transfer", "transfer", "2012-10-03T09:00:00Z", "lines:Value 2",
         "lines:Group B", "", ""),
        ("lines:Case 3#13:transfer", "transfer", "2012-10-05T08:00:00Z", "lines:Value 3",
         "lines:Group B", "", ""),
        ("lines:Case 3#15:transfer", "transfer", "2012-10-08T07:00:00Z", "lines:Value 1",
         "lines:Group A", "", ""),
        ("lines:Case 6#32:transfer", "transfer", "2012-10-23T07:00:00Z", "lines:Value 5",
         "lines:Group C", "", ""),
        ("lines:Case 7#39:transfer", "transfer", "2012-10-30T08:00:00Z", "lines:Value 2",
         "lines:Group B", "", ""),
        # escalations: the tier risen to, the resource of the previous row escalated it,
        # the team on the row where the new level is seen
        ("lines:Case 2#7:escalation", "escalation", "2012-10-03T09:00:00Z", "lines:Value 1",
         "lines:Group B", "2", ""),
        ("lines:Case 4#21:escalation", "escalation", "2012-10-10T07:00:00Z", "lines:Value 1",
         "lines:Group A", "3", ""),
        ("lines:Case 7#39:escalation", "escalation", "2012-10-30T08:00:00Z", "lines:Value 1",
         "lines:Group B", "2", ""),
        # the reopen: Resolve ticket (row 20) -> Take in charge ticket (row 21)
        ("lines:Case 4#21:reopen", "reopen", "2012-10-10T07:00:00Z", "lines:Value 4",
         "", "", ""),
        # waiting on the customer: Case 3 from row 12 to row 13, Case 5 from row 27 (its
        # resolution ends the wait, so no `open`)
        ("lines:Case 3#12:pending", "status_change", "2012-10-03T10:00:00Z", "lines:Value 1",
         "", "", "pending"),
        ("lines:Case 3#13:open", "status_change", "2012-10-05T08:00:00Z", "lines:Value 3",
         "", "", "open"),
        ("lines:Case 5#27:pending", "status_change", "2012-10-15T08:00:00Z", "lines:Value 2",
         "", "", "pending"),
    ]
)  # fmt: skip


def test_transfers_escalations_reopens_and_waits_are_derived_from_the_columns(
    tsq_home: TsqSettings,
):
    (conversion,) = ingest_files([LOG], tsq_home.inbox, "eventlog", MAPPING)
    assert derived_rows(tsq_home.inbox) == EXPECTED_DERIVED
    # 39 logged events (one per data row) beside the 12 derived ones
    assert conversion.rows["ticket_events"] == 39 + 12
    logged = [
        e for e in canonical(tsq_home.inbox, "ticket_events") if not e["body"].startswith("derived")
    ]
    assert len(logged) == 39
    assert all(e["event_id"].count(":") == 1 for e in logged)  # ids as before: source:case#row
    tickets = canonical(tsq_home.inbox, "tickets")
    statuses = {t["ticket_id"]: t["status"] for t in tickets}
    # Case 4 was reopened, then resolved and closed again; Case 7 never resolved
    assert statuses == {
        **{f"lines:Case {n}": "closed" for n in range(1, 7)},
        "lines:Case 7": "open",
    }
    # the team that owns a ticket is the one it was last transferred to (Case 3's VERIFIED
    # row in Group C is ignored: it ends in Group A)
    teams = {t["ticket_id"]: t["team_id"].removeprefix("lines:") for t in tickets}
    assert teams == {
        "lines:Case 1": "Group A",
        "lines:Case 2": "Group B",
        "lines:Case 3": "Group A",
        "lines:Case 4": "Group A",
        "lines:Case 5": "Group B",
        "lines:Case 6": "Group C",
        "lines:Case 7": "Group B",
    }
    derived = dict(
        (a.assumption, a.value) for a in conversion.assumptions if a.assumption == "derived events"
    )
    assert derived == {
        "derived events": "transfer on a change of workgroup: 5; escalation on a rise of "
        "support_section (Line 1 < Line 2 < Line 3): 3; reopen on Activity returning to "
        "Take in charge ticket, Wait, Require upgrade after Resolve ticket, Closed: 1; "
        "waiting on the customer while Activity is Wait: 2 waits"
    }


def test_a_reopened_ticket_that_is_not_resolved_again_is_open(tsq_home, tmp_path):
    """Case 4 without its second resolution and closure (rows 23-24): the reopen at row 21
    is the last word, so the ticket is open and has no closed_at."""
    lines = LOG.read_text().splitlines()
    log = tmp_path / "reopened.csv"
    log.write_text(
        "\n".join(
            line
            for line in lines
            if not line.startswith("Case 4,")
            or "2012/10/12" not in line
            and "2012/10/19" not in line
        )
        + "\n"
    )
    ingest_files([log], tsq_home.inbox, "eventlog", MAPPING)
    case_4 = [t for t in canonical(tsq_home.inbox, "tickets") if t["ticket_id"] == "lines:Case 4"]
    assert [(t["status"], t["closed_at"]) for t in case_4] == [("open", "")]


def test_the_mapping_wins_over_headers_that_collide_with_contract_names(tsq_home, tmp_path):
    """The same log with its activity in a column `Task`, and two other columns named
    `Activity` and `activity` (DuckDB names are case-insensitive; both collide with the
    contract's `activity`) holding values that are no activity at all: the conversion is
    the fixture's, event for event."""
    rows = list(csv.reader(LOG.open(encoding="utf-8")))
    header = rows[0]
    activity = header.index("Activity")
    header[activity] = "Task"
    colliding = io.StringIO()
    writer = csv.writer(colliding, lineterminator="\n")
    writer.writerow([*header, "Activity", "activity"])
    for n, row in enumerate(rows[1:], start=1):
        writer.writerow([*row, f"note {n}", "Teleport ticket"])
    log = tmp_path / "support-lines.csv"
    log.write_text(colliding.getvalue())
    mapping = yaml.safe_load(MAPPING.read_text())
    mapping["columns"]["activity"] = "Task"
    mapping_file = tmp_path / "task.yml"
    mapping_file.write_text(yaml.safe_dump(mapping, allow_unicode=True))

    reference = tmp_path / "reference"
    ingest_files([LOG], reference, "eventlog", MAPPING)
    ingest_files([log], tsq_home.inbox, "eventlog", mapping_file)
    for entity in ("tickets", "agents", "teams"):
        assert canonical(tsq_home.inbox, entity) == canonical(reference, entity), entity
    events = canonical(tsq_home.inbox, "ticket_events")
    reference_events = canonical(reference, "ticket_events")
    # the reopen and waits read states from the mapped activity column (Task) by default;
    # their bodies name it
    assert (
        sorted(
            ({**e, "body": e["body"].replace("Task", "Activity")} for e in events),
            key=lambda row: list(row.values()),
        )
        == reference_events
    )
    assert {e["body"] for e in events} >= {"Take in charge ticket", "Wait", "Closed"}


def test_a_named_column_twice_in_the_header_is_refused(tsq_home, tmp_path):
    """`Variant` is duplicated in the real header: harmless until the mapping names it."""
    mapping = yaml.safe_load(MAPPING.read_text())
    mapping["ticket_attributes"]["subject"] = "Variant"
    mapping_file = tmp_path / "variant.yml"
    mapping_file.write_text(yaml.safe_dump(mapping))
    with pytest.raises(AdapterError, match=r"support-lines\.csv: column\(s\) Variant appear"):
        ingest_files([LOG], tsq_home.inbox, "eventlog", mapping_file)


def test_numeric_levels_rise_without_an_order(tsq_home, tmp_path):
    """Levels 1, 2, 3 as numbers: 1 -> 3 is one escalation to tier 3; 3 -> 2 is none."""
    log = tmp_path / "numeric.csv"
    log.write_text(
        "Case ID,Activity,Resource,Complete Timestamp,workgroup,product,service_type,line\n"
        "C1,Take in charge ticket,R1,2012/10/9 09:00:00,W1,P,S,1\n"
        "C1,Take in charge ticket,R2,2012/10/9 10:00:00,W1,P,S,3\n"
        "C1,Take in charge ticket,R3,2012/10/9 11:00:00,W1,P,S,2\n"
        "C1,Resolve ticket,R3,2012/10/9 12:00:00,W1,P,S,2\n"
    )
    mapping = yaml.safe_load(MAPPING.read_text())
    mapping["derived_events"] = {"escalation": {"on_rise_of": "line"}}
    mapping_file = tmp_path / "numeric.yml"
    mapping_file.write_text(yaml.safe_dump(mapping))
    ingest_files([log], tsq_home.inbox, "eventlog", mapping_file)
    # 10:00 CEST = 08:00 UTC; escalated by R1, the resource of the row before
    assert derived_rows(tsq_home.inbox) == [
        ("lines:C1#2:escalation", "escalation", "2012-10-09T08:00:00Z", "lines:R1",
         "lines:W1", "3", ""),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("derived", "message"),
    [
        ({"handover": {}}, r"derived_events\.handover: unknown kind; known: transfer"),
        ({"transfer": {"on_change": "workgroup"}}, r"derived_events\.transfer: unknown key"),
        ({"escalation": {"order": ["Line 1"]}}, r"derived_events\.escalation: missing on_rise_of"),
        (
            {"escalation": {"on_rise_of": "support_section", "order": ["Line 1", "Line 2"]}},
            r"support-lines\.csv: support_section value\(s\) Line 3 are not in "
            r"derived_events\.escalation\.order",
        ),
        (
            {"escalation": {"on_rise_of": "support_section"}},
            r"support_section value\(s\) Line 1, Line 2, Line 3 are not numbers",
        ),
        (
            {"reopen": {"resolved_states": ["Closed"], "open_states": ["Closed", "Wait"]}},
            r"derived_events\.reopen: state\(s\) Closed are both",
        ),
        (
            {"waiting_on_customer": {"states": "Wait"}},
            r"derived_events\.waiting_on_customer\.states: expected a list",
        ),
        (
            {"transfer": {"ignore_activities": ["Verified"]}},
            r"derived_events\.transfer\.ignore_activities: Verified not among",
        ),
        ({"transfer": {"on_change_of": "team"}}, r"support-lines\.csv: lacks column\(s\) team"),
    ],
)
def test_a_wrong_derived_events_section_is_refused_naming_file_and_key(
    tsq_home, tmp_path, derived, message
):
    mapping = yaml.safe_load(MAPPING.read_text())
    mapping["derived_events"] = derived
    mapping_file = tmp_path / "wrong.yml"
    mapping_file.write_text(yaml.safe_dump(mapping))
    with pytest.raises(AdapterError, match=message) as refused:
        ingest_files([LOG], tsq_home.inbox, "eventlog", mapping_file)
    if message.startswith(r"derived_events\."):
        assert "wrong.yml: derived_events." in str(refused.value)
    assert list(tsq_home.inbox.iterdir()) == []


def test_the_pipeline_counts_the_derived_events(vendor_exports_run):
    """One real run. Resolved in October 2012 (the final resolution): Cases 1-6 (Case 7
    never resolved).
    ops_escalation_rate: resolved tickets with an upward escalation: Case 2 (tier 2 above
    the tier-1 agent Value 1), Case 4 (tier 3), Case 6 (Require upgrade: tier unknown,
    counted upward) = 3 of 6 = 0.5.
    ops_reassignment_hops: transfers on resolved tickets: Case 2: 1, Case 3: 2, Case 6: 1
    = 4 over 6 tickets = 0.6667 (Case 7's transfer is on an unresolved ticket).
    Waiting left out of resolution time (calendar): Case 3 from 3 Oct 12:00 to 5 Oct
    10:00 = 46 h = 2760 min; Case 5 from 15 Oct 10:00 to its resolution 17 Oct 10:00 =
    48 h = 2880 min.
    The run is tests/conftest.py's vendor_exports_run: this log (source `lines`, the
    only data of 2012) in one warehouse with a ServiceNow and a Zendesk export; the
    ticket-level queries keep to this source's `lines:` ids."""
    settings, outcome = vendor_exports_run
    assert outcome.published, outcome.report_lines()
    values = {
        row[0]: row[1:]
        for row in query(
            settings.published_path,
            "SELECT indicator_id, numerator, denominator, round(value, 4) FROM indicator_values "
            "WHERE scope_type = 'organisation' AND period_grain = 'month' "
            "AND period_start = DATE '2012-10-01' "
            "AND indicator_id IN ('ops_escalation_rate', 'ops_reassignment_hops')",
        )
    }
    assert values == {
        "ops_escalation_rate": (3.0, 6.0, 0.5),
        "ops_reassignment_hops": (4.0, 6.0, 0.6667),
    }
    waits = query(
        settings.published_path,
        "SELECT ticket_id, pending_calendar_minutes_excluded FROM ticket_sla "
        "WHERE pending_calendar_minutes_excluded > 0 AND starts_with(ticket_id, 'lines:') "
        "ORDER BY ticket_id",
    )
    assert waits == [("lines:Case 3", 2760.0), ("lines:Case 5", 2880.0)]
    reopened = query(
        settings.warehouse_path,
        "SELECT ticket_id FROM intermediate.int_ticket_lifecycle WHERE reopen_count > 0 "
        "AND starts_with(ticket_id, 'lines:')",
    )
    assert reopened == [("lines:Case 4",)]
