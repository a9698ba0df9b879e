"""The raw layer as Dagster shows it: raw/quarantine is a real asset (described, run by the
pipeline job after every load, upstream of the dbt models that read it), and every raw
ingest asset carries its column schema, generated from the export contract."""

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from orchestration.contract import ENTITIES, ENTITY_BY_NAME
from orchestration.contract_dbt import LINEAGE_COLUMNS, SOURCES_PATH
from orchestration.ingest.quarantine_asset import QUARANTINE_KEY
from orchestration.settings import TsqSettings
from tests.conftest import EVENT_HEADER, TICKET_HEADER, query

INGEST_KEYS = [dg.AssetKey(["raw", entity.name]) for entity in ENTITIES]
RAW_LAYER = [dg.AssetKey(["raw", "inbox_adapters"]), *INGEST_KEYS, QUARANTINE_KEY]


def _asset_graph() -> Any:
    from orchestration.definitions import defs

    return defs.get_repository_def().asset_graph


# -- raw/quarantine in the code location ---------------------------------------------------


def test_quarantine_is_a_materialised_asset_with_a_description() -> None:
    node = _asset_graph().get(QUARANTINE_KEY)
    assert node.is_materializable  # not the dbt source's external "Never materialized"
    assert node.group_name == "raw"
    assert node.pools == {"tsq_warehouse"}
    description = node.description or ""
    # what it is, where it lives, how to see it, how rows leave
    for words in ("raw.quarantine", "tsq.duckdb", "tsq quarantine", "tsq retract", "held back"):
        assert words in description, words


def test_quarantine_runs_after_every_load_and_before_the_models_that_read_it() -> None:
    graph = _asset_graph()
    assert set(graph.get(QUARANTINE_KEY).parent_keys) == set(INGEST_KEYS)
    # int_ticket_record_gates reads source('raw', 'quarantine'): dagster-dbt maps the
    # source to this key, so the model is downstream of the real asset
    assert (
        QUARANTINE_KEY
        in graph.get(dg.AssetKey(["intermediate", "int_ticket_record_gates"])).parent_keys
    )


def test_the_pipeline_job_runs_the_quarantine_step_after_every_ingest_step() -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("tsq_pipeline")
    upstream = {
        output.node_name
        for output in job.graph.dependency_structure.all_upstream_outputs_from_node(
            "raw__quarantine"
        )
    }
    ingest_steps = {f"raw__{entity.name}" for entity in ENTITIES}
    assert ingest_steps <= upstream
    # and the raw assets' blocking checks (a raw layer that fails them stops the run here)
    assert all(
        step.startswith(tuple(f"{s}_" for s in ingest_steps)) for step in upstream - ingest_steps
    )


# -- column schemas of the raw ingest assets ----------------------------------------------


def _column_schema(key: dg.AssetKey) -> dg.TableSchema:
    return _asset_graph().get(key).metadata["dagster/column_schema"]


def test_raw_tickets_column_schema_is_the_contracts_columns_then_the_lineage() -> None:
    tickets = ENTITY_BY_NAME["tickets"]
    columns = _column_schema(dg.AssetKey(["raw", "tickets"])).columns
    assert [c.name for c in columns] == [
        *(c.name for c in tickets.columns),
        *(name for name, _ in LINEAGE_COLUMNS),
    ]
    by_name = {c.name: c for c in columns}
    for column in tickets.columns:
        shown = by_name[column.name]
        assert shown.tags == {"contract_type": str(column.type)}
        assert shown.constraints.nullable is not column.required
        assert column.description in shown.description
    # a spot check against the contract as written: ticket_id is required, product is not,
    # priority is one of P1..P4, created_at is a timestamp stored as text
    assert by_name["ticket_id"].constraints.nullable is False
    assert by_name["product"].constraints.nullable is True
    assert by_name["priority"].constraints.other == ["one of P1, P2, P3, P4"]
    assert (by_name["created_at"].type, by_name["created_at"].tags) == (
        "varchar",
        {"contract_type": "timestamp"},
    )


