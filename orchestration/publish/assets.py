"""The publish asset: runs only when every blocking check upstream of it passed."""

import dagster as dg
import duckdb

from orchestration.engines import engine_for
from orchestration.publish.store import PUBLISHED_SCHEMA, published_models
from orchestration.quality.suites import discover_suites
from orchestration.quarantine import set_aside_by_rule
from orchestration.report import (
    ReportError,
    ReportRequest,
    report_path,
    write_report,
)
from orchestration.resources import TsqHome
from orchestration.up_to_date import FINGERPRINT_TAG, record_published_inputs

# Dagster holds back an asset only for blocking checks on its *direct* upstream assets.
# The dbt layers are one op, so publishing depends directly on every asset that has a
# suite: then each blocking check must pass before this asset may run.
_GATED_ASSETS = sorted({suite.asset_key for suite in discover_suites()})


@dg.asset(
    key="published_store",
    group_name="published",
    deps=[
        *(dg.AssetKey([PUBLISHED_SCHEMA, model]) for model in published_models()),
        *(dg.AssetKey(list(key)) for key in _GATED_ASSETS),
    ],
    description="published.duckdb, the BI-facing store, replaced atomically. Blocking checks "
    "on every layer sit upstream of it: if one fails, this asset does not run and the "
    "previous file stays as it was.",
    kinds={"duckdb"},
    pool="tsq_warehouse",
)
def published_store(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
    checks = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    checks_passed = sum(
        1 for record in checks if record.event_log_entry.dagster_event.event_specific_data.passed
    )
    settings = tsq.settings
    with tsq.connect() as con:
        # TSQ_ENGINE: the engine's own BI tables too, and the same published.duckdb and
        # Parquet set whatever the engine (orchestration/engines/)
        outcome = engine_for(settings).publish(
            con,
            settings.published_path,
            context.run.run_id,
            checks_passed,
            publish_personal_names=settings.publish_personal_names,
        )
        quarantine = set_aside_by_rule(con)
    # the report of what was just published, beside the store; the store is already in
    # place, so a report that cannot be made is a warning, not a failed publication
    report: dict[str, dg.MetadataValue] = {}
    try:
        written = write_report(
            ReportRequest(settings.published_path, quarantine=quarantine),
            report_path(settings.published_path),
        )
        report["report"] = dg.MetadataValue.path(str(written))
    except (ReportError, duckdb.Error, OSError) as error:
        context.log.warning(f"published, but the report could not be written: {error}")
    fingerprint = context.run.tags.get(FINGERPRINT_TAG)
    if fingerprint:
        record_published_inputs(settings, context.run.run_id, fingerprint)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(outcome.path)),
            "parquet_folder": dg.MetadataValue.path(str(outcome.parquet_folder)),
            "checks_passed_in_run": checks_passed,
            "values_pseudonymised": outcome.pseudonymised,
            **report,
            **{f"rows_{model}": count for model, count in outcome.row_counts.items()},
        }
    )
