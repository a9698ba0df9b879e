"""Run the whole pipeline in-process (what `tsq run` does), and report what happened."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import dagster as dg

from orchestration.contract import ENTITIES
from orchestration.publish.store import (
    read_manifest,
    reconcile_publish_log,
    record_run,
    remove_stale_temporaries,
)
from orchestration.settings import TsqSettings
from orchestration.sql_text import quote_identifier
from orchestration.transform.incremental import FULL_REFRESH_TAG
from orchestration.up_to_date import (
    FINGERPRINT_TAG,
    inputs_fingerprint,
    published_run_if_current,
)

_DAGSTER_YAML = "telemetry:\n  enabled: false\n"


#: what a report line is, for a terminal to colour: the CLI maps each tone to a style
Tone = Literal["note", "warning", "failure", "success"]


@dataclass(frozen=True)
class ReportLine:
    """One line of a run's report, as plain text: `lead` names what the line is (e.g.
    "blocking check failed:") and `tone` how serious it is; `text` is the rest. Nothing in
    it is markup: a value with [brackets] is itself."""

    text: str
    tone: Tone = "note"
    lead: str = ""

    def plain(self) -> str:
        return f"{self.lead} {self.text}" if self.lead else self.text


@dataclass
class RunOutcome:
    """What a run did, as plain data; `describe` says it in lines, the CLI formats them."""

    run_id: str
    success: bool
    published: bool
    failed_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    # per failed or warned check: what failed and where to look (see check_details)
    check_details: dict[str, list[str]] = field(default_factory=dict)
    published_path: Path | None = None
    duckdb_memory_limit: str | None = None
    log_path: Path | None = None
    #: a step or check failed on DuckDB's memory limit (the run's log says so)
    out_of_memory: bool = False
    skipped: bool = False  # nothing new: run_id is then the last published run
    #: (source, assumption, value, origin) of the adapter loads this run read, else of
    #: every loaded source (see `assumptions_scope`)
    assumptions: list[tuple[str, str, str, str]] = field(default_factory=list)
    assumptions_scope: str = ""

    def describe(self) -> list[ReportLine]:
        """What happened, line by line: checks that warned or failed with their details,
        failed steps, what to do about memory, the assumptions made, and whether the store
        was published."""
        if self.skipped:
            return [
                ReportLine(
                    f"nothing new in the inbox or the project since run {self.run_id}: "
                    "the published store is current (tsq run --force rebuilds anyway)"
                )
            ]
        lines = [ReportLine(f"run {self.run_id} (full log: {self.log_path})")]
        for tone, lead, names in (
            ("warning", "warning check failed:", self.warned_checks),
            ("failure", "blocking check failed:", self.failed_checks),
        ):
            for name in names:
                lines.append(ReportLine(name, tone, lead))
                lines += [ReportLine(f"  {detail}") for detail in self.check_details.get(name, [])]
        lines += [ReportLine(name, "failure", "step failed:") for name in self.failed_steps]
        if not self.published and self.out_of_memory:
            lines.append(
                ReportLine(
                    f"(its limit is {self.duckdb_memory_limit}; unset, TSQ_DUCKDB_MEMORY_LIMIT "
                    "is half of the machine's memory): set TSQ_DUCKDB_MEMORY_LIMIT higher, "
                    "e.g. TSQ_DUCKDB_MEMORY_LIMIT=16GB (up to about 80% of the memory), "
                    "or free memory, and run again",
                    "failure",
                    "DuckDB ran out of memory",
                )
            )
        if self.assumptions:
            lines.append(ReportLine(f"assumptions {self.assumptions_scope}:"))
            lines += [
                ReportLine(f"  {source}: {assumption} = {value} ({origin})")
                for source, assumption, value, origin in self.assumptions
            ]
        if self.published and self.published_path:
            lines.append(ReportLine(str(self.published_path), "success", "published"))
        elif self.published_path:
            lines.append(
                ReportLine(
                    f"the previous {self.published_path.name} was left as it was",
                    "failure",
                    "not published:",
                )
            )
        return lines

    def report_lines(self) -> list[str]:
        """describe() as plain text, a line each (what tests and logs read)."""
        return [line.plain() for line in self.describe()]

    def ran_out_of_memory(self) -> bool:
        return self.out_of_memory


def log_mentions_out_of_memory(log_path: Path) -> bool:
    """Whether a run's log holds DuckDB's out-of-memory error (from a step or a check)."""
    if not log_path.is_file():
        return False
    with log_path.open(encoding="utf-8", errors="replace") as log:
        return any("Out of Memory Error" in line for line in log)


def source_assumptions(
    settings: TsqSettings, since: datetime
) -> tuple[list[tuple[str, str, str, str]], str]:
    """The adapters' assumptions of the loads made since `since` (this run), else the
    latest statement of every loaded source; read from raw, so shown even if dbt failed."""
    import duckdb

    if not settings.warehouse_path.is_file():
        return [], ""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = 'source_assumptions'"
        ).fetchone()[0]
        if not exists:
            return [], ""
        columns = "source, assumption, value, origin"
        this_run = con.execute(
            f"SELECT DISTINCT {columns} FROM raw.source_assumptions WHERE _loaded_at >= ? "
            "ORDER BY source, assumption",
            [since],
        ).fetchall()
        if this_run:
            return this_run, "of the loads in this run"
        current = con.execute(
            f"SELECT {columns} FROM raw.source_assumptions "
            "QUALIFY row_number() OVER (PARTITION BY source, assumption "
            "ORDER BY _loaded_at DESC, _source_row DESC) = 1 ORDER BY source, assumption"
        ).fetchall()
        return current, "of the loaded sources (no new adapter load in this run)"
    finally:
        con.close()


def check_details(evaluation: dg.AssetCheckEvaluation, samples: int = 3) -> list[str]:
    """What a failed check says and where to look: its description, each failed
    expectation with a few of the offending values, the Data Docs page, and the loads
    that do not reconcile. Plain text: whoever prints it decides how."""
    metadata = {key: value.value for key, value in (evaluation.metadata or {}).items()}
    details = [evaluation.description] if evaluation.description else []
    for failed in metadata.get("failed_expectations") or []:
        column = f" on {failed['column']}" if failed.get("column") else ""
        count = failed.get("unexpected_count")
        sample = (failed.get("sample_unexpected") or [])[:samples]
        details.append(
            f"{failed['expectation']}{column} [{failed['severity']}]"
            + (f": {count} rows" if count else "")
            + (f", e.g. {sample}" if sample else "")
            + (f", error: {failed['error']}" if failed.get("error") else "")
        )
    if metadata.get("data_docs"):
        details.append(f"Data Docs: {metadata['data_docs']}")
    if metadata.get("loads_not_reconciling"):
        details.append(f"loads: {metadata['loads_not_reconciling'][:samples]}")
    if evaluation.check_name.startswith("gx_"):
        details.append("quarantined rows: tsq quarantine --rows")
    return details


# Layers whose tables keep each row's file and row number (raw, and staging's pass-through).
_TRACEABLE_LAYERS = ("raw", "staging")
# The rows an expectation rejects, as a SQL condition over the suite file's own kwargs:
# {a}, {b} its columns, {columns} a column list; `?` are bound from the kwargs.
_REJECTED_WHERE = {
    "expect_column_values_to_not_be_null": "{a} IS NULL",
    "expect_column_values_to_be_in_set": (
        "{a} IS NOT NULL AND NOT list_contains(?, CAST({a} AS VARCHAR))"
    ),
    "expect_column_values_to_match_regex": (
        "{a} IS NOT NULL AND NOT regexp_matches(CAST({a} AS VARCHAR), ?)"
    ),
    "expect_column_values_to_be_unique": (
        "{a} IS NOT NULL AND count(*) OVER (PARTITION BY {a}) > 1"
    ),
    "expect_compound_columns_to_be_unique": "count(*) OVER (PARTITION BY {columns}) > 1",
    "expect_column_values_to_be_between": "{between}",
    "expect_column_pair_values_a_to_be_greater_than_b": "NOT ({a} {greater} {b})",
}


@dataclass(frozen=True)
class RejectedRows:
    """A query for the rows one expectation rejects, and the columns worth showing."""

    sql: str
    params: list
    shown: list[str]


def _column_label(kwargs: dict) -> str | None:
    """The column label validate_suite gives an expectation (see quality/suites.py)."""
    if kwargs.get("column"):
        return kwargs["column"]
    columns = kwargs.get("column_list") or kwargs.get("column_set")
    return ",".join(columns) if columns else None


def rejected_rows_query(table: str, spec: dict) -> RejectedRows | None:
    """The rows of `table` that an expectation of its suite rejects; None for a kind not
    known here. `table` and the suite's SQL come from the project's suite files."""
    kind, kwargs = spec["type"], spec.get("kwargs", {})
    if kind == "unexpected_rows_expectation":
        query = kwargs["unexpected_rows_query"].replace("{batch}", table)
        return RejectedRows(f"SELECT * FROM ({query})", [], [])
    template = _REJECTED_WHERE.get(kind)
    if template is None:
        return None
    columns = kwargs.get("column_list") or [
        kwargs[key] for key in ("column", "column_A", "column_B") if kwargs.get(key)
    ]
    quoted = [quote_identifier(column) for column in columns]
    params: list = []
    if kind == "expect_column_values_to_be_in_set":
        params = [[str(value) for value in kwargs["value_set"]]]
    elif kind == "expect_column_values_to_match_regex":
        params = [kwargs["regex"]]
    between = []
    if kind == "expect_column_values_to_be_between":
        # either bound may be absent; strict bounds reject the bound itself
        if kwargs.get("min_value") is not None:
            between.append(f"{quoted[0]} {'<=' if kwargs.get('strict_min') else '<'} ?")
            params.append(kwargs["min_value"])
        if kwargs.get("max_value") is not None:
            between.append(f"{quoted[0]} {'>=' if kwargs.get('strict_max') else '>'} ?")
            params.append(kwargs["max_value"])
        if not between:
            return None
    where = template.format(
        between=" OR ".join(between),
        a=quoted[0] if quoted else "",
        b=quoted[1] if len(quoted) > 1 else "",
        columns=", ".join(quoted),
        greater=">=" if kwargs.get("or_equal") else ">",
    )
    return RejectedRows(
        f"SELECT * EXCLUDE (_rejected) FROM (SELECT *, ({where}) AS _rejected FROM {table}) "
        "WHERE _rejected",
        params,
        quoted,
    )


def offending_rows(warehouse: Path, table: str, failed: list[dict], samples: int = 3) -> list[str]:
    """For each failed expectation of a raw or staging table: the files its rejected rows
    came from (with counts) and a few of those rows (file, row number, the values checked),
    so a refused run names what to fix without opening the log or Data Docs."""
    import duckdb

    from orchestration.quality.suites import discover_suites

    if table.split(".")[0] not in _TRACEABLE_LAYERS or not warehouse.is_file():
        return []
    suite = next((s for s in discover_suites() if s.table == table), None)
    if suite is None:
        return []
    lines: list[str] = []
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:  # e.g. a dbt process of a failed step still holds it
        return [f"rejected rows not listed: {error}"]
    try:
        for failure in failed:
            spec = next(
                (
                    spec
                    for spec in suite.expectations
                    if spec["type"] == failure.get("expectation")
                    and _column_label(spec.get("kwargs", {})) == failure.get("column")
                ),
                None,
            )
            query = rejected_rows_query(table, spec) if spec else None
            if query is None:
                continue
            on = failure.get("column") or ",".join(
                spec.get("kwargs", {}).get(key, "") for key in ("column_A", "column_B")
            ).strip(",")
            label = spec["type"] + (f" on {on}" if on else "")
            try:
                lines += _describe_rejected(con, query, label, samples)
            except duckdb.Error as error:
                lines.append(f"{label}: rows not listed ({error})")
    finally:
        con.close()
    return lines


def _shown(value: object) -> str:
    """A value as a user would write it: text quoted (so blanks show), the rest as text."""
    return repr(value) if isinstance(value, str) or value is None else str(value)


def _describe_rejected(con, query: RejectedRows, label: str, samples: int) -> list[str]:
    columns = {row[0] for row in con.execute(f"DESCRIBE {query.sql}", query.params).fetchall()}
    if not {"_source_file", "_source_row"} <= columns:
        return []
    per_file = con.execute(
        f"SELECT _source_file, count(*) FROM ({query.sql}) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
        query.params,
    ).fetchall()
    shown = "".join(f", {column}" for column in query.shown)
    examples = con.execute(
        f"SELECT _source_file, _source_row{shown} FROM ({query.sql}) "
        "ORDER BY _source_file, _source_row LIMIT ?",
        [*query.params, samples],
    ).fetchall()
    files = ", ".join(
        f"{Path(name).name} ({count} row{'' if count == 1 else 's'})" for name, count in per_file
    )
    lines = [f"{label}: rejected rows in {files}"]
    for name, row, *values in examples:
        checked = f": {', '.join(_shown(value) for value in values)}" if values else ""
        lines.append(f"  {Path(name).name} data row {row}{checked}")
    return lines


def rejected_rows_details(settings: TsqSettings, evaluation: dg.AssetCheckEvaluation) -> list[str]:
    """offending_rows for a failed suite check, from its metadata (table, failures)."""
    metadata = {key: value.value for key, value in (evaluation.metadata or {}).items()}
    table, failed = metadata.get("table"), metadata.get("failed_expectations") or []
    if not isinstance(table, str) or not failed:
        return []
    blocking = [f for f in failed if f.get("severity") == "blocking"]
    return offending_rows(settings.warehouse_path, table, blocking)


def dagster_instance(settings: TsqSettings) -> dg.DagsterInstance:
    """The persistent instance under TSQ_HOME, shared with `make dev`, so runs show in the UI."""
    home = os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(_DAGSTER_YAML)
    return dg.DagsterInstance.get()


class WarehouseLocked(RuntimeError):
    """The working warehouse stayed locked by another process after a run."""


class PipelineBusy(WarehouseLocked):
    """Another run of the pipeline is queued or in progress in the same TSQ home (a served
    run from the schedule, the sensor or the UI): DuckDB takes one writer, so this run does
    not start (docs/deployment.md)."""


#: the run states in which a run of the pipeline holds, or is about to hold, the warehouse
_BUSY_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


#: tags a `tsq run` puts on its run, so a later one can tell a run whose process is gone
#: (killed hard: the instance still says STARTED) from one still writing
PROCESS_TAG = "tsq/pid"
HOST_TAG = "tsq/host"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _left_by_a_dead_tsq_run(run: dg.DagsterRun) -> bool:
    """A run `tsq run` started on this machine whose process no longer exists."""
    pid, host = run.tags.get(PROCESS_TAG), run.tags.get(HOST_TAG)
    if pid is None or host != socket.gethostname():
        return False
    return pid.isdigit() and not _process_alive(int(pid))


def refuse_if_busy(instance: dg.DagsterInstance) -> None:
    """Refuse to start while the instance has a run of the pipeline queued or running,
    naming it and what started it. A run a killed `tsq run` left marked as running is
    recorded as failed instead (its process is gone), so it never blocks later runs."""
    busy = []
    for record in instance.get_run_records(
        dg.RunsFilter(job_name="tsq_pipeline", statuses=_BUSY_STATUSES)
    ):
        if _left_by_a_dead_tsq_run(record.dagster_run):
            instance.report_run_failed(
                record.dagster_run, "its tsq run process ended without finishing the run"
            )
            # and the pool slot its step held, which nothing else frees without the
            # daemon's run monitoring
            if instance.event_log_storage.supports_global_concurrency_limits:
                instance.event_log_storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
        else:
            busy.append(record.dagster_run)
    if not busy:
        return
    run = busy[0]
    started_by = (
        f"sensor {run.tags['dagster/sensor_name']}"
        if "dagster/sensor_name" in run.tags
        else f"schedule {run.tags['dagster/schedule_name']}"
        if "dagster/schedule_name" in run.tags
        else "the UI or another tsq run"
    )
    raise PipelineBusy(
        f"run {run.run_id} of tsq_pipeline is {run.status.value.lower()} in this TSQ home "
        f"(started by {started_by}); DuckDB takes one writer, so this run did not start. "
        "Wait for it (the Dagster UI shows it), or start runs from the UI while serving."
    )


def _connect_when_free(warehouse: Path, wait_seconds: float = 300.0):
    """A writing connection to the working warehouse, waiting a while for its lock: when a
    dbt step fails, Dagster may return before the dbt process it started has exited (it
    goes on building until it ends)."""
    import time

    import duckdb

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(warehouse))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() > deadline:
                raise WarehouseLocked(
                    f"{warehouse} is still locked by another process {wait_seconds:.0f} s "
                    "after the run ended, so the run's refusal could not be recorded; nothing "
                    f"was published. DuckDB says: {error}"
                ) from error
            time.sleep(0.5)


def refuse_publication(
    settings: TsqSettings, run_id: str, checks_passed: int, reasons: list[str]
) -> bool:
    """Record a run that did not publish in the working warehouse's publish_log, after
    repairing the log from the store in place (a publication killed after its swap).

    Returns True, and records nothing, when the store in place turns out to be this run's
    after all: its publish step failed after the swap (say, on the working-warehouse
    insert), and the log now says so."""
    con = _connect_when_free(settings.warehouse_path)
    try:
        # under the warehouse's write lock, as in publish: what dead runs left can go
        remove_stale_temporaries(settings.published_path, run_id)
        reconcile_publish_log(con, settings.published_path)
        (published,) = con.execute(
            "SELECT count(*) > 0 FROM main.publish_log WHERE run_id = ? AND status = 'published'",
            [run_id],
        ).fetchone()
        if not published:
            record_run(con, run_id, "refused", checks_passed, reasons)
        return bool(published)
    finally:
        con.close()


# --- progress: what the run is doing, while it does it -----------------------------------

#: the parts of a run, in the order they begin: building the definitions, loading the
#: inbox (each entity, and the vendor adapters), the quality checks (the raw layer's run
#: between the loads, the others after dbt), the dbt build, the publication, and the
#: runner's own summary after Dagster returns
Phase = Literal["prepare", "ingest", "checks", "dbt", "publish", "summary"]
#: started/finished/failed: a step (or phase) began or ended; advanced: a dbt model was
#: built; warned: a check step ended with a warning check; skipped: Dagster did not run the
#: step, because something it needs failed
ProgressState = Literal["started", "advanced", "finished", "warned", "failed", "skipped"]

#: the Dagster steps that load the inbox: one per entity, and the vendor adapters
# the loads, the vendor adapters before them and the quarantine's record after them
INGEST_STEPS = frozenset(
    {f"raw__{entity.name}" for entity in ENTITIES} | {"raw__inbox_adapters", "raw__quarantine"}
)
DBT_STEP = "tsq_dbt_models"
#: the push of raw to another engine (TSQ_ENGINE, transform/dbt_assets.engine_raw_assets)
#: counts with the ingest: it carries ingest's rows to where dbt builds
PUSH_STEP_PREFIX = "push_raw_to_"
PUBLISH_STEP = "published_store"


def step_phase(step_key: str) -> Phase:
    """Which part of a run a Dagster step belongs to; every other step is an asset check
    (a GX suite or a load reconciliation)."""
    if step_key in INGEST_STEPS or step_key.startswith(PUSH_STEP_PREFIX):
        return "ingest"
    if step_key == DBT_STEP:
        return "dbt"
    if step_key == PUBLISH_STEP:
        return "publish"
    return "checks"


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run's progress, as plain data (the CLI decides how to show it).

    `item` names what the event is about (an entity, a check, a dbt model); `done` of
    `total` counts the phase's finished steps (for dbt: the models built, of the models in
    the manifest); `elapsed` is seconds since run_pipeline began."""

    phase: Phase
    item: str
    done: int
    total: int
    elapsed: float
    state: ProgressState = "finished"


