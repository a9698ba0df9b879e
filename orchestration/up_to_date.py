"""Is the published store already what a run would publish?

A run's result depends only on the inbox and on the project (models, seeds, suites,
loaders): the "as of" instant comes from the data, not the clock (int_data_window). So
when neither changed since the last published run, a new run would publish the same
tables, and `tsq run` and the daily schedule skip it. That is what keeps a run with
nothing new in the inbox within seconds at any warehouse size.

The fingerprint is taken before a run starts and travels with it as a run tag; the
publish step records it only when it publishes, so a refused run never marks its
inputs as done, and a file that arrives during a run makes the next fingerprint differ.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from orchestration.settings import PROJECT_ROOT, TsqSettings

FINGERPRINT_TAG = "tsq/inputs_fingerprint"
_MARKER = "last_published.json"
# Everything that decides what a run computes from the inbox.
_PROJECT_PARTS = (
    "orchestration",
    "expectations",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/seeds",
    "dbt_project/dbt_project.yml",
)
_PROJECT_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json"}


def _project_files() -> list[Path]:
    files: list[Path] = []
    for part in _PROJECT_PARTS:
        path = PROJECT_ROOT / part
        candidates = [path] if path.is_file() else path.rglob("*")
        files.extend(p for p in candidates if p.is_file() and p.suffix in _PROJECT_SUFFIXES)
    return sorted(files)


def project_fingerprint() -> str:
    """Changes when any file of the project that decides what a run computes changes
    (models, macros, seeds, suites, loaders); the incremental dbt build rebuilds in full
    then (orchestration/transform/incremental.py)."""
    digest = hashlib.sha256()
    for path in _project_files():
        digest.update(f"{path.relative_to(PROJECT_ROOT)}:".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inbox_fingerprint(settings: TsqSettings) -> str:
    """Changes whenever a file (canonical or vendor export) appears in the inbox, goes or
    changes: name, size and modification time, so gigabytes need not be read."""
    digest = hashlib.sha256()
    if settings.inbox.is_dir():
        for path in sorted(settings.inbox.iterdir()):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def inputs_fingerprint(settings: TsqSettings) -> str:
    """Changes when the inbox changes (inbox_fingerprint), any file of the project does, or
    a setting that changes what is published (the coverage floor, personal names)."""
    digest = hashlib.sha256(f"inbox:{inbox_fingerprint(settings)}\n".encode())
    digest.update(f"coverage_floor:{settings.coverage_floor}\n".encode())
    digest.update(f"publish_personal_names:{settings.publish_personal_names}\n".encode())
    if settings.engine != "duckdb":
        # another engine, or another database of it, has not been published to yet (a
        # DuckDB home's fingerprint stays as it was)
        target = (settings.pg_host, settings.pg_port, settings.pg_dbname, settings.pg_schema)
        digest.update(f"engine:{settings.engine}:{target}:{settings.pg_publish_schema}\n".encode())
    for path in _project_files():
        digest.update(f"{path.relative_to(PROJECT_ROOT)}:".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def record_published_inputs(settings: TsqSettings, run_id: str, fingerprint: str) -> None:
    """Called by the publish step, after the new store is in place."""
    marker = {
        "run_id": run_id,
        "inputs_fingerprint": fingerprint,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (settings.root / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def forget_published_inputs(settings: TsqSettings) -> None:
    """Forget what was last published, so the next run rebuilds: for a change the
    fingerprint cannot see, such as a retracted load (the inbox and project unchanged)."""
    (settings.root / _MARKER).unlink(missing_ok=True)


def published_run_if_current(settings: TsqSettings, fingerprint: str) -> str | None:
    """The id of the last published run when its inputs are these, else None."""
    path = settings.root / _MARKER
    if not path.is_file() or not settings.published_path.is_file():
        return None
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("inputs_fingerprint") != fingerprint:
        return None
    return str(marker.get("run_id") or "") or None
