"""The sample-data generator: deterministic, contract-shaped, consistent and realistic."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import duckdb
import pyarrow as pa
import pytest

import orchestration.generator as generator
from orchestration.contract import ENTITIES, ENTITY_BY_NAME, ColumnType
from orchestration.generator import generate
from orchestration.generator.output import _json_string

TICKETS = 2000
SEED = 7
START = date(2026, 4, 1)
DAYS = 183
EXPORT_AT = datetime.combine(START + timedelta(days=DAYS), time(0, 0))

# What a value of each contract type looks like in the CSV files.
TYPE_PATTERNS = {
    ColumnType.TIMESTAMP: r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z",
    ColumnType.DATE: r"\d{4}-\d{2}-\d{2}",
    ColumnType.INTEGER: r"-?\d+",
    ColumnType.NUMBER: r"-?\d+(\.\d+)?",
    ColumnType.BOOLEAN: r"true|false",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, tickets=TICKETS, seed=SEED)


@pytest.fixture(scope="module")
def db(sample: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one all-text view per CSV file, as the inbox reads them."""
    out, _ = sample
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for entity in ENTITIES:
        path = out / f"{entity.name}.csv"
        con.execute(
            f"CREATE VIEW {entity.name} AS SELECT * FROM read_csv('{path}', header = true, "
            "all_varchar = true)"
        )
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def ts(column: str) -> str:
    return f"CAST({column} AS TIMESTAMP)"


def test_writes_one_csv_per_entity_with_the_contract_header(sample):
    out, counts = sample
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{e.name}.csv" for e in ENTITIES)
    for entity in ENTITIES:
        with (out / f"{entity.name}.csv").open(encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n")
            rows = sum(1 for _ in handle)
        assert header == ",".join(entity.column_names)
        assert rows == counts[entity.name], entity.name
    assert counts["tickets"] == TICKETS
    assert all(counts[name] > 0 for name in counts), counts


def test_same_seed_same_bytes_other_seed_other_bytes(sample, tmp_path):
    out, _ = sample
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again, tickets=TICKETS, seed=SEED)
    generate(other, tickets=TICKETS, seed=SEED + 1)
    for entity in ENTITIES:
        name = f"{entity.name}.csv"
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    for name in ("tickets.csv", "ticket_events.csv", "surveys.csv", "agents.csv"):
        assert (other / name).read_bytes() != (out / name).read_bytes(), name


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_values_have_the_contract_types_and_allowed_values(db, entity):
    for column in entity.columns:
        name = f'"{column.name}"'
        if column.required:
            assert scalar(db, f"SELECT count(*) FROM {entity.name} WHERE {name} IS NULL") == 0, (
                column.name
            )
        pattern = TYPE_PATTERNS.get(column.type)
        if pattern:
            bad = scalar(
                db,
                f"SELECT count(*) FROM {entity.name} "
                f"WHERE {name} IS NOT NULL AND NOT regexp_full_match({name}, '{pattern}')",
            )
            assert bad == 0, column.name
        if column.allowed:
            found = {
                r[0] for r in db.execute(f"SELECT DISTINCT {name} FROM {entity.name}").fetchall()
            }
            assert found - {None} <= set(column.allowed), column.name


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_keys_are_unique(db, entity):
    key = ", ".join(f'"{k}"' for k in entity.key)
    total = scalar(db, f"SELECT count(*) FROM {entity.name}")
    assert scalar(db, f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM {entity.name})") == total


REFERENCES = [
    ("ticket_events", "ticket_id", "tickets", "ticket_id"),
    ("surveys", "ticket_id", "tickets", "ticket_id"),
    ("qa_reviews", "ticket_id", "tickets", "ticket_id"),
    ("complaints", "ticket_id", "tickets", "ticket_id"),
    ("kb_links", "ticket_id", "tickets", "ticket_id"),
    ("kb_links", "article_id", "kb_articles", "article_id"),
    ("tickets", "agent_id", "agents", "agent_id"),
    ("ticket_events", "agent_id", "agents", "agent_id"),
    ("qa_reviews", "agent_id", "agents", "agent_id"),
    ("kb_links", "agent_id", "agents", "agent_id"),
    ("kb_articles", "author_agent_id", "agents", "agent_id"),
    ("mystery_shops", "agent_id", "agents", "agent_id"),
    ("tickets", "team_id", "teams", "team_id"),
    ("ticket_events", "team_id", "teams", "team_id"),
    ("agents", "team_id", "teams", "team_id"),
    ("mystery_shops", "team_id", "teams", "team_id"),
    ("process_audits", "team_id", "teams", "team_id"),
    ("improvement_actions", "team_id", "teams", "team_id"),
]


