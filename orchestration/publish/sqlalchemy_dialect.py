"""`duckdb+tsq://`: duckdb-engine's SQLAlchemy dialect, with the reflection a BI tool
needs answered from DuckDB's own catalogue.

duckdb-engine 0.17 inherits SQLAlchemy's PostgreSQL reflection, whose queries use
`CAST(… AS REGCLASS)` and (in SQLAlchemy 2.1) `pg_catalog.pg_collation`; DuckDB 2.0 has
neither. So with the plain `duckdb://` URL a BI tool can list tables and columns (under the
SQLAlchemy 2.0 the project pins) but `Table(..., autoload_with=engine)` and
`MetaData.reflect()` fail on the primary key. This dialect answers keys, constraints,
comments and columns from `duckdb_tables()`, `duckdb_columns()` and
`duckdb_constraints()`, with bound parameters only. Everything else (types, queries,
connections) is duckdb-engine's. Registered as the SQLAlchemy entry point `duckdb.tsq`
(pyproject.toml); docs/published-tables.md shows the URL.

It imports only SQLAlchemy and duckdb-engine, so a BI tool's environment that has TSQ
installed loads it without Dagster or dbt.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from duckdb_engine import Dialect as DuckDBEngineDialect
from sqlalchemy import text, util
from sqlalchemy.engine import Connection, reflection
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.sql import sqltypes

# The relations a schema holds, tables and views alike, with their comments.
_RELATIONS = """
    SELECT table_name AS name, comment FROM duckdb_tables()
    WHERE schema_name = :schema AND database_name = current_database()
    UNION ALL
    SELECT view_name, comment FROM duckdb_views()
    WHERE schema_name = :schema AND database_name = current_database() AND NOT internal
    ORDER BY name
"""

_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default, comment
    FROM duckdb_columns()
    WHERE schema_name = :schema AND database_name = current_database()
    ORDER BY table_name, column_index
"""

_CONSTRAINTS = """
    SELECT table_name, constraint_type, constraint_name, constraint_column_names,
           referenced_table, referenced_column_names, expression
    FROM duckdb_constraints()
    WHERE schema_name = :schema AND database_name = current_database()
      AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')
    ORDER BY table_name, constraint_index
"""


#: (schema, table), as SQLAlchemy's batched reflection keys its answers
TableKey = tuple[str | None, str]


