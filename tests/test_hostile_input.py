"""Hostile input, one case per kind: each is quarantined with its rule, refused whole with
a message naming the file, or reported as not understood, and never blocks publication.

Most cases are ingest-level (load_entity or the inbox adapters on a fresh TSQ home). One
module-scoped pipeline warehouse takes them all at once: the run publishes, nothing
implausible reaches the published store, and a later valid file still publishes."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.adapters.base import AdapterError
from orchestration.adapters.inbox import check_source_name, translate_inbox
from orchestration.adapters.toolkit import refuse_oversized_workbook
from orchestration.cli import main
from orchestration.contract import ENTITY_BY_NAME
from orchestration.generator import generate
from orchestration.ingest import readers
from orchestration.ingest.loader import LoadSummary, load_entity
from orchestration.quality.suites import validate_suite
from orchestration.runner import RunOutcome, run_pipeline
from orchestration.settings import EXPECTATIONS_DIR, TsqSettings
from tests.conftest import query

TICKETS = ENTITY_BY_NAME["tickets"]
TEAMS = ENTITY_BY_NAME["teams"]
HEADER = "ticket_id,created_at,channel,priority,complexity_tier,category,team_id,status\n"
REST = "email,P2,2,network,TM01,open"  # a valid rest of a ticket row
TEAM_HEADER = "team_id,name,timezone,work_start,work_end,work_days,calendar_id\n"


def ticket(ticket_id: str, created_at: str = "2026-05-10T08:00:00Z") -> str:
    return f"{ticket_id},{created_at},{REST}\n"


def load(home: TsqSettings, entity=TICKETS) -> LoadSummary:
    con = duckdb.connect(str(home.warehouse_path))
    try:
        return load_entity(con, entity, home.inbox, home.root)
    finally:
        con.close()


def quarantined(home: TsqSettings) -> list[tuple]:
    return query(
        home.warehouse_path,
        "SELECT source_file, source_row, rule, rules_broken FROM raw.quarantine "
        "ORDER BY source_file, source_row",
    )


def refused_message(summary: LoadSummary, file: str) -> str:
    ((name, message),) = summary.files_refused
    assert name == file
    assert message.startswith(f"{file}: "), message  # names the file first
    return message


def nothing_loaded(home: TsqSettings) -> None:
    assert query(home.warehouse_path, "SELECT count(*) FROM raw.loads") == [(0,)]
    assert query(home.warehouse_path, "SELECT count(*) FROM raw.tickets") == [(0,)]


# --- whole files refused, with a message naming the file -------------------------------


def test_empty_file(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_bytes(b"")
    message = refused_message(load(tsq_home), "tickets.csv")
    assert "the file is empty (no header row)" in message
    assert "read_csv requires" not in message  # not DuckDB's words
    nothing_loaded(tsq_home)


def test_header_only_is_an_empty_export_not_an_error(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_text(HEADER)
    summary = load(tsq_home)
    assert summary.files_refused == [] and summary.files_loaded == ["tickets.csv"]
    assert query(
        tsq_home.warehouse_path, "SELECT rows_read, rows_loaded, rows_quarantined FROM raw.loads"
    ) == [(0, 0, 0)]


def test_duplicate_header_column(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER.rstrip("\n") + ",status\n" + ticket("K1").rstrip("\n") + ",open\n"
    )
    message = refused_message(load(tsq_home), "tickets.csv")
    assert "column 'status' appears twice in the header (columns 8 and 9)" in message
    assert "struct_pack" not in message
    nothing_loaded(tsq_home)


def test_binary_garbage(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_bytes(bytes(range(256)) * 40)
    message = refused_message(load(tsq_home), "tickets.csv")
    assert "not text in UTF-8 or GBK/GB18030" in message
    nothing_loaded(tsq_home)


def test_unterminated_quote_that_swallows_records(tsq_home):
    # row 2 opens a quote closed only on row 4: DuckDB (and Python's csv module) read rows
    # 2-4 as one record; the file's own lines say 4 records
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER
        + ticket("K1")
        + 'K2,2026-05-10T08:00:00Z,email,P2,2,"net,TM01,open\n'
        + ticket("K3")
        + 'K4,2026-05-10T08:00:00Z,email,P2,2,"a,b",TM01,open\n'
    )
    message = refused_message(load(tsq_home), "tickets.csv")
    assert "row 2 does not parse" in message and "runs over 2 line break(s)" in message
    nothing_loaded(tsq_home)  # not K1 either: the file is refused whole


def test_a_quoted_value_over_several_lines_is_not_a_swallowed_record(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER + ticket("K1") + 'K2,2026-05-10T08:00:00Z,email,P2,2,"net\nwork",TM01,open\n\n'
    )
    summary = load(tsq_home)
    assert summary.files_refused == [] and summary.rows_loaded == 2
    assert query(tsq_home.warehouse_path, "SELECT category FROM raw.tickets ORDER BY 1") == [
        ("net\nwork",),
        ("network",),
    ]


def test_a_corrupt_gzip_file(tsq_home):
    (tsq_home.inbox / "tickets.csv.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    message = refused_message(load(tsq_home), "tickets.csv.gz")
    assert "not a readable gzip file" in message


def test_a_refused_file_does_not_stop_the_others(tsq_home):
    (tsq_home.inbox / "tickets-a.csv").write_bytes(b"")
    (tsq_home.inbox / "tickets-b.csv").write_text(HEADER + ticket("K1"))
    summary = load(tsq_home)
    assert summary.files_loaded == ["tickets-b.csv"]
    assert [f for f, _ in summary.files_refused] == ["tickets-a.csv"]
    # fixed, the file loads and its refusal is forgotten
    (tsq_home.inbox / "tickets-a.csv").write_text(HEADER + ticket("K2"))
    assert load(tsq_home).files_loaded == ["tickets-a.csv"]
    assert query(tsq_home.warehouse_path, "SELECT count(*) FROM raw.refused_files") == [(0,)]


# --- rows quarantined with their rule, file and row ------------------------------------


def test_rows_a_raw_suite_would_reject_are_quarantined_so_raw_passes_its_suite(tsq_home):
    """Each of these rows used to reach raw and fail the blocking raw suite on every later
    run: a date-only created_at (passes TRY_CAST, fails the ISO form), and the same id
    twice in one file."""
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER + ticket("K1", "2026-05-10") + ticket("K2") + ticket("K3") + ticket("K2")
    )
    summary = load(tsq_home)
    assert (summary.rows_loaded, summary.rows_quarantined) == (2, 2)
    assert quarantined(tsq_home) == [
        ("tickets.csv", 1, "type:created_at:timestamp", "type:created_at:timestamp"),
        (
            "tickets.csv",
            4,
            "duplicate_key:ticket_id",
            "duplicate_key:ticket_id (same key as row 2)",
        ),
    ]
    outcome = validate_suite(tsq_home.warehouse_path, _raw_tickets_suite())
    assert outcome.passed and not outcome.warning_failures, outcome.summary()


def _raw_tickets_suite():
    from orchestration.quality.suites import SuiteFile

    return SuiteFile.read(EXPECTATIONS_DIR / "raw" / "tickets.json")


def test_a_corrected_reload_of_a_duplicated_key_is_accepted(tsq_home):
    (tsq_home.inbox / "tickets-1.csv").write_text(HEADER + ticket("K1") + ticket("K1"))
    load(tsq_home)
    (tsq_home.inbox / "tickets-2.csv").write_text(HEADER + ticket("K1", "2026-05-11T08:00:00Z"))
    assert load(tsq_home).rows_loaded == 1  # a key once per file; across files the latest wins
    assert query(
        tsq_home.warehouse_path, "SELECT _source_file, created_at FROM raw.tickets ORDER BY 1"
    ) == [("tickets-1.csv", "2026-05-10T08:00:00Z"), ("tickets-2.csv", "2026-05-11T08:00:00Z")]


def test_timestamps_outside_the_plausible_window(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER
        + ticket("K1900", "1900-01-01T00:00:00Z")
        + ticket("K2200", "2200-01-01T00:00:00Z")
        + ticket("K1")
    )
    summary = load(tsq_home)
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 2)
    rows = quarantined(tsq_home)
    assert [(r[1], r[2]) for r in rows] == [
        (1, "plausible:created_at"),
        (2, "plausible:created_at"),
    ]
    assert rows[0][3].startswith(
        "plausible:created_at (1900-01-01T00:00:00Z is outside the plausible window "
        "2000-01-01 00:00 to "
    )


def test_the_plausible_window_is_a_setting(tsq_home, monkeypatch):
    monkeypatch.setenv("TSQ_PLAUSIBLE_FROM", "2026-05-11")
    (tsq_home.inbox / "tickets.csv").write_text(
        HEADER + ticket("K10", "2026-05-10T23:59:59Z") + ticket("K11", "2026-05-11T00:00:00Z")
    )
    load(tsq_home)
    assert [(r[1], r[2]) for r in quarantined(tsq_home)] == [(1, "plausible:created_at")]
    monkeypatch.setenv("TSQ_PLAUSIBLE_FROM", "last tuesday")
    (tsq_home.inbox / "tickets-2.csv").write_text(HEADER + ticket("K12"))
    message = refused_message(load(tsq_home), "tickets-2.csv")
    assert "TSQ_PLAUSIBLE_FROM='last tuesday' is not an ISO date" in message


def test_nul_and_control_characters_are_quarantined(tsq_home):
    (tsq_home.inbox / "tickets.csv").write_bytes(
        (
            HEADER
            + ticket("K1")
            + ticket("K2\x00x")
            + "K3,2026-05-10T08:00:00Z,email,P2,2,net\x07work,TM01,open\n"
        ).encode()
    )
    summary = load(tsq_home)
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 2)
    assert [(r[1], r[2]) for r in quarantined(tsq_home)] == [
        (2, "control_characters:ticket_id"),
        (3, "control_characters:category"),
    ]
    # no control character reached raw
    assert query(
        tsq_home.warehouse_path,
        "SELECT count(*) FROM raw.tickets "
        "WHERE regexp_matches(ticket_id || category, '[\\x00-\\x08]')",
    ) == [(0,)]


def test_team_hours_that_are_no_time_of_day(tsq_home):
    (tsq_home.inbox / "teams.csv").write_text(
        TEAM_HEADER
        + 'T1,A,Asia/Shanghai,25:99,18:00,"1,2,3,4,5",CN\n'
        + 'T2,B,Asia/Shanghai,09:00,24:00,"1,2,3,4,5",CN\n'  # 24:00 ends a day
        + 'T3,C,Asia/Shanghai,09:00,18:00,"1,2,9",CN\n'
    )
    load(tsq_home, TEAMS)
    assert [(r[1], r[2]) for r in quarantined(tsq_home)] == [
        (1, "pattern:work_start"),
        (3, "pattern:work_days"),
    ]
    assert query(tsq_home.warehouse_path, "SELECT team_id FROM raw.teams") == [("T2",)]


def test_rows_out_of_order_or_range_are_quarantined_not_left_to_block_staging(tsq_home):
    """These used to pass the load and fail a blocking staging suite on every later run:
    a ticket closed before it was created, an article with negative votes, an audit with
    more compliant items than it checked, a working day ending before it starts, a time
    zone no engine knows. Each is now quarantined with its rule; the valid rows load."""
    closed_header = HEADER.rstrip("\n") + ",closed_at\n"
    (tsq_home.inbox / "tickets.csv").write_text(
        closed_header
        + f"K1,2026-05-10T08:00:00Z,{REST},2026-05-09T08:00:00Z\n"  # closed the day before
        + f"K2,2026-05-10T08:00:00Z,{REST},2026-05-10T08:00:00Z\n"  # closed at creation: ok
        # 08:00+08:00 is 00:00Z, so a close at 07:00Z is after it: instants, not strings
        + f"K3,2026-05-10T08:00:00+08:00,{REST},2026-05-10T07:00:00Z\n"
    )
    load(tsq_home)
    (tsq_home.inbox / "teams.csv").write_text(
        TEAM_HEADER
        + 'T1,A,Asia/Shanghai,18:00,09:00,"1,2,3,4,5",CN\n'  # ends before it starts
        + 'T2,B,Mars/Olympus,09:00,18:00,"1,2,3,4,5",CN\n'
        + 'T3,C,Asia/Shanghai,9:00,18:00,"1,2,3,4,5",CN\n'  # 9:00 is before 18:00
    )
    load(tsq_home, TEAMS)
    (tsq_home.inbox / "kb_articles.csv").write_text(
        "article_id,title,author_agent_id,created_at,status,helpful_votes,unhelpful_votes\n"
        "KB1,a,A1,2026-05-01T02:00:00Z,active,-50,1\n"
        "KB2,b,A1,2026-05-01T02:00:00Z,active,0,0\n"
    )
    load(tsq_home, ENTITY_BY_NAME["kb_articles"])
    (tsq_home.inbox / "process_audits.csv").write_text(
        "audit_id,team_id,audited_at,process_step,items_checked,items_compliant\n"
        "AU1,T3,2026-05-01T02:00:00Z,intake,4,5\n"
        "AU2,T3,2026-05-01T02:00:00Z,intake,4,4\n"
    )
    load(tsq_home, ENTITY_BY_NAME["process_audits"])
    (tsq_home.inbox / "qa_reviews.csv").write_text(
        "review_id,ticket_id,agent_id,reviewed_at,expertise_score,language_score,"
        "clarity_score,attitude_score,documentation_score\n"
        "QA1,K2,A1,2026-05-11T02:00:00Z,90,90,90,140,90\n"
        "QA2,K2,A1,2026-05-11T02:00:00Z,90,90,90,100,0\n"
    )
    load(tsq_home, ENTITY_BY_NAME["qa_reviews"])
    assert [(r[0], r[1], r[2]) for r in quarantined(tsq_home)] == [
        ("kb_articles.csv", 1, "range:helpful_votes"),
        ("process_audits.csv", 1, "order:items_compliant<=items_checked"),
        ("qa_reviews.csv", 1, "range:attitude_score"),
        ("teams.csv", 1, "order:work_end>work_start"),
        ("teams.csv", 2, "time_zone:timezone"),
        ("tickets.csv", 1, "order:closed_at>=created_at"),
    ]
    accepted = query(
        tsq_home.warehouse_path,
        "SELECT (SELECT string_agg(ticket_id, ',' ORDER BY ticket_id) FROM raw.tickets), "
        "(SELECT string_agg(team_id, ',') FROM raw.teams), "
        "(SELECT string_agg(article_id, ',') FROM raw.kb_articles), "
        "(SELECT string_agg(audit_id, ',') FROM raw.process_audits), "
        "(SELECT string_agg(review_id, ',') FROM raw.qa_reviews)",
    )
    assert accepted == [("K2,K3", "T3", "KB2", "AU2", "QA2")]


def test_a_file_name_is_a_value_never_sql(tsq_home):
    name = "tickets_'); DROP TABLE raw.loads; --.csv"
    (tsq_home.inbox / name).write_text(HEADER + ticket("K1") + ticket("K1"))
    load(tsq_home)
    assert query(tsq_home.warehouse_path, "SELECT source_file FROM raw.loads") == [(name,)]
    assert query(tsq_home.warehouse_path, "SELECT source_file FROM raw.quarantine") == [(name,)]


# --- names the inbox accepts ------------------------------------------------------------


def test_gzipped_and_second_download_names_are_loaded(tsq_home):
    with gzip.open(tsq_home.inbox / "tickets.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write(HEADER + ticket("KGZ"))
    (tsq_home.inbox / "tickets (1).csv").write_text(HEADER + ticket("K1"))
    summary = load(tsq_home)
    assert summary.files_loaded == ["tickets (1).csv", "tickets.csv.gz"]
    assert query(
        tsq_home.warehouse_path, "SELECT _source_file, ticket_id FROM raw.tickets ORDER BY 1"
    ) == [("tickets (1).csv", "K1"), ("tickets.csv.gz", "KGZ")]


def test_a_gzipped_file_that_would_fill_the_disk_is_refused(tsq_home, monkeypatch, tmp_path):
    # 8 MiB of one repeated row compress to a few KB. The guard is set so that a copy may
    # use this disk's free space less 8 MiB; it looks ahead of each 64 MiB it writes, so
    # it refuses before writing anything, and leaves no partial copy behind.
    rows = ticket("KGZ") * (8 * 1024 * 1024 // len(ticket("KGZ")))
    with gzip.open(tsq_home.inbox / "tickets.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write(HEADER + rows)
    free = shutil.disk_usage(tsq_home.root).free
    monkeypatch.setattr(readers, "GUNZIP_KEEP_FREE_BYTES", free - (8 << 20))
    message = refused_message(load(tsq_home), "tickets.csv.gz")
    assert "tickets.csv.gz: decompressing it stopped after 0 bytes" in message
    assert "free space, or split the export" in message
    assert query(tsq_home.warehouse_path, "SELECT count(*) FROM raw.tickets") == [(0,)]
    # the default guard (1 GiB kept free) lets the same file through, whole
    monkeypatch.setattr(readers, "GUNZIP_KEEP_FREE_BYTES", 1 << 30)
    copy = readers.gunzip_to(tsq_home.inbox / "tickets.csv.gz", tmp_path)
    assert copy.stat().st_size == len((HEADER + rows).encode())


# --- what reaches the adapters ----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["x'; DROP TABLE raw.tickets; --", "(SELECT 1)", "../etc", "", "a b", "x" * 65],
)
def test_a_source_name_that_is_not_a_plain_name_is_refused(source):
    with pytest.raises(AdapterError, match="is not allowed"):
        check_source_name(source, "--source")


def test_tsq_ingest_refuses_sql_in_source_before_any_adapter(tsq_home, tmp_path):
    export = tmp_path / "log.csv"
    export.write_text("case,activity,timestamp\n1,open,2026-05-10 08:00:00\n")
    result = CliRunner().invoke(
        main, ["ingest", str(export), "--format", "eventlog", "--source", "sn'; SELECT 1; --"]
    )
    assert result.exit_code != 0
    assert '--source: source name "sn\'; SELECT 1; --" is not allowed' in result.output
    assert list(tsq_home.inbox.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ('source: "x\'; DROP TABLE raw.tickets; --"\n', "key 'source': source name"),
        ("source: [1, 2]\n", "key 'source': source name [1, 2] is not allowed"),
        ("columns: {ticket_id: 'a\n", "not a readable YAML mapping"),
        ("- just\n- a list\n", "a mapping file is YAML keys and values, not a list"),
    ],
)
def test_a_bad_inbox_mapping_fails_its_own_file_not_the_run(tsq_home, mapping, expected):
    (tsq_home.inbox / "export.csv").write_text("a,b\n1,2\n")
    (tsq_home.inbox / "export.csv.mapping.yml").write_text(mapping)
    (tsq_home.inbox / "tickets.csv").write_text(HEADER + ticket("K1"))
    translated, unrecognised = translate_inbox(tsq_home.inbox)
    assert translated == []
    ((item),) = unrecognised
    assert item["file"] == "export.csv" and expected in item["reason"], item["reason"]
    assert (tsq_home.inbox / "export.csv").exists()  # left where it is
    assert load(tsq_home).rows_loaded == 1  # the canonical file still loads


def test_a_file_nothing_recognises_is_reported(tsq_home):
    (tsq_home.inbox / "notes.txt").write_text("hello\n")
    _, unrecognised = translate_inbox(tsq_home.inbox)
    assert [u["file"] for u in unrecognised] == ["notes.txt"]
    assert "format not recognised" in unrecognised[0]["reason"]


def test_a_spreadsheet_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    sheet = tmp_path / "export.xlsx"
    sheet.write_bytes(b"PK" + b"\x00" * 3_000)  # 3 kB; refused on its size, never opened
    monkeypatch.setenv("TSQ_XLSX_MAX_MB", "0.002")
    with pytest.raises(AdapterError, match=r"export\.xlsx: a 0\.0 MiB workbook is over the "):
        refuse_oversized_workbook(sheet)
    monkeypatch.setenv("TSQ_XLSX_MAX_MB", "1")
    refuse_oversized_workbook(sheet)  # under the limit: passes to the adapter


# --- all of it in one real run ----------------------------------------------------------

HOSTILE_FILES: dict[str, bytes] = {
    "tickets-hostile.csv": (
        HEADER
        + ticket("HOST-1", "2026-05-10")
        + ticket("HOST-2")
        + ticket("HOST-2", "2026-05-11T08:00:00Z")
        + ticket("HOST-3", "1900-01-01T00:00:00Z")
        + ticket("HOST-4", "2200-01-01T00:00:00Z")
        + "HOST-5\x00x,2026-05-10T08:00:00Z,"
        + REST
        + "\n"
    ).encode(),
    "teams-hours.csv": (TEAM_HEADER + 'TM99,X,Asia/Shanghai,25:99,18:00,"1,2,3,4,5",CN\n').encode(),
    "complaints-empty.csv": b"",
    "tickets-duphead.csv": (HEADER.rstrip("\n") + ",status\n").encode(),
    "tickets-quote.csv": (
        HEADER
        + 'HOST-7,2026-05-10T08:00:00Z,email,P2,2,"net,TM01,open\n'
        + ticket("HOST-8")
        + 'HOST-9,2026-05-10T08:00:00Z,email,P2,2,"a,b",TM01,open\n'
    ).encode(),
    "tickets-binary.csv": bytes(range(256)) * 20,
    "notes.txt": b"hello\n",
    "weird.csv": b"a,b\n1,2\n",
    "weird.csv.mapping.yml": b'source: "x\'; DROP TABLE raw.tickets; --"\n',
}


def _run(home: Path) -> tuple[TsqSettings, RunOutcome, str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        outcome = run_pipeline(settings)
        listed = CliRunner().invoke(main, ["loads"], env={"COLUMNS": "300"}).output
        return settings, outcome, listed


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("hostile") / "home"
    inbox = TsqSettings(home=home).ensure().inbox
    generate(inbox, tickets=80, seed=9)
    for name, content in HOSTILE_FILES.items():
        (inbox / name).write_bytes(content)
    settings, first, listed = _run(home)
    assert first.published, first.report_lines()  # fail here with the run's own report
    published_first = query(settings.published_path, "SELECT ticket_id FROM ticket_sla ORDER BY 1")
    # a later valid file, and the quoting fixed
    (inbox / "tickets-later.csv").write_text(HEADER + ticket("LATE-1", "2026-05-20T08:00:00Z"))
    (inbox / "tickets-quote.csv").write_text(HEADER + ticket("HOST-7") + ticket("HOST-8"))
    _, second, _ = _run(home)
    yield {
        "settings": settings,
        "first": first,
        "listed": listed,
        "published_first": published_first,
        "second": second,
    }


def test_the_hostile_inbox_publishes(hostile_runs):
    first = hostile_runs["first"]
    assert first.success and first.published and not first.failed_checks, first.report_lines()
    published = {row[0] for row in hostile_runs["published_first"]}
    # of the hostile tickets only HOST-2's first row passed every rule
    assert {t for t in published if t.startswith("HOST")} == {"HOST-2"}


def test_the_hostile_rows_are_quarantined_with_their_rules(hostile_runs):
    settings = hostile_runs["settings"]
    assert query(
        settings.warehouse_path,
        "SELECT source_file, source_row, rule FROM raw.quarantine ORDER BY 1, 2",
    ) == [
        ("teams-hours.csv", 1, "pattern:work_start"),
        ("tickets-hostile.csv", 1, "type:created_at:timestamp"),
        ("tickets-hostile.csv", 3, "duplicate_key:ticket_id"),
        ("tickets-hostile.csv", 4, "plausible:created_at"),
        ("tickets-hostile.csv", 5, "plausible:created_at"),
        ("tickets-hostile.csv", 6, "control_characters:ticket_id"),
    ]


def test_every_unread_file_is_named(hostile_runs):
    listed = hostile_runs["listed"]
    for name, state in (
        ("complaints-empty.csv", "refused"),
        ("tickets-duphead.csv", "refused"),
        ("tickets-quote.csv", "refused"),
        ("tickets-binary.csv", "refused"),
        ("notes.txt", "not understood"),
        ("weird.csv", "not understood"),
    ):
        line = next((line for line in listed.splitlines() if f" {name} " in line), "")
        assert state in line, (name, listed)


def test_no_implausible_period_is_published(hostile_runs):
    settings = hostile_runs["settings"]
    ((earliest, latest),) = query(
        settings.published_path, "SELECT min(period_start), max(period_start) FROM indicator_values"
    )
    assert earliest.year == 2026 and latest.year == 2026


def test_a_later_valid_file_still_publishes(hostile_runs):
    settings, second = hostile_runs["settings"], hostile_runs["second"]
    assert second.success and second.published, second.report_lines()
    published = {
        row[0] for row in query(settings.published_path, "SELECT ticket_id FROM ticket_sla")
    }
    assert {"LATE-1", "HOST-7", "HOST-8"} <= published