@pytest.mark.parametrize(("child", "column", "parent", "key"), REFERENCES)
def test_references_resolve(db, child, column, parent, key):
    dangling = scalar(
        db,
        f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL "
        f"AND c.{column} NOT IN (SELECT {key} FROM {parent})",
    )
    assert dangling == 0


def test_event_times_lie_between_creation_and_export(db):
    early = scalar(
        db,
        f"SELECT count(*) FROM ticket_events e JOIN tickets t USING (ticket_id) "
        f"WHERE {ts('e.event_at')} < {ts('t.created_at')}",
    )
    assert early == 0
    for entity, column in [
        ("ticket_events", "event_at"),
        ("tickets", "closed_at"),
        ("surveys", "responded_at"),
        ("qa_reviews", "reviewed_at"),
        ("complaints", "resolved_at"),
        ("kb_links", "linked_at"),
        ("kb_articles", "updated_at"),
    ]:
        latest = scalar(db, f"SELECT max({ts(column)}) FROM {entity}")
        assert latest < EXPORT_AT, (entity, column)


def test_status_follows_the_event_log(db):
    """A ticket's status is its last status change, every change starts where the previous
    one ended, and closed_at is set exactly for closed tickets."""
    mismatched = scalar(
        db,
        """
        WITH changes AS (
            SELECT ticket_id, from_status, to_status,
                   lag(to_status) OVER (PARTITION BY ticket_id ORDER BY event_id) AS previous,
                   row_number() OVER (PARTITION BY ticket_id ORDER BY event_id DESC) AS back
            FROM ticket_events WHERE event_type = 'status_change'
        )
        SELECT count(*) FROM tickets t LEFT JOIN changes c ON c.ticket_id = t.ticket_id
        WHERE (c.back = 1 AND c.to_status <> t.status)
           OR (c.ticket_id IS NULL AND t.status <> 'new')
           OR coalesce(c.from_status <> coalesce(c.previous, 'new'), false)
        """,
    )
    assert mismatched == 0
    closed_mismatch = (
        "SELECT count(*) FROM tickets WHERE (status = 'closed') <> (closed_at IS NOT NULL)"
    )
    assert scalar(db, closed_mismatch) == 0


def test_events_are_in_time_order_per_ticket(db):
    unordered = scalar(
        db,
        f"""
        SELECT count(*) FROM (
            SELECT {ts("event_at")} AS event_time,
                   lag({ts("event_at")}) OVER (PARTITION BY ticket_id ORDER BY event_id) AS prev_at
            FROM ticket_events
        ) WHERE event_time < prev_at
        """,
    )
    assert unordered == 0


def test_feedback_sampling_rates(db):
    resolved = scalar(db, "SELECT count(*) FROM tickets WHERE status IN ('solved', 'closed')")
    closed = scalar(db, "SELECT count(*) FROM tickets WHERE status = 'closed'")
    assert 0.18 <= scalar(db, "SELECT count(*) FROM surveys") / resolved <= 0.32
    answered = scalar(db, "SELECT avg((rating IS NOT NULL)::int) FROM surveys")
    assert 0.45 <= answered <= 0.75
    unpaired = "SELECT count(*) FROM surveys WHERE (rating IS NULL) <> (responded_at IS NULL)"
    assert scalar(db, unpaired) == 0
    assert 0.03 <= scalar(db, "SELECT count(*) FROM qa_reviews") / closed <= 0.08
    assert 0.005 <= scalar(db, "SELECT count(*) FROM complaints") / TICKETS <= 0.03
    used = scalar(db, "SELECT count(DISTINCT ticket_id) FROM kb_links WHERE link_type = 'used'")
    assert 0.25 <= used / resolved <= 0.55


