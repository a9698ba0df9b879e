"""A snapshot of the Dagster code location: asset keys, the assets nothing in the code
location materialises (external: shown in the UI as "Never materialized"), asset checks
(and whether each blocks), jobs, schedules and sensors. A change to the graph shows up as a diff of
tests/snapshots/definitions.json in review, not as a surprise in the UI.

    .venv/bin/python -m tests.snapshot_definitions          # rewrite the snapshot
    .venv/bin/python -m tests.snapshot_definitions --check  # exit 1 if it is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def current() -> dict[str, Any]:
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    graph = repo.asset_graph
    checks = []
    for key in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        spec = graph.get_check_spec(key)
        checks.append(
            {"asset": key.asset_key.to_user_string(), "check": key.name, "blocking": spec.blocking}
        )
    return {
        "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        # a dbt source no asset materialises becomes one of these; each should be a choice
        "external_assets": sorted(
            k.to_user_string()
            for k in graph.get_all_asset_keys()
            if not graph.get(k).is_materializable
        ),
        "checks": checks,
        "jobs": sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__")),
        "schedules": {s.name: s.cron_schedule for s in repo.schedule_defs},
        "sensors": sorted(s.name for s in repo.sensor_defs),
    }


def render() -> str:
    return json.dumps(current(), indent=1, sort_keys=True) + "\n"


def main() -> int:
    rendered = render()
    if "--check" in sys.argv[1:]:
        stale = not SNAPSHOT.exists() or SNAPSHOT.read_text(encoding="utf-8") != rendered
        print(f"{SNAPSHOT} is stale" if stale else f"{SNAPSHOT} is current", flush=True)
        return 1 if stale else 0
    SNAPSHOT.write_text(rendered, encoding="utf-8")
    print(f"wrote {SNAPSHOT}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