def test_every_raw_column_says_in_dagster_what_it_says_in_dbt_docs() -> None:
    """dbt docs shows the raw source's column descriptions from _sources.yml; Dagster
    shows the ingest asset's column schema. Both are rendered from the contract: for
    every entity and column (lineage included) the two texts are the same."""
    sources = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    (raw,) = [s for s in sources["sources"] if s["name"] == "raw"]
    dbt_columns = {
        table["name"]: {c["name"]: c["description"] for c in table.get("columns", [])}
        for table in raw["tables"]
    }
    for entity in ENTITIES:
        dagster_columns = {
            c.name: c.description for c in _column_schema(dg.AssetKey(["raw", entity.name])).columns
        }
        assert dagster_columns == dbt_columns[entity.name], entity.name
        assert all(dagster_columns.values()), entity.name


# -- real runs of the raw layer of the pipeline job ---------------------------------------

#: T1 keeps every rule; T2 lacks its category (required); T3 has a priority the contract
#: does not allow.
TICKETS = (
    TICKET_HEADER
    + "T1,2026-09-01T02:00:00Z,email,P2,1,network,TM01,open\n"
    + "T2,2026-09-01T02:00:00Z,email,P2,1,,TM01,open\n"
    + "T3,2026-09-01T02:00:00Z,email,P9,1,network,TM01,open\n"
)
#: E1 is fine; E2 and E4 belong to the quarantined T2 and T3 (they follow them); E3 is an
#: event type the contract does not know.
EVENTS = (
    EVENT_HEADER
    + "E1,T1,2026-09-01T03:00:00Z,public_reply,agent\n"
    + "E2,T2,2026-09-01T03:00:00Z,public_reply,agent\n"
    + "E3,T1,2026-09-01T04:00:00Z,teleport,agent\n"
    + "E4,T3,2026-09-01T04:00:00Z,public_reply,agent\n"
)
#: T2 delivered again, corrected
TICKETS_FIX = TICKET_HEADER + "T2,2026-09-01T02:00:00Z,email,P2,1,network,TM01,open\n"

CASCADE = "its ticket was quarantined"


def _run_raw_layer(settings: TsqSettings) -> tuple[dg.ExecuteInProcessResult, dict[str, Any]]:
    """A real run of the pipeline job's raw layer (adapters, every ingest asset and
    raw/quarantine, with the per-load reconciliations, which read raw.quarantine too; the
    GX suites are left out, a third of the time) on the persistent instance under the
    home; returns the run and raw/quarantine's latest materialisation metadata, read back
    from the instance."""
    from orchestration.definitions import build_definitions
    from orchestration.runner import dagster_instance

    job = build_definitions(settings).resolve_job_def("tsq_pipeline")
    raw_layer = job.get_subset(
        asset_selection=set(RAW_LAYER),
        asset_check_selection={dg.AssetCheckKey(key, "rows_reconcile") for key in INGEST_KEYS},
    )
    with dagster_instance(settings) as instance:
        result = raw_layer.execute_in_process(instance=instance)
        event = instance.get_latest_materialization_event(QUARANTINE_KEY)
    assert result.success
    reconciled = result.get_asset_check_evaluations()
    assert len(reconciled) == len(INGEST_KEYS) and all(e.passed for e in reconciled)
    assert event is not None and event.run_id == result.run_id
    materialization = event.asset_materialization
    assert materialization is not None
    return result, {name: value.value for name, value in materialization.metadata.items()}


def _step_order(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]


