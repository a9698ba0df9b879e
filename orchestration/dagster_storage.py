"""Dagster's SQLite storage under the TSQ home, with the event log's engines kept.

Dagster's SqliteEventLogStorage creates an SQLAlchemy engine, opens a connection and
disposes of the engine for every statement group it runs: about six times per event a
run writes (its run's shard, the index shard for asset and check events, the asset status
reads). A `tsq run` of a few hundred tickets writes some 900 events and so creates some
5,800 engines (docs/performance.md, "Dagster's event log"). This storage is Dagster's
own, tables and files alike, except that the event log keeps one engine, with its pool of
connections, per shard it is writing (a small, bounded set: the index and the latest
runs'). SQLite's own locking still orders writers across processes (the daemon, the
webserver and a run's process share the files), as with Dagster's engines: a pooled
connection between two uses holds no transaction and no lock.

dagster.yaml names it as custom storage (orchestration/instance.py, the runner's default
instance file and the tests'):

    storage:
      custom:
        module: orchestration.dagster_storage
        class: TsqSqliteStorage
        config: {base_dir: <DAGSTER_HOME>/storage}
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData

#: engines kept at once: the index shard and the shards of the runs being written or read
#: (a served deployment's webserver reads many runs; each kept engine holds open files)
KEPT_ENGINES = 8


class KeptEnginesSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per shard, kept between uses (least recently
    used ones disposed beyond KEPT_ENGINES) instead of one created per use."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._kept_engines: OrderedDict[str, db.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> db.Engine:
        engine = self._kept_engines.pop(shard, None)
        if engine is None:
            engine = db.create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
        self._kept_engines[shard] = engine  # now the most recently used
        while len(self._kept_engines) > KEPT_ENGINES:
            _, oldest = self._kept_engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        # the same lock, initialisation and transaction as Dagster's own _connect
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._kept_engines:
                _, engine = self._kept_engines.popitem()
                engine.dispose()

    def wipe(self) -> None:
        # the run shards' files are deleted: no connection may stay open on them
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


class TsqSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, schedules and the event log in the same files and
    tables), with KeptEnginesSqliteEventLogStorage as its event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = KeptEnginesSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData, config_value: Any
    ) -> TsqSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
