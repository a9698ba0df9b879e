"""The dbt project's grain guarantees follow the export contract: every staging model
tests the key the contract declares for its entity, no more and no less. The grain is
dbt's to test (the GX staging suites hold the cross-table and value rules)."""

from __future__ import annotations

import re

import yaml

from orchestration.contract import ENTITIES
from orchestration.settings import DBT_PROJECT_DIR


def _tested_keys() -> dict[str, tuple[str, ...]]:
    spec = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_staging.yml").read_text())
    keys: dict[str, tuple[str, ...]] = {}
    for model in spec["models"]:
        for column in model.get("columns", []):
            named = {t for t in column.get("data_tests", []) if isinstance(t, str)}
            if {"unique", "not_null"} <= named:
                keys[model["name"]] = (column["name"],)
        for test in model.get("data_tests", []):
            if isinstance(test, dict) and "unique_combination" in test:
                keys[model["name"]] = tuple(test["unique_combination"]["arguments"]["columns"])
    return keys


def test_every_staging_model_tests_its_contract_key():
    expected = {f"stg_helpdesk__{entity.name}": tuple(entity.key) for entity in ENTITIES}
    # the one model that keeps every load's rows (a run shows the assumptions of its loads)
    expected["stg_helpdesk__source_assumptions"] += ("load_id",)
    assert _tested_keys() == expected
    staged = {p.stem for p in (DBT_PROJECT_DIR / "models" / "staging").glob("stg_*.sql")}
    assert staged == set(expected)


def test_every_staging_model_reads_its_columns_through_the_contract():
    """The casts from raw's text are generated from the contract (contract_columns), never
    written by hand: each entity's staging (or base) model calls it for its entity."""
    staging = DBT_PROJECT_DIR / "models" / "staging"
    for entity in ENTITIES:
        if entity.name == "source_assumptions":  # kept as text, one row per load
            continue
        model = staging / f"base_helpdesk__{entity.name}.sql"
        if not model.exists():
            model = staging / f"stg_helpdesk__{entity.name}.sql"
        assert f"contract_columns('{entity.name}'" in model.read_text(), model.name


def test_the_generator_targets_only_catalogued_indicators():
    import csv

    from orchestration.generator.spec import INDICATORS

    with (DBT_PROJECT_DIR / "seeds" / "seed_indicator_catalog.csv").open(encoding="utf-8") as f:
        catalogued = {row["indicator_id"] for row in csv.DictReader(f)}
    assert set(INDICATORS) <= catalogued, set(INDICATORS) - catalogued


def test_the_indicator_union_lists_exactly_the_catalogue():
    from orchestration.catalog_doc import UNION_MODEL, render_indicator_union

    assert UNION_MODEL.read_text(encoding="utf-8") == render_indicator_union(), "run `tsq docs`"
    models = {
        path.stem.removeprefix("ind_")
        for path in (DBT_PROJECT_DIR / "models" / "indicators").glob("ind_*.sql")
    } - {"indicator_values", "indicator_values_unioned"}
    rendered = render_indicator_union()
    assert {m for m in models if f"'ind_{m}'" in rendered} == models


def test_every_published_column_says_what_it_holds():
    import json

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    published = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["schema"] == "published"
    ]
    undescribed = [
        f"{node['name']}.{name}"
        for node in published
        for name, column in node["columns"].items()
        if not column.get("description")
    ]
    assert len(published) >= 6 and not undescribed, undescribed


def test_the_indicator_metrics_are_generated_from_the_catalogue():
    from orchestration.catalog_doc import INDICATOR_METRICS_PATH, render_indicator_metrics

    written = (DBT_PROJECT_DIR / INDICATOR_METRICS_PATH).read_text(encoding="utf-8")
    assert written == render_indicator_metrics(), "run `tsq docs`"


def test_no_indicator_model_reads_an_as_of_reading():
    """A period's fingerprint leaves out the as-of readings of its units (columns named
    as_of_at or *_as_of: they change for every row each day), so an indicator that
    aggregated one would keep stale periods (macros/portability/fingerprints.sql,
    unit_row_hash). The pattern is the macro's own, read from it."""
    macros = (DBT_PROJECT_DIR / "macros" / "portability" / "fingerprints.sql").read_text()
    pattern = re.search(r"as_of_reading_pattern\(\) -%\}'([^']+)'", macros)
    assert pattern is not None
    reading = re.compile(pattern.group(1).replace("^", r"\b").replace("$", r"\b"))
    models = sorted((DBT_PROJECT_DIR / "models" / "indicators").glob("ind_*.sql"))
    assert len(models) > 39
    readers = [model.name for model in models if reading.search(model.read_text())]
    assert readers == []
    # the pattern does find a reading where there is one
    assert reading.search("value=tsq.median('open_sla_minutes_as_of')")
    assert reading.search("where as_of_at > created_at")
    assert not reading.search("where as_of_atlas is null and due_at_as_ofx > 0")


def rows_used_after_the_roll_up(model_sql: str) -> bool:
    """Whether SQL after the indicator_rollup call reads its rows (a CTE around the call,
    a subquery, a filter or a join), as against a model that is the call itself."""
    start = model_sql.find("{{ indicator_rollup(")
    if start < 0:
        return False
    after = model_sql[model_sql.index("}}", start) + 2 :]
    before = model_sql[:start].rstrip()
    return bool(re.search(r"\b(select|where|join)\b", after, re.IGNORECASE)) or before.endswith("(")


def test_a_model_that_wraps_the_roll_up_lets_its_period_markers_through():
    """An indicator model that filters or joins indicator_rollup's rows must keep the period
    markers (period_marker()): without them the post-hook of a by-period build finds no
    current period and deletes every row, in a full build too (macros/by_period.sql)."""
    models = sorted((DBT_PROJECT_DIR / "models" / "indicators").glob("ind_*.sql"))
    wrappers = {
        model.name: model.read_text()
        for model in models
        if rows_used_after_the_roll_up(model.read_text())
    }
    assert set(wrappers) == {
        "ind_ux_complaint_rate.sql",
        "ind_ux_attitude_score.sql",
        "ind_ux_resolution_hours_tiered.sql",
    }
    assert [name for name, text in wrappers.items() if "period_marker()" not in text] == []
    # a subquery around the call counts too, and a model that is the call does not
    assert rows_used_after_the_roll_up("select * from ({{ indicator_rollup(x) }}) as r where a")
    assert not rows_used_after_the_roll_up("with u as (select 1)\n{{ indicator_rollup(x) }}")
