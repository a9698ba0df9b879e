"""Render what the indicator catalogue drives: docs/indicators.md (with the weights seed)
and the list of indicator models in ind_indicator_values_unioned.sql.

The catalogue (dbt_project/seeds/seed_indicator_catalog.csv) is the single definition of
every indicator; what is rendered here is generated from it and never edited by hand
(`tsq docs` writes it, `tsq docs --check` and the tests check it).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

CATALOG_SEED = DBT_PROJECT_DIR / "seeds" / "seed_indicator_catalog.csv"
WEIGHTS_SEED = DBT_PROJECT_DIR / "seeds" / "scoring_weights.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def render_markdown() -> str:
    weights = {(w["level"], w["node_id"]): w for w in _rows(WEIGHTS_SEED)}
    lines = [
        "# Indicators",
        "",
        "<!-- Generated from dbt_project/seeds/seed_indicator_catalog.csv and "
        "scoring_weights.csv by `tsq docs`; do not edit. -->",
        "",
        "Each indicator is defined once: its row in the catalogue (below) and one dbt model,",
        "`dbt_project/models/indicators/ind_<indicator_id>.sql`. Scores are linear between",
        "the floor (score 0) and the target (score 100), clipped; below the minimum sample the",
        "value is published with a NULL score and `score_status = below_min_sample`.",
        "",
        "The *needs* line is the catalogue's `source_fields`: every input whose absence from",
        "all loaded sources would make the value a structural 0 (or otherwise meaningless)",
        "rather than a measurement. Each is an entity (any row loaded), an `entity.column`",
        "(any non-empty value) or `ticket_events:<type>` (the source records that event type",
        "at all); all are needed, `a or b` is satisfied by either, `[x]` is optional. When one",
        "is not provided, the indicator is published as NULL at every scope and period with",
        "`no_data_reason` = `no source provides …` and counts as unmeasured in coverage.",
        "",
    ]
    by_subdimension: dict[str, list[dict[str, str]]] = {}
    for row in _rows(CATALOG_SEED):
        by_subdimension.setdefault(row["subdimension_id"], []).append(row)
    for subdimension, rows in by_subdimension.items():
        sub_weight = weights.get(("subdimension", subdimension), {}).get("weight", "?")
        lines += [f"## {subdimension} (weight {sub_weight} within {rows[0]['dimension_id']})", ""]
        for row in rows:
            weight = weights.get(("indicator", row["indicator_id"]), {}).get("weight", "?")
            lines += [
                f"### `{row['indicator_id']}`: {row['name_zh']} / {row['name_en']}",
                "",
                row["definition"],
                "",
                "| field | value |",
                "|---|---|",
                f"| unit | {row['unit']} |",
                f"| direction | {row['direction']} |",
                f"| numerator | {row['numerator'] or '(not a ratio)'} |",
                f"| denominator | {row['denominator'] or '(not a ratio)'} |",
                f"| minimum sample | {row['min_sample']} |",
                f"| target (score 100) | {row['target']} |",
                f"| floor (score 0) | {row['floor']} |",
                f"| weight in {subdimension} | {weight} |",
                f"| needs (source_fields) | "
                f"{row['source_fields'].replace(';', ', ').replace('|', ' or ')} |",
                f"| model | `ind_{row['indicator_id']}` |",
                "",
            ]
    return "\n".join(lines)


UNION_MODEL_PATH = Path("models") / "indicators" / "ind_indicator_values_unioned.sql"
UNION_MODEL = DBT_PROJECT_DIR / UNION_MODEL_PATH
_UNION_LIST = re.compile(r"\{% set indicator_models = \[.*?\] %\}", re.DOTALL)


def render_indicator_union(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """ind_indicator_values_unioned.sql with its model list set from the catalogue, in
    catalogue order (dbt needs each ref written out at parse time, so the list is
    generated rather than read from the seed)."""
    catalogue = _rows(project_dir / "seeds" / "seed_indicator_catalog.csv")
    models = "\n".join(f"    'ind_{row['indicator_id']}'," for row in catalogue)
    listing = "{% set indicator_models = [\n" + models + "\n] %}"
    union_model = project_dir / UNION_MODEL_PATH
    current = union_model.read_text(encoding="utf-8")
    if not _UNION_LIST.search(current):
        raise ValueError(f"{union_model}: no `{{% set indicator_models = [...] %}}` to fill")
    return _UNION_LIST.sub(lambda _: listing, current, count=1)


INDICATOR_METRICS_PATH = Path("models") / "semantic" / "_indicator_metrics.yml"
#: catalogue units whose value is numerator / denominator times this factor
RATIO_UNITS = {"rate": 1, "ratio": 1, "per_1000": 1000}
#: ratio indicators whose period value is not the sum of its days: no metric (a month's
#: figure from days would differ from the published one; tests/test_semantic_layer.py
#: finds any other)
NOT_DAY_ADDITIVE = {
    "ux_complaint_rate": "complaints and the tickets they are per 1,000 of fall on different days",
    "ops_knowledge_sharing_rate": "counts distinct agents, who recur across days",
}


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_indicator_metrics(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """One MetricFlow metric per ratio indicator of the catalogue: a ratio of its daily
    numerator and denominator at organisation scope. Medians, mean scores and the ratios
    in NOT_DAY_ADDITIVE cannot be re-aggregated from days and get none."""
    lines = [
        "version: 2",
        "",
        "# Generated from the indicator catalogue by `tsq docs` (orchestration/catalog_doc.py);",
        "# do not edit. One metric per ratio indicator, at organisation scope: for another",
        "# scope use indicator_rate with a scope_type filter (docs/analysts.md).",
        "",
        "metrics:",
    ]
    scope = "{{ Dimension('indicator_day_row__scope_type') }} = 'organisation'"
    for row in _rows(project_dir / "seeds" / "seed_indicator_catalog.csv"):
        factor = RATIO_UNITS.get(row["unit"])
        if factor is None or not row["numerator"] or row["indicator_id"] in NOT_DAY_ADDITIVE:
            continue
        indicator = row["indicator_id"]
        only = f"{{{{ Dimension('indicator_day_row__indicator_id') }}}} = '{indicator}'"
        name = indicator if factor == 1 else f"{indicator}_as_ratio"
        label = row["name_zh"] + " / " + row["name_en"]
        lines += [
            f"  - name: {name}",
            f"    label: {_yaml_text(label if factor == 1 else label + ' (ratio)')}",
            f"    description: {_yaml_text(row['definition'])}",
            "    type: ratio",
            "    type_params:",
            "      numerator:",
            "        name: indicator_numerator",
            f"        filter: {_yaml_text(only)}",
            "      denominator:",
            "        name: indicator_denominator",
            f"        filter: {_yaml_text(only)}",
            f"    filter: {_yaml_text(scope)}",
        ]
        if factor != 1:
            lines += [
                f"  - name: {indicator}",
                f"    label: {_yaml_text(row['name_zh'] + ' / ' + row['name_en'])}",
                f"    description: {_yaml_text(row['definition'])}",
                "    type: derived",
                "    type_params:",
                f"      expr: {name} * {factor}",
                "      metrics:",
                f"        - name: {name}",
            ]
    return "\n".join(lines) + "\n"
