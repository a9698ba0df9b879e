"""The served deployment (`make serve`, docs/deployment.md): the project's own script starts
the Dagster daemon over a fresh TSQ home, a generated export dropped into the inbox is
noticed by the inbox sensor, and the sensor's run publishes it. Plus the instance's
dagster.yaml: storage in the home, one run and one warehouse writer at a time."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.generator import generate
from orchestration.instance import (
    GENERATED_MARKER,
    POSTGRES_ENV,
    RUNNER_DEFAULT,
    WAREHOUSE_POOL,
    write_instance_files,
)
from orchestration.settings import PROJECT_ROOT, TsqSettings

SERVE_SCRIPT = PROJECT_ROOT / "scripts" / "serve.sh"
#: what the daemon logs when the sensor finds the inbox empty (automation.py's skip reason)
EMPTY_INBOX_SKIP = "Sensor inbox_sensor skipped: the inbox"
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def _wait_for(condition, seconds: float, what: str, log: Path):
    """Poll `condition` until it returns something truthy; fail with the daemon's log. The
    limits are generous: alone on 2 cores the whole test takes about 85 s, but it took
    285 s beside a full suite run; they only bound how long a broken deployment hangs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"no {what} within {seconds:.0f} s; daemon log:\n{log.read_text()[-4000:]}")


def _stop_group(process: subprocess.Popen) -> None:
    """Stop the script, the daemon, its code servers and any run they launched: all are in
    the process group the script leads (start_new_session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    # the daemon's children may outlive the script by a moment
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.slow
def test_the_served_daemon_runs_the_sensor_on_a_dropped_export_and_publishes_it(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    dagster_home = home / "dagster"
    settings = TsqSettings(home=home).ensure()
    # the export to drop, generated beside the home (same file system: a rename is instant,
    # so the sensor never sees half of it)
    export = tmp_path / "export"
    generate(export, tickets=60, seed=3, start=date(2026, 4, 1), days=60)
    with (export / "tickets.csv").open(newline="", encoding="utf-8") as tickets:
        dropped_tickets = {row["ticket_id"] for row in csv.DictReader(tickets)}
    assert len(dropped_tickets) == 60

    environment = {
        **os.environ,
        "TSQ_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        # the script switches automation on itself (TSQ_AUTOMATION=1 unless told otherwise)
        "TSQ_SENSOR_INTERVAL_SECONDS": "2",
        # no per-step log capture: a third of a small run's time here (tests/conftest.py)
        "TSQ_COMPUTE_LOGS": "0",
    }
    environment.pop("TSQ_AUTOMATION", None)
    log = tmp_path / "daemon.log"
    with log.open("w", encoding="utf-8") as log_file:
        daemon = subprocess.Popen(
            ["bash", str(SERVE_SCRIPT), "daemon"],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # the sensor is on from the first tick, and an empty inbox asks for no run
        _wait_for(lambda: EMPTY_INBOX_SKIP in log.read_text(), 180, "empty-inbox tick", log)
        for path in sorted(export.iterdir()):
            path.replace(settings.inbox / path.name)

        instance = dg.DagsterInstance.from_config(str(dagster_home))
        try:

            def sensor_runs_finished() -> list[dg.RunRecord]:
                by_sensor = {"dagster/sensor_name": "inbox_sensor"}
                records = instance.get_run_records(
                    dg.RunsFilter(job_name="tsq_pipeline", tags=by_sensor)
                )
                done = [r for r in records if r.dagster_run.status in FINISHED]
                return done if done and len(done) == len(records) else []

            runs = _wait_for(sensor_runs_finished, 600, "finished sensor run", log)
            every_run = instance.get_run_records(dg.RunsFilter(job_name="tsq_pipeline"))
        finally:
            instance.dispose()
    finally:
        _stop_group(daemon)

    # one inbox state, one run, started by the sensor for that state of the inbox
    assert len(runs) == 1 and len(every_run) == 1
    run = runs[0].dagster_run
    assert run.status == dg.DagsterRunStatus.SUCCESS, log.read_text()[-4000:]
    assert run.tags["dagster/sensor_name"] == "inbox_sensor"
    assert run.tags.get("dagster/run_key")
    # the published store is that run's, and holds the dropped export's tickets, all 60
    store = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        log_rows = store.execute("SELECT run_id, status FROM publish_log").fetchall()
        published_tickets = {
            ticket for (ticket,) in store.execute("SELECT ticket_id FROM ticket_sla").fetchall()
        }
    finally:
        store.close()
    assert log_rows == [(run.run_id, "published")]
    assert published_tickets == dropped_tickets


def test_the_instance_keeps_runs_in_the_home_and_admits_one_writer(tmp_path: Path) -> None:
    settings = TsqSettings(home=tmp_path / "home").ensure()
    assert write_instance_files(settings) == []
    config = yaml.safe_load((settings.dagster_home / "dagster.yaml").read_text())
    assert config["storage"] == {"sqlite": {"base_dir": str(settings.dagster_home / "storage")}}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    workspace = yaml.safe_load((settings.dagster_home / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["python_module"]["location_name"] == "tsq"

    # Dagster reads it as meant: a queue of one run, and the warehouse pool at one slot
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        # a run whose worker was killed hard is failed after TSQ_MAX_RUN_MINUTES (4 hours)
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_runtime_seconds == 240 * 60
        assert str(instance.root_directory) == str(settings.dagster_home)
    finally:
        instance.dispose()
    assert WAREHOUSE_POOL == "tsq_warehouse"


def test_postgres_storage_names_its_credentials_by_variable_only(tmp_path: Path) -> None:
    settings = TsqSettings(home=tmp_path / "home", dagster_storage="postgres").ensure()
    write_instance_files(settings)
    text = (settings.dagster_home / "dagster.yaml").read_text()
    database = yaml.safe_load(text)["storage"]["postgres"]["postgres_db"]
    assert database == {key: {"env": variable} for key, variable in POSTGRES_ENV.items()}
    assert "sqlite" not in text


def test_a_dagster_yaml_its_owner_edited_is_kept_and_the_runners_default_replaced(
    tmp_path: Path,
) -> None:
    settings = TsqSettings(home=tmp_path / "home").ensure()
    own = settings.dagster_home / "dagster.yaml"
    own.write_text("telemetry:\n  enabled: true\n")
    notes = write_instance_files(settings)
    assert own.read_text() == "telemetry:\n  enabled: true\n"
    assert len(notes) == 1 and "dagster.yaml" in notes[0]
    own.write_text(RUNNER_DEFAULT)  # what `tsq run` writes into a home without one
    assert write_instance_files(settings) == []
    assert own.read_text().startswith(GENERATED_MARKER)
