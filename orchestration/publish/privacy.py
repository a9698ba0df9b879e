"""What the published store may say about people, and text that must not run as a formula.

Rules (docs/published-tables.md, "Personal data and formulas"):

- Identifier columns are those whose name ends in `_id` (scope_id, team_id, ticket_id,
  …) and the person columns; only they are searched for personal data. Person columns
  are `scope_id` where `scope_type = 'agent'`, and any published column named
  `agent_id`, `assignee_id` or `assigned_to`; the other identifier columns are ordinary.
- E-mail address (anywhere in the value), in any identifier column: a pseudonym.
- Phone number (the whole value, after a `source:` prefix), in any identifier column: a
  pseudonym. In a person column any run of 7 to 15 digits written with `+`, spaces, dots,
  dashes or brackets, or 10 or more bare digits, counts; in an ordinary column only
  unmistakable forms do (a leading `+`, a mainland China mobile number `1[3-9]` + 9
  digits, or the North American `(555) 123-4567` form), so that ticket ids such as
  `2024-000123` stay as they are.
- Personal name, in a person column only: a value (after a `source:` prefix) with a space
  between two letters (`servicenow:Jane Doe`, also `J. Doe` and `Doe, Jane`) or any CJK
  ideograph (`张伟`): a pseudonym unless TSQ_PUBLISH_PERSONAL_NAMES=1. Ids such as `A001`
  or `src:A001` are published as they are.
- A pseudonym is the value's `source:` prefix (kept: it names a system, not a person),
  then `agent-` (person columns) or the scope type / column stem (`team-`, `ticket-`),
  then the first 12 hex digits of HMAC-SHA256(secret, value). The secret is random,
  made once per working warehouse (`main.publish_secret`), so a pseudonym is stable
  from run to run and cannot be recomputed from a guessed e-mail address without it.
  The pseudonym -> value mapping is `main.published_pseudonyms` in the working warehouse,
  never in the published store.
- After that, any text value that begins with `=`, `+`, `-`, `@`, a tab or a carriage
  return gets a leading `'` (OWASP, CSV injection), in every VARCHAR column. Numbers are
  not text and are not touched.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from orchestration.sql_text import quote_identifier

PERSON_COLUMNS = frozenset({"agent_id", "assignee_id", "assigned_to"})
PERSON_SCOPE_TYPES = frozenset({"agent"})

# A cheap first sieve run in DuckDB (RE2), so only candidate values reach Python: an @, a
# +, a run of digits with separators, a space between two non-digits, or an ideograph.
# It must match every value `personal_reason` objects to (a test checks): RE2's \d and
# \s are ASCII-only where Python's are Unicode, hence \pN and \pZ.
CANDIDATE_SIEVE = (
    r"@|\+|\pN[\pN\s\pZ().-]{5,}\pN|[^\s\pZ\pN][.,]?[\s\pZ]+[^\s\pZ\pN]"
    r"|[\x{3400}-\x{9fff}\x{f900}-\x{faff}]"
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# `source:` as written by the adapters (orchestration/adapters/base.py, namespaced)
_SOURCE_PREFIX = re.compile(r"^([A-Za-z0-9_.-]{1,64}):(?!//)")
_PHONE_SHAPE = re.compile(r"\+?[\d\s().-]+")
_SEPARATED = re.compile(r"\d[\s().-]+\d")
_CHINA_MOBILE = re.compile(r"1[3-9]\d(?:[\s-]?\d{4}){2}")
_NORTH_AMERICAN = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}")
# a space between two letters, the first maybe followed by . or , ("J. Doe", "Doe, Jane")
_NAME_SPACE = re.compile(r"[^\W\d_][.,]?\s+[^\W\d_]")
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# OWASP CSV injection: the characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Replacement:
    role: str  # the scope type for scope_id, else the column's name
    real_value: str
    pseudonym: str
    reason: str  # email | phone | personal_name


def split_source(value: str) -> tuple[str, str]:
    """('servicenow:', 'Jane Doe') for 'servicenow:Jane Doe'; ('', value) without one."""
    match = _SOURCE_PREFIX.match(value)
    if match and "@" not in match.group(1):
        return value[: match.end()], value[match.end() :]
    return "", value


def is_identifier_column(column: str) -> bool:
    """Columns that carry ids from the exports (scope_id, team_id, ticket_id, …) and the
    person columns: the only ones searched for personal data. The others hold the
    project's own vocabularies (period_grain, score_status, priority P1-P4, …) or text it
    wrote (no_data_reason), and scanning them too made publishing markedly slower
    (docs/performance.md, "Why the code is shaped as it is")."""
    return column.endswith("_id") or column in PERSON_COLUMNS


def is_person_role(role: str) -> bool:
    return role in PERSON_SCOPE_TYPES or role in PERSON_COLUMNS


def _looks_like_phone(text: str, person: bool) -> bool:
    text = text.strip()
    if not _PHONE_SHAPE.fullmatch(text):
        return False
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15:
        return False
    if text.startswith("+") or _CHINA_MOBILE.fullmatch(text) or _NORTH_AMERICAN.fullmatch(text):
        return True
    return person and (bool(_SEPARATED.search(text)) or digits >= 10)


def personal_reason(value: str, role: str, publish_personal_names: bool) -> str | None:
    """Why `value` may not be published as it is in a column of `role`, else None."""
    person = is_person_role(role)
    if _EMAIL.search(value):
        return "email"
    _, rest = split_source(value)
    if _looks_like_phone(rest, person):
        return "phone"
    names_hidden = person and not publish_personal_names
    if names_hidden and (_NAME_SPACE.search(rest) or _IDEOGRAPH.search(rest)):
        return "personal_name"
    return None


def pseudonym(secret: bytes, value: str, role: str) -> str:
    prefix, _ = split_source(value)
    label = "agent" if is_person_role(role) else role.removesuffix("_id")
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}{label}-{digest[:12]}"


def publish_secret(con: duckdb.DuckDBPyConnection) -> bytes:
    """The working warehouse's pseudonym key, made on first use and then kept."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS main.publish_secret "
        "(secret_hex VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL)"
    )
    row = con.execute("SELECT secret_hex FROM main.publish_secret LIMIT 1").fetchone()
    if row is None:
        con.execute(
            "INSERT INTO main.publish_secret VALUES (?, ?)",
            [secrets.token_hex(32), datetime.now(UTC)],
        )
        row = con.execute("SELECT secret_hex FROM main.publish_secret LIMIT 1").fetchone()
    return bytes.fromhex(row[0])


