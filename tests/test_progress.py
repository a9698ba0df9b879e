"""Progress while `tsq run` works: the runner's ProgressEvents from one real in-process
Dagster run (the session's first_run), and how the CLI shows them when stderr is not a
terminal (plain lines, no control characters)."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner

from orchestration.cli import RunProgress, main, plain_progress_line
from orchestration.contract import ENTITIES
from orchestration.quality.suites import discover_suites
from orchestration.runner import ProgressEvent, RunOutcome
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import FIRST_RUN_PROGRESS


@pytest.fixture(scope="module")
def progress_run(first_run) -> tuple[RunOutcome, list[ProgressEvent]]:
    """The session's first whole-pipeline run (tests/conftest.py first_run: a generated
    inbox with planted files, some of them quarantined) and every ProgressEvent it
    reported, collected as it ran."""
    _, outcome = first_run
    return outcome, list(FIRST_RUN_PROGRESS)


def _manifest_models() -> int:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    return sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "model")


def _positions(events: list[ProgressEvent], phase: str) -> list[int]:
    return [index for index, event in enumerate(events) if event.phase == phase]


def test_events_follow_the_run_in_order(progress_run):
    outcome, events = progress_run
    assert outcome.published, outcome.report_lines()
    phases = {event.phase for event in events}
    assert phases == {"prepare", "ingest", "checks", "dbt", "publish", "summary"}

    # building the definitions comes first, the runner's summary last
    assert (events[0].phase, events[0].state) == ("prepare", "started")
    assert (events[-1].phase, events[-1].state, events[-1].item) == (
        "summary",
        "finished",
        "published",
    )
    # elapsed never goes back
    assert all(a.elapsed <= b.elapsed for a, b in zip(events, events[1:], strict=False))

    ingest, dbt, checks, publish = (
        _positions(events, phase) for phase in ("ingest", "dbt", "checks", "publish")
    )
    # every entity is loaded before dbt starts, dbt ends before the checks of the layers
    # it builds, and publishing waits for every check. (The raw layer's checks run
    # between the loads, before dbt: they guard what dbt reads.)
    assert max(ingest) < min(dbt)
    assert max(dbt) < max(checks) < min(publish)
    assert [events[i].state for i in publish] == ["started", "finished"]

    # ingest: a step per entity, one for the vendor adapters before them and one recording
    # the quarantine after them, each started and finished
    ingest_done = [events[i] for i in ingest if events[i].state == "finished"]
    assert [e.done for e in ingest_done] == list(range(1, len(ENTITIES) + 3))
    assert {e.total for e in ingest_done} == {len(ENTITIES) + 2}
    assert {e.item for e in ingest_done} == {entity.name for entity in ENTITIES} | {
        "inbox_adapters",
        "quarantine",
    }
    assert ingest_done[-1].item == "quarantine"

    # dbt: started, then one event per model as dbt builds it, counted up to the number of
    # models in the manifest, then finished
    models = _manifest_models()
    dbt_events = [events[i] for i in dbt]
    assert (dbt_events[0].state, dbt_events[-1].state) == ("started", "finished")
    built = [e for e in dbt_events if e.state == "advanced"]
    assert [e.done for e in built] == list(range(1, models + 1))
    assert {e.total for e in dbt_events} == {models}
    assert len({e.item for e in built}) == models  # each model once

    # checks: a GX suite check per suite file and a load reconciliation per entity
    suites = discover_suites()
    checks_ended = [events[i] for i in checks if events[i].state != "started"]
    assert [e.done for e in checks_ended] == list(range(1, len(suites) + len(ENTITIES) + 1))
    assert {e.total for e in checks_ended} == {len(suites) + len(ENTITIES)}
    assert {f"{'/'.join(s.asset_key)}:{s.check_name}" for s in suites} <= {
        e.item for e in checks_ended
    }
    # the run's warning checks are reported as warned, the others as finished
    warned = {e.item for e in checks_ended if e.state == "warned"}
    assert warned == set(outcome.warned_checks)
    assert not outcome.failed_checks


def test_without_a_terminal_the_cli_prints_plain_lines(progress_run, monkeypatch):
    """The CLI's display, fed the real run's events, writing to a stream that is not a
    terminal (as under a pipe or in CI)."""
    for variable in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(variable, raising=False)
    _, events = progress_run
    stream = io.StringIO()
    with RunProgress(stream) as progress:
        assert not progress.live
        for event in events:
            progress(event)
    text = stream.getvalue()
    assert "\x1b" not in text and "\r" not in text
    lines = text.splitlines()
    # a line per step start and end; dbt's models only at each quarter of the way: with
    # M models, a line when the count is a multiple of M // 4 and one at M
    models = _manifest_models()
    quarter = models // 4
    model_lines = len({*range(quarter, models + 1, quarter), models})
    steps = [e for e in events if e.state != "advanced"]
    assert len(lines) == len(steps) + model_lines
    # the first line comes once the inbox is fingerprinted: a fraction of a second in
    assert re.fullmatch(
        r"\[ +0\.\d s\] prepare   building the Dagster definitions started \(0/1\)", lines[0]
    ), lines[0]
    assert lines[-1].endswith("] summary   published finished (1/1)")
    assert sum(f"dbt build {models}/{models} models built, last " in line for line in lines) == 1


def test_a_plain_line_per_event():
    started = ProgressEvent("ingest", "tickets", 3, 15, 12.34, "started")
    assert plain_progress_line(started) == "[   12.3 s] ingest    tickets started (3/15)"
    # 97 models: a line at 24, 48, 72, 96 (multiples of 97 // 4 = 24) and 97
    shown = [
        done
        for done in range(1, 98)
        if plain_progress_line(ProgressEvent("dbt", "m", done, 97, 1.0, "advanced"))
    ]
    assert shown == [24, 48, 72, 96, 97]
    failed = ProgressEvent("dbt", "dbt build", 40, 97, 50.0, "failed")
    assert plain_progress_line(failed) == "[   50.0 s] dbt build dbt build failed (40/97 models)"


def test_run_and_bench_take_quiet():
    for command in ("run", "bench"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "--quiet" in result.output
