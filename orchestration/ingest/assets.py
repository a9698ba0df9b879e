"""Ingestion assets: one per contract entity, loading new inbox files into raw.<entity>."""

import dagster as dg

from orchestration.contract import ENTITIES, Entity
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


def build_ingest_asset(entity: Entity) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", entity.name],
        group_name="raw",
        description=f"Inbox files of '{entity.name}' loaded as text, with lineage columns. "
        + entity.description,
        kinds={"duckdb", "python"},
        pool="tsq_warehouse",
        deps=upstream_of(entity),
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
