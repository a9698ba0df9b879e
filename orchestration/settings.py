"""Where a run reads and writes: everything lives under TSQ_HOME (default ./warehouse)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


class TsqSettings(BaseSettings):
    """Paths of one TSQ home. Read from the environment (TSQ_HOME) on each call."""

    model_config = SettingsConfigDict(env_prefix="TSQ_")

    home: Path = Path("warehouse")
    # DuckDB's memory limit for the pipeline's own connections and for dbt's (the runner
    # passes it on): beyond it DuckDB spills to disk instead of growing, which keeps a
    # run within a laptop's memory. TSQ_DUCKDB_MEMORY_LIMIT; DuckDB's size syntax.
    duckdb_memory_limit: str = "2GB"
    # The coverage a sub-dimension, dimension or overall score needs to be graded, ranked
    # and compared (TSQ_COVERAGE_FLOOR, a share in [0, 1]). Unset, dbt's own default
    # applies (var tsq_coverage_floor in dbt_project.yml, the one home of the default).
    coverage_floor: float | None = None

    @field_validator("coverage_floor")
    @classmethod
    def _a_share(cls, floor: float | None) -> float | None:
        if floor is not None and not 0.0 <= floor <= 1.0:
            raise ValueError(
                f"coverage_floor (TSQ_COVERAGE_FLOOR) is a share in [0, 1], not {floor}"
            )
        return floor

    @property
    def root(self) -> Path:
        return self.home.resolve()

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "tsq.duckdb"

    @property
    def published_path(self) -> Path:
        return self.root / "published.duckdb"

    @property
    def data_docs_dir(self) -> Path:
        return self.root / "data_docs"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    def ensure(self) -> TsqSettings:
        for path in (self.root, self.inbox, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        return self


def get_settings() -> TsqSettings:
    return TsqSettings()
