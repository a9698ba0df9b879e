"""The Zendesk adapter, on pages of the Incremental Export API written from Zendesk's docs."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.adapters.base import AdapterError
from orchestration.adapters.zendesk import ZendeskAdapter
from orchestration.contract import ENTITY_BY_NAME
from orchestration.ingest.row_rules import broken_rules_sql

DATA = Path(__file__).parent / "data" / "zendesk"
TICKETS = [DATA / "incremental_tickets_page0.json", DATA / "incremental_tickets_page1.json"]
EVENTS = DATA / "incremental_ticket_events.json"
AUDITS = DATA / "ticket_103_audits.json"
RATINGS = DATA / "satisfaction_ratings.json"
FOREIGN = DATA / "servicenow_incidents.json"
ALL = [*TICKETS, EVENTS, AUDITS, RATINGS]
MAPPING = {"custom_fields": {"category": 360005001, "product": 360005002}}


def rows(path: Path, sql: str = "SELECT * FROM t") -> list[dict]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("zendesk")
    conversion = ZendeskAdapter().convert(ALL, out, "zd", MAPPING)
    return out, conversion.rows


def test_detect_recognises_each_export_kind_and_refuses_foreign_files(tmp_path):
    adapter = ZendeskAdapter()
    assert all(adapter.detect(p) for p in ALL)
    assert not adapter.detect(FOREIGN)
    csv = tmp_path / "tickets.csv"
    csv.write_text("id,created_at\n1,2026-04-01\n")
    assert not adapter.detect(csv)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert not adapter.detect(broken)


def test_rows_written_per_entity(converted):
    _, counts = converted
    # 6 tickets, one deleted; 2 agents; groups 360001, 360002 and "no group"
    # 32 events: zd:102's open -> hold is no status change (on-hold is open, see below)
    assert counts == {"teams": 3, "agents": 2, "tickets": 5, "ticket_events": 32, "surveys": 3}


def test_tickets_are_mapped(converted):
    out, _ = converted
    tickets = {r["ticket_id"]: r for r in rows(out / "tickets-zd.csv")}
    assert sorted(tickets) == ["zd:101", "zd:102", "zd:103", "zd:104", "zd:105"]  # 106 deleted
    t101 = tickets["zd:101"]
    # page0 holds an older version (solved); the latest updated_at wins
    assert (t101["status"], t101["closed_at"]) == ("closed", "2026-04-05T03:00:00Z")
    assert t101["created_at"] == "2026-04-01T01:00:00Z"
    assert (t101["priority"], t101["channel"], t101["team_id"], t101["agent_id"]) == (
        "P1",
        "email",
        "zd:360001",
        "zd:5001",
    )
    assert (t101["category"], t101["product"], t101["requester_id"]) == (
        "network",
        "vpn_gateway",
        "zd:9001",
    )
    assert t101["subject"] == "VPN 连接失败"
    assert {k: v["status"] for k, v in tickets.items()} == {
        "zd:101": "closed",
        # on-hold waits on a third party, not on the requester: the clock keeps running
        "zd:102": "open",
        "zd:103": "solved",
        "zd:104": "new",
        "zd:105": "closed",
    }
    assert [tickets[k]["priority"] for k in sorted(tickets)] == ["P1", "P2", "P4", "P3", "P3"]
    assert [tickets[k]["channel"] for k in sorted(tickets)] == [
        "email",
        "web",
        "chat",
        "phone",  # voice
        "web",  # api
    ]
    assert {t["complexity_tier"] for t in tickets.values()} == {"2"}
    # no group, no assignee
    assert (tickets["zd:104"]["team_id"], tickets["zd:104"]["agent_id"]) == ("zd:no-group", None)
    # closed without a closure event in the input: its last update
    assert tickets["zd:105"]["closed_at"] == "2026-04-08T00:00:00Z"


def test_category_falls_back_to_the_ticket_type(tmp_path):
    ZendeskAdapter().convert(TICKETS, tmp_path, "zd", None)
    tickets = rows(tmp_path / "tickets-zd.csv", "SELECT ticket_id, category, product FROM t")
    assert {r["ticket_id"]: r["category"] for r in tickets} == {
        "zd:101": "incident",
        "zd:102": "problem",
        "zd:103": "question",
        "zd:104": "unspecified",
        "zd:105": "task",
    }
    assert {r["product"] for r in tickets} == {None}


def events_of(out: Path, ticket: str) -> list[tuple]:
    return [
        (r["event_at"][11:16], r["event_type"], r["actor_type"], r["agent_id"], r["team_id"])
        for r in rows(
            out / "ticket_events-zd.csv",
            f"SELECT *, row_number() OVER () AS n FROM t WHERE ticket_id = '{ticket}' ORDER BY n",
        )
    ]


def test_events_from_incremental_ticket_events(converted):
    out, _ = converted
    assert events_of(out, "zd:101") == [
        ("01:00", "customer_reply", "customer", None, None),  # the description
        ("01:20", "assignment", "agent", "zd:5001", "zd:360001"),
        ("01:20", "status_change", "agent", "zd:5001", None),
        ("01:20", "public_reply", "agent", "zd:5001", None),
        ("02:00", "internal_note", "agent", "zd:5001", None),
        ("03:00", "public_reply", "agent", "zd:5001", None),
        ("03:00", "status_change", "agent", "zd:5001", None),
        ("03:00", "resolution", "agent", "zd:5001", None),
        ("03:00", "status_change", "system", None, None),  # auto-close by user -1
        ("03:00", "closure", "system", None, None),
    ]
    # child events that name the field by its key; group change -> transfer; open -> hold
    # is no change of canonical status (both open)
    assert events_of(out, "zd:102") == [
        ("00:30", "customer_reply", "customer", None, None),
        ("01:00", "assignment", "agent", "zd:5001", "zd:360001"),  # group as of then
        ("01:00", "status_change", "agent", "zd:5001", None),
        ("03:00", "transfer", "agent", "zd:5002", "zd:360002"),
        ("03:00", "assignment", "agent", "zd:5002", "zd:360002"),
        ("03:00", "internal_note", "agent", "zd:5001", None),
        ("04:00", "public_reply", "agent", "zd:5002", None),
    ]
    statuses = rows(
        out / "ticket_events-zd.csv",
        "SELECT event_id, from_status, to_status FROM t "
        "WHERE event_type = 'status_change' AND ticket_id = 'zd:102'",
    )
    assert [(r["event_id"], r["from_status"], r["to_status"]) for r in statuses] == [
        ("zd:710202", "new", "open"),
    ]


def test_events_from_ticket_audits_with_a_reopen(converted):
    out, _ = converted
    assert [e[:3] for e in events_of(out, "zd:103")] == [
        ("06:00", "customer_reply", "customer"),
        ("06:00", "assignment", "customer"),  # set in the requester's creating audit
        ("06:10", "public_reply", "agent"),
        ("06:10", "status_change", "agent"),
        ("06:10", "resolution", "agent"),
        ("09:00", "customer_reply", "customer"),
        ("09:00", "status_change", "customer"),
        ("09:00", "reopen", "customer"),
        ("10:00", "public_reply", "agent"),
        ("10:00", "status_change", "agent"),
        ("10:00", "resolution", "agent"),
    ]


def test_tickets_without_events_get_milestones_from_their_metric_set(converted):
    out, _ = converted
    assert events_of(out, "zd:105") == [
        ("05:10", "assignment", "agent", "zd:5002", "zd:360002"),
        ("05:45", "public_reply", "agent", "zd:5002", None),  # created + 45 reply minutes
        ("09:00", "resolution", "agent", "zd:5002", None),
        ("00:00", "closure", "system", None, None),  # 2026-04-08, its last update
    ]
    assert events_of(out, "zd:104") == []  # new, nothing happened yet


def test_every_event_is_at_or_after_its_ticket_and_ids_are_unique(converted):
    out, _ = converted
    con = duckdb.connect()
    (early,) = con.execute(
        f"SELECT count(*) FROM read_csv('{out / 'ticket_events-zd.csv'}') AS e "
        f"JOIN read_csv('{out / 'tickets-zd.csv'}') AS t USING (ticket_id) "
        f"WHERE e.event_at < t.created_at"
    ).fetchone()
    assert early == 0
    (dupes,) = con.execute(
        f"SELECT count(*) - count(DISTINCT event_id) "
        f"FROM read_csv('{out / 'ticket_events-zd.csv'}')"
    ).fetchone()
    assert dupes == 0


def test_satisfaction_ratings_become_surveys(converted):
    out, _ = converted
    surveys = {r["survey_id"]: r for r in rows(out / "surveys-zd.csv")}
    # 8004 unoffered (never sent), 8005 on a deleted ticket
    assert sorted(surveys) == ["zd:8001", "zd:8002", "zd:8003"]
    assert (surveys["zd:8001"]["rating"], surveys["zd:8001"]["comment"]) == ("5", "很快解决了")
    assert surveys["zd:8001"]["responded_at"] == "2026-04-02T10:00:00Z"
    assert surveys["zd:8002"]["rating"] == "1"
    offered = surveys["zd:8003"]
    assert (offered["sent_at"], offered["responded_at"], offered["rating"]) == (
        "2026-04-04T09:00:05Z",
        None,
        None,
    )


def test_teams_and_agents(converted):
    out, _ = converted
    teams = rows(out / "teams-zd.csv")
    assert [t["team_id"] for t in teams] == ["zd:360001", "zd:360002", "zd:no-group"]
    # Zendesk's timestamps carry their zone, so nothing was declared: the team zone falls
    # back to UTC and there are no holidays, both recorded as assumptions of the load
    assert {(t["timezone"], t["work_start"], t["work_end"], t["work_days"]) for t in teams} == {
        ("UTC", "09:00", "18:00", "1,2,3,4,5")
    }
    assert {t["calendar_id"] for t in teams} == {"NONE"}
    assumed = {a["assumption"]: a for a in rows(out / "source_assumptions-zd.csv")}
    assert assumed["team time zone"]["value"] == "UTC"
    assert assumed["team time zone"]["origin"].startswith("default: none declared")
    assert assumed["holiday calendar"]["value"] == "NONE"
    assert assumed["export time zone"]["origin"] == "data"
    agents = rows(out / "agents-zd.csv")
    assert [(a["agent_id"], a["team_id"], a["tier"]) for a in agents] == [
        ("zd:5001", "zd:360001", "1"),
        ("zd:5002", "zd:360002", "1"),
    ]


def test_mapping_sets_team_hours_group_names_channels_and_holidays(tmp_path):
    mapping = {
        "team": {"timezone": "Europe/Berlin", "work_start": "08:00", "calendar_id": "DE"},
        "groups": {360001: "Service desk"},
        "channels": {"api": "email"},
    }
    conversion = ZendeskAdapter().convert(TICKETS, tmp_path, "acme", mapping)
    teams = {t["team_id"]: t for t in rows(tmp_path / "teams-acme.csv")}
    assert teams["acme:360001"]["name"] == "Service desk"
    assert (teams["acme:360002"]["timezone"], teams["acme:360002"]["work_start"]) == (
        "Europe/Berlin",
        "08:00",
    )
    assert (
        rows(tmp_path / "tickets-acme.csv", "SELECT channel FROM t WHERE ticket_id = 'acme:105'")[
            0
        ]["channel"]
        == "email"
    )
    assert conversion.rows["holiday_calendars"] > 0
    days = rows(tmp_path / "holiday_calendars-acme.csv", "SELECT * FROM t")
    assert {"2026-12-25", "2026-05-01"} <= {d["calendar_date"] for d in days}


def test_ratings_alone_give_surveys_only(tmp_path):
    conversion = ZendeskAdapter().convert([RATINGS], tmp_path, "zd", None)
    assert conversion.rows == {"surveys": 4}  # no tickets to tell the deleted one apart


def test_a_foreign_json_is_refused_naming_the_file_and_its_keys(tmp_path):
    with pytest.raises(AdapterError, match=r"servicenow_incidents\.json.*result"):
        ZendeskAdapter().convert([*TICKETS, FOREIGN], tmp_path, "zd", None)
    assert list(tmp_path.iterdir()) == []


def test_a_ticket_without_created_at_is_refused(tmp_path):
    page = json.loads(TICKETS[1].read_text())
    del page["tickets"][2]["created_at"]
    bad = tmp_path / "page.json"
    bad.write_text(json.dumps(page))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(AdapterError, match=r"page\.json: record 3 of 'tickets' lacks 'created_at'"):
        ZendeskAdapter().convert([bad], out, "zd", None)
    assert list(out.iterdir()) == []


def test_events_without_the_tickets_export_are_refused(tmp_path):
    with pytest.raises(AdapterError, match="need the tickets export"):
        ZendeskAdapter().convert([EVENTS], tmp_path, "zd", None)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    bad = tmp_path / "export.json"
    bad.write_text("ticket_id,created_at\n1,2026-04-01\n")
    with pytest.raises(AdapterError, match=r"export\.json"):
        ZendeskAdapter().convert([bad], tmp_path, "zd", None)


def test_every_row_keeps_the_export_contract(converted):
    out, _ = converted
    con = duckdb.connect()
    for path in sorted(out.glob("*.csv")):
        entity = ENTITY_BY_NAME[path.name.split("-")[0]]
        con.execute(f"CREATE OR REPLACE TABLE f AS FROM read_csv('{path}', all_varchar = true)")
        present = {row[0] for row in con.execute("DESCRIBE f").fetchall()}
        absent = "".join(
            f', NULL::VARCHAR AS "{c}"' for c in entity.column_names if c not in present
        )
        broken = con.execute(
            f"SELECT {broken_rules_sql(entity)} AS broken FROM (SELECT *{absent} FROM f) "
            f"WHERE len(broken) > 0"
        ).fetchall()
        assert broken == [], f"{path.name}: {broken[:3]}"


def test_the_metric_set_counts_are_the_tickets_own(converted):
    """Zendesk's ticket metric set counts reopens and the groups a ticket passed through
    (group_stations: the first group is a station, not a reassignment). By hand from
    incremental_tickets_page1.json's metric_sets: 101 one group, no reopen -> (0, 0);
    102 two groups (360001 then 360002, the transfer in its events) -> (1, 0); 103 one
    group, reopened once (its audits show it) -> (0, 1); 104 no group yet (0 stations)
    -> (0, 0); 105 one group -> (0, 0)."""
    out, _ = converted
    counts = {
        r["ticket_id"]: (r["reassignment_count"], r["reopen_count"])
        for r in rows(out / "tickets-zd.csv")
    }
    assert counts == {
        "zd:101": ("0", "0"),
        "zd:102": ("1", "0"),
        "zd:103": ("0", "1"),
        "zd:104": ("0", "0"),
        "zd:105": ("0", "0"),
    }


def test_pending_is_waiting_on_the_requester_and_on_hold_is_not(tmp_path):
    """A ticket set to pending (waiting on the requester) is the canonical pending the
    resolution clock pauses on; on-hold (waiting on a third party) stays open."""
    page = json.loads(TICKETS[1].read_text(encoding="utf-8"))
    page["tickets"] = [t for t in page["tickets"] if t["id"] in (102, 104)]
    page["tickets"][0]["status"] = "pending"  # 102
    page["tickets"][1]["status"] = "hold"  # 104
    page["metric_sets"] = []
    export = tmp_path / "tickets.json"
    export.write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "out").mkdir()
    ZendeskAdapter().convert([export], tmp_path / "out", "zd", MAPPING)
    statuses = {r["ticket_id"]: r["status"] for r in rows(tmp_path / "out" / "tickets-zd.csv")}
    assert statuses == {"zd:102": "pending", "zd:104": "open"}
