"""Where a run reads and writes: everything lives under TSQ_HOME (default ./warehouse)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600


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
    # Publish agents' personal names (ids such as `servicenow:Jane Doe`) as they are
    # (TSQ_PUBLISH_PERSONAL_NAMES=1). Off by default: they are published under a stable
    # pseudonym. E-mail addresses and phone numbers are never published, whatever this
    # says (orchestration/publish/privacy.py, docs/published-tables.md).
    publish_personal_names: bool = False

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
        """Create the home readable by its owner only (0700): the working warehouse holds
        every free-text field of the exports. A home that already exists keeps its mode
        (it may be a folder the user shares on purpose), but the working warehouse file
        itself is always made owner-only (0600)."""
        for path in (self.root, self.inbox, self.dagster_home):
            if not path.exists():
                path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
                # mkdir's mode passes through the umask; say it outright
                path.chmod(OWNER_ONLY_DIR)
        for database in (self.warehouse_path, self.warehouse_path.with_name("tsq.duckdb.wal")):
            if database.is_file() and database.stat().st_mode & 0o077:
                database.chmod(OWNER_ONLY_FILE)
        return self


def get_settings() -> TsqSettings:
    return TsqSettings()
