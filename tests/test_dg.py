"""`dg` (dagster-dg-cli) loads the code location through [tool.dg] in pyproject.toml, the
way `make dev` (`dg dev`) does, and sees the same graph the reviewed snapshot pins.

Slow: `dg list defs` imports the whole code location in a fresh process (dagster,
dagster-dbt's manifest, Great Expectations), about 15 s of CPU on this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.snapshot_definitions import SNAPSHOT

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
DG = str(Path(sys.executable).parent / "dg")


def test_dg_lists_the_code_location_the_snapshot_pins(tmp_path: Path) -> None:
    home = tmp_path / "home"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    # no telemetry banner, no "no dagster.yaml" warning: the listing is all there is to read
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "TSQ_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}

    # run from the repository root, as `make dev` does: dg finds pyproject.toml there
    listed = subprocess.run(
        [DG, "list", "defs", "--json"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr[-3000:]
    defs = json.loads(listed.stdout)

    asset_keys = {asset["asset_key"] for asset in defs["assets"]}
    # the ingest step's raw table, a dbt model (through LayerTranslator's keys) and the publish step
    assert {"raw/tickets", "published/scores", "published_store"} <= asset_keys

    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert asset_keys == set(snapshot["assets"])
    # the GX suites' and reconciliations' checks and dbt's tests, each on its asset
    listed_checks = {(check["asset_key"], check["name"]) for check in defs["asset_checks"]}
    assert listed_checks == {(check["asset"], check["check"]) for check in snapshot["checks"]}
    assert {job["name"] for job in defs["jobs"]} == set(snapshot["jobs"])
    assert {s["name"]: s["cron_schedule"] for s in defs["schedules"]} == snapshot["schedules"]
    assert {sensor["name"] for sensor in defs["sensors"]} == set(snapshot["sensors"])
    assert {resource["name"] for resource in defs["resources"]} == {"tsq", "dbt"}
