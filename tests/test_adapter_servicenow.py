"""ServiceNow adapter: list-view exports (CSV and XLSX) and the audit / event-log form."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import ingest_files
from orchestration.adapters.servicenow import ServiceNowAdapter
from orchestration.contract import CHANNELS, EVENT_TYPES, PRIORITIES, STATUSES
from orchestration.runner import run_pipeline
from tests.conftest import query

DATA = Path(__file__).parent / "data" / "servicenow"
EVENT_LOG = DATA / "incident_event_log.csv"
LIST_VIEW = DATA / "incident_list.csv"
#: the fixtures' timestamps carry no zone; the expected instants below read them in UTC
IN_UTC = {"timezone": "UTC"}

#: the labels ServiceNow writes as the header of an Excel list export
LABELS = {
    "number": "Number",
    "opened_at": "Opened",
    "short_description": "Short description",
    "caller_id": "Caller",
    "priority": "Priority",
    "state": "State",
    "category": "Category",
    "assignment_group": "Assignment group",
    "assigned_to": "Assigned to",
    "contact_type": "Channel",
    "resolved_at": "Resolved",
    "closed_at": "Closed",
    "close_code": "Resolution code",
    "close_notes": "Resolution notes",
    "cmdb_ci": "Configuration item",
    "reassignment_count": "Reassignment count",
    "reopen_count": "Reopen count",
    "sys_updated_on": "Updated",
    "made_sla": "Made SLA",
}


def rows(out_dir: Path, entity: str, order: str = "1") -> list[dict]:
    con = duckdb.connect()
    try:
        relation = con.execute(
            f"SELECT * FROM read_csv('{out_dir / f'{entity}-sn.csv'}', all_varchar = true) "
            f"ORDER BY {order}"
        )
        names = [d[0] for d in relation.description]
        return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def write_xlsx(target: Path) -> Path:
    """The list-view fixture as an Excel export: labels as header, real date cells."""
    workbook = Workbook()
    sheet = workbook.active
    with LIST_VIEW.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        sheet.append([LABELS[name] for name in reader.fieldnames])
        for record in reader:
            cells = []
            for name, value in record.items():
                if value and name.endswith(("_at", "_on")):
                    cells.append(datetime.strptime(value, "%d/%m/%Y %H:%M"))
                elif value and name.endswith("_count"):
                    cells.append(int(value))
                else:
                    cells.append(value or None)
            sheet.append(cells)
    workbook.save(target)
    return target


def test_detect_recognises_both_shapes_and_refuses_foreign_files(tmp_path):
    adapter = ServiceNowAdapter()
    assert adapter.detect(EVENT_LOG) and adapter.detect(LIST_VIEW)
    assert adapter.detect(write_xlsx(tmp_path / "incident.xlsx"))
    foreign = tmp_path / "helpdesk.csv"
    foreign.write_text("Case ID,Activity,Resource,Complete Timestamp\nCase 1,Closed,X,2016/01/01\n")
    zendesk = tmp_path / "tickets.csv"
    zendesk.write_text("Id,Subject,Status,Priority,Created at\n1,Hi,open,high,2016-01-01\n")
    assert not adapter.detect(foreign) and not adapter.detect(zendesk)
    assert not adapter.detect(DATA.parent / "helpdesk.csv.gz")


def test_event_log_derives_the_lifecycle_and_the_latest_state_wins(tmp_path):
    conversion = ServiceNowAdapter().convert([EVENT_LOG], tmp_path, "sn", IN_UTC)
    # 24 events: 10 state changes (each a status_change, 7 of them also a milestone:
    # resolution, reopen or closure) and 7 assignments / transfers; the kb link of the one
    # incident with knowledge = true
    assert conversion.rows == {
        "tickets": 3,
        "ticket_events": 24,
        "agents": 3,
        "teams": 3,
        "kb_links": 1,
    }
    tickets = {t["ticket_id"]: t for t in rows(tmp_path, "tickets")}
    assert set(tickets) == {"sn:INC0000045", "sn:INC0000047", "sn:INC0000050"}
    reopened = tickets["sn:INC0000047"]
    # priority raised to 2 - High and group changed mid-life: the latest update wins
    assert (reopened["priority"], reopened["team_id"], reopened["agent_id"]) == (
        "P2",
        "sn:Group 24",
        "sn:Resolver 31",
    )
    assert (reopened["status"], reopened["channel"], reopened["closure_code"]) == (
        "closed",
        "email",
        "code 7",
    )
    assert reopened["created_at"] == "2016-02-29T04:40:00Z"
    assert reopened["closed_at"] == "2016-03-09T17:00:00Z"
    assert reopened["complexity_tier"] == "2"
    first = tickets["sn:INC0000045"]
    assert (first["status"], first["priority"], first["channel"]) == ("closed", "P3", "phone")
    assert (first["category"], first["symptom"], first["requester_id"]) == (
        "Category 55",
        "Symptom 72",
        "sn:Caller 2403",
    )
    waiting = tickets["sn:INC0000050"]
    assert (waiting["status"], waiting["priority"], waiting["channel"]) == ("pending", "P4", "web")
    assert waiting["category"] == "uncategorized" and waiting["closed_at"] is None

    events = rows(tmp_path, "ticket_events", "ticket_id, event_at, event_id")
    lifecycle = [
        (e["event_at"], e["event_type"], e["from_status"], e["to_status"], e["team_id"])
        for e in events
        if e["ticket_id"] == "sn:INC0000047"
    ]
    # no invented opening event: the chain starts at the first change from 'new'
    assert lifecycle == [
        ("2016-02-29T04:57:00Z", "assignment", None, None, "sn:Group 70"),
        ("2016-02-29T05:10:00Z", "assignment", None, None, "sn:Group 70"),
        ("2016-02-29T05:10:00Z", "status_change", "new", "open", None),
        ("2016-02-29T05:30:00Z", "transfer", None, None, "sn:Group 24"),
        ("2016-03-02T15:00:00Z", "resolution", "open", "solved", None),
        ("2016-03-02T15:00:00Z", "status_change", "open", "solved", None),
        ("2016-03-03T10:00:00Z", "reopen", "solved", "open", None),
        ("2016-03-03T10:00:00Z", "status_change", "solved", "open", None),
        ("2016-03-04T16:45:00Z", "resolution", "open", "solved", None),
        ("2016-03-04T16:45:00Z", "status_change", "open", "solved", None),
        ("2016-03-09T17:00:00Z", "closure", "solved", "closed", None),
        ("2016-03-09T17:00:00Z", "status_change", "solved", "closed", None),
    ]
    # rows out of order in the file are ordered by sys_mod_count; the auto-close is system
    first_events = [
        (e["event_type"], e["to_status"], e["actor_type"], e["tool"])
        for e in events
        if e["ticket_id"] == "sn:INC0000045" and e["event_type"] != "assignment"
    ]
    # knowledge = true is a kb link now, not a supporting-tool use
    assert first_events == [
        ("status_change", "open", "agent", None),
        ("status_change", "pending", "agent", None),
        ("status_change", "open", "agent", None),
        ("resolution", "solved", "agent", None),
        ("status_change", "solved", "agent", None),
        ("closure", "closed", "system", None),
        ("status_change", "closed", "system", None),
    ]
    # the `-100` state row is ignored: New -> Awaiting User Info is one change
    assert [
        (e["event_type"], e["from_status"], e["to_status"])
        for e in events
        if e["ticket_id"] == "sn:INC0000050" and e["event_type"] == "status_change"
    ] == [("status_change", "new", "pending")]
    assert all(e["event_id"].startswith("sn:INC") for e in events)
    assert len({e["event_id"] for e in events}) == len(events)
    assert {e["event_type"] for e in events} <= set(EVENT_TYPES)
    assert all(e["event_at"] >= tickets[e["ticket_id"]]["created_at"] for e in events)
    agents = {a["agent_id"]: a["team_id"] for a in rows(tmp_path, "agents")}
    assert agents == {
        "sn:Resolver 149": "sn:Group 56",
        "sn:Resolver 31": "sn:Group 24",
        "sn:Resolver 89": "sn:Group 70",
    }
    teams = rows(tmp_path, "teams")
    assert {t["team_id"] for t in teams} == {"sn:Group 24", "sn:Group 56", "sn:Group 70"}
    # the declared export zone, the default week, and no holidays (none declared)
    assert {(t["timezone"], t["work_start"], t["work_end"], t["calendar_id"]) for t in teams} == {
        ("UTC", "09:00", "18:00", "NONE")
    }


def test_the_instance_time_zone_and_team_calendar_come_from_the_mapping(tmp_path):
    mapping = {"timezone": "Europe/Rome", "team": {"calendar_id": "IT", "work_end": "17:30"}}
    conversion = ServiceNowAdapter().convert([EVENT_LOG], tmp_path, "sn", mapping)
    created = {t["ticket_id"]: t["created_at"] for t in rows(tmp_path, "tickets")}
    assert created["sn:INC0000045"] == "2016-02-29T00:16:00Z"  # 01:16 CET
    team = rows(tmp_path, "teams")[0]
    assert (team["timezone"], team["work_end"], team["calendar_id"]) == (
        "Europe/Rome",
        "17:30",
        "IT",
    )
    assert conversion.rows["holiday_calendars"] > 0
    days = {h["calendar_date"] for h in rows(tmp_path, "holiday_calendars")}
    assert "2016-04-25" in days  # Liberation Day


def test_list_view_csv_maps_one_row_per_incident(tmp_path):
    conversion = ServiceNowAdapter().convert([LIST_VIEW], tmp_path, "sn", IN_UTC)
    # a list row has no status history: only the resolution and closure milestones
    assert conversion.rows["tickets"] == 4 and conversion.rows["ticket_events"] == 3
    tickets = rows(tmp_path, "tickets")
    assert [
        (t["ticket_id"], t["priority"], t["status"], t["channel"], t["agent_id"]) for t in tickets
    ] == [
        ("sn:INC0010001", "P2", "closed", "email", "sn:Beth Anglin"),
        ("sn:INC0010002", "P1", "open", "phone", "sn:Fred Luddy"),
        ("sn:INC0010003", "P4", "pending", "web", None),
        ("sn:INC0010004", "P3", "solved", "walk_in", "sn:Don Goodliffe"),
    ]
    closed = tickets[0]
    assert (closed["created_at"], closed["closed_at"]) == (
        "2016-02-29T09:05:00Z",
        "2016-03-03T12:00:00Z",
    )
    assert (closed["closure_code"], closed["product"], closed["subject"]) == (
        "Solved (Permanently)",
        "Exchange Online",
        "Email not syncing on phone",
    )
    assert tickets[3]["closed_at"] is None  # resolved, not yet closed
    events = rows(tmp_path, "ticket_events", "ticket_id, event_at")
    assert [(e["ticket_id"], e["event_type"], e["event_at"]) for e in events] == [
        ("sn:INC0010001", "resolution", "2016-02-29T11:40:00Z"),
        ("sn:INC0010001", "closure", "2016-03-03T12:00:00Z"),
        ("sn:INC0010004", "resolution", "2016-03-02T17:10:00Z"),
    ]
    for t in tickets:
        assert t["priority"] in PRIORITIES and t["status"] in STATUSES
        assert t["channel"] in CHANNELS


def test_the_xlsx_list_export_gives_the_same_tickets_as_the_csv(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "xlsx").mkdir()
    workbook = write_xlsx(tmp_path / "incident.xlsx")
    ServiceNowAdapter().convert([LIST_VIEW], tmp_path / "csv", "sn", IN_UTC)
    conversion = ServiceNowAdapter().convert([workbook], tmp_path / "xlsx", "sn", IN_UTC)
    assert conversion.rows["tickets"] == 4
    for entity in ("tickets", "ticket_events", "agents", "teams"):
        assert rows(tmp_path / "xlsx", entity) == rows(tmp_path / "csv", entity), entity


def test_wrong_inputs_fail_naming_the_file_and_write_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    adapter = ServiceNowAdapter()
    foreign = tmp_path / "export.csv"
    foreign.write_text("Id,Subject,Status\n1,Hi,open\n")
    with pytest.raises(AdapterError, match=r"export\.csv: not a ServiceNow incident export"):
        adapter.convert([foreign], out, "sn", IN_UTC)
    odd_state = tmp_path / "odd.csv"
    odd_state.write_text(
        LIST_VIEW.read_text(encoding="utf-8").replace('"On Hold"', '"Awaiting Parts"')
    )
    with pytest.raises(AdapterError, match=r"odd\.csv: incident state\(s\) .*Awaiting Parts"):
        adapter.convert([odd_state], out, "sn", IN_UTC)
    # the mapping can name it
    adapter.convert([odd_state], out, "sn", {**IN_UTC, "states": {"Awaiting Parts": "pending"}})
    for produced in out.iterdir():
        produced.unlink()
    us_dates = tmp_path / "us.csv"
    us_dates.write_text(LIST_VIEW.read_text(encoding="utf-8").replace("29/2/2016", "2/29/16"))
    with pytest.raises(AdapterError, match=r"us\.csv: opened_at value '2/29/16 09:05'"):
        adapter.convert([us_dates], out, "sn", IN_UTC)
    with pytest.raises(AdapterError, match="ingest them separately"):
        adapter.convert([EVENT_LOG, LIST_VIEW], out, "sn", IN_UTC)
    assert list(out.iterdir()) == []


def test_an_export_without_rows_is_refused(tmp_path):
    empty = tmp_path / "incident.csv"
    empty.write_text(LIST_VIEW.read_text(encoding="utf-8").splitlines()[0] + "\n")
    with pytest.raises(AdapterError, match=r"incident\.csv: no incident rows"):
        ServiceNowAdapter().convert([empty], tmp_path, "sn", IN_UTC)


def test_made_sla_becomes_the_source_resolution_verdict(tmp_path):
    """ServiceNow's made_sla starts true and turns false on a breach: false is a verdict
    at any time, true only once the incident is resolved or closed. The latest update
    wins in the event-log form; labels (`Made SLA`) work in the Excel export."""
    (tmp_path / "log").mkdir()
    ServiceNowAdapter().convert([EVENT_LOG], tmp_path / "log", "sn", IN_UTC)
    assert {
        t["ticket_id"]: (t["status"], t["source_resolution_sla_met"])
        for t in rows(tmp_path / "log", "tickets")
    } == {
        "sn:INC0000045": ("closed", "true"),
        # true on its first updates, false from its reopen on: the latest update wins
        "sn:INC0000047": ("closed", "false"),
        # still awaiting the user: true only means "not breached yet"
        "sn:INC0000050": ("pending", None),
    }
    expected = {
        "sn:INC0010001": ("closed", "true"),
        "sn:INC0010002": ("open", "false"),  # breached while still in progress
        "sn:INC0010003": ("pending", None),  # true, but not resolved yet
        "sn:INC0010004": ("solved", None),  # empty cell
    }
    for shape, export in (("csv", LIST_VIEW), ("xlsx", write_xlsx(tmp_path / "incident.xlsx"))):
        (tmp_path / shape).mkdir()
        ServiceNowAdapter().convert([export], tmp_path / shape, "sn", IN_UTC)
        verdicts = {
            t["ticket_id"]: (t["status"], t["source_resolution_sla_met"])
            for t in rows(tmp_path / shape, "tickets")
        }
        assert verdicts == expected, shape
    # ServiceNow's first-response SLA is not in these exports
    assert "source_first_response_sla_met" not in rows(tmp_path / "csv", "tickets")[0]


# -- vendor fields read as ServiceNow means them -------------------------------------------

COUNTS_LIST = DATA / "incident_list_counts.csv"


def test_the_list_export_carries_the_vendor_counts_knowledge_and_resolved_at(tmp_path):
    """incident_list_counts.csv, by hand: INC0020002 is Closed with an empty resolved_at
    (closed as a duplicate): closed, never resolved, so it has no resolution event and no
    tickets.closed_at (its closure event at 11:00 dates the closure). knowledge=true on
    INC0020001 and INC0020004 gives them a kb_links 'used' row at their resolution and no
    supporting-tool event. The counts are the export's own, carried as they are."""
    conversion = ServiceNowAdapter().convert([COUNTS_LIST], tmp_path, "sn", IN_UTC)
    assert conversion.rows["tickets"] == 6 and conversion.rows["kb_links"] == 2
    tickets = {t["ticket_id"]: t for t in rows(tmp_path, "tickets")}
    assert {k: (t["reassignment_count"], t["reopen_count"]) for k, t in tickets.items()} == {
        "sn:INC0020001": ("2", "0"),
        "sn:INC0020002": ("4", "0"),
        "sn:INC0020003": ("0", "1"),
        "sn:INC0020004": ("1", "0"),
        "sn:INC0020005": ("3", "0"),
        "sn:INC0020006": ("0", "0"),
    }
    unresolved = tickets["sn:INC0020002"]
    assert (unresolved["status"], unresolved["closed_at"]) == ("closed", None)
    assert tickets["sn:INC0020001"]["closed_at"] == "2016-03-04T15:00:00Z"
    assert tickets["sn:INC0020006"]["status"] == "pending"  # Awaiting User Info
    events = rows(tmp_path, "ticket_events", "ticket_id, event_at")
    assert [(e["ticket_id"], e["event_type"], e["event_at"]) for e in events] == [
        ("sn:INC0020001", "resolution", "2016-03-01T15:00:00Z"),
        ("sn:INC0020001", "closure", "2016-03-04T15:00:00Z"),
        ("sn:INC0020002", "closure", "2016-03-02T11:00:00Z"),
        ("sn:INC0020003", "resolution", "2016-03-07T12:00:00Z"),
        ("sn:INC0020004", "resolution", "2016-03-08T13:00:00Z"),
        ("sn:INC0020004", "closure", "2016-03-11T13:00:00Z"),
    ]
    # no status history in a list row: no status_change at all (hygiene unmeasured), and
    # the knowledge flag is no longer a supporting-tool use
    assert all(e["tool"] is None for e in events)
    links = rows(tmp_path, "kb_links")
    assert [(k["ticket_id"], k["link_type"], k["linked_at"], k["agent_id"]) for k in links] == [
        ("sn:INC0020001", "used", "2016-03-01T15:00:00Z", None),
        ("sn:INC0020004", "used", "2016-03-08T13:00:00Z", None),
    ]
    assert {k["article_id"] for k in links} == {"sn:knowledge article (not named in the export)"}


