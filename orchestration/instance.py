"""The Dagster instance of a served deployment (`make serve`, docs/deployment.md): its
dagster.yaml and workspace.yaml, written into DAGSTER_HOME ($TSQ_HOME/dagster).

What the instance says, and why:

- storage: sqlite files under DAGSTER_HOME (one machine, no server), or PostgreSQL for a
  team (TSQ_DAGSTER_STORAGE=postgres; credentials only as `env:` references, never in the
  file; needs the dagster-postgres package, which the lock does not carry).
- one run at a time (`concurrency: runs: max_concurrent_runs: 1`): every run of this code
  location writes the one DuckDB warehouse, and DuckDB allows one writing process; the
  daemon's run queue holds a scheduled run while a sensor's run is in progress and the
  other way round.
- run monitoring with a run timeout (TSQ_MAX_RUN_MINUTES, default 4 hours): a run whose
  worker was killed hard is marked failed, so it stops holding the queue.
- the pool `tsq_warehouse` (every asset that writes the warehouse is in it) limited to one
  step at a time across all runs (`concurrency: pools: default_limit: 1`, op granularity):
  this also reaches `tsq run`, which executes in-process and so never passes the queue,
  but whose steps claim the pool's slot from the same instance.

`tsq run` and the served daemon read the same DAGSTER_HOME, so they share run history.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import PROJECT_ROOT, TsqSettings

#: first line of every file this module writes: such a file is rewritten on each start, a
#: file without it (the user's own) is left alone
GENERATED_MARKER = "# Written by orchestration/instance.py"
#: what orchestration/runner.py writes into a home without a dagster.yaml: replaced too
RUNNER_DEFAULT = "telemetry:\n  enabled: false\n"
#: the pool every asset that writes the working warehouse declares (pool="tsq_warehouse")
WAREHOUSE_POOL = "tsq_warehouse"
#: the code location's name, as [tool.dg.project] gives it to `dg dev`
LOCATION_NAME = "tsq"
#: PostgreSQL connection, read by Dagster from these variables when the instance loads
POSTGRES_ENV = {
    "username": "DAGSTER_PG_USERNAME",
    "password": "DAGSTER_PG_PASSWORD",
    "hostname": "DAGSTER_PG_HOST",
    "db_name": "DAGSTER_PG_DB",
    "port": "DAGSTER_PG_PORT",
}


def instance_config(settings: TsqSettings, dagster_home: Path) -> dict[str, Any]:
    """The dagster.yaml of a served deployment, as data."""
    if settings.dagster_storage == "postgres":
        storage: dict[str, Any] = {
            "postgres": {"postgres_db": {key: {"env": var} for key, var in POSTGRES_ENV.items()}}
        }
    else:
        storage = {"sqlite": {"base_dir": str(dagster_home / "storage")}}
    config: dict[str, Any] = {
        "telemetry": {"enabled": False},
        "storage": storage,
        "concurrency": {
            "runs": {"max_concurrent_runs": 1},
            "pools": {"default_limit": 1, "granularity": "op"},
        },
        # a queued run is dequeued within a couple of seconds of the previous one ending
        "run_queue": {"dequeue_interval_seconds": 2},
        # The default run launcher cannot ask whether a run's worker process is alive, so a
        # worker killed hard leaves its run "started" for ever, holding the one queue slot;
        # the run timeout is the daemon's only way to fail such a run and free the queue.
        "run_monitoring": {
            "enabled": True,
            "max_runtime_seconds": settings.max_run_minutes * 60,
            "poll_interval_seconds": 60,
            # and a failed or killed run's claim on the warehouse pool is released
            "free_slots_after_run_end_seconds": 60,
        },
    }
    if not settings.compute_logs:
        config["compute_logs"] = {
            "module": "dagster._core.storage.noop_compute_log_manager",
            "class": "NoOpComputeLogManager",
        }
    return config


def workspace_config() -> dict[str, Any]:
    """The workspace both processes load: the code location `tsq` (as `dg dev` names it)."""
    return {
        "load_from": [
            {
                "python_module": {
                    "module_name": "orchestration.definitions",
                    "location_name": LOCATION_NAME,
                    "working_directory": str(PROJECT_ROOT),
                }
            }
        ]
    }


def _ours(path: Path) -> bool:
    """Whether a file may be (re)written: absent, written by this module, or the runner's
    two-line default."""
    if not path.exists():
        return True
    text = path.read_text(encoding="utf-8")
    return text.startswith(GENERATED_MARKER) or text == RUNNER_DEFAULT


def _write(path: Path, data: dict[str, Any], why: str) -> bool:
    if not _ours(path):
        return False
    header = f"{GENERATED_MARKER}: {why}\n# Edit freely after deleting the line above.\n"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return True


def write_instance_files(settings: TsqSettings, dagster_home: Path | None = None) -> list[str]:
    """Write dagster.yaml and workspace.yaml into DAGSTER_HOME (default the home's dagster
    folder). Returns a note per file left alone because its owner edited it."""
    home = (dagster_home or settings.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    notes = []
    for name, data, why in (
        ("dagster.yaml", instance_config(settings, home), "make serve's instance"),
        ("workspace.yaml", workspace_config(), "the code location make serve loads"),
    ):
        if not _write(home / name, data, why):
            notes.append(f"{home / name} is not TSQ's (no '{GENERATED_MARKER}' line): kept")
    return notes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dagster_home", type=Path, help="where to write (DAGSTER_HOME)")
    args = parser.parse_args(argv)
    for note in write_instance_files(TsqSettings().ensure(), args.dagster_home):
        print(note)


if __name__ == "__main__":
    main()
