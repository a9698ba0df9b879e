"""Writing SQL text for DuckDB: a constant as a string literal, a name as an identifier.

On the ground floor because every layer writes SQL: the adapters, ingest, publish and the
benchmark. Values that come from outside (a file, a mapping, a CLI flag) are never
written into SQL text with these: they go in as bound parameters. `sql_string` is for
the project's own constants (a status list, a path TSQ chose).
"""


def quote_identifier(identifier: str) -> str:
    """`identifier` as a quoted SQL identifier (a"b -> "a""b"): the only way a column or
    table name read from a file or a mapping enters SQL text."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_string(value: str) -> str:
    """`value` as a SQL string literal ('it''s'), for constants of our own only."""
    return "'" + value.replace("'", "''") + "'"