def test_the_event_log_gives_a_status_chain_hygiene_can_judge(tmp_path):
    """Each state change of the audit log is a status_change from the previous state,
    the first from 'new' (the incident's opening state), the last at the state the
    incident stands in: the chain int_ticket_process_checks accepts. Checked here by its
    rule: ordered by event_at then event_id, each from_status is the previous to_status,
    the first is 'new', the last to_status is the ticket's status."""
    ServiceNowAdapter().convert([EVENT_LOG], tmp_path, "sn", IN_UTC)
    status = {t["ticket_id"]: t["status"] for t in rows(tmp_path, "tickets")}
    changes: dict[str, list[tuple[str, str]]] = {}
    for e in rows(tmp_path, "ticket_events", "event_at, event_id"):
        if e["event_type"] == "status_change":
            changes.setdefault(e["ticket_id"], []).append((e["from_status"], e["to_status"]))
    assert changes == {
        # New -> Active -> Awaiting User Info -> Active -> Resolved -> Closed
        "sn:INC0000045": [
            ("new", "open"),
            ("open", "pending"),
            ("pending", "open"),
            ("open", "solved"),
            ("solved", "closed"),
        ],
        # resolved, reopened (Resolved -> Active), resolved again, closed
        "sn:INC0000047": [
            ("new", "open"),
            ("open", "solved"),
            ("solved", "open"),
            ("open", "solved"),
            ("solved", "closed"),
        ],
        # New, -100 (not a state), Awaiting User Info: waiting on the caller
        "sn:INC0000050": [("new", "pending")],
    }
    for ticket, chain in changes.items():
        froms = [f for f, _ in chain]
        tos = ["new"] + [t for _, t in chain]
        assert froms == tos[:-1] and tos[-1] == status[ticket], ticket


