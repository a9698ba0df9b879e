"""Write expectations/raw/<entity>.json for every contract entity from
orchestration/contract.py's row rules, the same rules the loader quarantines by.

The raw suites are generated, never edited by hand: a rule lives in the contract, the
loader quarantines a row that breaks it, and the suite carries it as a belt (it can only
fail for rows written to raw by something other than the loader, e.g. an older TSQ).
Rules with no expectation (the plausible window, which moves with each load, and control
characters) are load-only. `--check` fails when a shipped suite differs from its
generated text (tests/test_quality_gates.py runs it).

    .venv/bin/python scripts/build_raw_suites.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from orchestration.contract import ENTITIES, Entity, row_rules
from orchestration.settings import EXPECTATIONS_DIR

RAW_SUITES_DIR = EXPECTATIONS_DIR / "raw"


def suite(entity: Entity) -> dict:
    rules = row_rules(entity)
    load_only = [r.name for r in rules if r.expectation is None]
    return {
        "name": f"raw_{entity.name}",
        "table": f"raw.{entity.name}",
        "asset_key": ["raw", entity.name],
        "description": f"Belts for raw.{entity.name}, generated from the export contract's "
        "row rules (scripts/build_raw_suites.py; do not edit): every row breaking one is "
        "quarantined at load with its rule, file and row, so these can fail only for rows "
        "that reached raw another way. Load-only rules: " + ", ".join(load_only) + ".",
        "expectations": [r.expectation for r in rules if r.expectation is not None],
    }


def rendered(entity: Entity) -> str:
    return json.dumps(suite(entity), indent=2, ensure_ascii=False) + "\n"


def out_of_date(directory: Path = RAW_SUITES_DIR) -> list[str]:
    """Names of the suite files whose shipped text is not the generated one (or that are
    missing, or belong to no entity)."""
    expected = {f"{e.name}.json": rendered(e) for e in ENTITIES}
    stale = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    stale += [p.name for p in directory.glob("*.json") if p.name not in expected]
    return sorted(stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a suite is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date()
        if stale:
            print(f"out of date: {', '.join(stale)}; run scripts/build_raw_suites.py")
            return 1
        return 0
    for entity in ENTITIES:
        target = RAW_SUITES_DIR / f"{entity.name}.json"
        target.write_text(rendered(entity), encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
