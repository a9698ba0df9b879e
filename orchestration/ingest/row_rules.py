"""Row-level rules of the export contract, as SQL over a table of text columns.

A row that breaks one goes to quarantine with the rules it broke instead of into raw;
the rules come from the contract (required, type, allowed values), so they are defined
once, in orchestration/contract.py.
"""

from __future__ import annotations

from orchestration.contract import Column, ColumnType, Entity
from orchestration.ingest.readers import sql_string

_TRUTH_VALUES = ("true", "false", "1", "0", "yes", "no", "t", "f", "y", "n")
_TYPE_PARSE = {
    ColumnType.INTEGER: "TRY_CAST({c} AS BIGINT) IS NOT NULL",
    ColumnType.NUMBER: "TRY_CAST({c} AS DOUBLE) IS NOT NULL",
    ColumnType.TIMESTAMP: "TRY_CAST({c} AS TIMESTAMPTZ) IS NOT NULL",
    ColumnType.DATE: "TRY_CAST({c} AS DATE) IS NOT NULL",
    ColumnType.BOOLEAN: "lower({c}) IN (" + ", ".join(sql_string(v) for v in _TRUTH_VALUES) + ")",
}


def _column_rules(column: Column) -> list[tuple[str, str]]:
    """(rule name, SQL condition that is TRUE when the row breaks the rule)."""
    c = f'"{column.name}"'
    rules = []
    if column.required:
        rules.append((f"required:{column.name}", f"{c} IS NULL"))
    if column.type in _TYPE_PARSE:
        parses = _TYPE_PARSE[column.type].format(c=c)
        rules.append((f"type:{column.name}:{column.type}", f"{c} IS NOT NULL AND NOT ({parses})"))
    if column.allowed:
        allowed = ", ".join(sql_string(v) for v in column.allowed)
        rules.append((f"allowed:{column.name}", f"{c} IS NOT NULL AND {c} NOT IN ({allowed})"))
    return rules


def rules_of(entity: Entity) -> list[tuple[str, str]]:
    return [rule for column in entity.columns for rule in _column_rules(column)]


def breaks_any_rule_sql(entity: Entity) -> str:
    """A boolean SQL expression, TRUE when the row breaks at least one rule. Cheaper than
    the list below, so it sorts the rows and the list is built for quarantined rows only."""
    conditions = [f"coalesce({condition}, false)" for _, condition in rules_of(entity)]
    return " OR ".join(conditions) if conditions else "false"


def broken_rules_sql(entity: Entity) -> str:
    """A list-valued SQL expression: the names of the rules the row breaks (empty if none)."""
    cases = [
        f"CASE WHEN {condition} THEN {sql_string(name)} END" for name, condition in rules_of(entity)
    ]
    if not cases:
        return "CAST([] AS VARCHAR[])"
    return f"list_filter([{', '.join(cases)}], lambda rule: rule IS NOT NULL)"
