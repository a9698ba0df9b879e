"""Write a first draft of expectations/raw/<entity>.json for every contract entity that has
no suite yet, from orchestration/contract.py. The files are then reviewed and edited by
hand like any suite; existing files are never overwritten.

    .venv/bin/python scripts/build_raw_suites.py
"""

from __future__ import annotations

import json

from orchestration.contract import ENTITIES, ColumnType, Entity
from orchestration.settings import EXPECTATIONS_DIR

ISO_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


def draft(entity: Entity) -> dict:
    expectations: list[dict] = [
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": [*entity.key, "_load_id"]},
            "meta": {
                "severity": "blocking",
                "why": "the same key twice in one export makes the latest-row rule ambiguous",
            },
        }
    ]
    for column in entity.columns:
        if column.required:
            expectations.append(
                {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": column.name},
                    "meta": {"severity": "blocking", "why": "required by the export contract"},
                }
            )
        if column.type is ColumnType.TIMESTAMP:
            expectations.append(
                {
                    "type": "expect_column_values_to_match_regex",
                    "kwargs": {"column": column.name, "regex": ISO_TIMESTAMP},
                    "meta": {"severity": "blocking", "why": "ISO 8601, parsed in staging"},
                }
            )
        if column.allowed:
            expectations.append(
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": column.name, "value_set": list(column.allowed)},
                    "meta": {"severity": "blocking", "why": "allowed values of the contract"},
                }
            )
    return {
        "name": f"raw_{entity.name}",
        "table": f"raw.{entity.name}",
        "asset_key": ["raw", entity.name],
        "description": f"The export contract for {entity.name} as loaded (all text): "
        "required values present, values allowed, keys unique within a load. Rows breaking "
        "a row rule are quarantined at ingestion; this suite guards what reached raw.",
        "expectations": expectations,
    }


def main() -> None:
    for entity in ENTITIES:
        target = EXPECTATIONS_DIR / "raw" / f"{entity.name}.json"
        if not target.exists():
            target.write_text(json.dumps(draft(entity), indent=2, ensure_ascii=False) + "\n")
            print(f"wrote {target}")


if __name__ == "__main__":
    main()
