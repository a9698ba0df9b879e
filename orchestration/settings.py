"""Where a run reads and writes: everything lives under TSQ_HOME (default ./warehouse)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600


#: The share of the machine's memory (or of the container's, if less) that each DuckDB
#: instance of a run may hold before it spills to disk. DuckDB's own default is 80 %; a
#: run also holds Dagster, dbt's Python process, Great Expectations and the operating
#: system's file cache beside DuckDB, and only one DuckDB instance works at a time
#: (the in-process executor runs steps one after another), so half leaves those the
#: other half. dbt_project/profiles.yml falls back to the same share ("50%") when dbt is
#: run by hand without the runner (tests/test_settings_memory.py holds the two together).
DUCKDB_MEMORY_SHARE = 0.5

#: Where Linux puts a container's memory limit: cgroup v2, then v1.
CGROUP_MEMORY_LIMIT_FILES = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def physical_memory_bytes() -> int | None:
    """The machine's memory, or None where the operating system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None


def cgroup_memory_limit_bytes(files: tuple[Path, ...] = CGROUP_MEMORY_LIMIT_FILES) -> int | None:
    """The memory limit of the cgroup (container) this process runs in, or None if there
    is none: "max" (v2) or a huge number (v1's "unlimited") mean no limit."""
    for path in files:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text == "max" or not text.isdigit():
            return None
        return int(text)
    return None


def memory_limit_for(
    physical_bytes: int | None, cgroup_bytes: int | None, share: float = DUCKDB_MEMORY_SHARE
) -> str:
    """`share` of the memory available (the lower of the machine's and the cgroup's, a
    cgroup limit above the machine's meaning none), in whole MiB in DuckDB's size syntax.
    With neither known, DuckDB's own relative syntax for the same share."""
    known = [size for size in (physical_bytes, cgroup_bytes) if size]
    if not known:
        return f"{share:.0%}"
    return f"{int(min(known) * share) // 2**20}MiB"


def default_duckdb_memory_limit() -> str:
    """The DuckDB memory limit when TSQ_DUCKDB_MEMORY_LIMIT is not set (DUCKDB_MEMORY_SHARE)."""
    return memory_limit_for(physical_memory_bytes(), cgroup_memory_limit_bytes())


class TsqSettings(BaseSettings):
    """Paths of one TSQ home. Read from the environment (TSQ_HOME) on each call."""

    model_config = SettingsConfigDict(env_prefix="TSQ_")

    home: Path = Path("warehouse")
    # DuckDB's memory limit for the pipeline's own connections and for dbt's (the runner
    # passes it on): beyond it DuckDB spills to disk instead of growing, which keeps a
    # run within the machine's memory. TSQ_DUCKDB_MEMORY_LIMIT (DuckDB's size syntax,
    # e.g. 8GB) overrides; unset, a share of the memory this process may use
    # (default_duckdb_memory_limit).
    duckdb_memory_limit: str = Field(default_factory=default_duckdb_memory_limit)
    # The coverage a sub-dimension, dimension or overall score needs to be graded, ranked
    # and compared (TSQ_COVERAGE_FLOOR, a share in [0, 1]). Unset, dbt's own default
    # applies (var tsq_coverage_floor in dbt_project.yml, the one home of the default).
    coverage_floor: float | None = None
    # Publish agents' personal names (ids such as `servicenow:Jane Doe`) as they are
    # (TSQ_PUBLISH_PERSONAL_NAMES=1). Off by default: they are published under a stable
    # pseudonym. E-mail addresses and phone numbers are never published, whatever this
    # says (orchestration/publish/privacy.py, docs/published-tables.md).
    publish_personal_names: bool = False
    # The served deployment (`make serve`, docs/deployment.md). TSQ_AUTOMATION=1 switches
    # the daily schedule and the inbox sensor on when the code location loads (make serve
    # sets it); off, they start stopped, as under `make dev`, until switched on in the UI.
    automation: bool = False
    # How often the inbox sensor looks at the inbox (TSQ_SENSOR_INTERVAL_SECONDS).
    sensor_interval_seconds: int = 30
    # Where the Dagster instance keeps runs, events and schedules (TSQ_DAGSTER_STORAGE):
    # "sqlite" under the home's dagster folder, or "postgres" (a team's server, credentials
    # from DAGSTER_PG_* variables; needs the dagster-postgres package).
    dagster_storage: Literal["sqlite", "postgres"] = "sqlite"
    # Served runs keep each step's stdout/stderr for the UI (TSQ_COMPUTE_LOGS=0: not kept).
    compute_logs: bool = True
    # A served run still going after this many minutes is marked failed by the daemon's run
    # monitoring (TSQ_MAX_RUN_MINUTES): a run worker killed hard (out of memory, kill -9)
    # never reports its end, and with one run at a time its queue slot would hold every
    # later run back for good. 10M tickets take about 12 minutes here (docs/performance.md).
    max_run_minutes: int = Field(default=240, ge=1)
    # Rebuild the incremental dbt models from all raw rows (`tsq run --full-refresh`,
    # TSQ_FULL_REFRESH=1). A run decides this by itself when it must
    # (orchestration/transform/incremental.py); this is for when one wants to.
    full_refresh: bool = False
    # Where dbt builds, GX validates and the BI tables are published (TSQ_ENGINE,
    # docs/scale-out.md). Ingest always runs on DuckDB (quarantine, reconciliation, the
    # ledger); with "postgres" or "spark" (a local session under TSQ_HOME/spark) the raw
    # rows are pushed there and everything after runs there. One module per engine in
    # orchestration/engines/.
    engine: Literal["duckdb", "postgres", "spark"] = "duckdb"
    # TSQ_ENGINE=spark on a cluster instead of the local session (TSQ_SPARK_REMOTE): a
    # Spark Connect URL (`sc://host:15002`, Databricks' `sc://<workspace>:443/;token=...`;
    # engines/spark_connect.py) or a Thrift server's (`hive://user@host:10000/default`,
    # SQL only; engines/spark_thrift.py). The push, dbt, the suites and the publication
    # then all go through it (docs/scale-out.md).
    spark_remote: str = ""
    # The PostgreSQL connection when TSQ_ENGINE=postgres: the same TSQ_PG_* variables
    # dbt_project/profiles.yml reads for its `postgres` target, so dbt, the raw push, GX
    # and the publication cannot reach two different databases. The password is best
    # left unset here and given by ~/.pgpass (libpq reads it for every client).
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_dbname: str = "tsq"
    # the target schema of dbt's profile; the layers' schemas sit beside it
    pg_schema: str = "public"
    # the schema BI users query on PostgreSQL, switched in atomically by each publication
    # (publish/postgres.py); dbt's own `published` schema is its working copy
    pg_publish_schema: str = "tsq_published"

    @field_validator("spark_remote")
    @classmethod
    def _a_spark_endpoint(cls, url: str) -> str:
        scheme = url.partition("://")[0]
        if url and scheme not in ("sc", "hive"):
            raise ValueError(
                "spark_remote (TSQ_SPARK_REMOTE) is a Spark Connect URL (sc://host:15002) or "
                f"a Thrift server's (hive://user@host:10000/default), not a {scheme!r} URL"
            )
        return url

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
