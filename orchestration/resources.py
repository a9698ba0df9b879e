"""The one resource every writing asset shares: the TSQ home and its working warehouse."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.settings import TsqSettings


class TsqHome(dg.ConfigurableResource):
    """Paths under TSQ_HOME and connections to the working warehouse (tsq.duckdb)."""

    home: str

    @property
    def settings(self) -> TsqSettings:
        return TsqSettings(home=Path(self.home)).ensure()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # One short-lived connection per step: DuckDB allows one writing process, and the
        # in-process executor runs the steps one after another.
        settings = self.settings
        con = duckdb.connect(
            str(settings.warehouse_path), config={"memory_limit": settings.duckdb_memory_limit}
        )
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()
