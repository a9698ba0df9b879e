"""The canonical export contract, version 1.

This module is the single definition of what TSQ accepts in its inbox: every entity,
its columns, their types and whether they are required. The ingestion assets, the
sample generator, the raw-layer expectation suites and `docs/export-contract.md`
(rendered from here by `tsq docs`) all read it, so the contract cannot drift
between code and documentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

CONTRACT_VERSION = 1


class ColumnType(StrEnum):
    STRING = "string"
    TIMESTAMP = "timestamp"  # ISO 8601; an offset or Z is honoured, a naive value is UTC
    DATE = "date"  # YYYY-MM-DD
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"  # true/false, 1/0, yes/no


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool
    description: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


S, TS, D, INT, N, B = (
    ColumnType.STRING,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.INTEGER,
    ColumnType.NUMBER,
    ColumnType.BOOLEAN,
)

EVENT_TYPES = (
    "status_change",
    "assignment",
    "transfer",
    "escalation",
    "public_reply",
    "customer_reply",
    "internal_note",
    "auto_reply",
    "proactive_update",
    "workaround",
    "resolution",
    "reopen",
    "confirmation",
    "callback",
    "closure",
)
PRIORITIES = ("P1", "P2", "P3", "P4")
CHANNELS = ("email", "phone", "chat", "web", "walk_in")
STATUSES = ("new", "open", "pending", "solved", "closed")

ENTITIES: tuple[Entity, ...] = (
    Entity(
        "tickets",
        "One row per support ticket (case, incident). Lifecycle detail lives in ticket_events.",
        ("ticket_id",),
        (
            Column("ticket_id", S, True, "Unique ticket id within the source."),
            Column("created_at", TS, True, "When the customer raised the ticket."),
            Column("channel", S, True, "Intake channel.", CHANNELS),
            Column(
                "priority", S, True, "Business priority; drives first-response SLA.", PRIORITIES
            ),
            Column(
                "complexity_tier",
                INT,
                True,
                "1 simple, 2 standard, 3 complex; drives the resolution target.",
                ("1", "2", "3"),
            ),
            Column("category", S, True, "Problem category; matched against agent skills."),
            Column("product", S, False, "Product or service the ticket is about."),
            Column("team_id", S, True, "Team that owns the ticket now (or at closure)."),
            Column("agent_id", S, False, "Agent assigned now (or at closure)."),
            Column("requester_id", S, False, "Customer who raised the ticket."),
            Column("language", S, False, "Language of the conversation (zh, en, ...)."),
            Column("subject", S, False, "Subject line, any language."),
            Column("status", S, True, "Current status.", STATUSES),
            Column("symptom", S, False, "Documented symptom (record completeness)."),
            Column("root_cause", S, False, "Documented root cause (record completeness)."),
            Column("resolution_summary", S, False, "Documented resolution (record completeness)."),
            Column("closure_code", S, False, "Closure code chosen at closure."),
            Column("closed_at", TS, False, "When the ticket was closed, if it is."),
            Column(
                "source_first_response_sla_met",
                B,
                False,
                "The source system's own first-response SLA verdict (true met, false "
                "breached, empty unknown or ongoing), kept for reconciliation; TSQ's SLA "
                "indicators use TSQ's targets.",
            ),
            Column(
                "source_resolution_sla_met",
                B,
                False,
                "The source system's own resolution SLA verdict (true met, false breached, "
                "empty unknown or ongoing), kept for reconciliation; TSQ's SLA indicators "
                "use TSQ's targets.",
            ),
            Column(
                "reassignment_count",
                INT,
                False,
                "The source system's own count of reassignments (changes of the owning "
                "team or group, e.g. ServiceNow reassignment_count). When given it is the "
                "ticket's transfer count; empty: TSQ counts the transfer events.",
            ),
            Column(
                "reopen_count",
                INT,
                False,
                "The source system's own count of reopens (e.g. ServiceNow reopen_count, "
                "Zendesk metric reopens). When given it is the ticket's reopen count; "
                "empty: TSQ counts the reopen events.",
            ),
        ),
    ),
    Entity(
        "ticket_events",
        "One row per lifecycle event of a ticket: status changes, assignment, transfer, "
        "escalation with tier, public and internal replies, proactive updates, workaround "
        "given, resolution, reopen, confirmation with the user, callback, closure.",
        ("event_id",),
        (
            Column("event_id", S, True, "Unique event id within the source."),
            Column("ticket_id", S, True, "Ticket the event belongs to."),
            Column("event_at", TS, True, "When the event happened."),
            Column("event_type", S, True, "What happened.", EVENT_TYPES),
            Column("actor_type", S, True, "Who acted.", ("agent", "customer", "system")),
            Column("agent_id", S, False, "Acting agent; for assignment/transfer the new assignee."),
            Column("team_id", S, False, "For assignment/transfer/escalation: the receiving team."),
            Column("tier", INT, False, "For escalation: the support tier escalated to (1-3)."),
            Column("from_status", S, False, "For status_change: previous status.", STATUSES),
            Column("to_status", S, False, "For status_change: new status.", STATUSES),
            Column(
                "tool",
                S,
                False,
                "Supporting tool used in this action.",
                ("kb_lookup", "remote_assist", "template"),
            ),
            Column("body", S, False, "Message text, any language."),
        ),
    ),
    Entity(
        "surveys",
        "Satisfaction surveys: one row per survey sent; rating empty when unanswered.",
        ("survey_id",),
        (
            Column("survey_id", S, True, "Unique survey id."),
            Column("ticket_id", S, True, "Ticket surveyed."),
            Column("sent_at", TS, True, "When the survey was sent."),
            Column("responded_at", TS, False, "When the customer answered; empty if not."),
            Column("rating", INT, False, "Five-star score 1-5.", ("1", "2", "3", "4", "5")),
            Column("comment", S, False, "Free-text comment."),
        ),
    ),
    Entity(
        "qa_reviews",
        "Quality-assurance reviews of sampled tickets, scored on a 0-100 rubric.",
        ("review_id",),
        (
            Column("review_id", S, True, "Unique review id."),
            Column("ticket_id", S, True, "Ticket reviewed."),
            Column("agent_id", S, True, "Agent whose handling was reviewed."),
            Column("reviewer_id", S, False, "Reviewer."),
            Column("reviewed_at", TS, True, "When the review was done."),
            Column("expertise_score", N, True, "Expertise, diagnosis, solution validity (0-100)."),
            Column("language_score", N, True, "Clear, accurate language; grasps intent (0-100)."),
            Column("clarity_score", N, True, "Logical, well-structured explanation (0-100)."),
            Column("attitude_score", N, True, "Friendliness, empathy, patience (0-100)."),
            Column("documentation_score", N, True, "Completeness of the ticket record (0-100)."),
            Column("comment", S, False, "Reviewer's note."),
        ),
    ),
    Entity(
        "complaints",
        "Complaints and suggestions, classified.",
        ("complaint_id",),
        (
            Column("complaint_id", S, True, "Unique complaint id."),
            Column("ticket_id", S, False, "Ticket complained about, if any."),
            Column("received_at", TS, True, "When the complaint arrived."),
            Column(
                "category",
                S,
                True,
                "Classification.",
                ("attitude", "delay", "quality", "workaround_failed", "suggestion", "other"),
            ),
            Column("resolved_at", TS, False, "When the complaint was resolved."),
            Column("description", S, False, "Complaint text, any language."),
        ),
    ),
    Entity(
        "kb_articles",
        "Knowledge-base articles.",
        ("article_id",),
        (
            Column("article_id", S, True, "Unique article id."),
            Column("title", S, True, "Title, any language."),
            Column("author_agent_id", S, True, "Agent who wrote it."),
            Column("product", S, False, "Product the article covers."),
            Column("created_at", TS, True, "When it was created."),
            Column("updated_at", TS, False, "Last content update."),
            Column("last_reviewed_at", TS, False, "Last review (content confirmed current)."),
            Column("covers_release_at", TS, False, "Release date of the product version covered."),
            Column("status", S, True, "Lifecycle.", ("draft", "active", "retired")),
            Column("helpful_votes", INT, False, "Readers who found it helpful."),
            Column("unhelpful_votes", INT, False, "Readers who did not."),
        ),
    ),
    Entity(
        "kb_links",
        "Links between tickets and knowledge-base articles (KCS).",
        ("ticket_id", "article_id", "link_type"),
        (
            Column("ticket_id", S, True, "Ticket."),
            Column("article_id", S, True, "Article."),
            Column("agent_id", S, False, "Agent who made the link."),
            Column("linked_at", TS, True, "When the link was made."),
            Column(
                "link_type", S, True, "How the article was used.", ("used", "created", "updated")
            ),
        ),
    ),
    Entity(
        "agents",
        "Support agents.",
        ("agent_id",),
        (
            Column("agent_id", S, True, "Unique agent id."),
            Column("name", S, False, "Display name."),
            Column("team_id", S, True, "Team the agent belongs to."),
            Column("tier", INT, True, "Support tier 1-3.", ("1", "2", "3")),
            Column("skills", S, False, "Categories the agent is skilled in, separated by ';'."),
            Column("active", B, True, "Whether the agent is active."),
            Column("hired_at", D, False, "Start date."),
        ),
    ),
    Entity(
        "teams",
        "Support teams with their time zone and weekly working hours.",
        ("team_id",),
        (
            Column("team_id", S, True, "Unique team id."),
            Column("name", S, False, "Display name."),
            Column("timezone", S, True, "IANA time zone, e.g. Asia/Shanghai."),
            Column("work_start", S, True, "Start of the working day, HH:MM local."),
            Column("work_end", S, True, "End of the working day, HH:MM local."),
            Column("work_days", S, True, "ISO weekdays worked, e.g. 1,2,3,4,5 (Mon-Fri)."),
            Column("calendar_id", S, True, "Holiday calendar the team follows, e.g. CN."),
        ),
    ),
    Entity(
        "mystery_shops",
        "Mystery-shopper tests: a planted ticket or call, scored by the tester.",
        ("test_id",),
        (
            Column("test_id", S, True, "Unique test id."),
            Column("team_id", S, True, "Team tested."),
            Column("agent_id", S, False, "Agent who handled it."),
            Column("channel", S, True, "Channel used.", CHANNELS),
            Column("tested_at", TS, True, "When the test ran."),
            Column("response_minutes", N, False, "Minutes until the tester got a response."),
            Column("technical_accuracy", N, True, "Technical accuracy (0-100)."),
            Column("communication", N, True, "Communication quality (0-100)."),
            Column("overall", N, True, "Overall score (0-100)."),
        ),
    ),
    Entity(
        "process_audits",
        "Process compliance audits: items checked and found compliant per process step.",
        ("audit_id",),
        (
            Column("audit_id", S, True, "Unique audit id."),
            Column("team_id", S, True, "Team audited."),
            Column("ticket_id", S, False, "Ticket audited, if the audit was per ticket."),
            Column("audited_at", TS, True, "When the audit was done."),
            Column(
                "process_step",
                S,
                True,
                "Process step audited.",
                ("intake", "escalation", "transfer", "closure"),
            ),
            Column("items_checked", INT, True, "Checklist items checked."),
            Column("items_compliant", INT, True, "Checklist items found compliant."),
        ),
    ),
    Entity(
        "improvement_actions",
        "Process reviews and improvement actions, with their due and closing dates.",
        ("action_id",),
        (
            Column("action_id", S, True, "Unique action id."),
            Column("team_id", S, False, "Team that owns the action."),
            Column("kind", S, True, "Kind of action.", ("process_review", "improvement")),
            Column("title", S, False, "What is to be done."),
            Column("target_indicator_id", S, False, "Indicator the action means to improve."),
            Column("opened_at", TS, True, "When the action was opened."),
            Column("due_at", TS, True, "When it is due."),
            Column("closed_at", TS, False, "When it was closed, if it is."),
        ),
    ),
    Entity(
        "holiday_calendars",
        "Holiday calendars: public holidays and adjusted working days (调休) per calendar. "
        "Rows here override the shipped calendar seed for the same calendar and date.",
        ("calendar_id", "calendar_date"),
        (
            Column("calendar_id", S, True, "Calendar id, e.g. CN."),
            Column("calendar_date", D, True, "The day."),
            Column(
                "day_type",
                S,
                True,
                "holiday: no work on a normal working day; workday: work on a normal day off.",
                ("holiday", "workday"),
            ),
            Column("holiday_name", S, False, "Name of the holiday."),
        ),
    ),
    Entity(
        "source_assumptions",
        "What an adapter assumed when it translated a vendor export: the time zone its "
        "timestamps were read in, the holiday calendar and working hours of the teams it "
        "generated, the mapping file used, and where each came from. Written by `tsq ingest` "
        "beside the other files, so every load records its own assumptions.",
        ("source", "assumption"),
        (
            Column("source", S, True, "Source name the ids are namespaced by, e.g. sn."),
            Column("assumption", S, True, "What was assumed, e.g. export time zone."),
            Column("value", S, True, "The value used, e.g. Europe/Rome."),
            Column(
                "origin",
                S,
                True,
                "Who said so: a flag (--timezone), the mapping file, the data, or default.",
            ),
        ),
    ),
)

ENTITY_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}
FILE_FORMATS = ("csv", "parquet", "jsonl")

# A file belongs to an entity when its name is the entity name, optionally followed by
# a separator and anything (tickets.csv, tickets_2026-10.csv, ticket_events-part-0001.jsonl).
_FILE_NAME = re.compile(
    r"^(?P<entity>" + "|".join(sorted(ENTITY_BY_NAME, key=len, reverse=True)) + r")"
    r"(?:[-_.][^/]*)?\.(?P<format>csv|parquet|jsonl)$"
)


def classify_file(file_name: str) -> tuple[Entity, str] | None:
    """Return (entity, format) for an inbox file name, or None if it is not a contract file."""
    match = _FILE_NAME.match(file_name.lower())
    if not match:
        return None
    return ENTITY_BY_NAME[match["entity"]], match["format"]


def render_markdown() -> str:
    """Render the contract as the Markdown of docs/export-contract.md."""
    lines = [
        f"# Canonical export contract, version {CONTRACT_VERSION}",
        "",
        "<!-- Generated from orchestration/contract.py by `tsq docs`; do not edit. -->",
        "",
        "Every adapter maps its source into these entities; a file written by hand or by",
        "another tool in this shape can be dropped into the inbox (`tsq where` prints it).",
        "",
        "## Files",
        "",
        "- One file holds one entity. Its name starts with the entity name, optionally",
        "  followed by `-`, `_` or `.` and anything: `tickets.csv`, `tickets_2026-10.parquet`,",
        "  `ticket_events-part-0001.jsonl`.",
        "- Formats: CSV with a header row (UTF-8, UTF-8 with BOM, or GBK/GB18030, detected),",
        "  Parquet, and JSON Lines (one object per line).",
        "- Column names are case-sensitive and must include every required column; extra",
        "  columns are ignored. Empty strings are read as missing values.",
        "- Timestamps are ISO 8601 (`2026-10-09T14:50:17+08:00`, `2026-10-09 06:50:17Z`). A value",
        "  with an offset is converted to UTC; a value without one is taken as UTC.",
        "- Loading the same file (same bytes) twice adds nothing. A changed file is a new load;",
        "  for the same key the row of the latest load wins.",
        "",
        "## Entities",
        "",
    ]
    for entity in ENTITIES:
        lines += [
            f"### `{entity.name}`",
            "",
            entity.description,
            "",
            f"Key: `{', '.join(entity.key)}`.",
            "",
            "| column | type | required | allowed values | description |",
            "|---|---|---|---|---|",
        ]
        for col in entity.columns:
            allowed = ", ".join(f"`{a}`" for a in col.allowed)
            required = "yes" if col.required else ""
            lines.append(
                f"| `{col.name}` | {col.type} | {required} | {allowed} | {col.description} |"
            )
        lines.append("")
    return "\n".join(lines)
