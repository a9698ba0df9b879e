"""Great Expectations over DuckDB, pushed down: GX compiles each expectation to SQL and
DuckDB runs it where the data is, so no table is ever pulled into pandas.

GX 1.x has no DuckDB datasource. Its generic SQL engine works over `duckdb-engine`
except for one thing: `SqlAlchemyExecutionEngine.execute_query` returns the cursor
result *after* closing the connection, and a DuckDB cursor is lazy, so every metric
then fails with an IndexError. `BufferedSqlAlchemyExecutionEngine` fetches the result
while the connection is open (SQLAlchemy's frozen result). Metric queries return a
handful of rows (counts and a bounded sample of unexpected values), so buffering is
cheap. GX also picks SQL for some expectations (regular expressions) by dialect and
knows no DuckDB; DuckDB's SQL dialect in `duckdb-engine` derives from PostgreSQL's, and
DuckDB speaks PostgreSQL's regex operators, so the engine presents it as that family.
`tests/test_quality_gates.py` proves both with data that must fail.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal

from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine.sqlalchemy_execution_engine import (
    SqlAlchemyExecutionEngine,
)
from sqlalchemy.dialects import postgresql


class BufferedSqlAlchemyExecutionEngine(SqlAlchemyExecutionEngine):
    """Reads each query's rows before its connection closes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # GX picks dialect-specific SQL with `issubclass(dialect_module.dialect,
        # postgresql.dialect)`; DuckDB accepts what it then writes (e.g. `~` for regex).
        self.dialect_module = SimpleNamespace(dialect=postgresql.dialect)

    def execute_query(self, query):  # type: ignore[override]  # GX's own signature
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            return result.freeze()()


class DuckDBDatasource(SQLDatasource):
    """A GX fluent datasource for a DuckDB file (connection string `duckdb:///<path>`)."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]  # pydantic discriminator

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return BufferedSqlAlchemyExecutionEngine
