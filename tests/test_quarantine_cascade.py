"""A quarantined ticket takes the rows that need it (events, surveys, QA reviews, KB links)
into quarantine with 'its ticket was quarantined', and the run still publishes.

Loader-level tests use hand-made files; the pipeline tests run the whole graph through
Dagster on a small generated inbox with hand-made files planted beside it: conftest's
session fixtures `first_run` (CASCADE_FILES beside 1,500 generated tickets, shared with
test_pipeline) and `late_files_run` (a later events file, on a copy of it)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import ENTITY_BY_NAME
from orchestration.ingest.loader import load_entity
from orchestration.ingest.ticket_cascade import CASCADE_RULE, TICKET_DEPENDENT_ENTITIES
from orchestration.quality.reconciliation import reconciliation_rows
from orchestration.settings import TsqSettings
from tests.conftest import (
    EVENT_HEADER,
    REVIEW_HEADER,
    SURVEY_HEADER,
    TICKET_HEADER,
    query,
)

LINK_HEADER = "ticket_id,article_id,linked_at,link_type\n"
COMPLAINT_HEADER = "complaint_id,ticket_id,received_at,category\n"


def load(home: TsqSettings, *entity_names: str) -> dict[str, object]:
    """Load the named entities in the order given (tickets first, as the asset graph does)."""
    con = duckdb.connect(str(home.warehouse_path))
    try:
        return {
            name: load_entity(con, ENTITY_BY_NAME[name], home.inbox, home.root)
            for name in entity_names
        }
    finally:
        con.close()


def reconciliation(
    home_or_path: TsqSettings | Path, entity: str
) -> list[tuple[str, int, int, int]]:
    """(file, read, accepted, quarantined) per load of the entity, from the real tables."""
    path = home_or_path.warehouse_path if isinstance(home_or_path, TsqSettings) else home_or_path
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = reconciliation_rows(con, ENTITY_BY_NAME[entity])
    finally:
        con.close()
    return sorted(
        (file, read, accepted, quarantined) for _, file, read, accepted, quarantined in rows
    )


def write(home: TsqSettings, name: str, text: str) -> None:
    (home.inbox / name).write_text(text, encoding="utf-8")


def plant_tickets(home: TsqSettings) -> None:
    # K1 is fine; K2 has no team (a required field) and K3 a priority the contract does
    # not allow: both are quarantined, each with its own reason.
    write(
        home,
        "tickets.csv",
        TICKET_HEADER
        + "K1,2026-10-09T06:50:17Z,email,P2,2,network,T1,open\n"
        + "K2,2026-10-09T06:50:17Z,email,P2,2,network,,open\n"
        + "K3,2026-10-09T06:50:17Z,email,P9,2,network,T1,open\n",
    )


def test_rows_of_a_quarantined_ticket_follow_it_into_quarantine(tsq_home):
    plant_tickets(tsq_home)
    write(
        tsq_home,
        "ticket_events.csv",
        EVENT_HEADER
        + "E1,K1,2026-10-09T07:00:00Z,public_reply,agent\n"  # K1: accepted
        + "E2,K2,2026-10-09T07:00:00Z,public_reply,agent\n"  # K2: cascaded
        + "E3,K2,2026-10-09T07:05:00Z,bogus,agent\n"  # K2, and its own rule broken
        + "E4,K9,2026-10-09T07:00:00Z,public_reply,agent\n"  # unknown ticket: accepted
        + "E5,K3,2026-10-09T07:00:00Z,public_reply,agent\n",  # K3: cascaded
    )
    write(
        tsq_home,
        "surveys.csv",
        SURVEY_HEADER + "S1,K2,2026-10-10T00:00:00Z,,\nS2,K1,2026-10-10T00:00:00Z,,\n",
    )
    write(
        tsq_home,
        "qa_reviews.csv",
        REVIEW_HEADER + "Q1,K2,A1,2026-10-11T00:00:00Z,80,80,80,80,80\n",
    )
    write(tsq_home, "kb_links.csv", LINK_HEADER + "K2,KB1,2026-10-09T07:00:00Z,used\n")
    # a complaint names its ticket optionally, and still happened: it is not cascaded
    write(tsq_home, "complaints.csv", COMPLAINT_HEADER + "C1,K2,2026-10-12T00:00:00Z,delay\n")
    load(tsq_home, "tickets", *TICKET_DEPENDENT_ENTITIES, "complaints")

    quarantined = query(
        tsq_home.warehouse_path,
        "SELECT entity, source_file, source_row, rule, rules_broken FROM raw.quarantine "
        "ORDER BY entity, source_row",
    )
    ticket_reason = "required:team_id (tickets.csv row 2)"
    cascade = f"{CASCADE_RULE}: {ticket_reason}"
    assert quarantined == [
        ("kb_links", "kb_links.csv", 1, CASCADE_RULE, cascade),
        ("qa_reviews", "qa_reviews.csv", 1, CASCADE_RULE, cascade),
        ("surveys", "surveys.csv", 1, CASCADE_RULE, cascade),
        ("ticket_events", "ticket_events.csv", 2, CASCADE_RULE, cascade),
        # its own rule first; the cascade is listed after it
        (
            "ticket_events",
            "ticket_events.csv",
            3,
            "allowed:event_type",
            f"allowed:event_type; {cascade}",
        ),
        (
            "ticket_events",
            "ticket_events.csv",
            5,
            CASCADE_RULE,
            f"{CASCADE_RULE}: allowed:priority (tickets.csv row 3)",
        ),
        ("tickets", "tickets.csv", 2, "required:team_id", "required:team_id"),
        ("tickets", "tickets.csv", 3, "allowed:priority", "allowed:priority"),
    ]
    assert query(tsq_home.warehouse_path, "SELECT event_id FROM raw.ticket_events ORDER BY 1") == [
        ("E1",),
        ("E4",),
    ]
    assert query(tsq_home.warehouse_path, "SELECT survey_id FROM raw.surveys") == [("S2",)]
    assert query(tsq_home.warehouse_path, "SELECT complaint_id FROM raw.complaints") == [("C1",)]
    # per load: read = accepted + quarantined, and the ledger says the same
    # by hand: E1..E5 read; E1, E4 accepted; E2, E3, E5 quarantined
    assert reconciliation(tsq_home, "ticket_events") == [("ticket_events.csv", 5, 2, 3)]
    assert reconciliation(tsq_home, "surveys") == [("surveys.csv", 2, 1, 1)]
    assert reconciliation(tsq_home, "qa_reviews") == [("qa_reviews.csv", 1, 0, 1)]
    assert query(
        tsq_home.warehouse_path,
        "SELECT rows_read, rows_loaded, rows_quarantined FROM raw.loads "
        "WHERE entity = 'ticket_events'",
    ) == [(5, 2, 3)]


K2_REASON = f"{CASCADE_RULE}: required:team_id (tickets.csv row 2)"
K3_REASON = f"{CASCADE_RULE}: allowed:priority (tickets.csv row 3)"


def test_rows_loaded_before_their_ticket_follow_it_and_come_back_when_it_is_fixed(tsq_home):
    # the events arrive first: K2 and K3 are unknown then, so they are accepted
    write(
        tsq_home,
        "ticket_events.csv",
        EVENT_HEADER
        + "E1,K1,2026-10-09T07:00:00Z,public_reply,agent\n"
        + "E2,K2,2026-10-09T07:00:00Z,public_reply,agent\n"
        + "E3,K2,2026-10-09T07:05:00Z,public_reply,agent\n"
        + "E4,K3,2026-10-09T07:05:00Z,public_reply,agent\n",
    )
    load(tsq_home, "tickets", "ticket_events")
    assert reconciliation(tsq_home, "ticket_events") == [("ticket_events.csv", 4, 4, 0)]

    # then K2 and K3 arrive broken: E2, E3 and E4 leave raw for quarantine, keeping
    # file, row and load, each with its own ticket's reason
    plant_tickets(tsq_home)
    summaries = load(tsq_home, "tickets", "ticket_events")
    assert summaries["ticket_events"].rows_moved_to_quarantine == 3
    assert query(
        tsq_home.warehouse_path,
        "SELECT source_file, source_row, rule, rules_broken, load_id = (SELECT load_id "
        "FROM raw.loads WHERE entity = 'ticket_events') FROM raw.quarantine "
        "WHERE entity = 'ticket_events' ORDER BY source_row",
    ) == [
        ("ticket_events.csv", 2, CASCADE_RULE, K2_REASON, True),
        ("ticket_events.csv", 3, CASCADE_RULE, K2_REASON, True),
        ("ticket_events.csv", 4, CASCADE_RULE, K3_REASON, True),
    ]
    assert query(tsq_home.warehouse_path, "SELECT event_id FROM raw.ticket_events") == [("E1",)]
    # the same load, still reconciling: 4 read = 1 accepted + 3 quarantined (ledger too)
    assert reconciliation(tsq_home, "ticket_events") == [("ticket_events.csv", 4, 1, 3)]
    assert query(
        tsq_home.warehouse_path,
        "SELECT rows_read, rows_loaded, rows_quarantined FROM raw.loads "
        "WHERE entity = 'ticket_events'",
    ) == [(4, 1, 3)]

    # a later file fixes K2: its events come back to raw as they were loaded; K3's stays
    write(
        tsq_home,
        "tickets-fix.csv",
        TICKET_HEADER + "K2,2026-10-09T06:50:17Z,email,P2,2,network,T1,open\n",
    )
    summaries = load(tsq_home, "tickets", "ticket_events")
    assert summaries["ticket_events"].rows_released_from_quarantine == 2
    assert query(
        tsq_home.warehouse_path,
        "SELECT event_id, ticket_id, event_type, _source_file, _source_row, "
        "_loaded_at = (SELECT loaded_at FROM raw.loads WHERE entity = 'ticket_events') "
        "FROM raw.ticket_events ORDER BY event_id",
    ) == [
        ("E1", "K1", "public_reply", "ticket_events.csv", 1, True),
        ("E2", "K2", "public_reply", "ticket_events.csv", 2, True),
        ("E3", "K2", "public_reply", "ticket_events.csv", 3, True),
    ]
    assert query(
        tsq_home.warehouse_path,
        "SELECT source_row, rules_broken FROM raw.quarantine WHERE entity = 'ticket_events'",
    ) == [(4, K3_REASON)]
    assert reconciliation(tsq_home, "ticket_events") == [("ticket_events.csv", 4, 3, 1)]
    assert query(
        tsq_home.warehouse_path,
        "SELECT rows_read, rows_loaded, rows_quarantined FROM raw.loads "
        "WHERE entity = 'ticket_events'",
    ) == [(4, 3, 1)]
    # the ticket's own quarantined row stays: that load did read a broken row
    assert reconciliation(tsq_home, "tickets") == [
        ("tickets-fix.csv", 1, 1, 0),
        ("tickets.csv", 3, 1, 2),
    ]


def test_a_ticket_accepted_once_keeps_its_events_when_a_later_copy_is_broken(tsq_home):
    plant_tickets(tsq_home)
    # K1 again, now without a team: this copy is quarantined, but K1 was accepted before
    write(
        tsq_home,
        "tickets-later.csv",
        TICKET_HEADER + "K1,2026-10-09T06:50:17Z,email,P2,2,network,,open\n",
    )
    write(
        tsq_home,
        "ticket_events.csv",
        EVENT_HEADER + "E1,K1,2026-10-09T07:00:00Z,public_reply,agent\n",
    )
    load(tsq_home, "tickets", "ticket_events")
    assert query(tsq_home.warehouse_path, "SELECT event_id FROM raw.ticket_events") == [("E1",)]
    assert reconciliation(tsq_home, "ticket_events") == [("ticket_events.csv", 1, 1, 0)]


def test_dependent_raw_assets_load_after_tickets():
    from orchestration.ingest.assets import ingest_assets

    upstream = {
        asset.key.path[1]: {key.path[-1] for key in asset.dependency_keys}
        for asset in ingest_assets
    }
    for name in TICKET_DEPENDENT_ENTITIES:
        assert "tickets" in upstream[name], name
    assert "tickets" not in upstream["complaints"] and "tickets" not in upstream["tickets"]


# -- the whole graph ---------------------------------------------------------------------

# CASCADE_FILES (tests/conftest.py) are planted beside the generated inbox.
# By hand: tickets-cascade.csv row 2 (required:category); events rows 2, 4, 5; the survey
# row 1; the review row 1: 6 rows in quarantine, 5 of them 'its ticket was quarantined'.
EXPECTED_QUARANTINE = [
    ("qa_reviews", "qa_reviews-cascade.csv", 1, CASCADE_RULE),
    ("surveys", "surveys-cascade.csv", 1, CASCADE_RULE),
    ("ticket_events", "ticket_events-cascade.csv", 2, CASCADE_RULE),
    ("ticket_events", "ticket_events-cascade.csv", 4, CASCADE_RULE),
    ("ticket_events", "ticket_events-cascade.csv", 5, CASCADE_RULE),
    ("tickets", "tickets-cascade.csv", 2, "required:category"),
]


def test_a_quarantined_ticket_takes_its_rows_along_and_the_run_publishes(first_run):
    settings, outcome = first_run
    assert outcome.success and outcome.published, outcome.report_lines()
    assert not outcome.failed_checks
    assert (
        query(
            settings.warehouse_path,
            "SELECT entity, source_file, source_row, rule FROM raw.quarantine "
            "ORDER BY entity, source_row",
        )
        == EXPECTED_QUARANTINE
    )
    reasons = query(
        settings.warehouse_path,
        "SELECT DISTINCT rules_broken FROM raw.quarantine WHERE rule = ?",
        [CASCADE_RULE],
    )
    assert reasons == [(f"{CASCADE_RULE}: required:category (tickets-cascade.csv row 2)",)]
    assert reconciliation(settings, "ticket_events")[0] == ("ticket_events-cascade.csv", 5, 2, 3)
    for entity in ("tickets", *TICKET_DEPENDENT_ENTITIES):
        for file, read, accepted, quarantined in reconciliation(settings, entity):
            assert read == accepted + quarantined, (entity, file)


def test_every_other_event_reaches_staging(first_run):
    settings, _ = first_run
    # every accepted event, generated or planted, is in staging: nothing else was lost.
    # The generated events are counted in the generator's own file (its data rows), the
    # planted ones by hand: CE1 and CE3 of CASC-OK.
    with (settings.inbox / "ticket_events.csv").open(encoding="utf-8", newline="") as handle:
        generated = sum(1 for _ in csv.DictReader(handle))
    assert generated > 0
    assert query(
        settings.warehouse_path,
        "SELECT (SELECT count(DISTINCT event_id) FROM raw.ticket_events), "
        "(SELECT count(*) FROM staging.stg_helpdesk__ticket_events), "
        "(SELECT count(*) FROM staging.stg_helpdesk__ticket_events WHERE ticket_id = 'CASC-BAD')",
    ) == [(generated + 2, generated + 2, 0)]
    assert query(
        settings.warehouse_path,
        "SELECT event_id FROM staging.stg_helpdesk__ticket_events "
        "WHERE ticket_id = 'CASC-OK' ORDER BY 1",
    ) == [("CE1",), ("CE3",)]


def test_tsq_quarantine_shows_the_ticket_and_its_rows(first_run):
    from click.testing import CliRunner

    from orchestration import cli

    settings, _ = first_run
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(settings.root))
        # wide enough that rich does not fold the reasons over several lines
        env.setattr(cli.console, "width", 240)
        result = CliRunner().invoke(cli.main, ["quarantine", "--rows"])
    assert result.exit_code == 0, result.output
    for text in (
        CASCADE_RULE,
        "required:category",
        "ticket_events-cascade.csv",
        "surveys-cascade.csv",
        "qa_reviews-cascade.csv",
        "2, 4, 5",  # the event rows, grouped under one rule and file
        f"{CASCADE_RULE}: required:category (tickets-cascade.csv row 2)",
    ):
        assert text in result.output, (text, result.output)


def test_a_later_event_of_the_quarantined_ticket_is_quarantined_too(late_files_run):
    """conftest's late_files_run: a copy of first_run's home given ticket_events-later.csv
    (CE6 of CASC-BAD, CE7 of CASC-OK) and, for test_pipeline, tickets-late.csv (LATE-1
    valid, LATE-2 with priority P9), then run again."""
    rerun_settings, outcome = late_files_run
    assert outcome.success and outcome.published, outcome.report_lines()
    assert query(
        rerun_settings.warehouse_path,
        "SELECT source_row, rule FROM raw.quarantine WHERE source_file = 'ticket_events-later.csv'",
    ) == [(1, CASCADE_RULE)]
    # by hand: the 6 rows of the first run, CE6 (row 1 of the later events), and
    # tickets-late.csv's LATE-2 (its own rule, allowed:priority): 8
    assert query(rerun_settings.warehouse_path, "SELECT count(*) FROM raw.quarantine") == [
        (len(EXPECTED_QUARANTINE) + 2,)
    ]
    assert ("ticket_events-later.csv", 2, 1, 1) in reconciliation(rerun_settings, "ticket_events")
    assert query(
        rerun_settings.warehouse_path,
        "SELECT event_id FROM staging.stg_helpdesk__ticket_events "
        "WHERE ticket_id LIKE 'CASC-%' ORDER BY 1",
    ) == [("CE1",), ("CE3",), ("CE7",)]