ProgressCallback = Callable[[ProgressEvent], None]


def manifest_model_count(manifest_path: Path) -> int:
    """The models a run's `dbt build` builds: every model of the manifest the Dagster
    assets were defined from (the build excludes only unit tests)."""
    manifest = read_manifest(manifest_path)
    return sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "model")


class ProgressTracker:
    """Turns the Dagster events of one in-process run into ProgressEvents.

    Called by the Dagster instance for every event of the run, as it is stored
    (DagsterInstance.add_event_listener), in the thread running the step: so the dbt
    step's per-model materializations, which dagster-dbt yields while dbt still runs
    (DbtCliInvocation.stream), arrive one by one, not when the step ends."""

    def __init__(self, on_progress: ProgressCallback, started: float) -> None:
        self._on_progress = on_progress
        self._started = started
        self.totals: dict[Phase, int] = {"prepare": 1, "summary": 1}
        self.done: dict[Phase, int] = {
            phase: 0 for phase in ("prepare", "ingest", "checks", "dbt", "publish", "summary")
        }
        #: a check step's name for a person (asset:check), by step key
        self._check_names: dict[str, str] = {}
        #: check steps whose evaluation failed (ERROR) or warned (WARN), by step key
        self._check_states: dict[str, ProgressState] = {}
        self.broken: Exception | None = None

    def expect(self, step_keys: list[str], dbt_models: int, check_names: dict[str, str]) -> None:
        """The run's plan, once the definitions are built: its steps (counted per phase),
        the models dbt will build, and what each check step checks."""
        for key in step_keys:
            phase = step_phase(key)
            self.totals[phase] = self.totals.get(phase, 0) + 1
        self.totals["dbt"] = dbt_models
        self._check_names = dict(check_names)

    def emit(self, phase: Phase, item: str, state: ProgressState) -> None:
        if self.broken is not None:
            return
        event = ProgressEvent(
            phase=phase,
            item=item,
            done=self.done[phase],
            total=self.totals.get(phase, 0),
            elapsed=round(time.monotonic() - self._started, 2),
            state=state,
        )
        try:
            self._on_progress(event)
        except Exception as error:  # noqa: BLE001 - a display fault must not fail a run
            # Raised here it would fail the Dagster step storing the event: the run goes
            # on without progress, and the run's log (stderr is redirected there) says why.
            self.broken = error
            print(f"progress reporting stopped: {error!r}", file=sys.stderr)

    def finish(self, phase: Phase, item: str, state: ProgressState = "finished") -> None:
        self.done[phase] += 1
        self.emit(phase, item, state)

    def on_event(self, entry: object) -> None:
        """The instance's listener: one stored event log entry of the run."""
        event = getattr(entry, "dagster_event", None)
        if event is None:
            return
        if event.event_type == dg.DagsterEventType.RUN_START:
            self.finish("prepare", "definitions built, run started")
            return
        step_key = event.step_key
        if step_key is None:
            return
        phase = step_phase(step_key)
        item = self._check_names.get(step_key) or _step_item(step_key)
        if event.is_step_start:
            self.emit(phase, item, "started")
        elif phase == "dbt" and event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            unique_id = materialization.metadata.get("unique_id")
            # seeds are materialized too; the count is of models
            if unique_id is not None and str(unique_id.value).startswith("model."):
                self.finish("dbt", materialization.asset_key.to_user_string(), "advanced")
        elif phase == "checks" and event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                worse = "failed" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warned"
                if self._check_states.get(step_key) != "failed":
                    self._check_states[step_key] = worse
        elif event.is_step_success:
            if phase == "dbt":
                # the models' count is already up to date: the step's end is not one more
                self.emit("dbt", item, "finished")
            else:
                self.finish(phase, item, self._check_states.get(step_key, "finished"))
        elif event.is_step_failure:
            if phase == "dbt":
                self.emit("dbt", item, "failed")
            else:
                self.finish(phase, item, "failed")
        elif event.is_step_skipped:
            if phase == "dbt":
                self.emit("dbt", item, "skipped")
            else:
                self.finish(phase, item, "skipped")


