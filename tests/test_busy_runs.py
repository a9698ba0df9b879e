"""One writer: `tsq run` does not start while a run of the pipeline is queued or running
in the same TSQ home (a served run from the sensor, the schedule or the UI), and says
which; a run a killed `tsq run` left marked as running never blocks later runs.
Real Dagster instances in a temporary DAGSTER_HOME, with run records as the daemon and
the runner write them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import dagster as dg
import pytest

from orchestration.runner import HOST_TAG, PROCESS_TAG, PipelineBusy, refuse_if_busy


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.local_temp(str(tmp_path)) as local:
        yield local


def add_run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus, tags: dict) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(
        dg.DagsterRun(job_name="tsq_pipeline", run_id=run_id, status=status, tags=tags)
    )
    return run_id


def a_finished_process_id() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return int(child.stdout)


def test_a_sensor_run_in_progress_refuses_tsq_run_naming_it(instance):
    # (a QUEUED record needs the daemon's code-location origin; STARTED is what the
    # daemon's run shows while it writes)
    run_id = add_run(instance, dg.DagsterRunStatus.STARTED, {"dagster/sensor_name": "inbox_sensor"})
    with pytest.raises(PipelineBusy) as refused:
        refuse_if_busy(instance)
    assert run_id in str(refused.value)
    assert "sensor inbox_sensor" in str(refused.value)
    assert "started" in str(refused.value)


def test_a_running_tsq_run_whose_process_lives_refuses_another(instance):
    tags = {PROCESS_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    run_id = add_run(instance, dg.DagsterRunStatus.STARTED, tags)
    with pytest.raises(PipelineBusy) as refused:
        refuse_if_busy(instance)
    assert run_id in str(refused.value)


def test_a_run_left_by_a_killed_tsq_run_is_marked_failed_and_blocks_nothing(instance):
    tags = {PROCESS_TAG: str(a_finished_process_id()), HOST_TAG: socket.gethostname()}
    run_id = add_run(instance, dg.DagsterRunStatus.STARTED, tags)
    refuse_if_busy(instance)  # does not raise
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE


def test_finished_runs_block_nothing(instance):
    for status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
        add_run(instance, status, {})
    refuse_if_busy(instance)