def test_a_list_export_publishes_its_counts_and_no_hygiene_zero(tsq_home):
    """One real run (ingest, Dagster, dbt, publish) of incident_list_counts.csv, by hand:
    resolved = INC0020001, INC0020003, INC0020004 (INC0020002 is closed without
    resolved_at; INC0020005 and INC0020006 are open): 3 tickets, all resolved in March
    2016.
    - ops_reassignment_hops = their reassignment_count 2 + 0 + 1 = 3 over 3 = 1.0 (the
      log shows no transfer at all; counting the closed-unresolved INC0020002 too would
      give 7 / 4 = 1.75).
    - ops_kb_link_rate = knowledge true on INC0020001 and INC0020004: 2 / 3.
    - ux_reopen_rate = first resolved in March: the same 3, INC0020003 reopen_count 1:
      1 / 3.
    - ops_ticket_hygiene_rate: no status history in a list export: NULL with the reason,
      not 0 over the 2 closed incidents.
    - ops_tool_adoption_rate: knowledge is not a tool use: NULL with its reason."""
    ingest_files([COUNTS_LIST], tsq_home.inbox, "servicenow", source="sn", timezone="UTC")
    outcome = run_pipeline(tsq_home)
    assert outcome.published, outcome.report_lines()
    values = {
        row[0]: row[1:]
        for row in query(
            tsq_home.published_path,
            "SELECT indicator_id, value, numerator, denominator, no_data_reason "
            "FROM indicator_values WHERE scope_type = 'organisation' AND period_grain = 'month' "
            "AND period_start = DATE '2016-03-01' AND indicator_id IN ('ops_reassignment_hops', "
            "'ops_kb_link_rate', 'ux_reopen_rate', 'ops_ticket_hygiene_rate', "
            "'ops_tool_adoption_rate')",
        )
    }
    assert values["ops_reassignment_hops"][:3] == (1.0, 3, 3)
    assert values["ops_kb_link_rate"][1:3] == (2, 3)
    assert values["ops_kb_link_rate"][0] == pytest.approx(2 / 3)
    assert values["ux_reopen_rate"][1:3] == (1, 3)
    hygiene = values["ops_ticket_hygiene_rate"]
    assert hygiene[0] is None and hygiene[1] is None
    assert hygiene[3] == (
        "no source provides ticket_events.from_status, ticket_events:status_change"
    )
    assert values["ops_tool_adoption_rate"][0] is None
    assert values["ops_tool_adoption_rate"][3] == "no source provides ticket_events.tool"
    resolved = query(
        tsq_home.warehouse_path,
        "SELECT ticket_id FROM intermediate.fct_tickets WHERE resolved_at IS NOT NULL ORDER BY 1",
    )
    assert resolved == [("sn:INC0020001",), ("sn:INC0020003",), ("sn:INC0020004",)]