class TsqDuckDBDialect(DuckDBEngineDialect):
    driver = "tsq"
    supports_statement_cache = False

    # -- what DuckDB's catalogue holds, per table ------------------------------------------

    def _schema(self, schema: str | None) -> str:
        if schema is None:
            return "main"
        # duckdb-engine accepts "database.schema"; the catalogue queries want the schema
        return self.identifier_preparer._separate(schema)[1]

    def _relations(
        self, connection: Connection, schema: str | None, filter_names: Collection[str] | None
    ) -> dict[str, str | None]:
        rows = connection.execute(text(_RELATIONS), {"schema": self._schema(schema)})
        relations = {name: comment for name, comment in rows}
        if filter_names is not None:
            relations = {n: c for n, c in relations.items() if n in set(filter_names)}
        return relations

    def _constraints(self, connection: Connection, schema: str | None) -> list[Any]:
        return list(connection.execute(text(_CONSTRAINTS), {"schema": self._schema(schema)}))

    # -- single-table reflection, as Inspector.get_* calls it ---------------------------------

    def get_columns(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        found = dict(self.get_multi_columns(connection, schema, [table_name], **kw))
        if (schema, table_name) not in found:
            raise NoSuchTableError(table_name)
        return found[(schema, table_name)]

    def get_pk_constraint(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> Any:
        return dict(self.get_multi_pk_constraint(connection, schema, [table_name], **kw)).get(
            (schema, table_name), reflection.ReflectionDefaults.pk_constraint()
        )

    def get_foreign_keys(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        return dict(self.get_multi_foreign_keys(connection, schema, [table_name], **kw)).get(
            (schema, table_name), []
        )

    def get_unique_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        found = self.get_multi_unique_constraints(connection, schema, [table_name], **kw)
        return dict(found).get((schema, table_name), [])

    def get_check_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        found = self.get_multi_check_constraints(connection, schema, [table_name], **kw)
        return dict(found).get((schema, table_name), [])

    def get_table_comment(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> Any:
        relations = self._relations(connection, schema, [table_name])
        if table_name not in relations:
            raise NoSuchTableError(table_name)
        return {"text": relations[table_name]}

    # -- the batched forms SQLAlchemy's Table reflection and MetaData.reflect() use -----------

    def get_multi_columns(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, list[Any]]]:
        relations = self._relations(connection, schema, filter_names)
        columns: dict[TableKey, list[Any]] = {(schema, n): [] for n in relations}
        rows = connection.execute(text(_COLUMNS), {"schema": self._schema(schema)})
        for table, column, data_type, nullable, default, comment in rows:
            if (schema, table) not in columns:
                continue
            columns[(schema, table)].append(
                {
                    "name": column,
                    "type": self._column_type(data_type, column),
                    "nullable": bool(nullable),
                    "default": default,
                    "autoincrement": False,
                    "comment": comment,
                }
            )
        return columns.items()

    def _column_type(self, data_type: str, column: str) -> Any:
        """DuckDB's type name as a SQLAlchemy type: the few names DuckDB spells its own way
        here, the rest through duckdb-engine's (PostgreSQL-derived) type table. A type
        neither knows reflects as NullType with a warning, as SQLAlchemy's own dialects do."""
        name = data_type.lower()
        if name == "timestamp with time zone":
            return sqltypes.TIMESTAMP(timezone=True)
        if name in ("double", "double precision"):
            return sqltypes.Double()
        if name.startswith("decimal("):
            precision, scale = (int(part) for part in name[len("decimal(") : -1].split(","))
            return sqltypes.Numeric(precision, scale)
        if name == "blob":
            return sqltypes.LargeBinary()
        type_class = self.ischema_names.get(name)
        if type_class is None:
            util.warn(f"Did not recognise type '{data_type}' of column '{column}'")
            return sqltypes.NullType()
        return type_class()

    def _constraints_by_table(
        self,
        connection: Connection,
        schema: str | None,
        filter_names: Collection[str] | None,
        constraint_type: str,
        shape: Callable[[Any], dict[str, Any]],
    ) -> dict[TableKey, list[dict[str, Any]]]:
        """Each relation's constraints of one type, shaped as SQLAlchemy's reflection
        wants them; a relation with none has an empty list."""
        relations = self._relations(connection, schema, filter_names)
        found: dict[TableKey, list[dict[str, Any]]] = {(schema, n): [] for n in relations}
        for row in self._constraints(connection, schema):
            if row.constraint_type == constraint_type and (schema, row.table_name) in found:
                found[(schema, row.table_name)].append(shape(row))
        return found

    def get_multi_pk_constraint(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, Any]]:
        found = self._constraints_by_table(
            connection, schema, filter_names, "PRIMARY KEY",
            lambda row: {"constrained_columns": list(row.constraint_column_names),
                         "name": row.constraint_name},
        )  # fmt: skip
        return [
            (key, keys[0] if keys else reflection.ReflectionDefaults.pk_constraint())
            for key, keys in found.items()
        ]

    def get_multi_foreign_keys(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, list[Any]]]:
        return self._constraints_by_table(
            connection, schema, filter_names, "FOREIGN KEY",
            lambda row: {
                "name": row.constraint_name,
                "constrained_columns": list(row.constraint_column_names),
                "referred_schema": schema,
                "referred_table": row.referenced_table,
                "referred_columns": list(row.referenced_column_names),
                "options": {},
            },
        ).items()  # fmt: skip

    def get_multi_unique_constraints(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, list[Any]]]:
        return self._constraints_by_table(
            connection, schema, filter_names, "UNIQUE",
            lambda row: {"name": row.constraint_name,
                         "column_names": list(row.constraint_column_names)},
        ).items()  # fmt: skip

    def get_multi_check_constraints(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, list[Any]]]:
        return self._constraints_by_table(
            connection, schema, filter_names, "CHECK",
            lambda row: {"name": row.constraint_name, "sqltext": row.expression},
        ).items()  # fmt: skip

    def get_multi_table_comment(
        self,
        connection: Connection,
        schema: str | None = None,
        filter_names: Collection[str] | None = None,
        **kw: Any,
    ) -> Iterable[tuple[TableKey, Any]]:
        relations = self._relations(connection, schema, filter_names)
        return [((schema, name), {"text": comment}) for name, comment in relations.items()]
