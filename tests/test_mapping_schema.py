"""A mapping file's shape is checked per format before any adapter reads it: each
mistake a person makes in YAML is named by file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestration.adapters.base import AdapterError
from orchestration.adapters.mapping_schema import check_mapping
from orchestration.adapters.registry import ingest_files
from orchestration.settings import PROJECT_ROOT

SHIPPED = {
    PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "example-mapped-zh.yml": "mapped",
    PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "helpdesk-eventlog.yml": "eventlog",
    PROJECT_ROOT / "tests" / "data" / "eventlog" / "support-lines.yml": "eventlog",
}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_shipped_mappings_fit_their_schema(path: Path):
    check_mapping(SHIPPED[path], yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def _refusal(fmt: str, mapping: object) -> str:
    with pytest.raises(AdapterError) as refused:
        check_mapping(fmt, mapping, "m.yml")  # type: ignore[arg-type]
    return str(refused.value)


def _helpdesk() -> dict:
    path = PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "helpdesk-eventlog.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("fmt", "change", "expected"),
    [
        # a string where a map of activities belongs (once split into one type per letter)
        ("eventlog", {"activities": "Insert ticket"}, "m.yml: activities: Input should be"),
        ("eventlog", {"timezon": "Europe/Rome"}, "timezon: unknown key (allowed with"),
        ("eventlog", {"team": {"work_end": "25:99"}}, "team.work_end: '25:99' is not a time"),
        ("eventlog", {"team": {"work_start": 540}}, "team.work_start: write the time in quotes"),
        ("eventlog", {"team": {"work_days": "Mon-Fri"}}, "team.work_days: 'Mon-Fri' is not"),
        ("eventlog", {"source": "x' || (SELECT 1) || '"}, "source: \"x' || (SELECT 1)"),
        ("mapped", {"survey": {"rating": "r", "send": "all"}}, "survey.send: Input should be"),
        ("zendesk", {"groups": ["Service desk"]}, "groups: Input should be a valid dict"),
    ],
)
def test_each_mistake_is_named_by_its_key_path(fmt, change, expected):
    mapping = _helpdesk() if fmt == "eventlog" else {"columns": {"ticket_id": "a"}}
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(mapping.get(key), dict):
            mapping[key] = {**mapping[key], **value}
        else:
            mapping[key] = value
    assert expected in _refusal(fmt, mapping)


def test_a_required_column_left_out_is_named():
    mapping = _helpdesk()
    del mapping["columns"]["activity"]
    assert "m.yml: columns.activity: required, missing" in _refusal("eventlog", mapping)


def test_a_list_is_not_a_mapping():
    assert "m.yml: a mapping must be `key: value` pairs" in _refusal("jira", ["a"])


def test_ingest_refuses_a_bad_mapping_or_source_before_converting(tmp_path):
    export = PROJECT_ROOT / "tests" / "data" / "eventlog"
    log = next(export.glob("*.csv"))
    bad = tmp_path / "bad.yml"
    bad.write_text("columns: Case ID\n", encoding="utf-8")
    with pytest.raises(AdapterError, match="bad.yml: columns: Input should be"):
        ingest_files([log], tmp_path / "inbox", "eventlog", bad)
    good = PROJECT_ROOT / "tests" / "data" / "eventlog" / "support-lines.yml"
    with pytest.raises(AdapterError, match="source name \"x'; DROP"):
        ingest_files([log], tmp_path / "inbox", "eventlog", good, source="x'; DROP TABLE t")
    assert not list((tmp_path / "inbox").glob("*.csv"))
