"""What the export contract writes into the dbt project: the raw sources and the staging
casts, generated from orchestration/contract.py by `tsq docs` (and checked by
`tsq docs --check`), so a column's name, type and description live in one place.

- `dbt_project/models/staging/_sources.yml`: every contract entity as a table of the
  `raw` source, with its description and its columns' (the loader's lineage columns
  and its two own tables, loads and quarantine, are described here too, quarantine
  column by column);
- `dbt_project/macros/contract_columns.sql`: the macro `contract_columns(entity, ...)`,
  the typed select list of an entity's columns (a timestamp parsed to UTC, numbers and
  dates cast, a boolean read from the contract's spellings), which every staging model
  uses instead of writing its casts by hand. A model passes `overrides` (column ->
  expression) for a definitional choice that is more than a cast, `aliases` (column ->
  output name) and `exclude`.
"""

from __future__ import annotations

import json

from orchestration.contract import (
    BOOLEAN_PATTERN,
    CONTRACT_VERSION,
    ENTITIES,
    Column,
    ColumnType,
)
from orchestration.settings import DBT_PROJECT_DIR

SOURCES_PATH = DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"
CASTS_MACRO_PATH = DBT_PROJECT_DIR / "macros" / "contract_columns.sql"

RAW_SOURCE_DESCRIPTION = (
    f"Inbox files loaded as text by the Dagster ingestion assets (export contract version "
    f"{CONTRACT_VERSION}), with lineage columns."
)
#: the loader's columns on every raw table (orchestration/ingest/loader.py writes them)
LINEAGE_COLUMNS = (
    ("_source_file", "The inbox file the row came from."),
    ("_source_row", "The row's number in that file (1 = the first record after the header)."),
    ("_load_id", "The load (one per file and content) that accepted the row; see raw.loads."),
    ("_loaded_at", "When that load ran."),
)
#: raw.quarantine's columns: name, storage type (lower case, as dagster-dbt shows the
#: models' types), description. orchestration/raw_tables.py creates them, every one NOT
#: NULL; the text is the one dbt docs shows (_sources.yml) and Dagster's raw/quarantine
#: asset shows (ingest/quarantine_asset.py); tests/test_raw_assets.py compares names and
#: types with the table a real load made.
QUARANTINE_COLUMNS = (
    (
        "load_id",
        "varchar",
        "The load that read the row: its row in raw.loads (`tsq loads`); "
        "`tsq retract LOAD_ID` removes it.",
    ),
    ("entity", "varchar", "The contract entity of the file (tickets, ticket_events, ...)."),
    ("source_file", "varchar", "The inbox file the row came from."),
    (
        "source_row",
        "bigint",
        "The row's number in that file (1 = the first record after the header).",
    ),
    (
        "rule",
        "varchar",
        "The first rule the row broke (required:category, allowed:priority, "
        "its ticket was quarantined, unparseable:..., as docs/export-contract.md lists them).",
    ),
    (
        "rules_broken",
        "varchar",
        "Every rule the row broke, with its reason, separated by '; '; for a row that "
        "followed its ticket, the ticket's own reason, file and row; for an unparseable "
        "line, the parser's messages.",
    ),
    (
        "original_row",
        "varchar",
        "The row as read, as JSON of the contract's columns; the line itself when it "
        "could not be parsed.",
    ),
    (
        "quarantined_at",
        "timestamptz",
        "When the row was set aside: its load's time, or the time it followed its ticket "
        "into quarantine.",
    ),
)
#: the loader's own tables in the raw schema, beside the contract's entities
LOADER_TABLES = (
    (
        "quarantine",
        "Rows the ingestion assets refused (row-level rule broken, or unparseable), with the "
        "rule, source file and row, and the original row.",
    ),
    (
        "loads",
        "One row per loaded file: entity, file, SHA-256, rows read, accepted and quarantined.",
    ),
)

# The SQL a value of each type is read with (the row rules guarantee its form already).
_BOOLEAN_TRUE = ("true", "1", "yes", "t", "y")
assert all(word in BOOLEAN_PATTERN for word in _BOOLEAN_TRUE)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def column_description(column: Column) -> str:
    """A contract column's description as dbt docs (the raw source) and Dagster (the raw
    ingest asset's column schema) both show it: the contract's text, plus, for a column
    that is not a string, its type and that raw holds it as text."""
    if column.type is ColumnType.STRING:
        return column.description
    type_name = str(column.type)
    # "An integer", "A timestamp": the contract's type names all sound as they are spelt
    article = "An" if type_name[0] in "aeiou" else "A"
    return f"{column.description} {article} {type_name}, as text (staging types it)."