def test_last_days_leave_tickets_open(db):
    recent = f"{ts('created_at')} >= TIMESTAMP '{EXPORT_AT}' - INTERVAL 3 DAY"
    open_recent = scalar(
        db, f"SELECT avg((status IN ('new', 'open', 'pending'))::int) FROM tickets WHERE {recent}"
    )
    open_overall = scalar(
        db, "SELECT avg((status IN ('new', 'open', 'pending'))::int) FROM tickets"
    )
    assert open_recent > 0.2 and open_overall < 0.05


def test_mix_of_priorities_languages_and_tiers(db):
    share = lambda cond: scalar(db, f"SELECT avg(({cond})::int) FROM tickets")  # noqa: E731
    assert 0.02 <= share("priority = 'P1'") <= 0.09
    assert 0.40 <= share("priority = 'P3'") <= 0.60
    assert 0.60 <= share("language = 'zh'") <= 0.80
    assert 0.09 <= share("complexity_tier = '3'") <= 0.22
    tier3 = scalar(db, "SELECT avg((tier = '3')::int) FROM agents")
    assert 0 < tier3 < 0.3


def test_teams_differ_in_believable_ways(db):
    """The strongest team (TM01) beats the weakest (TM04) on reopens, satisfaction and QA."""
    per_team = {
        row[0]: row[1:]
        for row in db.execute(
            """
            WITH reopened AS (
                SELECT DISTINCT ticket_id FROM ticket_events WHERE event_type = 'reopen'
            )
            SELECT t.team_id,
                   avg((r.ticket_id IS NOT NULL)::int),
                   (SELECT avg((CAST(rating AS INT) >= 4)::int) FROM surveys s
                    JOIN tickets x USING (ticket_id) WHERE x.team_id = t.team_id),
                   (SELECT avg(CAST(expertise_score AS DOUBLE)) FROM qa_reviews q
                    JOIN agents a USING (agent_id) WHERE a.team_id = t.team_id)
            FROM tickets t LEFT JOIN reopened r USING (ticket_id)
            WHERE t.status IN ('solved', 'closed')
            GROUP BY t.team_id
            """
        ).fetchall()
    }
    best, worst = per_team["TM01"], per_team["TM04"]
    assert best[0] < worst[0]  # reopen rate
    assert best[1] > worst[1] + 0.1  # CSAT
    assert best[2] > worst[2] + 5  # QA expertise


