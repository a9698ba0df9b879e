"""`tsq bench`: the whole pipeline at a given size, timed per stage, against a bare DuckDB query.

A benchmark run
1. generates the sample data once per (size, seed, format, generator code) into a cache;
2. runs the full pipeline (`run_pipeline`, as `tsq run` does) in an emptied TSQ home
   whose inbox holds hard links to the cached files, `runs` times (only dbt's parse cache
   is kept between runs, as in any home);
3. runs it once more with nothing new in the inbox (the fixed overhead of a run);
4. with `delta` (a share such as 0.01), times a run that adds a day's drop after the full
   run: `generator.delta.generate_delta` (new tickets, plus a new event on that share of
   the old tickets and that share of old tickets restated), generated once and cached
   beside the data. By default the drop comes after everything before it, as a real
   day's export does, so the data's as-of instant moves (`delta_as_of="moves"`);
   "stays" copies old instants and keeps the window where it was. The old tickets the
   drop notes and restates are drawn from the whole history (`delta_old="any"`) or, as
   a real day's updates are, from the last 30 days of creations ("recent"). Every delta run
   starts from the same state, a copy of the home taken right after the last full run,
   so the delta runs are comparable and their median means something;
5. times a reference: one bare DuckDB query over the same CSV files computing the core
   ticket indicators (first response, resolution time, SLA attainment, reopen rate) per
   team per month, with none of TSQ's business calendars, quarantine, checks or history.

Per stage (ingest, checks, dbt, publish) the wall time is the sum of the Dagster steps
of that stage (the in-process executor runs steps one after another), and the peak
memory is the highest resident memory of the process tree (this process and the dbt
subprocess) sampled while those steps ran. "orchestration" is what is left of the total:
start-up, building the definitions, Dagster's own bookkeeping between steps.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import PROJECT_ROOT, TsqSettings
from orchestration.sql_text import sql_string

if TYPE_CHECKING:  # the runner imports Dagster: only a timed run pays for it
    from orchestration.runner import ProgressCallback

STAGES = ("ingest", "checks", "dbt", "publish")
SAMPLE_INTERVAL_S = 0.05


# --- memory: the resident set of this process and its children, sampled -------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            text = (task / "children").read_text()
            kids.extend(int(child) for child in text.split())
    except OSError:
        return kids
    return kids


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        total += _rss_bytes(pid)
        pending.extend(_children(pid))
    return total


class MemorySampler:
    """Samples the process tree's resident memory in a background thread."""

    def __init__(self, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss_bytes(pid)))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self, windows: list[tuple[float, float]] | None = None) -> float:
        """Highest sample, overall or within any of the given (start, end) windows."""
        values = [
            rss
            for at, rss in self.samples
            if windows is None or any(start <= at <= end for start, end in windows)
        ]
        return round(max(values, default=0) / 2**20, 1)


# --- data: generated once per size, seed and generator code ----------------------------


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "orchestration" / "generator").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update((PROJECT_ROOT / "orchestration" / "contract.py").read_bytes())
    return digest.hexdigest()[:12]


