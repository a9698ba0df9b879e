"""Jira Service Management adapter: the CSV issue export, with and without the changelog."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.adapters.base import AdapterError
from orchestration.adapters.jira import JiraAdapter, sla_verdict_sql
from orchestration.adapters.registry import ingest_files
from orchestration.contract import ENTITIES
from orchestration.ingest.loader import load_entity
from orchestration.settings import PROJECT_ROOT
from orchestration.sql_text import quote_identifier as _q
from tests.conftest import dbt_build, query

DATA = PROJECT_ROOT / "tests" / "data" / "jira"
ISSUES = DATA / "jsm-issues.csv"
CHANGELOG = DATA / "jsm-changelog.csv"


#: Jira's export format carries no zone: the fixtures were exported in Shanghai time
IN_SHANGHAI = {"timezone": "Asia/Shanghai"}


def rows(out: Path, entity: str, sql: str = "SELECT * FROM t ORDER BY ALL") -> list[tuple]:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{out / f'{entity}-jsm.csv'}', "
        "header = true, all_varchar = true)"
    )
    return con.execute(sql).fetchall()


def test_detect_recognises_issue_export_and_changelog_only():
    adapter = JiraAdapter()
    assert adapter.detect(ISSUES) and adapter.detect(CHANGELOG)
    assert not adapter.detect(PROJECT_ROOT / "tests" / "data" / "mapped" / "gongdan-gbk.csv")
    assert not adapter.detect(PROJECT_ROOT / "tests" / "data" / "mapped" / "gongdan.xlsx")


def test_issue_export_alone(tmp_path):
    conversion = JiraAdapter().convert([ISSUES], tmp_path, "jsm", IN_SHANGHAI)
    assert conversion.rows == {
        "tickets": 5, "ticket_events": 9, "agents": 2, "teams": 1, "surveys": 3,
    }  # fmt: skip
    tickets = rows(
        tmp_path,
        "tickets",
        "SELECT ticket_id, created_at, priority, status, category, team_id, agent_id, "
        "channel, complexity_tier, closed_at FROM t ORDER BY 1",
    )
    assert tickets[0] == (
        "jsm:SD-101", "2026-11-24T07:15:00Z", "P2", "closed", "Get IT help", "jsm:SD",
        "jsm:712020:0c1d-liwei", "web", "2", "2026-11-25T01:30:00Z",
    )  # fmt: skip
    assert [(t[2], t[3]) for t in tickets] == [
        ("P2", "closed"), ("P3", "pending"), ("P1", "solved"), ("P4", "closed"), ("P4", "open"),
    ]  # fmt: skip
    # SD-101: agent reply, customer reply, agent reply, resolution + closure; no status
    # history in the issue export, so no status_change (hygiene unmeasured, not failed)
    events = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_type, actor_type, event_at FROM t WHERE ticket_id = 'jsm:SD-101' "
        "ORDER BY event_at, event_type",
    )
    assert events == [
        ("public_reply", "agent", "2026-11-24T07:40:00Z"),
        ("customer_reply", "customer", "2026-11-24T08:05:00Z"),
        ("public_reply", "agent", "2026-11-25T01:25:00Z"),
        ("closure", "agent", "2026-11-25T01:30:00Z"),
        ("resolution", "agent", "2026-11-25T01:30:00Z"),
    ]
    # a comment's text keeps its own semicolons
    (body,) = rows(
        tmp_path, "ticket_events", "SELECT body FROM t WHERE event_id = 'jsm:SD-101#comment#1'"
    )[0]
    assert body == "Attached; see vpn.log"
    surveys = rows(tmp_path, "surveys")
    assert surveys == [
        ("jsm:SD-101#csat", "jsm:SD-101", "2026-11-25T01:30:00Z", "2026-11-25T02:02:00Z", "5"),
        ("jsm:SD-103#csat", "jsm:SD-103", "2026-11-27T00:30:00Z", None, None),
        ("jsm:SD-104#csat", "jsm:SD-104", "2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z", "2"),
    ]
    # the team takes the declared export zone; no holiday country was declared: none
    assert rows(tmp_path, "teams") == [
        ("jsm:SD", "Asia/Shanghai", "09:00", "18:00", "1,2,3,4,5", "NONE")
    ]


def test_changelog_gives_reopen_transfer_and_history(tmp_path):
    conversion = JiraAdapter().convert(
        [ISSUES, CHANGELOG], tmp_path, "jsm", {"timezone": "Asia/Shanghai"}
    )
    # 23: SD-101's Waiting for support -> In Progress is no change of canonical status
    assert conversion.rows["ticket_events"] == 23
    events = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_at, event_type, actor_type, agent_id, from_status, to_status FROM t "
        "WHERE ticket_id = 'jsm:SD-104' ORDER BY event_at, event_type",
    )
    liwei, zhangmin = "jsm:712020:0c1d-liwei", "jsm:712020:77aa-zhangmin"
    assert events == [
        # created in Waiting for support: the chain starts new -> open
        ("2026-11-28T06:00:00Z", "status_change", "customer", None, "new", "open"),
        ("2026-11-28T06:30:00Z", "assignment", "agent", liwei, None, None),
        ("2026-11-29T02:00:00Z", "resolution", "agent", liwei, None, None),
        ("2026-11-29T02:00:00Z", "status_change", "agent", liwei, "open", "solved"),
        ("2026-11-30T01:00:00Z", "reopen", "customer", None, None, None),
        ("2026-11-30T01:00:00Z", "status_change", "customer", None, "solved", "open"),
        ("2026-11-30T01:10:00Z", "transfer", "agent", zhangmin, None, None),
        ("2026-12-01T08:00:00Z", "closure", "agent", zhangmin, None, None),
        ("2026-12-01T08:00:00Z", "resolution", "agent", zhangmin, None, None),
        ("2026-12-01T08:00:00Z", "status_change", "agent", zhangmin, "open", "closed"),
    ]
    # SD-103 has no status history in the changelog: it keeps the derived resolution
    assert rows(
        tmp_path,
        "ticket_events",
        "SELECT event_type FROM t WHERE ticket_id = 'jsm:SD-103' AND event_type <> 'status_change'",
    ) == [("resolution",)]
    # every event at or after its ticket's creation
    con = duckdb.connect()
    (early,) = con.execute(
        f"SELECT count(*) FROM read_csv('{tmp_path / 'ticket_events-jsm.csv'}') AS e "
        f"JOIN read_csv('{tmp_path / 'tickets-jsm.csv'}') AS t USING (ticket_id) "
        "WHERE e.event_at < t.created_at"
    ).fetchone()
    assert early == 0


def test_foreign_file_and_bad_dates_fail_naming_the_file(tmp_path):
    foreign = tmp_path / "export.csv"
    foreign.write_text("Case ID,Activity,Complete Timestamp\n1,Open,2026/01/01 10:00:00\n")
    with pytest.raises(AdapterError, match=r"export\.csv: not a Jira issue export.*Issue key"):
        JiraAdapter().convert([foreign], tmp_path / "out", "jsm", IN_SHANGHAI)
    with pytest.raises(AdapterError, match="no Jira issue export"):
        JiraAdapter().convert([CHANGELOG], tmp_path / "out", "jsm", IN_SHANGHAI)
    broken = tmp_path / "broken.csv"
    broken.write_text(
        ISSUES.read_text(encoding="utf-8").replace("24/Nov/26 3:15 PM", "2026-13-45 99:99", 1),
        encoding="utf-8",
    )
    with pytest.raises(AdapterError, match=r"broken\.csv: .*'2026-13-45 99:99'"):
        JiraAdapter().convert([broken], tmp_path / "out", "jsm", IN_SHANGHAI)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# --- the source's own SLA verdicts ------------------------------------------------------

SLA_ISSUES = DATA / "jsm-issues-sla.csv"
SLA_COLUMNS = ("Custom field (Time to first response)", "Custom field (Time to resolution)")


def sla_verdicts(out: Path) -> dict[str, tuple[str | None, str | None]]:
    return {
        ticket: (first_response, resolution)
        for ticket, first_response, resolution in rows(
            out,
            "tickets",
            "SELECT ticket_id, source_first_response_sla_met, source_resolution_sla_met "
            "FROM t ORDER BY 1",
        )
    }


@pytest.mark.parametrize(
    ("cell", "milestone", "verdict"),
    [
        # Data Center / Server toString: the last completed cycle decides
        ("SLAValue{completeSLAData=[CompleteSLAData{goalId=1, succeeded=true}], "
         "ongoingSLAData=null}", False, True),
        ("SLAValue{completeSLAData=[CompleteSLAData{goalId=1, succeeded=true}, "
         "CompleteSLAData{goalId=1, succeeded=false}], ongoingSLAData=null}", True, False),
        ("SLAValue{completeSLAData=[], ongoingSLAData=OngoingSLAData{goalId=1, "
         "paused=false}}", True, None),
        # REST JSON: a breached running cycle, else the last completed one
        ('{"completedCycles": [{"breached": true}, {"breached": false}]}', False, True),
        ('{"completedCycles": [{"breached": false}, {"breached": true}]}', True, False),
        ('{"completedCycles": [], "ongoingCycle": {"breached": false}}', True, None),
        ('{"ongoingCycle": {"breached": true}}', False, False),
        ('{"completedCycles": [{"breached": false}], "ongoingCycle": {"breached": true}}',
         True, False),
        ('{"name": "Time to resolution"}', True, None),
        # Jira Cloud's remaining time: negative breached; positive met once it happened
        ("2h 30m", True, True),
        ("2h 30m", False, None),
        ("-1d 4h", True, False),
        ("-45m", False, False),
        ("1w 2d", True, True),
        ("3mo", True, True),
        ("1yr 2mo", True, True),
        ("10min", True, True),
        (" 5H ", True, True),
        # anything else: no verdict, and no error
        ("2 hours", True, None),
        ("1.5h", True, None),
        ("Overdue", True, None),
        ("-", True, None),
        ("{broken", True, None),
        ("SLAValue{garbage", True, None),
        ("", True, None),
        (None, True, None),
    ],
)  # fmt: skip
def test_an_sla_cell_gives_the_source_verdict_in_every_form(cell, milestone, verdict):
    con = duckdb.connect()
    (got,) = con.execute(
        f"SELECT {sla_verdict_sql('cell', 'happened')} "
        "FROM (SELECT nullif(trim(?::VARCHAR), '') AS cell, ?::BOOLEAN AS happened)",
        [cell, milestone],
    ).fetchone()
    assert got is verdict


def test_the_sla_fields_of_an_export_become_the_tickets_source_verdicts(tmp_path):
    conversion = JiraAdapter().convert([SLA_ISSUES], tmp_path, "jsm", IN_SHANGHAI)
    assert conversion.rows["tickets"] == 8
    assert sla_verdicts(tmp_path) == {
        # Data Center toString: met / two cycles, the last met
        "jsm:SD-201": ("true", "true"),
        # Data Center: breached / no completed cycle, still running
        "jsm:SD-202": ("false", None),
        # REST JSON: completed not breached / completed breached
        "jsm:SD-203": ("true", "false"),
        # REST JSON: running / running but already breached
        "jsm:SD-204": (None, "false"),
        # Cloud remaining time, agent replied and resolved: met / met
        "jsm:SD-205": ("true", "true"),
        # Cloud: positive but only the reporter commented (running) / negative
        "jsm:SD-206": (None, "false"),
        # Cloud: negative / positive but not resolved (running)
        "jsm:SD-207": ("false", None),
        # unreadable text / REST JSON, an earlier cycle met, the running one breached
        "jsm:SD-208": (None, "false"),
    }


def test_sla_columns_empty_or_absent_give_no_verdict(tmp_path):
    (tmp_path / "empty").mkdir()
    JiraAdapter().convert([ISSUES], tmp_path / "empty", "jsm", IN_SHANGHAI)  # present, all empty
    assert set(sla_verdicts(tmp_path / "empty").values()) == {(None, None)}
    stripped = tmp_path / "no-sla.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * EXCLUDE ({', '.join(_q(c) for c in SLA_COLUMNS)}) "
        f"FROM read_csv('{SLA_ISSUES}', header = true, all_varchar = true)) "
        f"TO '{stripped}' (HEADER)"
    )
    (tmp_path / "absent").mkdir()
    conversion = JiraAdapter().convert([stripped], tmp_path / "absent", "jsm", IN_SHANGHAI)
    assert conversion.rows["tickets"] == 8
    assert set(sla_verdicts(tmp_path / "absent").values()) == {(None, None)}


def test_source_sla_agreement_reconciles_source_and_tsq_verdicts(tsq_home, tmp_path):
    """Jira (the SLA fixture) and ServiceNow (the event log) in one warehouse, through
    real dbt up to int_source_sla_agreement. TSQ's verdicts by hand: team calendar
    Asia/Shanghai 09:00-18:00 Mon-Fri (540 min a day, no holiday in November 2026);
    first-response target P2 60, P3 240 business minutes; resolution target tier 2 24
    business hours = 1,440 min; as of Mon 9 Nov 2026 17:00, the latest event.

    first response                                source    TSQ
      SD-201 P3 reply after 60 min                  met       met
      SD-202 P2 reply after 30 min                  breached  met     source_missed_tsq_met
      SD-203 P3 reply after 20 min                  met       met
      SD-205 P3 reply after 300 min                 met       missed  source_met_tsq_missed
      SD-207 P3 reply after 330 min                 breached  missed
      -> 5 with a source verdict, 5 compared, 3 agree
    resolution
      SD-201 resolved after 360 min                 met       met
      SD-203 Wed 09:00 -> Mon 17:00: 3 x 540 + 480  breached  missed
      SD-204 open, due Thu 5 Nov 15:00              breached  missed (overdue)
      SD-205 resolved after 480 min                 met       met
      SD-206 Thu 09:00 -> Fri 10:00: 540 + 60       breached  met     source_missed_tsq_met
      SD-208 open, due Tue 10 Nov 15:00: not yet    breached  -
      -> 6 with a source verdict, 5 compared, 4 agree
    ServiceNow made_sla (times in UTC, CST = UTC+8):
      INC0000045 Mon 29 Feb 09:16 -> Tue 1 Mar 2016 19:29 CST: 524 + 540   true   met
      INC0000047 Mon 29 Feb 12:40 -> Sat 5 Mar 00:45 CST: 320 + 4 x 540    false  missed
      INC0000050 still pending: made_sla true is no verdict yet
      -> 2, 2, 2; no first-response verdict from ServiceNow, so no such row
    """
    ingest_files(
        [SLA_ISSUES], tsq_home.inbox, "jira", source="jsm", timezone="Asia/Shanghai", holidays="CN"
    )
    ingest_files(
        [PROJECT_ROOT / "tests" / "data" / "servicenow" / "incident_event_log.csv"],
        tsq_home.inbox,
        "servicenow",
        source="sn",
        timezone="UTC",
        holidays="CN",
        team_timezone="Asia/Shanghai",
    )
    con = duckdb.connect(str(tsq_home.warehouse_path))
    try:
        for entity in ENTITIES:  # every raw table, as the models read them all
            load_entity(con, entity, tsq_home.inbox, tsq_home.root)
    finally:
        con.close()
    completed = dbt_build(
        tsq_home.warehouse_path, tmp_path / "dbt_target", "+int_source_sla_agreement"
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert query(
        tsq_home.warehouse_path,
        "SELECT source, sla, tickets_with_source_verdict, tickets_with_both_verdicts, "
        "agreements, source_met_tsq_missed, source_missed_tsq_met, agreement_rate "
        "FROM intermediate.int_source_sla_agreement ORDER BY source, sla",
    ) == [
        ("jsm", "first_response", 5, 5, 3, 1, 1, 0.6),
        ("jsm", "resolution", 6, 5, 4, 0, 1, 0.8),
        ("sn", "resolution", 2, 2, 2, 0, 0, 1.0),
    ]


TEAM_ISSUES = DATA / "jsm-issues-team.csv"
TEAM_CHANGELOG = DATA / "jsm-changelog-team.csv"


def test_a_team_change_is_a_transfer_and_the_changelog_a_status_chain(tmp_path):
    """jsm-issues-team.csv with its changelog, team from `Custom field (Team)` (logged as
    `Team`), by hand (Shanghai = UTC+8):
    - SD-301: assigned to Li Wei 01:10Z; moved from Service Desk to Desktop Support at
      03:00Z with the hand-over to Zhang Min at the same instant: one transfer (to
      jsm:Desktop Support), the hand-over an assignment, not a second hop; waited on the
      customer 07:00Z -> 02:00Z next day; Done 09:00Z. Chain: new -> open (created in
      Waiting for support) -> pending -> open -> closed (In Progress -> Done; Waiting
      for support -> In Progress is open -> open, no change).
    - SD-302: Canceled with no Resolved date: closed unresolved, so no closed_at (its
      closure event at 03:00Z dates the closure) and no resolution event.
    - SD-303: Waiting for third party waits on a vendor, not the customer: open."""
    mapping = {**IN_SHANGHAI, "team_column": "Custom field (Team)"}
    JiraAdapter().convert([TEAM_ISSUES, TEAM_CHANGELOG], tmp_path, "jsm", mapping)
    moves = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_at, event_type, agent_id, team_id FROM t "
        "WHERE ticket_id = 'jsm:SD-301' AND event_type IN ('assignment', 'transfer') "
        "ORDER BY event_at, event_type",
    )
    assert moves == [
        ("2026-12-01T01:10:00Z", "assignment", "jsm:712020:0c1d-liwei", "jsm:Desktop Support"),
        ("2026-12-01T03:00:00Z", "assignment", "jsm:712020:77aa-zhangmin", "jsm:Desktop Support"),
        ("2026-12-01T03:00:00Z", "transfer", None, "jsm:Desktop Support"),
    ]
    assert {t for (t,) in rows(tmp_path, "teams", "SELECT team_id FROM t")} == {
        "jsm:Desktop Support",
        "jsm:Service Desk",
    }
    chains = rows(
        tmp_path,
        "ticket_events",
        "SELECT ticket_id, list(from_status || '>' || to_status ORDER BY event_at, event_id) "
        "FROM t WHERE event_type = 'status_change' GROUP BY 1 ORDER BY 1",
    )
    assert [(t, list(c)) for t, c in chains] == [
        ("jsm:SD-301", ["new>open", "open>pending", "pending>open", "open>closed"]),
        ("jsm:SD-302", ["new>open", "open>closed"]),
        ("jsm:SD-303", ["new>open"]),
    ]
    tickets = rows(tmp_path, "tickets", "SELECT ticket_id, status, closed_at FROM t ORDER BY 1")
    assert tickets == [
        ("jsm:SD-301", "closed", "2026-12-02T09:00:00Z"),
        ("jsm:SD-302", "closed", None),
        ("jsm:SD-303", "open", None),
    ]
    milestones = rows(
        tmp_path,
        "ticket_events",
        "SELECT ticket_id, event_type, event_at FROM t "
        "WHERE event_type IN ('resolution', 'closure') ORDER BY 1, 3, 2",
    )
    assert milestones == [
        ("jsm:SD-301", "closure", "2026-12-02T09:00:00Z"),
        ("jsm:SD-301", "resolution", "2026-12-02T09:00:00Z"),
        ("jsm:SD-302", "closure", "2026-12-01T03:00:00Z"),
    ]