def test_agents_act_in_their_teams_working_hours(db):
    """Agent replies, resolutions and updates fall in local working hours on working days:
    a ticket arriving at night waits for the morning, and 调休 Saturdays are worked."""
    teams = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT team_id, timezone, work_start, work_end, work_days, calendar_id FROM teams"
        ).fetchall()
    }
    rows = db.execute(
        """
        SELECT e.event_at, a.team_id FROM ticket_events e JOIN agents a USING (agent_id)
        WHERE e.actor_type = 'agent' AND e.event_type IN (
            'public_reply', 'resolution', 'proactive_update', 'workaround', 'escalation',
            'internal_note', 'confirmation', 'callback'
        )
        """
    ).fetchall()
    german = generator.worktime.german_holidays(date(2026, 1, 1), date(2026, 12, 31))
    de_holidays = {d for d, _ in german}
    outside = 0
    for event_at, team_id in rows:
        zone, start, end, days, calendar = teams[team_id]
        at = datetime.fromisoformat(event_at.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
        day = at.date()
        if calendar == "CN":
            detail = chinese_calendar.get_holiday_detail(day)
            if detail[1] is not None:  # statutory holiday or adjusted working day
                working = not detail[0]
            else:
                working = str(day.isoweekday()) in days.split(",")
        else:
            working = day not in de_holidays and str(day.isoweekday()) in days.split(",")
        if not (working and start <= at.strftime("%H:%M") < end):
            outside += 1
    assert rows and outside == 0


def test_holiday_calendar_has_only_german_holidays(db):
    rows = db.execute("SELECT DISTINCT calendar_id, day_type FROM holiday_calendars").fetchall()
    assert rows == [("DE", "holiday")]
    unity = "SELECT holiday_name FROM holiday_calendars WHERE calendar_date = '2026-10-03'"
    assert scalar(db, unity) == "German Unity Day"


def test_team_records_are_internally_consistent(db):
    checks = {
        "audits comply at most fully": "SELECT count(*) FROM process_audits WHERE "
        "CAST(items_compliant AS INT) > CAST(items_checked AS INT) "
        "OR CAST(items_checked AS INT) NOT BETWEEN 5 AND 20",
        "every step audited every week": "SELECT count(*) FROM (SELECT team_id, audited_at "
        "FROM process_audits GROUP BY ALL HAVING count(DISTINCT process_step) <> 4)",
        "actions fall due after opening": "SELECT count(*) FROM improvement_actions WHERE "
        f"{ts('due_at')} <= {ts('opened_at')} OR {ts('closed_at')} <= {ts('opened_at')}",
        "articles change after creation": "SELECT count(*) FROM kb_articles WHERE "
        f"{ts('updated_at')} < {ts('created_at')} "
        f"OR {ts('last_reviewed_at')} < {ts('created_at')} "
        f"OR {ts('covers_release_at')} > {ts('created_at')}",
        "links follow article creation": "SELECT count(*) FROM kb_links l "
        f"JOIN kb_articles a USING (article_id) WHERE {ts('l.linked_at')} < {ts('a.created_at')}",
        "scores within 0-100": "SELECT count(*) FROM mystery_shops WHERE "
        "CAST(overall AS DOUBLE) NOT BETWEEN 0 AND 100",
    }
    for label, sql in checks.items():
        assert scalar(db, sql) == 0, label
    per_team_month = db.execute(
        "SELECT team_id, count(*) FROM mystery_shops GROUP BY team_id, left(tested_at, 7)"
    ).fetchall()
    assert all(2 <= n <= 6 for _, n in per_team_month)
    assert scalar(db, "SELECT avg((active = 'true')::int) FROM agents") > 0.8


def test_json_strings_are_escaped():
    texts = ["plain", 'a "quote"', "back\\slash", "two\nlines", "tab\t", "bell\x07", "中文"]
    encoded = _json_string(pa.array(texts)).to_pylist()
    assert [json.loads(e) for e in encoded] == texts


@pytest.mark.parametrize("file_format", ["parquet", "jsonl"])
def test_other_formats_hold_the_same_data(sample, tmp_path, file_format):
    out, _ = sample
    counts = generate(tmp_path, tickets=TICKETS, seed=SEED, file_format=file_format)
    con = duckdb.connect()
    for entity in ENTITIES:
        reader = _reader(tmp_path / f"{entity.name}.{file_format}", file_format)
        if counts[entity.name]:
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
            assert columns == entity.column_names, entity.name
        assert con.execute(f"SELECT count(*) FROM {reader}").fetchone()[0] == counts[entity.name]
    # The format changes the encoding only, never the data.
    reader = _reader(tmp_path / f"tickets.{file_format}", file_format)
    csv = _reader(out / "tickets.csv", "csv")
    query = "SELECT ticket_id, status, agent_id FROM {} ORDER BY ticket_id"
    assert con.execute(query.format(reader)).fetchall() == con.execute(query.format(csv)).fetchall()


def _reader(path: Path, file_format: str) -> str:
    if file_format == "parquet":
        return f"read_parquet('{path}')"
    if file_format == "jsonl":
        return f"read_json('{path}', format = 'newline_delimited')"
    return f"read_csv('{path}', header = true, all_varchar = true)"


def test_jsonl_lines_are_plain_json_with_iso_timestamps(tmp_path):
    generate(tmp_path, tickets=200, seed=1, file_format="jsonl")
    with (tmp_path / "surveys.jsonl").open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert records and list(records[0]) == ENTITY_BY_NAME["surveys"].column_names
    assert records[0]["sent_at"].endswith("Z") and "T" in records[0]["sent_at"]
    assert all(r["rating"] is None or isinstance(r["rating"], int) for r in records)


def test_a_failed_run_leaves_no_files(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(generator, "build_holiday_calendars", broken)
    with pytest.raises(RuntimeError, match="boom"):
        generate(tmp_path, tickets=100, seed=1)
    assert list(tmp_path.iterdir()) == []


def test_chunking_streams_and_stays_consistent(tmp_path, monkeypatch):
    """With tiny chunks the run still yields unique ids and resolvable references."""
    monkeypatch.setattr(generator, "CHUNK_TICKETS", 150)
    counts = generate(tmp_path, tickets=600, seed=3)
    con = duckdb.connect()
    events = _reader(tmp_path / "ticket_events.csv", "csv")
    tickets = _reader(tmp_path / "tickets.csv", "csv")
    assert scalar(con, f"SELECT count(DISTINCT event_id) FROM {events}") == counts["ticket_events"]
    assert scalar(con, f"SELECT count(DISTINCT ticket_id) FROM {tickets}") == 600
    orphans = (
        f"SELECT count(*) FROM {events} WHERE ticket_id NOT IN (SELECT ticket_id FROM {tickets})"
    )
    assert scalar(con, orphans) == 0


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, tickets=-1, seed=1)
    with pytest.raises(ValueError):
        generate(tmp_path, tickets=10, seed=1, file_format="xlsx")


# --- a day's drop on top of the export (generator/delta.py, `tsq bench --delta`) -------


def test_a_delta_adds_new_tickets_and_notes_on_old_ones_that_all_load_clean(sample, tmp_path):
    from orchestration.generator.delta import DELTA_ENTITIES, generate_delta
    from orchestration.ingest.loader import load_entity

    out, counts = sample
    drop = generate_delta(out, tmp_path / "drop", share=0.01, seed=3)
    # 1 % of 2000 tickets: 20 new tickets, 20 old tickets get a note, 20 are restated
    assert counts["tickets"] == TICKETS and drop.rows["tickets"] == 20 + 20
    assert len(drop.new_ticket_ids) == 20 and len(set(drop.noted_ticket_ids)) == 20
    assert len(set(drop.restated_ticket_ids)) == 20
    con = duckdb.connect()
    old = {
        entity: con.read_csv(str(out / f"{entity}.csv"), all_varchar=True)
        for entity in DELTA_ENTITIES
    }
    old_ticket_ids = {row[0] for row in old["tickets"].select("ticket_id").fetchall()}
    assert set(drop.noted_ticket_ids) <= old_ticket_ids
    assert set(drop.restated_ticket_ids) <= old_ticket_ids
    # a restated ticket is its exported row with closed_at an hour later (empty if open)
    restated_rows = {
        row[0]: row
        for row in con.read_csv(str(drop.files["tickets"]), all_varchar=True).fetchall()
        if row[0] in set(drop.restated_ticket_ids)
    }
    exported_rows = {row[0]: row for row in old["tickets"].fetchall()}
    closed_at = old["tickets"].columns.index("closed_at")
    assert sorted(restated_rows) == drop.restated_ticket_ids
    for ticket_id, row in restated_rows.items():
        exported = exported_rows[ticket_id]
        assert row[:closed_at] == exported[:closed_at]
        assert row[closed_at + 1 :] == exported[closed_at + 1 :]
        if exported[closed_at] is None:
            assert row[closed_at] is None
        else:
            later = datetime.fromisoformat(exported[closed_at]) + timedelta(hours=1)
            assert row[closed_at] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert not set(drop.new_ticket_ids) & old_ticket_ids
    # the new tickets are copies of the 20 most recently created ones, with `-D3` ids
    templates = (
        old["tickets"].order("created_at DESC, ticket_id DESC").limit(20).select("ticket_id")
    )
    assert sorted(drop.new_ticket_ids) == sorted(f"{row[0]}-D3" for row in templates.fetchall())
    # events: every template event copied, plus one internal note per noted ticket
    template_ids = {t.removesuffix("-D3") for t in drop.new_ticket_ids}
    template_events = sum(
        1
        for (ticket,) in old["ticket_events"].select("ticket_id").fetchall()
        if ticket in template_ids
    )
    assert drop.rows["ticket_events"] == template_events + 20
    new_events = con.read_csv(str(drop.files["ticket_events"]), all_varchar=True)
    notes = new_events.filter("event_type = 'internal_note' AND event_id LIKE 'N%'")
    assert sorted(r[0] for r in notes.select("ticket_id").fetchall()) == drop.noted_ticket_ids
    # each note comes after its ticket's last event in the export
    last_event_at: dict[str, str] = {}
    for ticket, event_at in old["ticket_events"].select("ticket_id, event_at").fetchall():
        last_event_at[ticket] = max(event_at, last_event_at.get(ticket, ""))
    for ticket, note_at in notes.select("ticket_id, event_at").fetchall():
        assert note_at > last_event_at[ticket]  # ISO 8601 UTC text sorts as time
    # no id of any copied entity collides with the export's
    for entity, key in (("ticket_events", "event_id"), ("surveys", "survey_id")):
        mine = {
            r[0]
            for r in con.read_csv(str(drop.files[entity]), all_varchar=True).select(key).fetchall()
        }
        theirs = {r[0] for r in old[entity].select(key).fetchall()}
        assert mine and not mine & theirs
    # the real loader takes the export, then the drop, without quarantining a row
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for entity in DELTA_ENTITIES:
        (inbox / f"{entity}.csv").symlink_to(out / f"{entity}.csv")
        (inbox / drop.files[entity].name).symlink_to(drop.files[entity])
    warehouse = duckdb.connect(str(tmp_path / "tsq.duckdb"))
    for entity in DELTA_ENTITIES:
        summary = load_entity(warehouse, ENTITY_BY_NAME[entity], inbox, tmp_path)
        assert summary.files_loaded == [f"{entity}.csv", drop.files[entity].name]
        assert summary.rows_quarantined == 0, entity
        assert summary.rows_loaded == counts[entity] + drop.rows[entity], entity


def test_the_same_delta_seed_gives_the_same_files_and_another_seed_other_notes(sample, tmp_path):
    from orchestration.generator.delta import generate_delta

    out, _ = sample
    first = generate_delta(out, tmp_path / "a", share=0.01, seed=3)
    again = generate_delta(out, tmp_path / "b", share=0.01, seed=3)
    other = generate_delta(out, tmp_path / "c", share=0.01, seed=4)
    for entity, path in first.files.items():
        assert path.read_bytes() == again.files[entity].read_bytes()
    assert first.noted_ticket_ids != other.noted_ticket_ids
    # the new tickets are the same templates under another suffix
    assert [t.replace("-D3", "-D4") for t in first.new_ticket_ids] == other.new_ticket_ids


def test_a_recent_delta_notes_and_restates_only_tickets_of_the_last_30_days(sample, tmp_path):
    from orchestration.generator.delta import generate_delta

    out, _ = sample
    drop = generate_delta(out, tmp_path / "drop", share=0.01, seed=3, old_tickets="recent")
    with (out / "tickets.csv").open(encoding="utf-8", newline="") as handle:
        created = {
            row["ticket_id"]: datetime.fromisoformat(row["created_at"])
            for row in csv.DictReader(handle)
        }
    cutoff = max(created.values()) - timedelta(days=30)
    recent = {ticket for ticket, at in created.items() if at >= cutoff}
    # the sample's tickets spread over more than 30 days: the draw is narrower than "any"
    assert 40 <= len(recent) < len(created) / 2
    assert len(set(drop.noted_ticket_ids)) == 20 and set(drop.noted_ticket_ids) <= recent
    assert len(set(drop.restated_ticket_ids)) == 20 and set(drop.restated_ticket_ids) <= recent
    uniform = generate_delta(out, tmp_path / "uniform", share=0.01, seed=3)
    assert not set(uniform.noted_ticket_ids) <= recent
    with pytest.raises(ValueError, match="old_tickets"):
        generate_delta(out, tmp_path / "bad", share=0.01, seed=3, old_tickets="open")
