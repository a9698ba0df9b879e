"""Ingestion assets: one per contract entity, loading new inbox files into raw.<entity>."""

import dagster as dg

from orchestration.contract import ENTITIES, Entity
from orchestration.ingest.loader import load_entity
from orchestration.resources import TsqHome


def build_ingest_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", entity.name],
        group_name="raw",
        description=f"Inbox files of '{entity.name}' loaded as text, with lineage columns. "
        + entity.description,
        kinds={"duckdb", "python"},
        pool="tsq_warehouse",
        # vendor exports are translated into canonical files first
        deps=[dg.AssetKey(["raw", "inbox_adapters"])],
    )
    def ingest(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
        settings = tsq.settings
        with tsq.connect() as con:
            summary = load_entity(con, entity, settings.inbox, settings.root)
        if summary.files_loaded:
            context.log.info(f"{entity.name}: loaded {summary.files_loaded}")
        return dg.MaterializeResult(
            metadata={
                "files_loaded": summary.files_loaded,
                "files_already_loaded": summary.files_skipped,
                "rows_loaded": summary.rows_loaded,
                "rows_quarantined": summary.rows_quarantined,
                "dagster/row_count": summary.total_rows,
            }
        )

    return ingest


ingest_assets = [build_ingest_asset(entity) for entity in ENTITIES]