def render_sources_yml() -> str:
    lines = [
        "# Generated from orchestration/contract.py by `tsq docs`; do not edit.",
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        "    description: " + _quoted(RAW_SOURCE_DESCRIPTION),
        "    schema: raw",
        "    tables:",
    ]
    for entity in ENTITIES:
        lines += [
            f"      - name: {entity.name}",
            f"        description: {_quoted(entity.description)}",
            "        meta:",
            "          dagster:",
            f'            asset_key: ["raw", "{entity.name}"]',
            "        columns:",
        ]
        for column in entity.columns:
            lines += [
                f"          - name: {column.name}",
                f"            description: {_quoted(column_description(column))}",
            ]
        for name, description in LINEAGE_COLUMNS:
            lines += [
                f"          - name: {name}",
                f"            description: {_quoted(description)}",
            ]
    loader_table_columns = {"quarantine": QUARANTINE_COLUMNS}
    for name, description in LOADER_TABLES:
        lines += [
            f"      - name: {name}",
            f"        description: {_quoted(description)}",
            "        meta:",
            "          dagster:",
            f'            asset_key: ["raw", "{name}"]',
        ]
        columns = loader_table_columns.get(name, ())
        if columns:
            lines.append("        columns:")
        for column_name, _storage_type, column_text in columns:
            lines += [
                f"          - name: {column_name}",
                f"            description: {_quoted(column_text)}",
            ]
    return "\n".join(lines) + "\n"


def render_casts_macro() -> str:
    entities = ",\n".join(
        f"        '{entity.name}': ["
        + ", ".join(f"('{c.name}', '{c.type}')" for c in entity.columns)
        + "]"
        for entity in ENTITIES
    )
    true_words = ", ".join(f"'{w}'" for w in _BOOLEAN_TRUE)
    return f"""{{#- Generated from orchestration/contract.py by `tsq docs`; do not edit.

    contract_columns(entity, overrides={{}}, aliases={{}}, exclude=[]): the typed select
    list of a contract entity's columns, read from raw's text: a timestamp parsed to UTC
    (parse_utc_timestamp), an integer, number or date cast, a boolean true for
    {true_words} (any case), a string as it is. `overrides` maps a column to the
    expression a model reads it with instead (a definitional choice, stated in the model);
    `aliases` renames an output column; `exclude` leaves columns out. -#}}

{{% macro contract_columns(entity, overrides={{}}, aliases={{}}, exclude=[]) -%}}
    {{%- set contract = {{
{entities}
    }} -%}}
    {{%- set kept = [] -%}}
    {{%- for name, type in contract[entity] if name not in exclude -%}}
        {{%- do kept.append((name, type)) -%}}
    {{%- endfor -%}}
    {{%- for name, type in kept %}}
    {{% if name in overrides -%}}
        {{{{ overrides[name] }}}}
    {{%- elif type == '{ColumnType.TIMESTAMP}' -%}}
        {{{{ parse_utc_timestamp(name) }}}}
    {{%- elif type == '{ColumnType.INTEGER}' -%}}
        {{{{ tsq.cast_or_null(name, 'integer') }}}}
    {{%- elif type == '{ColumnType.NUMBER}' -%}}
        {{{{ tsq.cast_or_null(name, 'double') }}}}
    {{%- elif type == '{ColumnType.DATE}' -%}}
        {{{{ tsq.cast_or_null(name, 'date') }}}}
    {{%- elif type == '{ColumnType.BOOLEAN}' -%}}
        lower({{{{ name }}}}) in ({true_words})
    {{%- else -%}}
        {{{{ name }}}}
    {{%- endif %}} as {{{{ aliases.get(name, name) }}}}{{{{ ',' if not loop.last }}}}
    {{%- endfor %}}
{{%- endmacro %}}
"""


GENERATED = {SOURCES_PATH: render_sources_yml, CASTS_MACRO_PATH: render_casts_macro}
