"""Reviewed expectation suites (expectations/<layer>/<table>.json) and their validation.

A suite file names the warehouse table it guards and the Dagster asset it is a check
of. Each expectation carries `meta.severity`: `blocking` (a failure stops publishing)
or `warning` (reported, does not block). The suite's check fails with ERROR severity
when any blocking expectation fails.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.expectations.expectation_configuration import (
    ExpectationConfiguration,
)
from sqlalchemy.pool import StaticPool

from orchestration.engines.spark_thrift import is_thrift_url
from orchestration.quality.gx_duckdb import DuckDBDatasource  # noqa: F401 - registers add_duckdb
from orchestration.quality.gx_hive import SparkThriftDatasource  # noqa: F401 - registers add_spark_thrift
from orchestration.quality.raw_load_passes import (
    PendingLoads,
    mark_pending,
    record_passes,
    tracks_loads,
)
from orchestration.settings import EXPECTATIONS_DIR

SEVERITIES = ("blocking", "warning")
#: an unexpected_rows_expectation's query as Spark SQL spells it (TSQ_ENGINE=spark)
SPARK_QUERY_META = "spark_unexpected_rows_query"
_SAMPLE_VALUES = 10
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    name: str
    layer: str
    table: str
    asset_key: tuple[str, ...]
    description: str
    expectations: tuple[dict[str, Any], ...]

    @classmethod
    def read(cls, path: Path) -> SuiteFile:
        spec = json.loads(path.read_text(encoding="utf-8"))
        for expectation in spec["expectations"]:
            severity = expectation.get("meta", {}).get("severity")
            if severity not in SEVERITIES:
                raise ValueError(
                    f"{path}: expectation {expectation['type']} needs meta.severity "
                    f"in {SEVERITIES}, got {severity!r}"
                )
        return cls(
            path=path,
            name=spec["name"],
            layer=path.parent.name,
            table=spec["table"],
            asset_key=tuple(spec["asset_key"]),
            description=spec.get("description", ""),
            expectations=tuple(spec["expectations"]),
        )

    @property
    def check_name(self) -> str:
        return f"gx_{self.name}"


def discover_suites(root: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    return [SuiteFile.read(path) for path in sorted(root.glob("*/*.json"))]


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list[Any]
    observed_value: Any
    error: str | None


@dataclass
class SuiteOutcome:
    suite: SuiteFile
    rows_checked: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    gx_result: Any = None  # GX's ExpectationSuiteValidationResult, for Data Docs
    # a raw suite validating new loads only: the rows of loads that passed it before and
    # were passed over (orchestration/quality/raw_load_passes.py)
    rows_passed_before: int = 0
    loads_passed_before: int = 0

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def warning_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def summary(self) -> str:
        failed = self.blocking_failures + self.warning_failures
        if not failed:
            return f"{self.suite.name}: all {len(self.outcomes)} expectations passed" + (
                f" on {self.rows_checked} new rows ({self.rows_passed_before} rows of "
                f"{self.loads_passed_before} loads passed this suite before)"
                if self.loads_passed_before
                else ""
            )
        parts = [
            f"{o.expectation}({o.column or ''}) [{o.severity}]"
            + (f" {o.unexpected_count} unexpected" if o.unexpected_count else "")
            + (f" error: {o.error}" if o.error else "")
            for o in failed
        ]
        return f"{self.suite.name}: failed " + "; ".join(parts)


def validate_suite(
    database: Path,
    suite: SuiteFile,
    memory_limit: str | None = None,
    engine_url: str | None = None,
    spark_home: Path | None = None,
    new_loads_only: bool = False,
    revalidate_all: bool = False,
) -> SuiteOutcome:
    """Validate one suite against its table in the DuckDB file, pushed down as SQL.

    `memory_limit` caps the DuckDB instance GX opens (the run passes the pipeline's
    limit): without it DuckDB may take most of the machine's memory, and did, for a
    uniqueness check at scale (docs/performance.md).

    `engine_url` (a SQLAlchemy URL): validate on that database instead, the table under
    the same schema-qualified name (dbt builds the same schemas there): PostgreSQL
    (TSQ_ENGINE=postgres) through GX's own PostgreSQL datasource, the same suite file; a
    Spark Thrift server (`hive://`, TSQ_ENGINE=spark) through GX's SQL datasource
    (gx_hive.py), with the suite's Spark spellings.

    `spark_home` (TSQ_ENGINE=spark): validate on the tables dbt built in that local Spark
    home instead, through GX's own Spark datasource (a DataFrame asset of the table, the
    tables its SQL names declared beside it; orchestration/engines/spark.py).

    `new_loads_only` (a raw suite on DuckDB): validate only the rows of the loads that
    have not passed this suite yet, and record them as passed when it passes
    (orchestration/quality/raw_load_passes.py); `revalidate_all` ignores that record."""
    if spark_home is not None:
        return _validate_on_spark(suite, spark_home)
    on_thrift = engine_url is not None and is_thrift_url(engine_url)
    if on_thrift:
        suite = dataclasses.replace(
            suite, expectations=tuple(map(_spark_spelling, suite.expectations))
        )
    # A malformed expectation fails here, before any connection is open: an engine left
    # open would hold the file with this check's settings for the rest of the process.
    gx_suite = _gx_suite(suite)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    query = f"SELECT * FROM {suite.table}"
    pending: PendingLoads | None = None
    if new_loads_only and engine_url is None:
        with _duckdb_connection(database, memory_limit) as con:
            if tracks_loads(con, suite):
                pending = mark_pending(con, suite, revalidate_all)
                query = pending.query
    datasource: SQLDatasource
    if engine_url is not None and on_thrift:
        # Defining SparkThriftDatasource registered `add_spark_thrift` on every context.
        datasource = context.data_sources.add_spark_thrift(  # type: ignore[attr-defined]
            name="warehouse",
            connection_string=engine_url,
            kwargs={"poolclass": StaticPool},
        )
    elif engine_url is not None:
        datasource = context.data_sources.add_postgres(
            name="warehouse",
            connection_string=engine_url,
            # one connection for the suite, closed by the dispose below, as on DuckDB
            kwargs={"poolclass": StaticPool},
        )
    else:
        # Defining DuckDBDatasource registered the `add_duckdb` factory on every context.
        datasource = context.data_sources.add_duckdb(  # type: ignore[attr-defined]
            name="warehouse",
            connection_string=f"duckdb:///{database}",
            # One connection for the whole suite (a connection per query reopens the file
            # each time; docs/performance.md), closed by the dispose below: no connection
            # may outlive the check, as DuckDB locks the file per process and dbt is another.
            kwargs={
                "poolclass": StaticPool,
                "connect_args": {"config": {"memory_limit": memory_limit}} if memory_limit else {},
            },
        )
    try:
        # A query asset, because GX's column reflection for a table asset drops the schema.
        asset = datasource.add_query_asset(suite.name, query=query)
        batch_definition = asset.add_batch_definition_whole_table("whole_table")
        batch = batch_definition.get_batch()
        # Pass/fail first: counting is all a passing expectation needs. Only when something
        # failed is the suite run again for its counts and samples of unexpected values, so
        # a clean table is not scanned again for samples it does not have (what that saves
        # is in docs/performance.md).
        result = batch.validate(gx_suite, result_format={"result_format": "BOOLEAN_ONLY"})
        if not result.success:
            result = batch.validate(gx_suite, result_format={"result_format": "SUMMARY"})
        with datasource.get_engine().connect() as connection:
            # an alias: PostgreSQL 15 refuses a subquery in FROM without one
            rows_checked = connection.exec_driver_sql(
                f"SELECT count(*) FROM ({query}) AS validated_rows"
            ).scalar()
    finally:
        datasource.get_execution_engine().engine.dispose()
        datasource.get_engine().dispose()
    outcome = _outcome(suite, int(rows_checked or 0), result)
    if pending is not None:
        outcome.rows_passed_before = pending.rows_passed_before
        outcome.loads_passed_before = pending.loads_passed_before
        if outcome.passed and not outcome.warning_failures:
            with _duckdb_connection(database, memory_limit) as con:
                record_passes(con, suite, pending)
    return outcome


def _duckdb_connection(database: Path, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    """The warehouse, opened with the settings GX's own connection uses (DuckDB refuses a
    second connection to one file with other settings in the same process); closed before
    GX opens its own."""
    return duckdb.connect(
        str(database), config={"memory_limit": memory_limit} if memory_limit else {}
    )


def _gx_suite(suite: SuiteFile) -> gx.ExpectationSuite:
    expectations = [
        ExpectationConfiguration(
            type=spec["type"], kwargs=spec.get("kwargs", {}), meta=spec.get("meta", {})
        ).to_domain_obj()
        for spec in suite.expectations
    ]
    return gx.ExpectationSuite(name=suite.name, expectations=expectations)


def _validate_on_spark(suite: SuiteFile, spark_home: Path) -> SuiteOutcome:
    """validate_suite on Spark: the same suite, pass/fail first, counts and samples only
    when something failed."""
    from orchestration.engines.spark import suite_dataframe

    suite = dataclasses.replace(suite, expectations=tuple(map(_spark_spelling, suite.expectations)))
    gx_suite = _gx_suite(suite)
    frame = suite_dataframe(spark_home, suite)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    # no spark_config: GX takes the session suite_dataframe made (getOrCreate)
    datasource = context.data_sources.add_spark(name="warehouse")
    asset = datasource.add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("whole_table").get_batch(
        batch_parameters={"dataframe": frame}
    )
    result = batch.validate(gx_suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if not result.success:
        result = batch.validate(gx_suite, result_format={"result_format": "SUMMARY"})
    return _outcome(suite, frame.count(), result)


def _spark_spelling(spec: dict[str, Any]) -> dict[str, Any]:
    """An expectation as it runs on Spark: its `meta.spark_unexpected_rows_query`, when it
    has one, instead of its query. Spark SQL cannot spell everything the same way (it has
    no `extract(epoch from <interval>)`); the suite file states both, side by side."""
    spark_query = spec.get("meta", {}).get(SPARK_QUERY_META)
    if spark_query is None:
        return spec
    return {**spec, "kwargs": {**spec["kwargs"], "unexpected_rows_query": spark_query}}


def _outcome(suite: SuiteFile, rows_checked: int, result: Any) -> SuiteOutcome:
    outcome = SuiteOutcome(suite=suite, rows_checked=rows_checked, gx_result=result)
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        error = _exception_message(item.exception_info or {})
        outcome.outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column") or _columns_label(config.kwargs),
                severity=(config.meta or {}).get("severity", "blocking"),
                success=bool(item.success),
                # set-level SQL expectations report their unexpected rows as observed_value
                unexpected_count=details.get("unexpected_count")
                if config.type != "unexpected_rows_expectation"
                else details.get("observed_value"),
                unexpected_percent=details.get("unexpected_percent"),
                sample=[_jsonable(v) for v in details.get("partial_unexpected_list", [])][
                    :_SAMPLE_VALUES
                ],
                observed_value=_jsonable(details.get("observed_value")),
                error=error,
            )
        )
    return outcome


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports an exception either flat or keyed by the metric that raised it."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message")).splitlines()[0]
    return None


def _columns_label(kwargs: dict[str, Any]) -> str | None:
    columns = kwargs.get("column_list") or kwargs.get("column_set")
    return ",".join(columns) if columns else None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
