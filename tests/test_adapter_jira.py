"""Jira Service Management adapter: the CSV issue export, with and without the changelog."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.adapters.base import AdapterError
from orchestration.adapters.jira import JiraAdapter
from orchestration.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "jira"
ISSUES = DATA / "jsm-issues.csv"
CHANGELOG = DATA / "jsm-changelog.csv"


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
    conversion = JiraAdapter().convert([ISSUES], tmp_path, "jsm", None)
    assert conversion.rows == {
        "tickets": 5, "ticket_events": 14, "agents": 2, "teams": 1, "surveys": 3,
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
    # SD-101: created, agent reply, customer reply, agent reply, resolution + closure
    events = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_type, actor_type, event_at FROM t WHERE ticket_id = 'jsm:SD-101' "
        "ORDER BY event_at, event_type",
    )
    assert events == [
        ("status_change", "customer", "2026-11-24T07:15:00Z"),
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
    assert rows(tmp_path, "teams") == [
        ("jsm:SD", "Asia/Shanghai", "09:00", "18:00", "1,2,3,4,5", "CN")
    ]


def test_changelog_gives_reopen_transfer_and_history(tmp_path):
    conversion = JiraAdapter().convert(
        [ISSUES, CHANGELOG], tmp_path, "jsm", {"timezone": "Asia/Shanghai"}
    )
    assert conversion.rows["ticket_events"] == 24
    events = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_at, event_type, actor_type, agent_id, from_status, to_status FROM t "
        "WHERE ticket_id = 'jsm:SD-104' ORDER BY event_at, event_type",
    )
    liwei, zhangmin = "jsm:712020:0c1d-liwei", "jsm:712020:77aa-zhangmin"
    assert events == [
        ("2026-11-28T06:00:00Z", "status_change", "customer", None, None, "new"),
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
        JiraAdapter().convert([foreign], tmp_path / "out", "jsm", None)
    with pytest.raises(AdapterError, match="no Jira issue export"):
        JiraAdapter().convert([CHANGELOG], tmp_path / "out", "jsm", None)
    broken = tmp_path / "broken.csv"
    broken.write_text(
        ISSUES.read_text(encoding="utf-8").replace("24/Nov/26 3:15 PM", "2026-13-45 99:99", 1),
        encoding="utf-8",
    )
    with pytest.raises(AdapterError, match=r"broken\.csv: .*'2026-13-45 99:99'"):
        JiraAdapter().convert([broken], tmp_path / "out", "jsm", None)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