def cached_data(cache_dir: Path, tickets: int, seed: int) -> tuple[Path, bool]:
    """The folder of generated files for these arguments; generated if not there yet.
    Returns (folder, generated_now). A half-written folder is never taken for a cache hit:
    files are written to a scratch folder that is renamed only when complete."""
    from orchestration.generator import generate

    folder = cache_dir / f"csv-t{tickets}-s{seed}-g{generator_fingerprint()}"
    if folder.is_dir():
        return folder, False
    scratch = folder.with_name(folder.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    # CSV: what helpdesks export, and what the reference query reads
    generate(scratch, tickets=tickets, seed=seed, file_format="csv")
    scratch.rename(folder)
    return folder, True


def cached_delta(
    cache_dir: Path,
    data_dir: Path,
    share: float,
    seed: int,
    moves_as_of: bool = True,
    old_tickets: str = "any",
) -> Path:
    """The folder of a drop of `share` of the data in `data_dir` (generate_delta), made
    once (scratch folder renamed when complete, as cached_data does)."""
    from orchestration.generator.delta import generate_delta

    window = "moves" if moves_as_of else "stays"
    drawn = "" if old_tickets == "any" else f"-{old_tickets}"
    folder = cache_dir / f"{data_dir.name}-delta{share:g}-s{seed}-{window}{drawn}"
    if folder.is_dir():
        return folder
    scratch = folder.with_name(folder.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    generate_delta(data_dir, scratch, share, seed, move_as_of=moves_as_of, old_tickets=old_tickets)
    scratch.rename(folder)
    return folder


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def snapshot_home(home: Path, snapshot: Path) -> None:
    """A copy of a home to start each delta run from. The inbox's files never change once
    there, so they are hard links; the warehouse, the Dagster storage and the rest are
    copied (a run writes into them)."""
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(home, snapshot, symlinks=True, ignore=shutil.ignore_patterns("inbox"))
    shutil.copytree(home / "inbox", snapshot / "inbox", copy_function=_link_or_copy)


def restore_home(snapshot: Path, home: Path) -> None:
    """The home back as the snapshot was, at the home's own path (paths inside the Dagster
    storage and dbt's target stay true)."""
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(snapshot, home, symlinks=True, ignore=shutil.ignore_patterns("inbox"))
    shutil.copytree(snapshot / "inbox", home / "inbox", copy_function=_link_or_copy)


def stock_inbox(data_dir: Path, inbox: Path) -> None:
    """Hard links (no copy of gigabytes) to the cached files; copies across file systems."""
    inbox.mkdir(parents=True, exist_ok=True)
    for path in sorted(data_dir.iterdir()):
        target = inbox / path.name
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


# --- the reference: the core ticket indicators in one bare DuckDB query -----------------

# First-response targets in minutes per priority, as in the seed sla_priority_policies
# (wall-clock minutes here: the reference knows no business calendar).
REFERENCE_SQL = """
WITH tickets AS (
    SELECT ticket_id, team_id, priority, status, created_at::TIMESTAMPTZ AS created_at
    FROM read_csv({tickets}, header = true, all_varchar = true)
),
events AS (
    SELECT ticket_id, event_type, actor_type, event_at::TIMESTAMPTZ AS event_at
    FROM read_csv({events}, header = true, all_varchar = true)
),
per_ticket AS (
    SELECT
        ticket_id,
        min(event_at) FILTER (WHERE event_type = 'public_reply' AND actor_type = 'agent')
            AS first_response_at,
        max(event_at) FILTER (WHERE event_type = 'resolution') AS resolved_at,
        count(*) FILTER (WHERE event_type = 'reopen') AS reopens
    FROM events
    GROUP BY ticket_id
)
SELECT
    t.team_id,
    date_trunc('month', t.created_at) AS month,
    count(*) AS tickets,
    median(date_diff('second', t.created_at, p.first_response_at) / 60.0)
        AS first_response_minutes,
    median(date_diff('second', t.created_at, p.resolved_at) / 3600.0) AS resolution_hours,
    avg(CASE WHEN p.first_response_at IS NULL THEN NULL
             WHEN date_diff('second', t.created_at, p.first_response_at) / 60.0
                  <= CASE t.priority WHEN 'P1' THEN 30 WHEN 'P2' THEN 60
                                     WHEN 'P3' THEN 240 ELSE 480 END
             THEN 1.0 ELSE 0.0 END) AS first_response_sla_rate,
    avg(CASE WHEN p.resolved_at IS NULL THEN NULL
             WHEN coalesce(p.reopens, 0) > 0 THEN 1.0 ELSE 0.0 END) AS reopen_rate
FROM tickets AS t
LEFT JOIN per_ticket AS p USING (ticket_id)
GROUP BY ALL
ORDER BY ALL
"""


def reference_query(data_dir: Path) -> tuple[float, int]:
    """Seconds the bare query takes over the cached CSV files, and the rows it returns."""
    import duckdb

    sql = REFERENCE_SQL.format(
        tickets=sql_string(str(data_dir / "tickets.csv")),
        events=sql_string(str(data_dir / "ticket_events.csv")),
    )
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # no bar in the bench's log
        started = time.perf_counter()
        rows = con.execute(sql).fetchall()
        return time.perf_counter() - started, len(rows)
    finally:
        con.close()


# --- one pipeline run, split into stages -----------------------------------------------


@dataclass
class StageFigures:
    wall_s: float
    peak_rss_mb: float


@dataclass
class RunFigures:
    run_id: str
    published: bool
    skipped: bool
    total_wall_s: float
    peak_rss_mb: float
    stages: dict[str, StageFigures] = field(default_factory=dict)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def timed_run(
    home: Path, on_progress: ProgressCallback | None = None, engine: str = "duckdb"
) -> RunFigures:
    """One `tsq run` in the given home, with per-stage wall time and peak memory.
    `on_progress` sees the run's steps as they go (runner.run_pipeline); its cost, small
    beside a step's, is part of the total measured. `engine` is TSQ_ENGINE for the run;
    the memory sampled is this process's tree, so it includes dbt's and Spark's JVMs."""
    import dagster as dg

    from orchestration.runner import run_pipeline, step_phase

    with _environment(TSQ_ENGINE=engine):
        settings = TsqSettings(home=home)
    with (
        _environment(
            TSQ_HOME=str(home), DAGSTER_HOME=str(settings.dagster_home), TSQ_ENGINE=engine
        ),
        MemorySampler() as sampler,
    ):
        started = time.perf_counter()
        outcome = run_pipeline(settings, on_progress=on_progress)
        total = time.perf_counter() - started
        with dg.DagsterInstance.get() as instance:
            # a skipped run (nothing new) has no steps of its own
            steps = [] if outcome.skipped else instance.get_run_step_stats(outcome.run_id)
    windows: dict[str, list[tuple[float, float]]] = {stage: [] for stage in STAGES}
    for step in steps:
        if step.start_time is not None and step.end_time is not None:
            windows[step_phase(step.step_key)].append((step.start_time, step.end_time))
    stages = {
        stage: StageFigures(
            wall_s=round(sum(end - start for start, end in spans), 2),
            peak_rss_mb=sampler.peak_mb(spans) if spans else 0.0,
        )
        for stage, spans in windows.items()
    }
    stages["orchestration"] = StageFigures(
        wall_s=round(total - sum(s.wall_s for s in stages.values()), 2),
        peak_rss_mb=0.0,
    )
    return RunFigures(
        run_id=outcome.run_id,
        published=outcome.published,
        skipped=outcome.skipped,
        total_wall_s=round(total, 2),
        peak_rss_mb=sampler.peak_mb(),
        stages=stages,
    )


# --- the whole benchmark ---------------------------------------------------------------


@dataclass
class BenchReport:
    tickets: int
    seed: int
    runs: list[RunFigures]
    rerun_nothing_new: RunFigures | None
    reference_wall_s: float
    reference_rows: int
    generate_wall_s: float | None
    data_dir: str
    data_bytes: int
    machine: dict[str, object]
    #: the share of the history a delta run added (None: no delta runs)
    delta_share: float | None = None
    delta_runs: list[RunFigures] = field(default_factory=list)
    #: rows of the drop per entity (generate_delta)
    delta_rows: dict[str, int] = field(default_factory=dict)
    #: whether the drop moved the data's as-of instant ("moves") or kept it ("stays")
    delta_as_of: str = "moves"
    #: where the drop's noted and restated old tickets were drawn from ("any", "recent")
    delta_old: str = "any"
    #: TSQ_ENGINE of every run (the reference query is DuckDB's whatever the engine)
    engine: str = "duckdb"
    #: each measurement of the reference query, one after each full run (the median is
    #: reference_wall_s); their spread says how far the machine's speed moved meanwhile
    reference_each_s: list[float] = field(default_factory=list)

    @property
    def total_wall_s(self) -> float:
        return round(statistics.median(r.total_wall_s for r in self.runs), 2)

    @property
    def peak_rss_mb(self) -> float:
        return round(statistics.median(r.peak_rss_mb for r in self.runs), 1)

    def stage_medians(self) -> dict[str, dict[str, float]]:
        names = list(self.runs[0].stages)
        return {
            name: {
                "wall_s": round(statistics.median(r.stages[name].wall_s for r in self.runs), 2),
                "peak_rss_mb": round(
                    statistics.median(r.stages[name].peak_rss_mb for r in self.runs), 1
                ),
            }
            for name in names
        }

    @property
    def reference_ratio(self) -> float:
        return round(self.total_wall_s / self.reference_wall_s, 1)

    @property
    def delta_wall_s(self) -> float | None:
        if not self.delta_runs:
            return None
        return round(statistics.median(r.total_wall_s for r in self.delta_runs), 2)

    @property
    def delta_ratio(self) -> float | None:
        """The delta run's median over the full run's (the issue's target: <= 0.1 at 1 %)."""
        delta = self.delta_wall_s
        return None if delta is None else round(delta / self.total_wall_s, 3)

    @property
    def delta_reference_ratio(self) -> float | None:
        delta = self.delta_wall_s
        return None if delta is None else round(delta / self.reference_wall_s, 1)

    def as_json(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "tickets": self.tickets,
            "seed": self.seed,
            "runs": len(self.runs),
            "total_wall_s": self.total_wall_s,
            "peak_rss_mb": self.peak_rss_mb,
            "stages": self.stage_medians(),
            "reference_wall_s": round(self.reference_wall_s, 4),
            "reference_rows": self.reference_rows,
            "reference_ratio": self.reference_ratio,
            "reference_each_s": [round(wall, 4) for wall in self.reference_each_s],
            "rerun_nothing_new_wall_s": (
                self.rerun_nothing_new.total_wall_s if self.rerun_nothing_new else None
            ),
            "generate_wall_s": self.generate_wall_s,
            "data_dir": self.data_dir,
            "data_bytes": self.data_bytes,
            "machine": self.machine,
            "each_run": [asdict(r) for r in self.runs],
            "delta_share": self.delta_share,
            "delta_rows": self.delta_rows,
            "delta_as_of": self.delta_as_of,
            "delta_old": self.delta_old,
            "delta_runs": len(self.delta_runs),
            "delta_wall_s": self.delta_wall_s,
            "delta_ratio": self.delta_ratio,
            "delta_reference_ratio": self.delta_reference_ratio,
            "each_delta_run": [asdict(r) for r in self.delta_runs],
        }


def machine_facts() -> dict[str, object]:
    import duckdb

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        # the limit every DuckDB instance of the run got (TSQ_DUCKDB_MEMORY_LIMIT)
        "duckdb_memory_limit": TsqSettings().duckdb_memory_limit,
    }


def empty_home(home: Path) -> None:
    """Remove the previous run's warehouse, inbox, published store and logs, but keep
    dbt's parse cache (dbt_target): a TSQ home keeps it from run to run, it holds no data,
    and without it each run would time dbt parsing the whole project again, which only a
    home's first run does."""
    if not home.exists():
        return
    for child in home.iterdir():
        if child.name == "dbt_target":
            continue
        # a symbolic link (the published Parquet folder points at its latest version)
        # is removed as a link, never followed
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


@dataclass(frozen=True)
class Measurement:
    """One finished measurement of a benchmark, told as it is made: `what` was measured
    (e.g. "run 2/3"), at which size, how long it took, and what else is worth saying."""

    tickets: int
    what: str
    wall_s: float
    detail: str = ""


MeasurementCallback = Callable[[Measurement], None]


def run_bench(
    tickets: int,
    seed: int,
    runs: int,
    work_dir: Path,
    cache_dir: Path,
    on_progress: ProgressCallback | None = None,
    on_measurement: MeasurementCallback | None = None,
    delta: float | None = None,
    delta_runs: int | None = None,
    engine: str = "duckdb",
    delta_as_of: str = "moves",
    delta_old: str = "any",
) -> BenchReport:
    """The benchmark (see the module's docstring). `on_progress` follows each pipeline
    run's steps; `on_measurement` hears of each measurement as soon as it is made.
    `delta` (a share in (0, 1]) adds the delta runs, `delta_runs` of them (default `runs`)."""
    if delta is not None and not 0.0 < delta <= 1.0:
        raise ValueError(f"delta is a share in (0, 1], not {delta}")
    if delta_as_of not in ("moves", "stays"):
        raise ValueError(f"delta_as_of is 'moves' or 'stays', not {delta_as_of!r}")
    from orchestration.generator.delta import OLD_TICKET_DRAWS

    if delta_old not in OLD_TICKET_DRAWS:
        raise ValueError(f"delta_old is one of {OLD_TICKET_DRAWS}, not {delta_old!r}")

    def measured(what: str, wall_s: float, detail: str = "") -> None:
        if on_measurement is not None:
            on_measurement(Measurement(tickets, what, round(wall_s, 2), detail))

    started = time.perf_counter()
    data_dir, generated = cached_data(cache_dir, tickets, seed)
    generate_wall_s = round(time.perf_counter() - started, 2) if generated else None
    measured(
        "data generation" if generated else "data from the cache",
        time.perf_counter() - started,
        str(data_dir),
    )
    figures: list[RunFigures] = []
    # The reference is measured after each run, not all at the end: on a shared host the
    # same query moved from 4.4 s to 7.0 s between two benches an hour apart
    # (docs/performance.md), so it must see the machine as the runs did.
    references: list[tuple[float, int]] = []
    home = work_dir / "home"
    for number in range(1, runs + 1):
        empty_home(home)
        stock_inbox(data_dir, TsqSettings(home=home).inbox)
        figures.append(timed_run(home, on_progress, engine))
        run = figures[-1]
        measured(
            f"run {number}/{runs}",
            run.total_wall_s,
            ("published" if run.published else "NOT published")
            + f", peak {run.peak_rss_mb:,.0f} MB",
        )
        references.append(reference_query(data_dir))
        measured(f"reference query {number}/{runs}", references[-1][0])
    snapshot = work_dir / "home-after-full-run"
    if delta is not None:
        snapshot_home(home, snapshot)
    # the same home again: every file is already loaded
    rerun = timed_run(home, on_progress, engine)
    measured(
        "run with nothing new",
        rerun.total_wall_s,
        "skipped" if rerun.skipped else "not skipped: everything ran again",
    )
    delta_figures: list[RunFigures] = []
    delta_rows: dict[str, int] = {}
    if delta is not None:
        delta_dir = cached_delta(
            cache_dir, data_dir, delta, seed, delta_as_of == "moves", delta_old
        )
        delta_rows = _csv_rows(delta_dir)
        count = delta_runs if delta_runs is not None else runs
        for number in range(1, count + 1):
            restore_home(snapshot, home)
            stock_inbox(delta_dir, TsqSettings(home=home).inbox)
            delta_figures.append(timed_run(home, on_progress, engine))
            run = delta_figures[-1]
            measured(
                f"delta run {number}/{count} ({delta:g} of the history)",
                run.total_wall_s,
                ("published" if run.published else "NOT published")
                + ("" if not run.skipped else ", skipped")
                + f", peak {run.peak_rss_mb:,.0f} MB",
            )
        shutil.rmtree(snapshot, ignore_errors=True)
    reference_wall_s = statistics.median(wall for wall, _ in references)
    reference_rows = references[0][1]
    return BenchReport(
        tickets=tickets,
        seed=seed,
        runs=figures,
        rerun_nothing_new=rerun,
        reference_wall_s=reference_wall_s,
        reference_rows=reference_rows,
        reference_each_s=[wall for wall, _ in references],
        generate_wall_s=generate_wall_s,
        data_dir=str(data_dir),
        data_bytes=sum(p.stat().st_size for p in data_dir.iterdir()),
        machine=machine_facts(),
        delta_share=delta,
        delta_runs=delta_figures,
        delta_rows=delta_rows,
        delta_as_of=delta_as_of,
        delta_old=delta_old,
        engine=engine,
    )


def _csv_rows(folder: Path) -> dict[str, int]:
    """Data rows per CSV file of a drop, by entity (file name up to `_delta`)."""
    import duckdb

    con = duckdb.connect()
    try:
        return {
            path.name.split("_delta")[0]: con.read_csv(str(path), all_varchar=True).shape[0]
            for path in sorted(folder.glob("*.csv"))
        }
    finally:
        con.close()


def write_json(report: BenchReport, path: Path) -> None:
    path.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
