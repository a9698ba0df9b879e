"""Great Expectations over a Spark Thrift server (TSQ_SPARK_REMOTE=hive://...), pushed
down as SQL through PyHive's SQLAlchemy dialect (orchestration/engines/spark_thrift.py).

GX 1.x's SQL engine runs every expectation the suites use over that dialect but one:
it picks the SQL of a regular expression by dialect, knows no `hive`, and refuses
`expect_column_values_to_match_regex` ("Regex is not supported for dialect hive"). The
server is Spark, whose `regexp_like(column, pattern)` (Java regex, a match anywhere in
the value, as PostgreSQL's `~`) is what GX writes for Trino and Databricks SQL;
`HiveSqlAlchemyExecutionEngine` presents the dialect under Trino's name so that GX picks
that spelling. `tests/test_engine_spark_thrift.py` proves it with rows that must fail.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal

from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine.sqlalchemy_execution_engine import (
    SqlAlchemyExecutionEngine,
)


class HiveSqlAlchemyExecutionEngine(SqlAlchemyExecutionEngine):
    """GX's SQL engine with Spark's spelling of a regular expression."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # get_dialect_regex_expression writes regexp_like(...) for a dialect module with
        # a `TrinoDialect` attribute (GX gives this dialect no module: `dialect_module` is
        # None); the same attribute also admits GX's LIKE-pattern expectations, which
        # Spark SQL runs as written
        self.dialect_module = SimpleNamespace(
            dialect=type(self.engine.dialect), TrinoDialect=type(self.engine.dialect)
        )


class SparkThriftDatasource(SQLDatasource):
    """A GX fluent datasource for a Spark Thrift server (`hive://user@host:port/db`)."""

    type: Literal["spark_thrift"] = "spark_thrift"  # type: ignore[assignment]  # pydantic discriminator

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return HiveSqlAlchemyExecutionEngine
