"""Row-level rules of the export contract, as SQL over a table of text columns.

A row that breaks one goes to quarantine with the rules it broke instead of into raw.
The rules are `orchestration.contract.row_rules` (required, type, pattern, allowed,
range, order within the row, time zone, plausible window, control characters, key unique
in its file), the same list the raw
expectation suites are generated from (scripts/build_raw_suites.py): this module only
translates each rule into SQL, so a row the load accepts cannot fail a raw suite.

Two rules need what only a load has, and are applied with `at_load=True`:

- `plausible:<column>` reads the window from the temp table `plausible_window`
  (`create_plausible_window`), filled with bound parameters;
- `duplicate_key:<key>` reads the column `_duplicate_of` the loader adds to the staged
  rows (the first row of the file with the same key, NULL for that first row).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import duckdb

from orchestration.contract import (
    CLOCK_PATTERN,
    CONTROL_CHARACTERS_PATTERN,
    PLAUSIBLE_AHEAD_DAYS,
    PLAUSIBLE_FROM_DEFAULT,
    Column,
    ColumnType,
    Entity,
    RuleKind,
    row_rules,
)
from orchestration.ingest.readers import IngestError
from orchestration.sql_text import quote_identifier, sql_string

PLAUSIBLE_WINDOW = "plausible_window"
DUPLICATE_OF = "_duplicate_of"
#: environment variable overriding the plausible window's lower bound (an ISO date or
#: timestamp); settings.py belongs to the publish side, so the loader reads it here
PLAUSIBLE_FROM_ENV = "TSQ_PLAUSIBLE_FROM"

_PARSES_AS = {
    ColumnType.INTEGER: "BIGINT",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.DATE: "DATE",
}


def plausible_from() -> datetime:
    """The window's lower bound: TSQ_PLAUSIBLE_FROM, else 2000-01-01 UTC. A naive value is
    UTC. A value that is not a date refuses the load with the variable's name."""
    text = os.environ.get(PLAUSIBLE_FROM_ENV) or PLAUSIBLE_FROM_DEFAULT
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise IngestError(
            f"{PLAUSIBLE_FROM_ENV}={text!r} is not an ISO date such as 2000-01-01"
        ) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def create_plausible_window(con: duckdb.DuckDBPyConnection, loaded_at: datetime) -> None:
    """(Re)create the temp table `plausible_window` for a load made at `loaded_at`: from
    TSQ_PLAUSIBLE_FROM (default 2000-01-01) to the load plus one day. The upper bound is
    the load's own instant, not the data's latest timestamp: a 2200 date would otherwise
    move the bound with it."""
    start = plausible_from().astimezone(UTC)
    until = loaded_at.astimezone(UTC) + timedelta(days=PLAUSIBLE_AHEAD_DAYS)
    described = f"outside the plausible window {start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PLAUSIBLE_WINDOW} AS "
        "SELECT ?::TIMESTAMPTZ AS from_at, ?::TIMESTAMPTZ AS until_at, ?::VARCHAR AS described",
        [start, until, described],
    )


def _typed(column: Column) -> str:
    """The column's text value cast to what it compares as (NULL when it does not parse,
    which the type rule reports): a clock time as TIME, so 9:00 comes before 18:00."""
    if column.type in _PARSES_AS:
        return f"TRY_CAST({quote_identifier(column.name)} AS {_PARSES_AS[column.type]})"
    if column.pattern == CLOCK_PATTERN:
        return f"TRY_CAST({quote_identifier(column.name)} AS TIME)"
    raise ValueError(f"column {column.name} ({column.type}) has no order")  # pragma: no cover


def _order_of(column: Column, rule_name: str) -> tuple[str, str]:
    """(the other column, the SQL relation the value keeps with it) of an order rule."""
    for other, relation in (
        (column.not_before, ">="),
        (column.after, ">"),
        (column.not_above, "<="),
    ):
        if other and rule_name.endswith(f"{relation}{other}"):
            return other, relation
    raise ValueError(f"{rule_name} names no order of {column.name}")  # pragma: no cover


