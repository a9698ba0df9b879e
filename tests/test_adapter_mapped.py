"""`mapped` adapter: a Chinese-header ticket sheet through the shipped example mapping, as a
GBK CSV, a UTF-8-with-BOM CSV and an XLSX workbook, all giving the same canonical rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.adapters.base import AdapterError
from orchestration.adapters.mapped import MappedAdapter
from orchestration.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "mapped"
MAPPING_FILE = PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "example-mapped-zh.yml"
FIXTURES = ("gongdan-gbk.csv", "gongdan-utf8bom.csv", "gongdan.xlsx")


def mapping() -> dict:
    return yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))


def rows(out: Path, entity: str, sql: str = "SELECT * FROM t ORDER BY ALL") -> list[tuple]:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{out / f'{entity}-zh.csv'}', "
        "header = true, all_varchar = true)"
    )
    return con.execute(sql).fetchall()


def test_detect_is_always_false():
    assert not any(MappedAdapter().detect(DATA / name) for name in FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_chinese_sheet_in_every_encoding_and_format(fixture, tmp_path):
    conversion = MappedAdapter().convert([DATA / fixture], tmp_path, "zh", mapping())
    # the mapping declares calendar CN: China's 2026 holidays and adjusted working days,
    # 39 days, the same as the shipped seed's 2026 rows (grep -c '^CN,2026' in the seed)
    assert conversion.rows == {
        "tickets": 4, "ticket_events": 13, "agents": 3, "teams": 2, "surveys": 3,
        "holiday_calendars": 39,
    }  # fmt: skip
    tickets = rows(
        tmp_path,
        "tickets",
        "SELECT ticket_id, created_at, channel, priority, status, team_id, agent_id, "
        "category, complexity_tier, closed_at FROM t ORDER BY 1",
    )
    assert tickets == [
        ("zh:GD20261001", "2026-10-09T06:50:00Z", "phone", "P2", "closed", "zh:一线支持",
         "zh:张伟", "账号", "2", "2026-10-11T01:00:00Z"),
        ("zh:GD20261002", "2026-10-10T01:30:00Z", "email", "P3", "solved", "zh:一线支持",
         "zh:李娜", "硬件", "2", None),
        ("zh:GD20261003", "2026-10-12T00:15:00Z", "chat", "P1", "open", "zh:二线支持",
         "zh:王强", "邮件", "2", None),
        ("zh:GD20261004", "2026-10-13T09:40:00Z", "chat", "P4", "closed", "zh:一线支持",
         "zh:李娜", "硬件", "2", "2026-10-16T02:00:00Z"),
    ]  # fmt: skip
    events = rows(
        tmp_path,
        "ticket_events",
        "SELECT event_at, event_type, actor_type, agent_id FROM t "
        "WHERE ticket_id = 'zh:GD20261001' ORDER BY event_at",
    )
    assert events == [
        ("2026-10-09T06:50:00Z", "status_change", "customer", None),
        ("2026-10-09T07:05:00Z", "public_reply", "agent", "zh:张伟"),  # 首次响应时间
        ("2026-10-10T02:00:00Z", "resolution", "agent", "zh:张伟"),  # 解决时间
        ("2026-10-11T01:00:00Z", "closure", "agent", "zh:张伟"),  # 关闭时间
    ]
    # 满意度 5 and 不满意 (-> 2); the resolved but unrated ticket is an unanswered survey
    assert rows(tmp_path, "surveys", "SELECT * EXCLUDE (comment) FROM t ORDER BY ALL") == [
        ("zh:GD20261001#survey", "zh:GD20261001", "2026-10-10T02:00:00Z",
         "2026-10-10T04:00:00Z", "5"),
        ("zh:GD20261002#survey", "zh:GD20261002", "2026-10-12T08:20:00Z", None, None),
        ("zh:GD20261004#survey", "zh:GD20261004", "2026-10-15T03:00:00Z",
         "2026-10-15T10:30:00Z", "2"),
    ]  # fmt: skip
    assert rows(tmp_path, "teams", "SELECT team_id, timezone, calendar_id FROM t ORDER BY 1") == [
        ("zh:一线支持", "Asia/Shanghai", "CN"),
        ("zh:二线支持", "Asia/Shanghai", "CN"),
    ]


def test_declared_format_and_zone_and_rated_only_surveys(tmp_path):
    declared = mapping() | {"date_format": "%Y/%m/%d %H:%M", "timezone": "UTC"}
    declared["survey"] = declared["survey"] | {"send": "rated"}
    conversion = MappedAdapter().convert([DATA / "gongdan-gbk.csv"], tmp_path, "zh", declared)
    assert conversion.rows["surveys"] == 2
    assert rows(tmp_path, "tickets", "SELECT min(created_at) FROM t") == [("2026-10-09T14:50:00Z",)]


def test_errors_name_the_file_and_what_did_not_match(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(AdapterError, match="mapping file with a `columns:` section"):
        MappedAdapter().convert([DATA / "gongdan-gbk.csv"], out, "zh", None)
    missing = mapping()
    missing["columns"]["category"] = "问题类型"
    with pytest.raises(AdapterError, match=r"gongdan-gbk\.csv: lacks column\(s\) 问题类型"):
        MappedAdapter().convert([DATA / "gongdan-gbk.csv"], out, "zh", missing)
    unmapped = mapping()
    del unmapped["values"]["status"]["处理中"]
    with pytest.raises(AdapterError, match="column 状态: value.* 处理中 have no mapping"):
        MappedAdapter().convert([DATA / "gongdan-gbk.csv"], out, "zh", unmapped)
    wrong_format = mapping() | {"date_format": "%d.%m.%Y %H:%M"}
    with pytest.raises(AdapterError, match=r"column 创建时间 has dates like '2026/10/09 14:50'"):
        MappedAdapter().convert([DATA / "gongdan-gbk.csv"], out, "zh", wrong_format)
    assert not out.exists()


def test_the_mapping_wins_over_headers_that_collide_with_contract_names(tmp_path):
    """tests/data/mapped/colliding-headers.csv maps `status` and `priority` (lower case)
    while other columns are headed `Status` and `Priority` (DuckDB names are
    case-insensitive: reading by name would take either), and has columns named like the
    adapter's own `_file` and `_row`. The mapped columns are read, by hand:
    T1 solved P2 created 2026/10/09 14:50 Shanghai = 06:50Z; T2 open P4 at 01:30Z."""
    colliding = {
        "format": "mapped",
        "timezone": "Asia/Shanghai",
        "columns": {
            "ticket_id": "Ticket",
            "created_at": "Opened",
            "status": "status",
            "priority": "priority",
            "team_id": "Team",
        },
    }
    MappedAdapter().convert([DATA / "colliding-headers.csv"], tmp_path, "zh", colliding)
    assert rows(
        tmp_path, "tickets", "SELECT ticket_id, created_at, status, priority, team_id FROM t"
    ) == [
        ("zh:T1", "2026-10-09T06:50:00Z", "solved", "P2", "zh:L1"),
        ("zh:T2", "2026-10-10T01:30:00Z", "open", "P4", "zh:L2"),
    ]
    # and the other way round: the columns headed Status and Priority, when mapped, are
    # read (their words have no canonical value, so strict mapping names them)
    capitalised = colliding | {"columns": colliding["columns"] | {"status": "Status"}}
    with pytest.raises(AdapterError, match="column Status: value.* Waiting for parts"):
        MappedAdapter().convert([DATA / "colliding-headers.csv"], tmp_path / "b", "zh", capitalised)