@pytest.mark.slow
def test_raw_quarantine_records_what_the_quarantine_holds_run_after_run(
    tsq_home: TsqSettings,
) -> None:
    inbox: Path = tsq_home.inbox
    (inbox / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (inbox / "ticket_events.csv").write_text(EVENTS, encoding="utf-8")

    # Run 1. Quarantined: T2 (required:category), T3 (allowed:priority); E2 and E4 follow
    # their tickets (cascade), E3 (allowed:event_type): 2 tickets + 3 events = 5, all new.
    result, first = _run_raw_layer(tsq_home)
    steps = _step_order(result)
    assert steps.index("raw__quarantine") > max(steps.index(f"raw__{e.name}") for e in ENTITIES)
    assert first["dagster/row_count"] == first["total_rows"] == 5
    assert first["rows_added_by_this_run"] == 5
    assert first["files_with_quarantined_rows"] == 2  # tickets.csv, ticket_events.csv
    assert first["rows_by_rule_json"] == [
        {"entity": "ticket_events", "rule": CASCADE, "rows": 2},
        {"entity": "ticket_events", "rule": "allowed:event_type", "rows": 1},
        {"entity": "tickets", "rule": "allowed:priority", "rows": 1},
        {"entity": "tickets", "rule": "required:category", "rows": 1},
    ]
    assert "| tickets | 2 |" in first["rows_by_entity"]
    assert "| ticket_events | 3 |" in first["rows_by_entity"]
    assert "| surveys | 0 |" in first["rows_by_entity"]  # every entity, none left out
    # the asset read the table and wrote nothing: what it recorded is what is there
    assert query(tsq_home.warehouse_path, "SELECT count(*) FROM raw.quarantine") == [(5,)]

    # Run 2: T2 re-delivered, corrected. E2 follows T2 back into raw; the row
    # tickets.csv refused stays (a re-delivery is a new load): 5 - 1 = 4, none added.
    (inbox / "tickets-fix.csv").write_text(TICKETS_FIX, encoding="utf-8")
    _, second = _run_raw_layer(tsq_home)
    assert second["total_rows"] == 4
    assert second["rows_added_by_this_run"] == 0
    assert {(r["entity"], r["rule"]): r["rows"] for r in second["rows_by_rule_json"]} == {
        ("ticket_events", CASCADE): 1,  # E4
        ("ticket_events", "allowed:event_type"): 1,  # E3
        ("tickets", "allowed:priority"): 1,  # T3
        ("tickets", "required:category"): 1,  # T2 as tickets.csv had it
    }

    # Retracting tickets.csv (tsq retract) removes its two refused rows; with T3 gone
    # from quarantine E4 goes back to raw on the next run: only E3 is left.
    import duckdb

    from orchestration.ingest.ledger import retract

    con = duckdb.connect(str(tsq_home.warehouse_path))
    try:
        (retraction,) = retract(con, "tickets.csv", "test: wrong export")
    finally:
        con.close()
    assert retraction.quarantine_rows_removed == 2
    _, third = _run_raw_layer(tsq_home)
    assert third["total_rows"] == 1
    assert third["rows_added_by_this_run"] == 0
    assert third["rows_by_rule_json"] == [
        {"entity": "ticket_events", "rule": "allowed:event_type", "rows": 1}
    ]


@pytest.mark.slow
def test_the_raw_tables_have_the_columns_their_schema_metadata_names(
    tsq_home: TsqSettings,
) -> None:
    """The column schemas (the entities' and raw.quarantine's) are declared, not read from
    the tables: a real load's tables must have exactly those columns, in that order, with
    those storage types, each described."""
    (tsq_home.inbox / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    from orchestration.definitions import build_definitions
    from orchestration.runner import dagster_instance

    job = build_definitions(tsq_home).resolve_job_def("tsq_pipeline")
    with dagster_instance(tsq_home) as instance:
        # the ingest assets alone, without their checks: only the tables are looked at
        subset = job.get_subset(asset_selection=set(INGEST_KEYS), asset_check_selection=set())
        assert subset.execute_in_process(instance=instance).success
    declared_tables = {
        entity.name: _column_schema(dg.AssetKey(["raw", entity.name])) for entity in ENTITIES
    }
    declared_tables["quarantine"] = _column_schema(QUARANTINE_KEY)
    for table, schema in declared_tables.items():
        described = query(
            tsq_home.warehouse_path,
            "SELECT column_name, lower(data_type) FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
        # information_schema spells TIMESTAMPTZ out
        assert [
            (name, "timestamptz" if kind == "timestamp with time zone" else kind)
            for name, kind in described
        ] == [(c.name, c.type) for c in schema.columns], table
        assert all(c.description for c in schema.columns), table
