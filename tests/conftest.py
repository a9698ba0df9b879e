"""Shared fixtures. The dbt manifest is prepared once, before any test imports the
Dagster code location (dagster-dbt reads it at import time)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

# pytest-xdist's workers inherit COLUMNS=80, and rich's Console fixes its width from
# COLUMNS when it is created (orchestration.cli's module console, at import): the CLI tests'
# own COLUMNS (CliRunner's env) would then be ignored and tables wrap at 80 columns.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

from orchestration.settings import DBT_PROJECT_DIR, TsqSettings  # noqa: E402

if TYPE_CHECKING:
    from orchestration.runner import RunOutcome

DBT = str(Path(sys.executable).parent / "dbt")


def _dbt_inputs() -> Iterator[Path]:
    """The files `dbt parse` reads: the same list as the Makefile's DBT_SOURCES."""
    for folder in ("models", "macros", "seeds"):
        yield from (p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    yield DBT_PROJECT_DIR / "dbt_project.yml"
    yield DBT_PROJECT_DIR / "profiles.yml"


def manifest_is_current() -> bool:
    """True when target/manifest.json is newer than every dbt input, as make decides."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in _dbt_inputs())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a pipeline run, a dbt build, a browser or a server (test-fast skips)"
    )
    # `make` parses before pytest starts; a direct `pytest` after an edit re-parses here.
    # Under pytest-xdist the controller runs this before any worker starts.
    if manifest_is_current() or hasattr(config, "workerinput"):
        return
    subprocess.run(
        [DBT, "parse", "--quiet", "--profiles-dir", "."], cwd=DBT_PROJECT_DIR, check=True
    )


#: `make test` runs the suite in two pytest-xdist workers. Two tests plant broken seeds in
#: the one dbt project every run reads (tests/test_pipeline.py, test_engine_postgres_run.py):
#: each test holds this lock shared while it runs, and a planter takes it exclusively
#: (`planted_seeds`), so no other test's dbt ever reads a planted seed.
SEEDS_LOCK = DBT_PROJECT_DIR / "target" / ".tests-seeds.lock"


_held_seeds_lock: list[Any] = []  # the running test's open lock file (one test at a time)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    SEEDS_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with SEEDS_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        _held_seeds_lock.append(lock)
        try:
            return (yield)
        finally:
            _held_seeds_lock.remove(lock)
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def planted_seeds(planted: dict[Path, str]) -> Iterator[None]:
    """Write `planted` (seed file -> its planted text) into the dbt project for the
    duration, holding the seeds lock exclusively; the original bytes come back after.
    Converting the running test's shared lock lets the other worker finish its current
    test first (flock drops the shared lock before waiting, so two planters cannot
    deadlock)."""
    (lock,) = _held_seeds_lock
    originals = {path: path.read_bytes() for path in planted}
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        for path, text in planted.items():
            path.write_text(text, encoding="utf-8")
        yield
    finally:
        for path, original in originals.items():
            path.write_bytes(original)
        fcntl.flock(lock, fcntl.LOCK_SH)


#: The test instances' dagster.yaml: the runner's (telemetry off), and no per-step compute
#: log capture. Capturing starts two `tail -F` and two Python watcher processes for every
#: step of a run (some 70 steps), a third of a small run's time on this 2-core machine;
#: the captured copies are only shown by the Dagster UI, which no test opens, and the
#: runner's own log (outcome.log_path, read by the out-of-memory test) is written either
#: way, through its redirect of stdout and stderr.
TEST_DAGSTER_YAML = (
    "telemetry:\n  enabled: false\n"
    "compute_logs:\n"
    "  module: dagster._core.storage.noop_compute_log_manager\n"
    "  class: NoOpComputeLogManager\n"
)


@pytest.fixture(scope="session", autouse=True)
def dagster_without_compute_log_capture() -> Iterator[None]:
    """Every TSQ home a test creates gets TEST_DAGSTER_YAML (the runner writes its
    dagster.yaml into a home that has none). Fails loudly if the runner renames it."""
    from orchestration import runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_DAGSTER_YAML", TEST_DAGSTER_YAML)
        yield


@pytest.fixture
def tsq_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TsqSettings:
    """A fresh, empty TSQ_HOME (with its own Dagster home) for one test."""
    monkeypatch.setenv("TSQ_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    return TsqSettings(home=tmp_path / "home").ensure()


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def dbt_build(warehouse: Path, target: Path, *select: str) -> subprocess.CompletedProcess[str]:
    """A real `dbt build` of the project against a warehouse file (all of it, or the
    selected nodes), with its own target folder; run_results.json lands in `target`."""
    selection = ["--select", *select] if select else []
    return subprocess.run(
        [
            DBT,
            "build",
            *selection,
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--vars",
            json.dumps({"tsq_warehouse_path": str(warehouse)}),
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )


#: canonical tests/data folder (vendor and event-log fixtures)
TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def vendor_exports_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TsqSettings, RunOutcome]]:
    """One real run (ingest, Dagster, dbt, GX, publish) of three small exports in one
    TSQ_HOME, shared by the tests that only read its result:
    - tests/data/eventlog/support-lines.csv with its mapping (source `lines`, October
      2012; test_adapter_eventlog),
    - the ServiceNow audit log declared Europe/Rome with Italian holidays (source
      `servicenow`, February-March 2016; test_adapters),
    - the Zendesk incremental exports and satisfaction ratings (source `zendesk`, 2026;
      test_adapters).
    Ids are namespaced by source and the three cover different years, so each test's
    figures are its own source's (its queries name the source where a table holds the
    others' rows). One run instead of two: a whole-pipeline run is most of a minute here.
    """
    from orchestration.adapters.registry import ingest_files
    from orchestration.runner import run_pipeline

    home = tmp_path_factory.mktemp("vendor_exports") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        eventlog = TEST_DATA / "eventlog"
        ingest_files(
            [eventlog / "support-lines.csv"],
            settings.inbox,
            "eventlog",
            eventlog / "support-lines.yml",
        )
        # ServiceNow's timestamps carry no zone: declared; Zendesk's carry Z: nothing to
        # declare
        ingest_files(
            [TEST_DATA / "servicenow" / "incident_event_log.csv"],
            settings.inbox,
            timezone="Europe/Rome",
            holidays="IT",
        )
        zendesk = sorted((TEST_DATA / "zendesk").glob("incremental_*.json"))
        ingest_files(
            [*zendesk, TEST_DATA / "zendesk" / "satisfaction_ratings.json"], settings.inbox
        )
        yield settings, run_pipeline(settings)


def run_in(
    home: Path, force: bool = False, on_progress: Callable[[Any], None] | None = None
) -> tuple[TsqSettings, RunOutcome]:
    """A real whole-pipeline run in `home` (its own TSQ_HOME and Dagster home)."""
    from orchestration.runner import run_pipeline

    with pytest.MonkeyPatch.context() as env:
        env.setenv("TSQ_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = TsqSettings(home=home).ensure()
        return settings, run_pipeline(settings, force=force, on_progress=on_progress)


# -- the generated warehouse shared by test_pipeline and test_quarantine_cascade ----------

TICKET_HEADER = "ticket_id,created_at,channel,priority,complexity_tier,category,team_id,status\n"
EVENT_HEADER = "event_id,ticket_id,event_at,event_type,actor_type\n"
SURVEY_HEADER = "survey_id,ticket_id,sent_at,responded_at,rating\n"
REVIEW_HEADER = (
    "review_id,ticket_id,agent_id,reviewed_at,expertise_score,language_score,"
    "clarity_score,attitude_score,documentation_score\n"
)

#: Planted beside the generated inbox (teams TM01.., agents A001..) for the quarantine
#: cascade: CASC-OK is a valid ticket, CASC-BAD lacks its category (required).
CASCADE_FILES = {
    "tickets-cascade.csv": TICKET_HEADER
    + "CASC-OK,2026-09-01T02:00:00Z,email,P2,1,network,TM01,open\n"
    + "CASC-BAD,2026-09-01T02:00:00Z,email,P2,1,,TM01,open\n",
    "ticket_events-cascade.csv": EVENT_HEADER
    + "CE1,CASC-OK,2026-09-01T03:00:00Z,public_reply,agent\n"
    + "CE2,CASC-BAD,2026-09-01T03:00:00Z,public_reply,agent\n"
    + "CE3,CASC-OK,2026-09-01T04:00:00Z,internal_note,agent\n"
    + "CE4,CASC-BAD,2026-09-01T04:00:00Z,internal_note,agent\n"
    + "CE5,CASC-BAD,2026-09-01T05:00:00Z,public_reply,agent\n",
    "surveys-cascade.csv": SURVEY_HEADER
    + "CS1,CASC-BAD,2026-09-02T00:00:00Z,2026-09-02T01:00:00Z,2\n",
    "qa_reviews-cascade.csv": REVIEW_HEADER
    + "CQ1,CASC-BAD,A001,2026-09-03T00:00:00Z,80,80,80,80,80\n",
}

GENERATED_TICKETS = 1500


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[TsqSettings, RunOutcome]:
    """The whole graph, run once through Dagster on a generated inbox (1,500 tickets,
    seed 7) with CASCADE_FILES planted beside it. test_pipeline reads the generated
    export's figures (its files are the generator's: tickets.csv, ...), and
    test_quarantine_cascade the planted files' (theirs end in -cascade.csv); one run
    instead of two, as each is most of a minute here. Tests that change anything work on
    a copy of this home."""
    from orchestration.generator import generate

    home = tmp_path_factory.mktemp("pipeline") / "home"
    inbox = TsqSettings(home=home).ensure().inbox
    generate(inbox, tickets=GENERATED_TICKETS, seed=7)
    for name, text in CASCADE_FILES.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return run_in(home, on_progress=FIRST_RUN_PROGRESS.append)


#: every ProgressEvent first_run reported, in order (tests/test_progress.py reads them
#: instead of paying for a run of its own)
FIRST_RUN_PROGRESS: list = []


LATE_TICKET_HEADER = (
    "ticket_id,created_at,channel,priority,complexity_tier,category,team_id,status,closed_at\n"
)


@pytest.fixture(scope="session")
def late_files_run(
    first_run: tuple[TsqSettings, RunOutcome], tmp_path_factory: pytest.TempPathFactory
) -> tuple[TsqSettings, RunOutcome]:
    """A second run on a copy of first_run's home, after two later files arrived:
    - tickets-late.csv: LATE-1 is valid, LATE-2 has a priority the contract does not
      allow (a row breaking a row-level rule: quarantined, the run still publishes;
      test_pipeline),
    - ticket_events-later.csv: CE6 on the quarantined CASC-BAD, CE7 on CASC-OK (a later
      event of a quarantined ticket follows it; test_quarantine_cascade).
    One rerun instead of two: the files touch different tickets."""
    import shutil

    settings, _ = first_run
    copy = tmp_path_factory.mktemp("late_files") / "home"
    shutil.copytree(settings.root, copy)
    (team,) = query(copy / "tsq.duckdb", "SELECT min(team_id) FROM raw.teams")[0]
    (copy / "inbox" / "tickets-late.csv").write_text(
        LATE_TICKET_HEADER
        + f"LATE-1,2026-09-01T02:00:00Z,email,P2,1,network,{team},open,\n"
        + f"LATE-2,2026-09-01T02:00:00Z,email,P9,1,network,{team},open,\n",
        encoding="utf-8",
    )
    (copy / "inbox" / "ticket_events-later.csv").write_text(
        EVENT_HEADER
        + "CE6,CASC-BAD,2026-09-04T03:00:00Z,public_reply,agent\n"
        + "CE7,CASC-OK,2026-09-04T03:00:00Z,public_reply,agent\n",
        encoding="utf-8",
    )
    return run_in(copy)