def test_the_event_log_reads_counts_and_resolved_at_as_servicenow_means_them(tmp_path):
    """incident_event_log_unresolved.csv, by hand (times UTC):
    - INC0000090 goes New -> Active -> Closed with resolved_at `?` throughout: closed,
      never resolved: no resolution event, no tickets.closed_at, a closure event at
      8/3 10:00. Its counter says 2 reassignments where the extract shows one group
      change (Group 70 -> Group 24 at 11:00, update 2 missing): the count is 2, the one
      visible transfer keeps its time.
    - INC0000091 was resolved 7/3 13:00 and reopened 8/3 09:00 (ServiceNow clears
      resolved_at then): it is open, reopen_count 1, and keeps its resolution event."""
    log = DATA / "incident_event_log_unresolved.csv"
    ServiceNowAdapter().convert([log], tmp_path, "sn", IN_UTC)
    tickets = {t["ticket_id"]: t for t in rows(tmp_path, "tickets")}
    closed = tickets["sn:INC0000090"]
    assert (closed["status"], closed["closed_at"], closed["reassignment_count"]) == (
        "closed",
        None,
        "2",
    )
    reopened = tickets["sn:INC0000091"]
    assert (reopened["status"], reopened["reopen_count"]) == ("open", "1")
    events = [
        (e["ticket_id"], e["event_at"], e["event_type"], e["from_status"], e["to_status"])
        for e in rows(tmp_path, "ticket_events", "ticket_id, event_at, event_id")
        if e["event_type"] != "assignment"
    ]
    assert events == [
        ("sn:INC0000090", "2016-03-07T09:40:00Z", "status_change", "new", "open"),
        ("sn:INC0000090", "2016-03-07T11:00:00Z", "transfer", None, None),
        ("sn:INC0000090", "2016-03-08T10:00:00Z", "closure", "open", "closed"),
        ("sn:INC0000090", "2016-03-08T10:00:00Z", "status_change", "open", "closed"),
        ("sn:INC0000091", "2016-03-07T12:10:00Z", "status_change", "new", "open"),
        ("sn:INC0000091", "2016-03-07T13:00:00Z", "resolution", "open", "solved"),
        ("sn:INC0000091", "2016-03-07T13:00:00Z", "status_change", "open", "solved"),
        ("sn:INC0000091", "2016-03-08T09:00:00Z", "reopen", "solved", "open"),
        ("sn:INC0000091", "2016-03-08T09:00:00Z", "status_change", "solved", "open"),
    ]


