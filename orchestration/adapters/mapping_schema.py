"""The shape of a mapping file, per format, checked before any adapter reads it.

A mapping is YAML a person wrote: a section given as a string instead of a list, a
misspelt key, or team hours of 25:99 must fail with the file and the key path
(`team.work_end`), not as an AttributeError deep in an adapter or as a string split into
one event type per character. Meanings (which event types exist, which canonical values)
stay with the adapters, which name the key they refuse; this module checks the shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestration.adapters.base import AdapterError
from orchestration.contract import SOURCE_NAME_PATTERN

#: HH:MM on a 24-hour clock; 24:00 ends a day
_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_WORK_DAYS = re.compile(r"^[1-7](\s*,\s*[1-7])*$")
#: a source name: it prefixes every id and names the canonical files (the contract's rule)
SOURCE_NAME = re.compile(SOURCE_NAME_PATTERN)

Text = str
Scalar = str | int | float | bool


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Team(_Section):
    timezone: Text | None = None
    work_start: Text | int | None = None
    work_end: Text | int | None = None
    work_days: Text | int | None = None
    calendar_id: Text | None = None

    @field_validator("work_start", "work_end")
    @classmethod
    def _clock(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, int):
            raise ValueError(
                "write the time in quotes, e.g. '09:00' (YAML reads 9:00 unquoted as a number)"
            )
        if value is not None and not _CLOCK.match(value.strip()):
            raise ValueError(f"{value!r} is not a time of day HH:MM (00:00 to 24:00)")
        return value

    @field_validator("work_days")
    @classmethod
    def _days(cls, value: str | int | None) -> str | int | None:
        if value is not None and not _WORK_DAYS.match(str(value).strip()):
            raise ValueError(f"{value!r} is not a list of ISO weekdays such as '1,2,3,4,5'")
        return value


class _Common(_Section):
    format: Text | None = None
    source: Text | None = None
    timezone: Text | None = None
    holidays: Text | None = None
    team: Team | None = None
    constants: dict[Text, Scalar] | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and not SOURCE_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a source name: letters, digits, '_', '.', '-' "
                f"(up to 64, starting with a letter or digit)"
            )
        return value


class EventLogColumns(_Section):
    case_id: Text
    activity: Text
    timestamp: Text
    resource: Text | None = None


class EventLogMapping(_Common):
    columns: EventLogColumns
    timestamp_format: Text
    activities: dict[Text, Text] = Field(min_length=1)
    ticket_attributes: dict[Text, Text] | None = None
    # the kinds and their keys are checked by eventlog.derived_events, which names them
    derived_events: dict[Text, dict[Text, Any]] | None = None


class Survey(_Section):
    rating: Text
    responded_at: Text | None = None
    send: Literal["resolved", "rated"] | None = None


class MappedMapping(_Common):
    sheet: Text | int | None = None
    columns: dict[Text, Text]
    date_format: Text | list[Text] | None = None
    ticket_events: dict[Text, Text] | None = None
    survey: Survey | None = None
    values: dict[Text, dict[Scalar, Scalar]] | None = None


class ServiceNowMapping(_Common):
    timestamp_format: Text | None = None
    states: dict[Text, Text | None] | None = None


class JiraMapping(_Common):
    date_format: Text | None = None
    team_column: Text | None = None
    statuses: dict[Text, Text] | None = None


class ZendeskMapping(_Common):
    channels: dict[Text, Text] | None = None
    groups: dict[Text | int, Text] | None = None
    custom_fields: dict[Text, int | Text] | None = None


SCHEMAS: dict[str, type[_Common]] = {
    "eventlog": EventLogMapping,
    "mapped": MappedMapping,
    "servicenow": ServiceNowMapping,
    "jira": JiraMapping,
    "zendesk": ZendeskMapping,
}


def _path(location: tuple[int | str, ...]) -> str:
    # pydantic adds the union member it tried ("str", "list[str]") to the location
    keys = [str(k) for k in location if not re.match(r"^(str|int|float|bool|list\[.*\])$", str(k))]
    return ".".join(keys) or "(the whole mapping)"


def check_mapping(fmt: str, mapping: Mapping[str, Any] | None, file: str | None) -> None:
    """Refuse a mapping whose shape does not fit `fmt`: AdapterError names the file, each
    key path and what was wrong. Keys starting with `_` are TSQ's own (declarations)."""
    schema = SCHEMAS.get(fmt)
    if schema is None or mapping is None:
        return
    where = file or "the mapping"
    if not isinstance(mapping, Mapping):
        raise AdapterError(f"{where}: a mapping must be `key: value` pairs, got {mapping!r}")
    written = {k: v for k, v in mapping.items() if not str(k).startswith("_")}
    try:
        schema.model_validate(written)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                allowed = ", ".join(sorted(schema.model_fields))
                message = f"unknown key (allowed with --format {fmt}: {allowed})"
            elif item["type"] == "missing":
                message = "required, missing"
            problems.append(f"{_path(item['loc'])}: {message}")
        unique = list(dict.fromkeys(problems))
        raise AdapterError(f"{where}: " + "; ".join(unique)) from None
