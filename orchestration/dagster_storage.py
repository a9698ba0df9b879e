"""Dagster's SQLite storage under the TSQ home, with the event log's connections kept.

Dagster's SqliteEventLogStorage creates an SQLAlchemy engine, connects, and disposes of
the engine for every statement group it runs; closing the last connection to a WAL-mode
SQLite file also checkpoints it into the file. A `tsq run` of a few hundred tickets
stores some 900 events and creates some 3,400 engines (docs/performance.md, "Dagster's
event log keeps its connections"). This storage is Dagster's own, files and tables alike,
except that the event log keeps an engine and its pool of connections per shard it uses
(a small, bounded set: the index and the latest runs'). What that changes, and how it is
kept right:

- a commit now only appends to `<run>.db-wal`; the `.db` file changes at SQLite's
  automatic checkpoints. Dagster's webserver follows a running run's log by watching the
  `.db` file, so its watcher here follows the `-wal` file too (else the UI's live log of
  a run would freeze until the run ends);
- a wipe deletes the run shards' files: the kept engines are disposed first, so no
  connection stays open on a deleted file;
- SQLite's own locking still orders the writers across processes (the daemon, the
  webserver, a run's process): a pooled connection holds no transaction between uses.

dagster.yaml names it as custom storage (orchestration/instance.py writes every such
file TSQ writes: make serve's and the runner's default):

    storage:
      custom:
        module: orchestration.dagster_storage
        class: TsqSqliteStorage
        config: {base_dir: <DAGSTER_HOME>}
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.event_api import EventHandlerFn
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from watchdog.events import FileSystemEvent
from watchdog.observers import Observer

#: engines kept at once: the index shard and the shards of the runs being written or read
#: (a served deployment's webserver reads many runs; each kept engine holds open files)
KEPT_ENGINES = 8


class WalFollowingWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watcher of a run's event log, woken by its shard's write-ahead log as well
    as by the shard itself: with connections kept, a commit changes only the former."""

    def __init__(self, event_log_storage: SqliteEventLogStorage, *args: Any, **kwargs: Any):
        super().__init__(event_log_storage, *args, **kwargs)
        self._patterns = [self._log_path, f"{self._log_path}-wal"]

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()


class KeptEnginesSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per shard, its connections pooled and kept
    between uses (least recently used engines disposed beyond KEPT_ENGINES), instead of
    an engine created and disposed of per use."""

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
        # Dagster's _connect with the engine kept: the same lock, initialisation and
        # transaction
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

    def watch(self, run_id: str, cursor: str | None, callback: EventHandlerFn) -> None:
        # Dagster's watch, with the watcher that follows the write-ahead log too
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = WalFollowingWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (
            watchdog,
            self._obs.schedule(watchdog, self._base_dir, recursive=True),
        )

    def wipe(self) -> None:
        # the run shards' files are deleted: no kept connection may stay open on them,
        # before or (a use by another thread meanwhile) after
        self._dispose_engines()
        super().wipe()
        self._dispose_engines()

    def dispose(self) -> None:
        super().dispose()  # stops the watchers first: none of them connects afterwards
        self._dispose_engines()


class TsqSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, schedules and the event log in the same files and
    tables), with KeptEnginesSqliteEventLogStorage as its event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # Dagster's constructor, whose event log (index made or checked) is then replaced:
        # its other storages and attributes stay exactly Dagster's
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = KeptEnginesSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData, config_value: Any
    ) -> TsqSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
