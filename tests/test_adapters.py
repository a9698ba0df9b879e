"""Source adapters: the real help-desk event log reproduces its published figures, and
wrong or unknown inputs fail clearly, leaving nothing half-written in the inbox."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import detect_format, ingest_files
from orchestration.runner import run_pipeline
from orchestration.settings import PROJECT_ROOT, TsqSettings
from tests.conftest import query

HELPDESK_LOG_GZ = PROJECT_ROOT / "tests" / "data" / "helpdesk.csv.gz"
HELPDESK_MAPPING = (
    PROJECT_ROOT / "orchestration" / "adapters" / "mappings" / "helpdesk-eventlog.yml"
)


def test_the_real_helpdesk_log_reproduces_its_published_figures(tsq_home: TsqSettings, tmp_path):
    helpdesk_log = tmp_path / "helpdesk.csv"
    with gzip.open(HELPDESK_LOG_GZ, "rb") as packed, helpdesk_log.open("wb") as plain:
        shutil.copyfileobj(packed, plain)
    assert detect_format(helpdesk_log) == "eventlog"
    (conversion,) = ingest_files([helpdesk_log], tsq_home.inbox, "eventlog", HELPDESK_MAPPING)
    # the log's 21,348 events, and beside them the events the mapping derives
    # (derived_events): 4 transfers, 161 reopens, 1,350 waits begun and 569 ended
    assert conversion.rows["tickets"] == 4580
    assert conversion.rows["ticket_events"] == 21348 + 4 + 161 + 1350 + 569
    outcome = run_pipeline(tsq_home)
    assert outcome.published, outcome.report_lines()
    cases, events = query(
        tsq_home.warehouse_path,
        "SELECT count(DISTINCT ticket_id), count(*) FROM staging.stg_helpdesk__ticket_events "
        "WHERE NOT starts_with(body, 'derived: ')",
    )[0]
    assert (cases, events) == (4580, 21348)
    mean_days, median_days, max_days = query(
        tsq_home.warehouse_path,
        "SELECT round(avg(d), 2), round(median(d), 2), round(max(d), 1) FROM ("
        "SELECT epoch(max(event_at) - min(event_at)) / 86400.0 AS d "
        "FROM staging.stg_helpdesk__ticket_events GROUP BY ticket_id)",
    )[0]
    assert (mean_days, median_days, max_days) == (40.86, 39.86, 60.0)
    # what the log cannot support is "no data" with the reason, never 0
    unsupported = dict(
        query(
            tsq_home.published_path,
            "SELECT indicator_id, max(no_data_reason) FROM indicator_values "
            "WHERE scope_type = 'organisation' AND period_grain = 'month' "
            "AND indicator_id IN ('ux_csat_rate', 'ops_tool_adoption_rate', "
            "'ux_first_response_minutes') GROUP BY 1",
        )
    )
    assert unsupported == {
        "ux_csat_rate": "no source provides surveys",
        "ops_tool_adoption_rate": "no source provides ticket_events.tool",
        "ux_first_response_minutes": "no source provides ticket_events:public_reply",
    }
    leaked = query(
        tsq_home.published_path,
        "SELECT count(*) FROM indicator_values "
        "WHERE no_data_reason LIKE 'no source provides%' "
        "AND (value IS NOT NULL OR score IS NOT NULL)",
    )
    assert leaked == [(0,)]


def test_a_naive_export_without_a_declared_zone_is_refused_naming_the_option(tsq_home):
    """ServiceNow writes local times without a zone: ingest refuses rather than guess, and
    the error names the file and --timezone; nothing reaches the inbox."""
    export = VENDOR_FIXTURES / "servicenow" / "incident_event_log.csv"
    with pytest.raises(AdapterError, match=r"incident_event_log\.csv: .*--timezone"):
        ingest_files([export], tsq_home.inbox, "servicenow")
    assert list(tsq_home.inbox.iterdir()) == []


def test_an_unknown_format_fails_naming_the_file_and_writes_nothing(tsq_home, tmp_path):
    stray = tmp_path / "export.csv"
    stray.write_text("foo,bar\n1,2\n")
    with pytest.raises(AdapterError, match=r"export\.csv: format not recognised"):
        ingest_files([stray], tsq_home.inbox)
    assert list(tsq_home.inbox.iterdir()) == []


def test_an_activity_without_a_mapping_is_refused_naming_it(tsq_home, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "Case ID,Activity,Resource,Complete Timestamp,workgroup,product,service_type\n"
        "C1,Insert ticket,R1,2012/10/9 14:50:17,W1,P,S\n"
        "C1,Teleport ticket,R1,2012/10/9 15:50:17,W1,P,S\n"
    )
    with pytest.raises(AdapterError, match="Teleport ticket"):
        ingest_files([log], tsq_home.inbox, "eventlog", HELPDESK_MAPPING)
    assert list(tsq_home.inbox.iterdir()) == []


def test_a_mapping_naming_missing_columns_is_refused(tsq_home, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("Case,Step,When\nC1,Insert ticket,2012/10/9 14:50:17\n")
    with pytest.raises(AdapterError, match="lacks column"):
        ingest_files([log], tsq_home.inbox, "eventlog", HELPDESK_MAPPING)


def test_canonical_files_are_copied_into_the_inbox(tsq_home, tmp_path):
    teams = tmp_path / "teams.csv"
    teams.write_text(
        "team_id,timezone,work_start,work_end,work_days,calendar_id\n"
        'T1,Asia/Shanghai,09:00,18:00,"1,2,3,4,5",CN\n'
    )
    ingest_files([teams], tsq_home.inbox)
    assert (tsq_home.inbox / "teams.csv").read_text() == teams.read_text()


def test_ids_are_namespaced_by_source(tsq_home, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "Case ID,Activity,Resource,Complete Timestamp,workgroup,product,service_type\n"
        "C1,Insert ticket,R1,2012/10/9 14:50:17,W1,P,S\n"
    )
    ingest_files([log], tsq_home.inbox, "eventlog", HELPDESK_MAPPING, source="desk2")
    tickets = (tsq_home.inbox / "tickets-desk2.csv").read_text()
    assert "desk2:C1" in tickets and "desk2:W1" in tickets
    assert Path(tsq_home.inbox / "ticket_events-desk2.csv").exists()


def ingest_only(settings: TsqSettings) -> None:
    """Materialise the inbox adapters and the raw assets (no dbt): the raw layer is enough."""
    import dagster as dg

    from orchestration.adapters.inbox import inbox_adapters
    from orchestration.ingest.assets import ingest_assets
    from orchestration.resources import TsqHome

    result = dg.materialize(
        [inbox_adapters, *ingest_assets], resources={"tsq": TsqHome(home=str(settings.root))}
    )
    assert result.success


def test_an_event_log_dropped_in_the_inbox_with_its_mapping_is_translated(tsq_home, tmp_path):
    log = tsq_home.inbox / "desk-export.csv"
    log.write_text(
        "Case ID,Activity,Resource,Complete Timestamp,workgroup,product,service_type\n"
        "C1,Insert ticket,R1,2012/10/9 14:50:17,W1,P,S\n"
        "C1,Resolve ticket,R1,2012/10/10 10:00:00,W1,P,S\n"
    )
    shutil.copy(HELPDESK_MAPPING, tsq_home.inbox / "desk-export.csv.mapping.yml")
    (tsq_home.inbox / "mystery.csv").write_text("foo,bar\n1,2\n")
    ingest_only(tsq_home)
    assert (tsq_home.inbox / "converted" / "desk-export.csv").exists()
    assert (tsq_home.inbox / "mystery.csv").exists()  # not recognised: left and reported
    assert query(tsq_home.warehouse_path, "SELECT ticket_id FROM raw.tickets") == [("helpdesk:C1",)]


VENDOR_FIXTURES = PROJECT_ROOT / "tests" / "data"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("servicenow/incident_event_log.csv", "servicenow"),
        ("servicenow/incident_list.csv", "servicenow"),
        ("zendesk/incremental_tickets_page0.json", "zendesk"),
        ("zendesk/satisfaction_ratings.json", "zendesk"),
        ("jira/jsm-issues.csv", "jira"),
        ("jira/jsm-changelog.csv", "jira"),
    ],
)
def test_vendor_exports_are_recognised(fixture, expected):
    assert detect_format(VENDOR_FIXTURES / fixture) == expected


NO_HOLIDAYS_DECLARED = "default: none declared (--holidays or mapping holidays:)"
NO_TEAM_ZONE_DECLARED = "default: none declared (--team-timezone or mapping team: timezone)"


def test_two_systems_feed_one_warehouse_with_namespaced_ids(vendor_exports_run):
    """tests/conftest.py's vendor_exports_run: the ServiceNow audit log (timestamps
    without a zone: Europe/Rome and Italian holidays declared) and the Zendesk exports
    (timestamps with Z: nothing to declare) ingested into one inbox, beside the event-log
    fixture of test_adapter_eventlog (source `lines`), and run once."""
    settings, outcome = vendor_exports_run
    assert outcome.published, outcome.report_lines()
    # the assumptions of both loads reach raw (with their load) and the run summary
    assumed = query(
        settings.warehouse_path,
        "SELECT source, assumption, value, origin FROM staging.stg_helpdesk__source_assumptions "
        "WHERE assumption IN ('export time zone', 'team time zone', 'holiday calendar') "
        "AND load_id IS NOT NULL AND source IN ('servicenow', 'zendesk') ORDER BY 1, 2",
    )
    assert assumed == [
        ("servicenow", "export time zone", "Europe/Rome", "--timezone"),
        ("servicenow", "holiday calendar", "IT", "--holidays"),
        ("servicenow", "team time zone", "Europe/Rome", "the export's zone (--timezone)"),
        ("zendesk", "export time zone", "none needed: every timestamp carries its zone", "data"),
        ("zendesk", "holiday calendar", "NONE", NO_HOLIDAYS_DECLARED),
        ("zendesk", "team time zone", "UTC", NO_TEAM_ZONE_DECLARED),
    ]  # fmt: skip
    summary = "\n".join(outcome.report_lines())
    assert "assumptions of the loads in this run:" in summary
    assert "servicenow: export time zone = Europe/Rome (--timezone)" in summary
    assert "zendesk: team time zone = UTC (default: none declared" in summary
    # 29/2/2016 01:16 in Rome (CET, UTC+1) is 00:16 UTC
    assert query(
        settings.warehouse_path,
        "SELECT strftime(created_at, '%Y-%m-%d %H:%M') FROM staging.stg_helpdesk__tickets "
        "WHERE ticket_id = 'servicenow:INC0000045'",
    ) == [("2016-02-29 00:16",)]
    sources = query(
        settings.warehouse_path,
        "SELECT split_part(ticket_id, ':', 1) AS source, count(*) "
        "FROM staging.stg_helpdesk__tickets GROUP BY 1 ORDER BY 1",
    )
    # each system under its own prefix; `lines` is the shared run's event-log fixture
    assert [source for source, _ in sources] == ["lines", "servicenow", "zendesk"]
    assert all(count > 0 for _, count in sources)


def test_an_xes_event_log_is_read_like_its_csv_form(tsq_home, tmp_path):
    import yaml

    mapping = yaml.safe_load(HELPDESK_MAPPING.read_text())
    mapping["columns"] = {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "resource": "org:resource",
    }
    mapping["ticket_attributes"] = {
        "team_id": "case:workgroup",
        "product": "case:product",
        "category": "case:service_type",
    }
    mapping["timestamp_format"] = "iso"
    mapping_file = tmp_path / "xes-mapping.yml"
    mapping_file.write_text(yaml.safe_dump(mapping))
    xes = VENDOR_FIXTURES / "eventlog" / "two-cases.xes"
    assert detect_format(xes) == "eventlog"
    (conversion,) = ingest_files([xes], tsq_home.inbox, None, mapping_file)
    assert conversion.rows["tickets"] == 2 and conversion.rows["ticket_events"] == 4
    tickets = (tsq_home.inbox / "tickets-helpdesk.csv").read_text()
    # 14:50:17 at +02:00 is 12:50:17 UTC; the closed case knows its team from the trace
    assert "helpdesk:Case 1,2012-10-09T12:50:17Z" in tickets
    assert "helpdesk:Value 1" in tickets and "closed" in tickets


def test_tsq_ingest_refuses_without_a_zone_and_prints_the_assumptions_with_one(tsq_home):
    from click.testing import CliRunner

    from orchestration.cli import main

    export = str(VENDOR_FIXTURES / "servicenow" / "incident_event_log.csv")
    refused = CliRunner().invoke(main, ["ingest", export])
    assert refused.exit_code != 0
    assert "incident_event_log.csv" in refused.output and "--timezone" in refused.output
    done = CliRunner().invoke(
        main,
        ["ingest", export, "--timezone", "Europe/Rome", "--holidays", "IT"],
        terminal_width=200,
    )
    assert done.exit_code == 0, done.output
    assert "Assumptions made" in done.output
    for shown in (
        "export time zone",
        "Europe/Rome",
        "--timezone",
        "holiday calendar",
        "--holidays",
    ):
        assert shown in done.output
    assert (tsq_home.inbox / "source_assumptions-servicenow.csv").is_file()
