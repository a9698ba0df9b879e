"""Render docs/vendor-specs.md from every adapter's VendorSpec: the value maps and the
readings of vendor fields, as the adapters apply them. Generated; never edited by hand."""

from __future__ import annotations

from collections.abc import Mapping

from orchestration.adapters import eventlog, jira, mapped, servicenow, zendesk
from orchestration.adapters.toolkit import RESOLVED_STATUSES, VendorSpec

#: every adapter's spec, in the order of docs/sources.md
SPECS: tuple[VendorSpec, ...] = tuple(
    module.SPEC for module in (servicenow, zendesk, jira, eventlog, mapped)
)


def _value_map(title: str, pairs: Mapping[str, str | None], default: str | None) -> list[str]:
    if not pairs:
        return []
    lines = [f"**{title}**", "", "| vendor value | canonical |", "|---|---|"]
    lines += [f"| `{raw}` | {canonical or '(ignored)'} |" for raw, canonical in pairs.items()]
    if default:
        lines.append(f"| any other | {default} |")
    return [*lines, ""]


def _section(spec: VendorSpec) -> list[str]:
    lines = [f"## {spec.title} (`--format {spec.name}`)", ""]
    lines += [f"Fills: {', '.join(f'`{e}`' for e in spec.entities)}.", ""]
    if spec.timestamp_formats:
        formats = ", ".join(f"`{f}`" for f in spec.timestamp_formats)
        lines += [f"Timestamp formats, tried in order: {formats}.", ""]
    lines += _value_map("Statuses", spec.statuses, None)
    lines += _value_map("Channels", spec.channels, spec.default_channel if spec.channels else None)
    lines += _value_map(
        "Priorities", spec.priorities, spec.default_priority if spec.priorities else None
    )
    if spec.readings:
        lines += ["**Readings** (recorded as each load's assumptions, origin `adapter spec`)", ""]
        lines += [f"- *{what}*: {how}" for what, how in spec.readings]
        lines.append("")
    return lines


def render_markdown() -> str:
    resolved = " or ".join(RESOLVED_STATUSES)
    lines = [
        "# Vendor specs",
        "",
        "<!-- Generated from the VendorSpec of each adapter (orchestration/adapters/*.py) "
        "by `tsq docs`; do not edit. -->",
        "",
        "What each adapter knows about its vendor, as data: the maps from the vendor's",
        "values to canonical ones and how it reads the vendor's fields. A mapping file may",
        "extend a map where the adapter allows it (docs/sources.md). Every load records the",
        "readings below among its assumptions (`source_assumptions`, shown by `tsq run`).",
        "",
        "Where a source has a status history (ServiceNow's audit log, Zendesk's audits,",
        "Jira's changelog), one rule turns it into events for every vendor",
        "(`toolkit.status_events_sql`): each change between two canonical statuses is a",
        f"`status_change`; entering {resolved} from an unresolved status is a `resolution`",
        "(unless the ticket was closed without ever being resolved); entering closed is a",
        f"`closure`; leaving {resolved} for an unresolved status is a `reopen`.",
        "",
    ]
    for spec in SPECS:
        lines += _section(spec)
    return "\n".join(lines).rstrip() + "\n"