def check_step_names(defs: dg.Definitions) -> dict[str, str]:
    """Each asset-check step's key (its op's name) and what it checks, as `asset:check`."""
    return {
        checks.node_def.name: ", ".join(key.to_user_string() for key in checks.check_keys)
        for checks in defs.asset_checks
        if isinstance(checks, dg.AssetChecksDefinition)
    }


def _step_item(step_key: str) -> str:
    """A step's name for a person: the entity an ingest step loads, else the step key."""
    if step_key in INGEST_STEPS:
        return step_key.removeprefix("raw__")
    if step_key == DBT_STEP:
        return "dbt build"
    if step_key == PUBLISH_STEP:
        return "published store"
    return step_key


def run_pipeline(
    settings: TsqSettings,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Run the job in-process; skipped (nothing new) when neither the inbox nor the project
    changed since the last published run, unless forced.

    `on_progress`, when given, is called with a ProgressEvent as each step starts and ends
    (and as dbt builds each model), in the thread running the step, while stdout and stderr
    go to the run's log: a caller that prints must hold its own stream."""
    started = time.monotonic()
    settings.ensure()
    fingerprint = inputs_fingerprint(settings)
    current_run = None if force else published_run_if_current(settings, fingerprint)
    if current_run:
        return RunOutcome(
            run_id=current_run,
            success=True,
            published=False,
            skipped=True,
            published_path=settings.published_path,
            duckdb_memory_limit=settings.duckdb_memory_limit,
        )
    # dbt reads TSQ_HOME from the environment when run by hand; keep it absolute.
    os.environ["TSQ_HOME"] = str(settings.root)
    # dbt's DuckDB reads its memory limit from here (profiles.yml): the value the
    # settings resolved (the override or the share of memory), so dbt's limit is ours
    os.environ["TSQ_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    tracker = None
    if on_progress is not None:
        tracker = ProgressTracker(on_progress, started)
        tracker.emit("prepare", "building the Dagster definitions", "started")
    from orchestration.definitions import build_definitions
    from orchestration.transform.dbt_assets import dbt_project

    defs = build_definitions(settings)
    job = defs.resolve_job_def("tsq_pipeline")
    if tracker is not None:
        tracker.expect(
            [node.name for node in job.graph.nodes],
            manifest_model_count(Path(dbt_project.manifest_path)),
            check_step_names(defs),
        )
    # the run's id is chosen here (a uuid4, as Dagster makes them), so the listener can be
    # registered before the run starts
    run_id = str(uuid.uuid4())
    log_dir = settings.root / "logs"
    log_dir.mkdir(exist_ok=True)
    started_at = datetime.now(UTC)
    log_path = log_dir / f"tsq-run-{started_at:%Y%m%dT%H%M%S%f}.log"
    # dbt's and Dagster's step output goes to the log file (and the run's events to the
    # Dagster instance, for the UI); the terminal gets the summary.
    with (
        dagster_instance(settings) as instance,
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        refuse_if_busy(instance)
        if tracker is not None:
            instance.add_event_listener(run_id, tracker.on_event)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            tags={
                FINGERPRINT_TAG: fingerprint,
                PROCESS_TAG: str(os.getpid()),
                HOST_TAG: socket.gethostname(),
                **({FULL_REFRESH_TAG: "true"} if settings.full_refresh else {}),
            },
        )
    if tracker is not None:
        tracker.emit("summary", "reading the checks and recording the outcome", "started")
    evaluations = result.get_asset_check_evaluations()
    failed = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    )
    warned = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    )
    details = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": check_details(e)
        for e in evaluations
        if not e.passed
    }
    for evaluation in evaluations:
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            details[name] += rejected_rows_details(settings, evaluation)
    failed_steps = sorted(
        event.step_key or "?" for event in result.all_events if event.is_step_failure
    )
    published = any(
        event.asset_key == dg.AssetKey("published_store")
        for event in result.all_events
        if event.is_step_materialization
    )
    if not published:
        passed = sum(1 for e in evaluations if e.passed)
        published = refuse_publication(settings, result.run_id, passed, failed or failed_steps)
    assumptions, assumptions_scope = source_assumptions(settings, started_at)
    if tracker is not None:
        tracker.finish("summary", "published" if published else "not published")
    return RunOutcome(
        run_id=result.run_id,
        assumptions=assumptions,
        assumptions_scope=assumptions_scope,
        success=result.success and not failed and published,
        published=published,
        failed_checks=failed,
        warned_checks=warned,
        failed_steps=failed_steps,
        check_details=details,
        published_path=settings.published_path,
        duckdb_memory_limit=settings.duckdb_memory_limit,
        log_path=log_path,
        out_of_memory=not published and log_mentions_out_of_memory(log_path),
    )
