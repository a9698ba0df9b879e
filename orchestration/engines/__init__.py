"""The engines the pipeline runs dbt, GX and the publication on (TSQ_ENGINE,
docs/scale-out.md). Ingest always runs on DuckDB, with its quarantine, reconciliation and
ledger; an engine is what comes after.

Each engine is one module here exposing the same seam (`Engine`): how its raw rows get
there (push_raw), the dbt target and environment, where the GX suites validate, and how
it publishes. Spark (engines/spark.py) is the third.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import duckdb

    from orchestration.publish.store import PublishOutcome
    from orchestration.quality.suites import SuiteFile
    from orchestration.settings import TsqSettings


class Engine(Protocol):
    """What the pipeline needs of an engine."""

    name: str
    #: whether raw rows must be pushed from DuckDB before dbt builds (a step of its own)
    pushes_raw: bool

    def push_raw(self) -> dict[str, int]:
        """Copy DuckDB's raw schema to the engine; returns rows per table there."""
        ...

    def dbt_args(self) -> list[str]:
        """Extra arguments of `dbt build` (the profile's target)."""
        ...

    def dbt_environment(self) -> dict[str, str]:
        """Environment variables dbt's profile reads for this engine's target."""
        ...

    def dbt_vars(self) -> dict[str, Any]:
        """dbt vars naming the engine (and where it is), so that a build on another engine
        or database is never taken for an incremental continuation of this one."""
        ...

    def suite_connection(self, suite: SuiteFile) -> str | None:
        """The SQLAlchemy URL a GX suite validates on, or None for the DuckDB warehouse."""
        ...

    def suite_spark_home(self, suite: SuiteFile) -> Path | None:
        """The Spark home whose tables a GX suite validates on through GX's Spark
        datasource (TSQ_ENGINE=spark), or None."""
        ...

    def publish(
        self,
        con: duckdb.DuckDBPyConnection,
        published_path: Path,
        run_id: str,
        checks_passed: int,
        publish_personal_names: bool,
    ) -> PublishOutcome:
        """Publish atomically: published.duckdb, its Parquet set, and the engine's own
        BI-facing tables where it has them."""
        ...


ENGINE_NAMES = ("duckdb", "postgres", "spark")


def engine_for(settings: TsqSettings) -> Engine:
    """The engine TSQ_ENGINE names."""
    if settings.engine == "postgres":
        from orchestration.engines.postgres import PostgresEngine

        return PostgresEngine(settings)
    if settings.engine == "spark":
        from orchestration.engines.spark import SparkEngine

        return SparkEngine(settings)
    from orchestration.engines.duckdb import DuckDBEngine

    return DuckDBEngine(settings)
