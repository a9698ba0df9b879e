"""Expectation suites as blocking Dagster asset checks, one per suite file."""

from pathlib import Path

import dagster as dg

from orchestration.engines import engine_for
from orchestration.quality.data_docs import write_data_docs
from orchestration.quality.suites import SuiteFile, SuiteOutcome, discover_suites, validate_suite
from orchestration.resources import TsqHome
from orchestration.transform.incremental import FULL_REFRESH_TAG


def check_result(outcome: SuiteOutcome, data_docs_page: Path) -> dg.AssetCheckResult:
    failed = outcome.blocking_failures + outcome.warning_failures
    severity = (
        dg.AssetCheckSeverity.ERROR if outcome.blocking_failures else dg.AssetCheckSeverity.WARN
    )
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        description=outcome.summary(),
        metadata={
            "table": outcome.suite.table,
            "suite_file": str(outcome.suite.path.name),
            # a path, not a file:// URL: a browser refuses file:// links from the web UI
            "data_docs": dg.MetadataValue.path(str(data_docs_page)),
            "data_docs_index": dg.MetadataValue.path(str(data_docs_page.parent / "index.html")),
            "rows_checked": outcome.rows_checked,
            "rows_passed_before": outcome.rows_passed_before,
            "loads_passed_before": outcome.loads_passed_before,
            "expectations": len(outcome.outcomes),
            "blocking_failures": len(outcome.blocking_failures),
            "warning_failures": len(outcome.warning_failures),
            "failed_expectations": dg.MetadataValue.json(
                [
                    {
                        "expectation": o.expectation,
                        "column": o.column,
                        "severity": o.severity,
                        "unexpected_count": o.unexpected_count,
                        "unexpected_percent": o.unexpected_percent,
                        "sample_unexpected": o.sample,
                        "observed_value": o.observed_value,
                        "error": o.error,
                    }
                    for o in failed
                ]
            ),
        },
    )


def build_suite_check(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=suite.check_name,
        blocking=True,
        # the check opens the warehouse: one writer, so it queues with the steps
        pool="tsq_warehouse",
        description=f"Great Expectations suite {suite.path.parent.name}/{suite.path.name}: "
        + suite.description,
    )
    def run_suite(context: dg.AssetCheckExecutionContext, tsq: TsqHome) -> dg.AssetCheckResult:
        settings = tsq.settings
        engine = engine_for(settings)
        outcome = validate_suite(
            settings.warehouse_path,
            suite,
            settings.duckdb_memory_limit,
            # TSQ_ENGINE: the layers dbt builds are validated where dbt built them
            engine_url=engine.suite_connection(suite),
            spark_home=engine.suite_spark_home(suite),
            # raw suites judge rows one by one or within a load: a load that passed and
            # kept its rows passes again (orchestration/quality/raw_load_passes.py)
            new_loads_only=suite.layer == "raw",
            revalidate_all=settings.full_refresh
            or context.run.tags.get(FULL_REFRESH_TAG) == "true",
        )
        return check_result(outcome, write_data_docs(outcome, tsq.settings.data_docs_dir))

    return run_suite


suite_checks = [build_suite_check(suite) for suite in discover_suites()]
