"""What every adapter provides, and the helpers they share for writing canonical files."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from orchestration.contract import ENTITY_BY_NAME
from orchestration.sql_text import sql_string

# A canonical timestamp: ISO 8601 in UTC with Z, from a naive UTC timestamp (SQL template).
ISO = "strftime({}, '%Y-%m-%dT%H:%M:%SZ')"


class AdapterError(ValueError):
    """An input the adapter cannot read; the message names the file and what did not match."""


@dataclass
class Conversion:
    """What an adapter wrote: rows per canonical entity, and the files."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    #: what the conversion assumed (toolkit.Assumption), also written as source_assumptions
    assumptions: list[Any] = field(default_factory=list)


class Adapter(Protocol):
    #: format name used by `tsq ingest --format`
    name: str
    #: canonical entities this source can fill; indicators needing others get "no data"
    entities: tuple[str, ...]

    def detect(self, path: Path) -> bool:
        """True when the file looks like this adapter's export (used when no --format)."""
        ...

    def convert(
        self,
        paths: Sequence[Path],
        out_dir: Path,
        source: str,
        mapping: dict[str, Any] | None,
    ) -> Conversion:
        """Write canonical files for `paths` into `out_dir`, ids namespaced by `source`."""
        ...


def source_id(source: str, suffix: str) -> str:
    """SQL literal of an id of the source's own making, e.g. `crm:unassigned`. Ingest
    checks the source name against contract.SOURCE_NAME_PATTERN before it calls an adapter
    (inbox.check_source_name: no quote can be in it); `sql_string` doubles quotes all the
    same, so a name could never become code."""
    return sql_string(f"{source}:{suffix}")


def namespaced(source: str, column_sql: str) -> str:
    """SQL for an id namespaced by source, so several systems can feed one warehouse. The
    source name is a quoted literal: a name holding a quote or SQL stays text."""
    return (
        f"CASE WHEN {column_sql} IS NULL THEN NULL "
        f"ELSE {sql_string(source + ':')} || CAST({column_sql} AS VARCHAR) END"
    )


def write_entity(
    con: duckdb.DuckDBPyConnection, select_sql: str, entity: str, out_dir: Path, source: str
) -> tuple[Path, int]:
    """Write the rows of `select_sql` as a canonical CSV of `entity`, columns in contract
    order (columns the select lacks are left out; required ones must be there)."""
    contract = ENTITY_BY_NAME[entity]
    present = [row[0] for row in con.execute(f"DESCRIBE {select_sql}").fetchall()]
    missing = [c for c in contract.required_columns if c not in present]
    if missing:
        raise AdapterError(f"adapter for {source}: {entity} lacks required {', '.join(missing)}")
    columns = ", ".join(f'"{c}"' for c in contract.column_names if c in present)
    target = out_dir / f"{entity}-{source}.csv"
    con.execute(
        f"COPY (SELECT {columns} FROM ({select_sql})) TO $target (HEADER, DELIMITER ',')",
        {"target": str(target)},
    )
    (rows,) = con.execute(f"SELECT count(*) FROM ({select_sql})").fetchone()
    return target, int(rows)


def write_entities(
    con: duckdb.DuckDBPyConnection, queries: dict[str, str], out_dir: Path, source: str
) -> Conversion:
    """Write every entity's query as a canonical CSV; the Conversion says what was written."""
    conversion = Conversion(source=source)
    for entity, select_sql in queries.items():
        path, rows = write_entity(con, select_sql, entity, out_dir, source)
        conversion.files.append(path)
        conversion.rows[entity] = rows
    return conversion


@contextmanager
def staged_output(inbox: Path) -> Iterator[Path]:
    """A scratch folder whose files move into the inbox only if the conversion succeeds,
    so a failed conversion leaves nothing half-written behind."""
    inbox.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".adapter-", dir=inbox))
    try:
        yield scratch
        for produced in sorted(scratch.iterdir()):
            produced.replace(inbox / produced.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