def varchar_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND data_type = 'VARCHAR' "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def all_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def find_replacements(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    tables: tuple[str, ...],
    secret: bytes,
    publish_personal_names: bool,
) -> list[Replacement]:
    """Every (role, value) in the published tables that may not be published as it is."""
    found: dict[tuple[str, str], Replacement] = {}
    for table in tables:
        columns = varchar_columns(con, schema, table)
        relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
        for column in filter(is_identifier_column, columns):
            ident = quote_identifier(column)
            # a scope_id's role is its row's scope type; any other column's, its name
            scoped = column == "scope_id" and "scope_type" in columns
            role_sql = "scope_type" if scoped else "?"
            params = [] if scoped else [column]
            # distinct first: the sieve then runs once per value, not once per row
            candidates = con.execute(
                f"SELECT role, value FROM (SELECT DISTINCT {role_sql} AS role, {ident} AS value "
                f"FROM {relation}) WHERE value IS NOT NULL AND regexp_matches(value, ?)",
                [*params, CANDIDATE_SIEVE],
            ).fetchall()
            for role, value in candidates:
                role = role or ""
                reason = personal_reason(value, role, publish_personal_names)
                if reason and (role, value) not in found:
                    found[(role, value)] = Replacement(
                        role, value, pseudonym(secret, value, role), reason
                    )
    return sorted(found.values(), key=lambda r: (r.role, r.real_value))


def remember_replacements(
    con: duckdb.DuckDBPyConnection, replacements: list[Replacement], run_id: str
) -> None:
    """Keep pseudonym -> value in the working warehouse (never in the published store),
    written before the store that uses them is swapped in."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS main.published_pseudonyms (
            pseudonym VARCHAR NOT NULL,
            role VARCHAR NOT NULL,          -- scope type of a scope_id, else the column
            real_value VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,        -- email | phone | personal_name
            first_run_id VARCHAR NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL
        )
        """
    )
    if not replacements:
        return
    rows = [
        (r.pseudonym, r.role, r.real_value, r.reason, run_id, datetime.now(UTC))
        for r in replacements
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE publish_replacements (pseudonym VARCHAR, role VARCHAR, "
        "real_value VARCHAR, reason VARCHAR, first_run_id VARCHAR, first_seen_at TIMESTAMPTZ)"
    )
    con.executemany("INSERT INTO publish_replacements VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        """
        INSERT INTO main.published_pseudonyms
        SELECT n.* FROM publish_replacements AS n
        WHERE NOT EXISTS (
            SELECT 1 FROM main.published_pseudonyms AS o
            WHERE o.role = n.role AND o.real_value = n.real_value
        )
        """
    )


def safe_select(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, replacements: list[Replacement]
) -> tuple[str, list[str]]:
    """SELECT text (and its parameters) giving `table` as it may be published: every
    column in order, pseudonyms in place of personal values, formula starts neutralised.
    `publish_replacements` (remember_replacements) must hold `replacements`."""
    text_columns = set(varchar_columns(con, schema, table))
    columns = all_columns(con, schema, table)
    has_scope_type = "scope_type" in columns
    selects: list[str] = []
    select_params: list[str] = []  # bound in text order: the select list, then the joins
    joins: list[str] = []
    params: list[str] = []
    roles = {r.role for r in replacements}
    for index, column in enumerate(columns):
        ident = quote_identifier(column)
        if column not in text_columns:
            selects.append(f"t.{ident}")
            continue
        value = f"t.{ident}"
        scoped = column == "scope_id" and has_scope_type
        if replacements and (scoped or column in roles):
            alias = f"p{index}"
            if scoped:
                joins.append(
                    f"LEFT JOIN publish_replacements AS {alias} "
                    f"ON {alias}.role = t.scope_type AND {alias}.real_value = t.{ident}"
                )
            else:
                joins.append(
                    f"LEFT JOIN publish_replacements AS {alias} "
                    f"ON {alias}.role = ? AND {alias}.real_value = t.{ident}"
                )
                params.append(column)
            value = f"coalesce({alias}.pseudonym, t.{ident})"
        # starts_with, not a regular expression: far cheaper over millions of rows
        # (docs/performance.md, "Why the code is shaped as it is")
        formula = " OR ".join(f"starts_with({value}, ?)" for _ in FORMULA_STARTS)
        selects.append(f"CASE WHEN {formula} THEN '''' || {value} ELSE {value} END AS {ident}")
        select_params += FORMULA_STARTS
    sql = (
        f"SELECT {', '.join(selects)} "
        f"FROM {quote_identifier(schema)}.{quote_identifier(table)} AS t {' '.join(joins)}"
    )
    return sql, select_params + params
