"""The code location matches its reviewed snapshot (tests/snapshots/definitions.json)."""

from __future__ import annotations

import json

from tests.snapshot_definitions import SNAPSHOT, current


def test_the_code_location_matches_its_snapshot():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current() == expected, (
        "the asset graph changed: review it, then `.venv/bin/python -m tests.snapshot_definitions`"
    )
