"""The default engine: dbt, GX and the publication on the working warehouse itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from orchestration.publish.store import PublishOutcome
    from orchestration.quality.suites import SuiteFile
    from orchestration.settings import TsqSettings


@dataclass(frozen=True)
class DuckDBEngine:
    settings: TsqSettings
    name: str = "duckdb"
    pushes_raw: bool = False

    def push_raw(self) -> dict[str, int]:
        raise RuntimeError("DuckDB is where ingest writes raw: there is nothing to push")

    def dbt_args(self) -> list[str]:
        return []  # the profile's default target

    def dbt_environment(self) -> dict[str, str]:
        return {}

    def dbt_vars(self) -> dict[str, Any]:
        # none: a DuckDB home's incremental record stays valid across this change
        return {}

    def suite_connection(self, suite: SuiteFile) -> str | None:
        return None

    def suite_spark_home(self, suite: SuiteFile) -> Path | None:
        return None

    def publish(
        self,
        con: duckdb.DuckDBPyConnection,
        published_path: Path,
        run_id: str,
        checks_passed: int,
        publish_personal_names: bool,
    ) -> PublishOutcome:
        from orchestration.publish.store import publish

        return publish(
            con,
            published_path,
            run_id,
            checks_passed,
            publish_personal_names=publish_personal_names,
        )