def test_an_audit_log_chain_passes_the_hygiene_check_in_a_real_run(tsq_home):
    """One real run of incident_event_log.csv: both closed incidents (INC0000045 New ->
    Active -> Awaiting User Info -> Active -> Resolved -> Closed; INC0000047 with its
    reopen) have a valid status order in int_ticket_process_checks, and the open one is
    not judged. The log has no configuration item (`cmdb_ci` is `?` throughout), so the
    hygiene rate itself is "no data" naming the product, not 0."""
    ingest_files([EVENT_LOG], tsq_home.inbox, "servicenow", source="sn", timezone="UTC")
    outcome = run_pipeline(tsq_home)
    assert outcome.published, outcome.report_lines()
    checks = query(
        tsq_home.warehouse_path,
        "SELECT ticket_id, status, has_valid_status_order, has_closure_code "
        "FROM intermediate.int_ticket_process_checks ORDER BY 1",
    )
    assert checks == [
        ("sn:INC0000045", "closed", True, True),
        ("sn:INC0000047", "closed", True, True),
        ("sn:INC0000050", "pending", None, None),
    ]
    reasons = query(
        tsq_home.published_path,
        "SELECT DISTINCT value, no_data_reason FROM indicator_values "
        "WHERE indicator_id = 'ops_ticket_hygiene_rate'",
    )
    assert reasons == [(None, "no source provides tickets.product")]


