"""Fixtures shared across test modules, and the fast tier (`make test-fast`)."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.built_warehouse", "tests.postgres_server"]

#: fixtures that materialise a warehouse (a pipeline run or a dbt build): their tests are slow
_SLOW_FIXTURES = {"first_run", "late_files_run", "vendor_exports_run", "small_home"}
#: modules whose tests run the pipeline, dbt, a browser or a subprocess per test
_SLOW_MODULES = {
    "test_pipeline", "test_quarantine_cascade", "test_structural_absence", "test_sla_clock",
    "test_adapters", "test_adapter_eventlog", "test_dbt_models", "test_adding_an_indicator",
    "test_semantic_layer", "test_report", "test_publish_safety", "test_hostile_input",
    "test_loads", "test_bench", "test_definitions_snapshot", "test_honest_scores",
    "test_up_to_date", "test_adapter_servicenow", "test_data_docs", "test_personal_data",
    "test_progress",
}  # fmt: skip
#: single tests elsewhere that build with dbt
_SLOW_TESTS = {"test_source_sla_agreement_reconciles_source_and_tsq_verdicts"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds a warehouse, runs dbt or a browser (left out by make test-fast)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        name = getattr(item, "originalname", item.name)
        if module in _SLOW_MODULES or name in _SLOW_TESTS or _SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_file_rank)  # stable: within a rank, pytest's own order


#: the files that take longest (CI's --durations), started first: pytest-xdist's loadfile
#: hands out whole files in collection order (with --no-loadscope-reorder; its default
#: order, most tests first, put these few-test files last, so one worker ran them alone
#: at the end). The rest keep pytest's order.
_LONGEST_FILES_FIRST = (
    "test_engine_postgres_run", "test_engine_spark", "test_engine_spark_connect",
    "test_pipeline", "test_incremental",
    "test_hostile_input", "test_adapters", "test_adapter_servicenow", "test_bench",
    "test_loads", "test_serve", "test_structural_absence", "test_adapter_jira",
    "test_adapter_eventlog",
)  # fmt: skip


def _file_rank(item: pytest.Item) -> int:
    module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
    if module in _LONGEST_FILES_FIRST:
        return _LONGEST_FILES_FIRST.index(module)
    return len(_LONGEST_FILES_FIRST)
