"""A run is skipped only when neither the inbox nor the project changed since the last
published run (orchestration/up_to_date.py); the whole-graph skip is in test_pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration import up_to_date
from orchestration.settings import TsqSettings
from orchestration.up_to_date import (
    inputs_fingerprint,
    published_run_if_current,
    record_published_inputs,
)


@pytest.fixture
def published_home(tmp_path: Path) -> TsqSettings:
    settings = TsqSettings(home=tmp_path / "home").ensure()
    (settings.inbox / "tickets.csv").write_text("ticket_id\nT1\n")
    settings.published_path.write_bytes(b"published")
    record_published_inputs(settings, "run-1", inputs_fingerprint(settings))
    return settings


def test_unchanged_inputs_name_the_published_run(published_home):
    assert published_run_if_current(published_home, inputs_fingerprint(published_home)) == "run-1"


def test_a_new_inbox_file_means_work(published_home):
    (published_home.inbox / "surveys.csv").write_text("survey_id\nS1\n")
    assert published_run_if_current(published_home, inputs_fingerprint(published_home)) is None


def test_a_touched_inbox_file_means_work_even_with_the_same_bytes(published_home):
    tickets = published_home.inbox / "tickets.csv"
    stat = tickets.stat()
    os.utime(tickets, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert published_run_if_current(published_home, inputs_fingerprint(published_home)) is None


def test_a_changed_project_file_means_work(published_home, tmp_path, monkeypatch):
    model = tmp_path / "model.sql"
    model.write_text("select 1")
    monkeypatch.setattr(up_to_date, "_project_files", lambda: [model])
    monkeypatch.setattr(up_to_date, "PROJECT_ROOT", tmp_path)
    before = inputs_fingerprint(published_home)
    model.write_text("select 2")
    assert inputs_fingerprint(published_home) != before


def test_opting_in_to_personal_names_means_work(published_home):
    opted_in = published_home.model_copy(update={"publish_personal_names": True})
    assert published_run_if_current(opted_in, inputs_fingerprint(opted_in)) is None
    assert published_run_if_current(published_home, inputs_fingerprint(published_home))


def test_no_published_store_means_work(published_home):
    published_home.published_path.unlink()
    assert published_run_if_current(published_home, inputs_fingerprint(published_home)) is None


def test_a_damaged_marker_means_work(published_home):
    (published_home.root / "last_published.json").write_text("{not json")
    assert published_run_if_current(published_home, inputs_fingerprint(published_home)) is None


def test_the_daily_schedule_skips_when_current_and_tags_its_run_otherwise(published_home):
    import dagster as dg

    from orchestration.automation import daily_schedule
    from orchestration.resources import TsqHome

    tsq = TsqHome(home=str(published_home.root))
    skipped = daily_schedule(dg.build_schedule_context(resources={"tsq": tsq}))
    assert isinstance(skipped, dg.SkipReason) and "run-1" in (skipped.skip_message or "")
    (published_home.inbox / "surveys.csv").write_text("survey_id\nS1\n")
    request = daily_schedule(dg.build_schedule_context(resources={"tsq": tsq}))
    assert isinstance(request, dg.RunRequest)
    assert request.tags[up_to_date.FINGERPRINT_TAG] == inputs_fingerprint(published_home)


def test_the_inbox_sensor_asks_for_a_run_once_per_change(published_home):
    import dagster as dg

    from orchestration.automation import inbox_sensor
    from orchestration.resources import TsqHome

    tsq = TsqHome(home=str(published_home.root))
    first = inbox_sensor(dg.build_sensor_context(resources={"tsq": tsq}))
    assert len(first.run_requests) == 1
    again = inbox_sensor(dg.build_sensor_context(cursor=first.cursor, resources={"tsq": tsq}))
    assert not again.run_requests