def test_on_hold_waits_on_the_caller_unless_its_reason_is_on_our_side(tmp_path):
    """On Hold with `hold_reason` Awaiting Caller (or none) is the canonical pending that
    pauses the resolution clock; On Hold waiting on a vendor, and Awaiting Problem, wait
    on the service side: open, the clock runs."""
    lines = LIST_VIEW.read_text(encoding="utf-8").splitlines()
    header, on_hold = lines[0], lines[3]  # INC0010003, On Hold
    assert '"On Hold"' in on_hold
    export = tmp_path / "incident.csv"
    export.write_text(
        "\n".join(
            [
                header + ',"hold_reason"',
                on_hold + ',"Awaiting Caller"',
                on_hold.replace("INC0010003", "INC0010013") + ',"Awaiting Vendor"',
                on_hold.replace("INC0010003", "INC0010023") + ',""',
                on_hold.replace("INC0010003", "INC0010033").replace(
                    '"On Hold"', '"Awaiting Problem"'
                )
                + ',""',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "out").mkdir()
    ServiceNowAdapter().convert([export], tmp_path / "out", "sn", IN_UTC)
    statuses = {t["ticket_id"]: t["status"] for t in rows(tmp_path / "out", "tickets")}
    assert statuses == {
        "sn:INC0010003": "pending",
        "sn:INC0010013": "open",
        "sn:INC0010023": "pending",
        "sn:INC0010033": "open",
    }
