"""What is published is read from the dbt manifest, by one rule (orchestration/publish/store.py
`published_model_nodes`): a dbt model whose schema is `published`, i.e. every model in
dbt_project/models/published/.

The real manifest is the one tests/conftest.py parses at the start of the session. The
hand-made manifests below hold only the fields the rule reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.publish.store import (
    publish,
    published_model_nodes,
    published_models,
    read_manifest,
)
from orchestration.settings import DBT_PROJECT_DIR

PUBLISHED_FOLDER = DBT_PROJECT_DIR / "models" / "published"


def model_node(name: str, schema: str, folder: str, alias: str | None = None) -> dict[str, Any]:
    """A manifest entry as dbt writes it, reduced to what the rule reads and its context."""
    return {
        "resource_type": "model",
        "name": name,
        "alias": alias or name,
        "schema": schema,
        "fqn": ["tsq", folder, name],
        "original_file_path": f"models/{folder}/{name}.sql",
        "config": {"schema": schema, "materialized": "table"},
    }


def manifest_of(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {f"{n['resource_type']}.tsq.{n['name']}": n for n in nodes}}


def test_the_published_list_is_the_models_of_the_published_folder():
    """Every .sql file of models/published/ is published, and nothing else is."""
    in_folder = sorted(path.stem for path in PUBLISHED_FOLDER.glob("*.sql"))
    assert in_folder  # the folder is where this test thinks it is
    assert published_models() == tuple(in_folder)
    # and each of them is read from the folder dbt_project.yml names
    for node in published_model_nodes(read_manifest()):
        assert node["original_file_path"] == f"models/published/{node['name']}.sql"


def test_a_model_dropped_into_the_published_folder_would_be_published(tmp_path: Path):
    """The rule over a hand-made manifest: the models of schema `published` (models/
    published/ by dbt_project.yml), by table name; not a test, a seed, nor a model of
    another layer. `zz_new_table` stands for a model just added to the folder."""
    manifest = manifest_of(
        model_node("scores", "published", "published"),
        model_node("zz_new_table", "published", "published"),
        model_node("indicator_catalog", "published", "published"),
        model_node("score_rollup", "scores", "scores"),
        model_node("renamed_model", "published", "published", alias="aliased_table"),
        {**model_node("unique_scores_id", "published", "published"), "resource_type": "test"},
        {**model_node("scoring_weights", "published", "published"), "resource_type": "seed"},
    )
    names = [node["name"] for node in published_model_nodes(manifest)]
    # sorted by table name: aliased_table, indicator_catalog, scores, zz_new_table
    assert names == ["renamed_model", "indicator_catalog", "scores", "zz_new_table"]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert published_models(path) == (
        "aliased_table",
        "indicator_catalog",
        "scores",
        "zz_new_table",
    )


def test_publish_copies_every_model_the_manifest_lists(tmp_path: Path):
    """A real publication over a hand-made warehouse and manifest: the new model is in the
    store and in the Parquet set, with its rows, and the row counts follow the list."""
    warehouse = tmp_path / "tsq.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA published")
        # 2 + 3 rows; `left_out` is in the schema but not in the manifest
        con.execute("CREATE TABLE published.indicator_catalog AS SELECT range AS n FROM range(2)")
        con.execute(
            "CREATE TABLE published.zz_new_table AS SELECT 'x' || range AS label FROM range(3)"
        )
        con.execute("CREATE TABLE published.left_out AS SELECT 1 AS n")
        manifest = tmp_path / "manifest.json"
        manifest.write_text(
            json.dumps(
                manifest_of(
                    model_node("zz_new_table", "published", "published"),
                    model_node("indicator_catalog", "published", "published"),
                )
            ),
            encoding="utf-8",
        )
        outcome = publish(con, tmp_path / "published.duckdb", "run-1", 0, manifest_path=manifest)
    finally:
        con.close()
    assert list(outcome.row_counts.items()) == [("indicator_catalog", 2), ("zz_new_table", 3)]
    store = duckdb.connect(str(outcome.path), read_only=True)
    try:
        tables = sorted(name for (name,) in store.execute("SHOW TABLES").fetchall())
        assert tables == ["indicator_catalog", "publish_log", "zz_new_table"]
        labels = store.execute("SELECT label FROM zz_new_table ORDER BY label").fetchall()
        assert labels == [("x0",), ("x1",), ("x2",)]
    finally:
        store.close()
    assert outcome.parquet_folder is not None
    parquet = sorted(path.name for path in outcome.parquet_folder.iterdir())
    assert parquet == ["indicator_catalog.parquet", "publish_log.parquet", "zz_new_table.parquet"]


def test_a_missing_manifest_stops_publishing_by_name(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="dbt parse"):
        published_models(tmp_path / "manifest.json")
