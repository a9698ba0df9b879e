"""No e-mail address or phone number reaches the published store, personal names only on
request, formula text is neutralised, and TSQ_HOME is its owner's alone (issue 12).

A real working warehouse whose hand-made `published` schema holds such ids goes through
the real `publish`; the expected pseudonyms are recomputed here from the secret kept in
the working warehouse (HMAC-SHA256, first 12 hex digits), independently of the code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.privacy import CANDIDATE_SIEVE, personal_reason
from orchestration.publish.store import publish
from orchestration.settings import TsqSettings
from tests.conftest import query

# (scope_type, scope_id) of the hand-made scopes, and what each must be published as:
# "as is", or (prefix kept, label) of its pseudonym.
SCOPES: list[tuple[str, str, str | tuple[str, str]]] = [
    ("agent", "A001", "as is"),
    ("agent", "src:A001", "as is"),
    ("agent", "jdoe", "as is"),  # a login, not a name: nothing tells it from A001
    ("agent", "jane.doe@example.com", ("", "agent")),
    ("agent", "zendesk:bob@example.org", ("zendesk:", "agent")),
    ("agent", "servicenow:Jane Doe", ("servicenow:", "agent")),  # a personal name
    ("agent", "张伟", ("", "agent")),  # a personal name, no space in Chinese
    ("agent", "Jane\u00a0Roe", ("", "agent")),  # a no-break space is a space too
    ("agent", "+86 138 0013 8000", ("", "agent")),
    ("agent", "13800138000", ("", "agent")),
    ("agent", "crm:555-123-4567", ("crm:", "agent")),
    ("agent", "1002345", "as is"),  # 7 bare digits: an employee number
    ("team", "T1", "as is"),
    ("team", "Service Desk", "as is"),  # a team's name is not a person's
    ("team", "support@acme.example", ("", "team")),
    ("product", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("product", '=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("product", "@SUM(1)", "'@SUM(1)"),
    ("product", "-2+3", "'-2+3"),
    ("product", "\tTAB", "'\tTAB"),
    ("product", "\rCR", "'\rCR"),
    ("product", "x=1", "as is"),  # only the first character matters
    ("channel", "email", "as is"),
]

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}")


def build_working_warehouse(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA published")
        con.execute(
            "CREATE TABLE published.indicator_catalog AS "
            "SELECT 'UX1.1' AS indicator_id, 'rate' AS unit, '=SUM(A1)' AS definition, "
            "1.0 AS weight"
        )
        con.execute(
            "CREATE TABLE published.indicator_values (period_grain VARCHAR, "
            "scope_type VARCHAR, scope_id VARCHAR, indicator_id VARCHAR, value DOUBLE, "
            "ordinal INTEGER)"  # rows in SCOPES order, whatever order the copy keeps
        )
        con.executemany(
            "INSERT INTO published.indicator_values VALUES ('month', ?, ?, 'UX1.1', ?, ?)",
            [(scope_type, scope_id, -5.0, i) for i, (scope_type, scope_id, _) in enumerate(SCOPES)],
        )
        con.execute(
            "CREATE TABLE published.scores AS SELECT scope_type, scope_id, "
            "'overall' AS level, -1.5 AS score_change, ordinal FROM published.indicator_values"
        )
        con.execute(
            "CREATE TABLE published.score_tree AS SELECT 'UX1.1' AS node_id, 'UX1' AS parent_id"
        )
        con.execute(
            "CREATE TABLE published.scopes AS SELECT DISTINCT scope_type, scope_id, "
            "NULL::VARCHAR AS display_name FROM published.indicator_values"
        )
        con.execute(
            "CREATE TABLE published.ticket_sla (ticket_id VARCHAR, team_id VARCHAR, "
            "created_at TIMESTAMP, ordinal INTEGER)"
        )
        con.executemany(
            "INSERT INTO published.ticket_sla VALUES (?, ?, TIMESTAMP '2026-01-05 09:00', ?)",
            [
                ("2024-000123", "support@acme.example", 1),  # a ticket id stays as it is
                ("INC0010001", "T1", 2),
                ("+1 555 0100 999", "T1", 3),  # a phone number as a ticket id: not published
            ],
        )
    finally:
        con.close()


def run_publish(settings: TsqSettings, run_id: str, personal_names: bool = False) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        publish(con, settings.published_path, run_id, 4, publish_personal_names=personal_names)
    finally:
        con.close()


def secret_of(settings: TsqSettings) -> bytes:
    rows = query(settings.warehouse_path, "SELECT secret_hex FROM main.publish_secret")
    assert len(rows) == 1
    return bytes.fromhex(rows[0][0])


def expected_pseudonym(secret: bytes, value: str, prefix: str, label: str) -> str:
    return f"{prefix}{label}-" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:12]


@pytest.fixture
def published_home(tsq_home: TsqSettings) -> TsqSettings:
    build_working_warehouse(tsq_home.warehouse_path)
    run_publish(tsq_home, "run-1")
    return tsq_home


def published_scope_ids(settings: TsqSettings, table: str) -> list[tuple[str, str]]:
    return query(
        settings.published_path, f"SELECT scope_type, scope_id FROM {table} ORDER BY ordinal"
    )


def test_each_scope_is_published_as_the_rules_say(published_home):
    settings = published_home
    secret = secret_of(settings)
    expected = []
    for scope_type, scope_id, rule in SCOPES:
        if rule == "as is":
            expected.append((scope_type, scope_id))
        elif isinstance(rule, tuple):
            expected.append((scope_type, expected_pseudonym(secret, scope_id, *rule)))
        else:
            expected.append((scope_type, rule))
    assert published_scope_ids(settings, "indicator_values") == expected
    # the same scope gets the same pseudonym in every table, so joins still hold
    assert published_scope_ids(settings, "scores") == expected


def test_ids_outside_scope_id_are_covered_too(published_home):
    settings = published_home
    secret = secret_of(settings)
    team = expected_pseudonym(secret, "support@acme.example", "", "team")
    ticket = expected_pseudonym(secret, "+1 555 0100 999", "", "ticket")
    assert query(
        settings.published_path, "SELECT ticket_id, team_id FROM ticket_sla ORDER BY ordinal"
    ) == [("2024-000123", team), ("INC0010001", "T1"), (ticket, "T1")]
    # ticket_sla's team pseudonym is the team scope's: one team, one name
    assert (
        "team",
        team,
    ) in published_scope_ids(settings, "indicator_values")


def test_no_email_or_phone_anywhere_in_the_published_store(published_home):
    settings = published_home
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        texts = []
        for (table,) in con.execute("SHOW TABLES").fetchall():
            for column, data_type, *_ in con.execute(f'DESCRIBE "{table}"').fetchall():
                if data_type == "VARCHAR":
                    texts += [
                        v for (v,) in con.execute(f'SELECT "{column}" FROM "{table}"').fetchall()
                    ]
        tables = {name for (name,) in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert not [text for text in texts if text and EMAIL.search(text)]
    for secret_value in ("Jane Doe", "张伟", "138 0013 8000", "13800138000", "555-123-4567"):
        assert not [text for text in texts if text and secret_value in text]
    # the mapping and the key stay in the working warehouse
    assert tables == {
        "indicator_catalog",
        "indicator_values",
        "scores",
        "ticket_sla",
        "score_tree",
        "scopes",
        "publish_log",
    }


def test_the_mapping_stays_in_the_working_warehouse_and_pseudonyms_are_stable(published_home):
    settings = published_home
    secret = secret_of(settings)
    mapping = query(
        settings.warehouse_path,
        "SELECT role, real_value, reason, pseudonym FROM main.published_pseudonyms "
        "ORDER BY role, real_value",
    )
    assert [(role, value, reason) for role, value, reason, _ in mapping] == [
        ("agent", "+86 138 0013 8000", "phone"),
        ("agent", "13800138000", "phone"),
        ("agent", "Jane\u00a0Roe", "personal_name"),  # byte order: capitals first
        ("agent", "crm:555-123-4567", "phone"),
        ("agent", "jane.doe@example.com", "email"),
        ("agent", "servicenow:Jane Doe", "personal_name"),
        ("agent", "zendesk:bob@example.org", "email"),
        ("agent", "张伟", "personal_name"),
        ("team", "support@acme.example", "email"),
        ("team_id", "support@acme.example", "email"),
        ("ticket_id", "+1 555 0100 999", "phone"),
    ]
    assert (
        "agent",
        "jane.doe@example.com",
        "email",
        expected_pseudonym(secret, "jane.doe@example.com", "", "agent"),
    ) in mapping
    before = published_scope_ids(settings, "indicator_values")
    run_publish(settings, "run-2")
    # same key, same pseudonyms; the mapping is not duplicated
    assert secret_of(settings) == secret
    assert published_scope_ids(settings, "indicator_values") == before
    assert query(settings.warehouse_path, "SELECT count(*) FROM main.published_pseudonyms") == [
        (len(mapping),)
    ]


def test_personal_names_are_published_only_when_the_user_opts_in(published_home):
    settings = published_home
    run_publish(settings, "run-2", personal_names=True)
    agents = {
        scope_id
        for scope_type, scope_id in published_scope_ids(settings, "scores")
        if scope_type == "agent"
    }
    assert {"servicenow:Jane Doe", "张伟"} <= agents
    # opting in to names never lets an e-mail address or a phone number through
    assert not {"jane.doe@example.com", "13800138000", "+86 138 0013 8000"} & agents


def test_the_opt_in_is_a_setting_off_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("TSQ_PUBLISH_PERSONAL_NAMES", raising=False)
    assert TsqSettings(home=tmp_path).publish_personal_names is False
    monkeypatch.setenv("TSQ_PUBLISH_PERSONAL_NAMES", "1")
    assert TsqSettings(home=tmp_path).publish_personal_names is True


def test_numbers_are_not_text_and_stay_as_they_are(published_home):
    settings = published_home
    assert query(
        settings.published_path,
        "SELECT DISTINCT value, typeof(value) FROM indicator_values",
    ) == [(-5.0, "DOUBLE")]
    assert query(
        settings.published_path, "SELECT DISTINCT score_change, typeof(score_change) FROM scores"
    ) == [(-1.5, "DECIMAL(2,1)")]


@pytest.mark.parametrize(
    ("value", "role", "reason"),
    [
        ("A001", "agent", None),
        ("Jane", "agent", None),  # one word: nothing tells it from a login
        ("Jane Doe", "agent", "personal_name"),
        ("Jane Doe", "team", None),
        ("2024-000123", "ticket_id", None),
        ("2024-000123", "agent", "phone"),  # in a person column, a digit run is a number
        ("+44 20 7946 0000", "product", "phone"),
        ("J. Doe", "agent", "personal_name"),
        ("Doe, Jane", "agent", "personal_name"),
        ("zd:12 345", "agent", None),  # 5 digits: too short for a phone number
        ("x@y", "agent", None),  # no domain: not an address
    ],
)
def test_the_rules_case_by_case(value, role, reason):
    assert personal_reason(value, role, publish_personal_names=False) == reason


def test_the_home_and_the_working_warehouse_are_their_owners_alone(tmp_path):
    settings = TsqSettings(home=tmp_path / "new" / "home").ensure()
    for folder in (settings.root, settings.inbox, settings.dagster_home):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    duckdb.connect(str(settings.warehouse_path)).close()  # created with the umask's mode
    settings.ensure()
    assert stat.S_IMODE(settings.warehouse_path.stat().st_mode) == 0o600


def test_the_sql_sieve_lets_through_every_value_the_rules_object_to():
    """find_replacements asks DuckDB (RE2) for candidates first; a value the Python rules
    would replace but the sieve missed would be published as it is."""
    values = [scope_id for _, scope_id, _ in SCOPES] + [
        "Jane\u3000Doe",  # ideographic space
        "１３８００１３８０００",  # full-width digits
        "Doe,\u2009Jane",  # thin space
        "ops:+44 (0)20 7946 0000",
        "jane_doe+tag@mail.example.co.uk",
    ]
    con = duckdb.connect()
    try:
        for value in values:
            for role in ("agent", "team", "ticket_id"):
                if personal_reason(value, role, publish_personal_names=False):
                    (sieved,) = con.execute(
                        "SELECT regexp_matches(?, ?)", [value, CANDIDATE_SIEVE]
                    ).fetchone()
                    assert sieved, (value, role)
    finally:
        con.close()


def test_formula_text_is_neutralised_in_columns_that_are_not_ids_too(published_home):
    assert query(
        published_home.published_path, "SELECT unit, definition, weight FROM indicator_catalog"
    ) == [("rate", "'=SUM(A1)", 1.0)]
