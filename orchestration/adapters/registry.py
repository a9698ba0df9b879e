"""Which adapter reads which file: by --format, or detected from the file."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from orchestration.adapters.base import Adapter, AdapterError, Conversion, staged_output
from orchestration.adapters.eventlog import EventLogAdapter
from orchestration.adapters.jira import JiraAdapter
from orchestration.adapters.mapped import MappedAdapter
from orchestration.adapters.mapping_schema import SOURCE_NAME, check_mapping
from orchestration.adapters.servicenow import ServiceNowAdapter
from orchestration.adapters.toolkit import DECLARED_BY, MAPPING_FILE
from orchestration.adapters.zendesk import ZendeskAdapter
from orchestration.contract import classify_file

ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        ServiceNowAdapter(),
        ZendeskAdapter(),
        JiraAdapter(),
        EventLogAdapter(),
        MappedAdapter(),
    )
}
FORMATS = ("canonical", *ADAPTERS)


def detect_format(path: Path) -> str:
    if classify_file(path.name):
        return "canonical"
    for name, adapter in ADAPTERS.items():
        if adapter.detect(path):
            return name
    raise AdapterError(
        f"{path}: format not recognised: the name is not a canonical export "
        f"(<entity>[-part].csv|parquet|jsonl, see docs/export-contract.md) and no adapter "
        f"({', '.join(ADAPTERS)}) recognised its columns; name one with --format"
    )


def read_mapping(mapping_file: Path | None) -> dict[str, Any] | None:
    if mapping_file is None:
        return None
    try:
        return yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise AdapterError(f"{mapping_file}: cannot read the mapping: {error}") from error


def with_declarations(
    mapping: dict[str, Any] | None,
    mapping_file: Path | None,
    timezone: str | None = None,
    holidays: str | None = None,
    team_timezone: str | None = None,
) -> dict[str, Any]:
    """The mapping with the command line's declarations merged in (a flag wins over the
    mapping), and a note of which came from a flag, for the recorded assumptions."""
    merged: dict[str, Any] = dict(mapping or {})
    merged["team"] = dict(merged.get("team") or {})
    declared_by: dict[str, Any] = {"team": {}}
    if timezone:
        merged["timezone"] = timezone
        declared_by["timezone"] = "--timezone"
    if holidays:
        merged["holidays"] = holidays
        declared_by["holidays"] = "--holidays"
    if team_timezone:
        merged["team"]["timezone"] = team_timezone
        declared_by["team"]["timezone"] = "--team-timezone"
    merged[DECLARED_BY] = declared_by
    if mapping_file is not None:
        merged[MAPPING_FILE] = str(mapping_file)
    return merged


def ingest_files(
    paths: Sequence[Path],
    inbox: Path,
    file_format: str | None = None,
    mapping_file: Path | None = None,
    source: str | None = None,
    timezone: str | None = None,
    holidays: str | None = None,
    team_timezone: str | None = None,
) -> list[Conversion]:
    """Translate `paths` into canonical files in the inbox. All or nothing per call.
    `timezone`, `holidays` and `team_timezone` are the declarations of `tsq ingest`."""
    for path in paths:
        if not path.is_file():
            raise AdapterError(f"{path}: no such file")
    mapping = with_declarations(
        read_mapping(mapping_file), mapping_file, timezone, holidays, team_timezone
    )
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(file_format or detect_format(path), []).append(path)
    conversions = []
    with staged_output(inbox) as scratch:
        for name, group in groups.items():
            if name == "canonical":
                for path in group:
                    if not classify_file(path.name):
                        raise AdapterError(f"{path}: not a canonical export file name")
                    shutil.copy2(path, scratch / path.name)
                conversions.append(Conversion(source="canonical", files=list(group)))
                continue
            if name not in ADAPTERS:
                raise AdapterError(f"unknown format {name!r}; known: {', '.join(FORMATS)}")
            check_mapping(name, mapping, str(mapping_file) if mapping_file else None)
            source_name = source or mapping.get("source") or name
            if not SOURCE_NAME.match(str(source_name)):
                raise AdapterError(
                    f"source name {source_name!r}: use letters, digits, '_', '.', '-' (up to "
                    f"64, starting with a letter or digit); it prefixes every id and names "
                    f"the canonical files"
                )
            conversions.append(ADAPTERS[name].convert(group, scratch, source_name, mapping))
    return conversions
