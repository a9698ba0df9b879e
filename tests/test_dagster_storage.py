"""TSQ's Dagster storage (orchestration/dagster_storage.py): Dagster's SQLite files and
tables, with an event log that keeps one engine per shard instead of creating one per
statement. What it must keep of Dagster's: every event stored once and read back, the
index shard's asset records, and files a wipe can delete; what it adds: a bound on the
engines it keeps."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import StepMaterializationData
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.dagster_storage import KEPT_ENGINES, KeptEnginesSqliteEventLogStorage
from orchestration.instance import EARLIER_RUNNER_DEFAULTS, runner_default
from orchestration.runner import dagster_instance
from orchestration.settings import TsqSettings


def _materialization(run_id: str, asset: str) -> dg.EventLogEntry:
    return dg.EventLogEntry(
        error_info=None,
        level="INFO",
        user_message="",
        run_id=run_id,
        timestamp=time.time(),
        step_key=asset,
        job_name="tsq_pipeline",
        dagster_event=dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.ASSET_MATERIALIZATION.value,
            job_name="tsq_pipeline",
            step_key=asset,
            event_specific_data=StepMaterializationData(dg.AssetMaterialization(asset_key=asset)),
        ),
    )


def test_events_of_more_runs_than_kept_engines_are_all_stored_once(tmp_path: Path) -> None:
    storage = KeptEnginesSqliteEventLogStorage(str(tmp_path / "runs"))
    runs = [f"run-{number:02d}" for number in range(KEPT_ENGINES + 4)]
    try:
        for run_id in runs:
            for asset in ("tickets", "fct_tickets"):
                storage.store_event(_materialization(run_id, asset))
        # the index shard and the latest runs' shards only, however many runs wrote
        assert len(storage._kept_engines) == KEPT_ENGINES
        assert "index" in storage._kept_engines
        assert runs[-1] in storage._kept_engines and runs[0] not in storage._kept_engines
        # each run's shard holds its own two events, the first runs' (engines since
        # disposed) as well as the last ones'
        for run_id in runs:
            logged = storage.get_logs_for_run(run_id)
            assert [entry.step_key for entry in logged] == ["tickets", "fct_tickets"]
        # the index shard's asset records: one materialization per run, the latest last
        latest = storage.get_latest_materialization_events([dg.AssetKey("tickets")])
        assert latest[dg.AssetKey("tickets")].run_id == runs[-1]
        records = storage.fetch_materializations(dg.AssetKey("fct_tickets"), limit=100).records
        assert sorted(record.run_id for record in records) == runs
    finally:
        storage.dispose()
    assert storage._kept_engines == {}


def test_wipe_deletes_the_run_shards_its_engines_held(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    storage = KeptEnginesSqliteEventLogStorage(str(folder))
    try:
        storage.store_event(_materialization("run-a", "tickets"))
        assert (folder / "run-a.db").exists()
        storage.wipe()
        assert not (folder / "run-a.db").exists()
        assert storage.get_logs_for_run("run-a") == []
        # and it still stores afterwards, in a new shard
        storage.store_event(_materialization("run-a", "tickets"))
        assert len(storage.get_logs_for_run("run-a")) == 1
    finally:
        storage.dispose()


def test_a_watcher_of_a_running_run_sees_each_new_event(tmp_path: Path) -> None:
    """What the Dagster UI's live log of a running run relies on: the watcher follows the
    run shard's .db file, which in WAL mode changes only when the last connection to it
    closes. A connection kept open between uses would leave it unchanged."""
    storage = KeptEnginesSqliteEventLogStorage(str(tmp_path / "runs"))
    seen: list[str] = []

    def follow(entry: dg.EventLogEntry, _cursor: str) -> None:
        seen.append(str(entry.step_key))

    try:
        storage.store_event(_materialization("run-w", "tickets"))
        storage.watch("run-w", None, follow)
        for asset in ("fct_tickets", "published_store"):
            storage.store_event(_materialization("run-w", asset))
            deadline = time.monotonic() + 20
            while asset not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            assert asset in seen, f"the watcher never saw {asset} (saw {seen})"
    finally:
        storage.end_watch(
            "run-w", storage._watchers["run-w"] and next(iter(storage._watchers["run-w"]))
        )
        storage.dispose()


@pytest.mark.parametrize("existing", ["none", "earlier", "copied"])
def test_a_tsq_run_home_uses_it_and_the_runners_older_files_are_brought_up_to_date(
    tsq_home: TsqSettings, existing: str, tmp_path: Path
) -> None:
    from orchestration import runner

    wanted = runner_default(tsq_home.dagster_home.resolve(), runner.CAPTURE_COMPUTE_LOGS)
    config = tsq_home.dagster_home / "dagster.yaml"
    tsq_home.dagster_home.mkdir(parents=True, exist_ok=True)
    if existing == "earlier":
        config.write_text(EARLIER_RUNNER_DEFAULTS[0], encoding="utf-8")
    elif existing == "copied":  # a home copied from elsewhere names the other home's files
        config.write_text(runner_default(tmp_path / "elsewhere" / "dagster"), encoding="utf-8")
    instance = dagster_instance(tsq_home)
    try:
        assert config.read_text(encoding="utf-8") == wanted
        assert type(instance.event_log_storage) is KeptEnginesSqliteEventLogStorage
        # where Dagster's default storage keeps them: history/runs under DAGSTER_HOME
        assert Path(instance.event_log_storage._base_dir) == (
            tsq_home.dagster_home.resolve() / "history" / "runs"
        )
        # a run worker's instance, rebuilt from the reference it is handed, stores alike
        with dg.DagsterInstance.from_ref(instance.get_ref()) as worker:
            assert type(worker.event_log_storage) is KeptEnginesSqliteEventLogStorage
    finally:
        instance.dispose()
    # the file means the same whatever DAGSTER_HOME says when it is read
    with dg.DagsterInstance.from_config(str(tsq_home.dagster_home)) as again:
        assert Path(again.event_log_storage._base_dir) == (
            tsq_home.dagster_home.resolve() / "history" / "runs"
        )


def test_an_owners_dagster_yaml_is_left_alone(tsq_home: TsqSettings) -> None:
    tsq_home.dagster_home.mkdir(parents=True, exist_ok=True)
    config = tsq_home.dagster_home / "dagster.yaml"
    own = "telemetry:\n  enabled: true\n"
    config.write_text(own, encoding="utf-8")
    instance = dagster_instance(tsq_home)
    try:
        assert config.read_text(encoding="utf-8") == own
        # Dagster's own storage, as the owner's file (no storage key) says
        assert type(instance.event_log_storage) is SqliteEventLogStorage
    finally:
        instance.dispose()