def _rule_sql(entity: Entity, at_load: bool) -> list[tuple[str, str, str]]:
    """(rule name, SQL TRUE when the row breaks it, SQL text of the reason given) per rule.
    The reason is the name, with the offending detail where one helps (the row a
    duplicate repeats, the window a timestamp misses)."""
    columns = {c.name: c for c in entity.columns}
    translated: list[tuple[str, str, str]] = []
    for rule in row_rules(entity):
        name = sql_string(rule.name)
        if rule.kind is RuleKind.UNIQUE_IN_FILE:
            if at_load:
                translated.append(
                    (
                        rule.name,
                        f"{DUPLICATE_OF} IS NOT NULL",
                        f"{name} || ' (same key as row ' || {DUPLICATE_OF} || ')'",
                    )
                )
            continue
        if rule.kind is RuleKind.CONTROL:
            for column in entity.column_names:
                c = quote_identifier(column)
                translated.append(
                    (
                        f"{rule.name}:{column}",
                        f"regexp_matches({c}, {sql_string(CONTROL_CHARACTERS_PATTERN)})",
                        sql_string(f"{rule.name}:{column}"),
                    )
                )
            continue
        assert rule.column is not None
        column = columns[rule.column]
        c = quote_identifier(column.name)
        if rule.kind is RuleKind.REQUIRED:
            condition = f"{c} IS NULL"
        elif rule.kind is RuleKind.TYPE:
            looks = f"regexp_full_match({c}, {sql_string(column.value_pattern)})"
            if column.type in _PARSES_AS:
                looks += f" AND TRY_CAST({c} AS {_PARSES_AS[column.type]}) IS NOT NULL"
            condition = f"{c} IS NOT NULL AND NOT ({looks})"
        elif rule.kind is RuleKind.PATTERN:
            condition = (
                f"{c} IS NOT NULL AND NOT regexp_full_match({c}, {sql_string(column.pattern)})"
            )
        elif rule.kind is RuleKind.ALLOWED:
            allowed = ", ".join(sql_string(v) for v in column.allowed)
            condition = f"{c} IS NOT NULL AND {c} NOT IN ({allowed})"
        elif rule.kind is RuleKind.RANGE:
            value = _typed(column)
            bounds = [
                f"{value} {op} {bound!r}"
                for op, bound in (("<", column.minimum), (">", column.maximum))
                if bound is not None
            ]
            condition = " OR ".join(bounds)
        elif rule.kind is RuleKind.ORDER:
            other_name, relation = _order_of(column, rule.name)
            other = _typed(columns[other_name])
            # NULL (either value missing) keeps the rule: an open ticket has no closed_at
            condition = f"NOT ({_typed(column)} {relation} {other})"
        elif rule.kind is RuleKind.TIME_ZONE:
            condition = f"{c} IS NOT NULL AND {c} NOT IN (SELECT name FROM pg_timezone_names())"
        elif rule.kind is RuleKind.PLAUSIBLE:
            if not at_load:
                continue
            condition = (
                f"TRY_CAST({c} AS TIMESTAMPTZ) NOT BETWEEN "
                f"(SELECT from_at FROM {PLAUSIBLE_WINDOW}) "
                f"AND (SELECT until_at FROM {PLAUSIBLE_WINDOW})"
            )
            translated.append(
                (
                    rule.name,
                    condition,
                    f"{name} || ' (' || {c} || ' is ' || "
                    f"(SELECT described FROM {PLAUSIBLE_WINDOW}) || ')'",
                )
            )
            continue
        else:  # pragma: no cover - a new kind must be translated here
            raise ValueError(f"row rule kind {rule.kind} has no SQL")
        translated.append((rule.name, condition, name))
    return translated


def breaks_any_rule_sql(
    entity: Entity, at_load: bool = False, control_characters_possible: bool = True
) -> str:
    """A boolean SQL expression, TRUE when the row breaks at least one rule. Cheaper than
    the list below, so it sorts the rows and the list is built for quarantined rows only.
    The control-character test runs once over the row's values joined, not per column;
    it is left out when the caller knows no value can hold one (a CSV file without a
    control byte: readers.holds_control_bytes)."""
    conditions = [
        f"coalesce({condition}, false)"
        for name, condition, _ in _rule_sql(entity, at_load)
        if not name.startswith(f"{RuleKind.CONTROL}:")
    ]
    if control_characters_possible:
        joined = ", ".join(quote_identifier(c) for c in entity.column_names)
        conditions.append(
            f"coalesce(regexp_matches(concat_ws('', {joined}), "
            f"{sql_string(CONTROL_CHARACTERS_PATTERN)}), false)"
        )
    return " OR ".join(conditions)


def _rule_list_sql(entity: Entity, at_load: bool, reasons: bool) -> str:
    cases = [
        f"CASE WHEN {condition} THEN {reason if reasons else sql_string(name)} END"
        for name, condition, reason in _rule_sql(entity, at_load)
    ]
    return f"list_filter([{', '.join(cases)}], lambda rule: rule IS NOT NULL)"


def broken_rules_sql(entity: Entity, at_load: bool = False) -> str:
    """A list-valued SQL expression: the names of the rules the row breaks (empty if none).
    Without `at_load` it needs nothing but the row (the plausible window and the in-file
    duplicate rule are left out)."""
    return _rule_list_sql(entity, at_load, reasons=False)


def broken_rule_reasons_sql(entity: Entity, at_load: bool = False) -> str:
    """Like broken_rules_sql, with the detail of each reason (for `rules_broken`)."""
    return _rule_list_sql(entity, at_load, reasons=True)
