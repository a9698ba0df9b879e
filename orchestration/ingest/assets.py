"""Ingestion assets: one per contract entity, loading new inbox files into raw.<entity>."""

import dagster as dg

from orchestration.contract import ENTITIES, Column, Entity
from orchestration.contract_dbt import LINEAGE_COLUMNS, column_description
from orchestration.ingest.loader import load_entity
from orchestration.ingest.ticket_cascade import depends_on_tickets
from orchestration.resources import TsqHome


def upstream_of(entity: Entity) -> list[dg.AssetKey]:
    # vendor exports are translated into canonical files first
    upstream = [dg.AssetKey(["raw", "inbox_adapters"])]
    if depends_on_tickets(entity):
        # rows of a ticket quarantined in this run must find it quarantined when they load
        upstream.append(dg.AssetKey(["raw", "tickets"]))
    return upstream


#: The storage type of each lineage column in raw.<entity> (orchestration/raw_tables.py
#: creates them NOT NULL); their descriptions are contract_dbt's, the same text dbt docs
#: shows. tests/test_raw_assets.py compares both with the table a real load made.
#: (Lower case, as dagster-dbt shows the dbt models' column types.)
LINEAGE_COLUMN_TYPES = {
    "_source_file": "varchar",
    "_source_row": "bigint",
    "_load_id": "varchar",
    "_loaded_at": "timestamptz",
}
#: Every contract column is stored as text in raw; staging types it.
RAW_VALUE_TYPE = "varchar"


def _contract_constraints(column: Column) -> dg.TableColumnConstraints:
    """What the load's row rules guarantee of a value in raw: a required column is never
    empty (rule required:<column>), an allowed list or a range holds (allowed:, range:)."""
    rules: list[str] = []
    if column.allowed:
        rules.append("one of " + ", ".join(column.allowed))
    if column.minimum is not None:
        rules.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        rules.append(f"<= {column.maximum:g}")
    return dg.TableColumnConstraints(nullable=not column.required, other=rules or None)


def raw_column_schema(entity: Entity) -> dg.TableSchema:
    """The columns of raw.<entity>, generated from the export contract: its columns in
    contract order (stored as text; the contract's type is the tag `contract_type` and is
    named in the description), then the loader's lineage columns."""
    contract_columns = [
        dg.TableColumn(
            name=column.name,
            type=RAW_VALUE_TYPE,
            # the text dbt docs shows for the raw source (_sources.yml is rendered with
            # the same function), so Dagster and dbt say the same of every column
            description=column_description(column),
            constraints=_contract_constraints(column),
            tags={"contract_type": str(column.type)},
        )
        for column in entity.columns
    ]
    lineage_columns = [
        dg.TableColumn(
            name=name,
            type=LINEAGE_COLUMN_TYPES[name],
            description=description,
            constraints=dg.TableColumnConstraints(nullable=False),
        )
        for name, description in LINEAGE_COLUMNS
    ]
    return dg.TableSchema(columns=contract_columns + lineage_columns)


def build_ingest_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", entity.name],
        group_name="raw",
        description=f"Inbox files of '{entity.name}' loaded as text, with lineage columns. "
        + entity.description,
        kinds={"duckdb", "python"},
        pool="tsq_warehouse",
        deps=upstream_of(entity),
        metadata={"dagster/column_schema": raw_column_schema(entity)},
    )
    def ingest(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
        settings = tsq.settings
        with tsq.connect() as con:
            summary = load_entity(con, entity, settings.inbox, settings.root)
        if summary.files_loaded:
            context.log.info(f"{entity.name}: loaded {summary.files_loaded}")
        for file, reason in summary.files_refused:
            # refused whole; the run goes on without it (docs/export-contract.md)
            context.log.warning(f"{entity.name}: refused {file}: {reason}")
        for file in summary.files_retracted:
            context.log.info(f"{entity.name}: {file} was retracted; not loaded again")
        if summary.rows_moved_to_quarantine or summary.rows_released_from_quarantine:
            context.log.info(
                f"{entity.name}: {summary.rows_moved_to_quarantine} rows loaded earlier "
                f"followed their ticket into quarantine, "
                f"{summary.rows_released_from_quarantine} came back with it"
            )
        return dg.MaterializeResult(
            metadata={
                "files_loaded": summary.files_loaded,
                "files_already_loaded": summary.files_skipped,
                "files_refused": dg.MetadataValue.json(
                    [{"file": f, "reason": r} for f, r in summary.files_refused]
                ),
                "files_retracted": summary.files_retracted,
                "rows_loaded": summary.rows_loaded,
                "rows_quarantined": summary.rows_quarantined,
                "rows_moved_to_quarantine_with_their_ticket": summary.rows_moved_to_quarantine,
                "rows_released_with_their_ticket": summary.rows_released_from_quarantine,
                "dagster/row_count": summary.total_rows,
            }
        )

    return ingest


ingest_assets = [build_ingest_asset(entity) for entity in ENTITIES]
