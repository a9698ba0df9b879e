"""The `tsq` command line."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from orchestration.scorecard import GRAINS, LANGUAGES
from orchestration.settings import TsqSettings, get_settings

if TYPE_CHECKING:  # the runner imports Dagster: only `tsq run` pays for it
    from orchestration.bench import Measurement
    from orchestration.runner import ProgressEvent, ReportLine

console = Console()


#: the packages whose versions `tsq --version` reports beside TSQ's own
REPORTED_PACKAGES = ("dbt-core", "dagster", "great_expectations", "duckdb")


def version_lines() -> list[str]:
    """TSQ's version and those of the tools it runs on, from the installed packages'
    metadata (what pip installed, not what a module says about itself)."""
    from importlib.metadata import PackageNotFoundError, version

    lines = []
    for package in ("tsq", *REPORTED_PACKAGES):
        try:
            installed = version(package)
        except PackageNotFoundError:
            installed = "not installed"
        lines.append(f"{package} {installed}")
    return lines


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo("\n".join(version_lines()))
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print TSQ's version and those of dbt-core, dagster, great_expectations and duckdb.",
)
def main() -> None:
    """TSQ: helpdesk exports in, trustworthy service-quality scores out.

    Everything a run writes lives under TSQ_HOME (default ./warehouse).
    """


@main.command()
@click.option("--tickets", "ticket_count", type=int, default=5000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write to (default: the inbox, TSQ_HOME/inbox).",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "parquet", "jsonl"]),
    default="csv",
    show_default=True,
)
def generate(ticket_count: int, seed: int, out: Path | None, file_format: str) -> None:
    """Write a deterministic sample set of helpdesk exports (one file per entity)."""
    from orchestration.generator import generate as write_sample

    target = out or get_settings().ensure().inbox
    target.mkdir(parents=True, exist_ok=True)
    counts = write_sample(target, tickets=ticket_count, seed=seed, file_format=file_format)
    table = Table(title=f"Sample exports written to {target}")
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for entity, rows in counts.items():
        table.add_row(entity, f"{rows:,}")
    _print_whole(table)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "file_format",
    default=None,
    help="canonical, eventlog, ... (default: detected per file).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML mapping of the source's columns (eventlog, mapped).",
)
@click.option("--source", default=None, help="Source name used to namespace ids.")
@click.option(
    "--timezone",
    default=None,
    help="IANA zone the export's zone-less timestamps were written in, e.g. Europe/Rome "
    "(required for such exports; overrides the mapping's timezone).",
)
@click.option(
    "--holidays",
    default=None,
    help="Holiday country of the generated team calendars: CN, IT, US, ... or none "
    "(default: the mapping's holidays / team calendar_id, else none).",
)
@click.option(
    "--team-timezone",
    default=None,
    help="Time zone of the generated teams' working hours (default: --timezone, else UTC).",
)
def ingest(
    paths: tuple[Path, ...],
    file_format: str | None,
    mapping_file: Path | None,
    source: str | None,
    timezone: str | None,
    holidays: str | None,
    team_timezone: str | None,
) -> None:
    """Translate exports into canonical files in the inbox; `tsq run` then loads them.
    Prints the assumptions made (time zone, holidays, working hours, mapping), which are
    also written to the inbox as source_assumptions."""
    from orchestration.adapters.base import AdapterError
    from orchestration.adapters.inbox import check_inbox_mapping, check_source_name
    from orchestration.adapters.registry import ingest_files
    from orchestration.adapters.toolkit import refuse_oversized_workbook

    inbox = get_settings().ensure().inbox
    try:
        # nothing from outside reaches an adapter unchecked: the source name, the
        # mapping's source, a spreadsheet's size
        if source is not None:
            check_source_name(source, "--source")
        if mapping_file is not None:
            check_inbox_mapping(mapping_file)
        for path in paths:
            if path.is_file():
                refuse_oversized_workbook(path)
        conversions = ingest_files(
            list(paths),
            inbox,
            file_format,
            mapping_file,
            source,
            timezone=timezone,
            holidays=holidays,
            team_timezone=team_timezone,
        )
    except AdapterError as error:
        raise click.ClickException(str(error)) from error
    table = Table(title=f"Written to {inbox}")
    for column in ("source", "entity", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for conversion in conversions:
        for entity, rows in conversion.rows.items():
            table.add_row(conversion.source, entity, f"{rows:,}")
        if not conversion.rows:
            table.add_row(conversion.source, ", ".join(p.name for p in conversion.files), "")
    _print_whole(table)
    assumed = [(c.source, a) for c in conversions for a in c.assumptions]
    if assumed:
        assumptions = Table(title="Assumptions made (recorded as source_assumptions)")
        for column in ("source", "assumption", "value", "origin"):
            assumptions.add_column(column)
        for source_name, item in assumed:
            style = "yellow" if item.origin.startswith("default") else None
            assumptions.add_row(source_name, item.assumption, item.value, item.origin, style=style)
        _print_whole(assumptions)


@main.command()
@click.option(
    "--force", is_flag=True, help="Rebuild even when nothing changed since the last publish."
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild the incremental dbt models from all raw rows (implies --force).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress while it runs: only the report at the end."
)
def run(force: bool, full_refresh: bool, quiet: bool) -> None:
    """Materialise every asset in-process: ingest, dbt, checks, publish.

    Shows on stderr which step is running, with elapsed time: live on a terminal, a plain
    line per step otherwise (none with --quiet). Exits non-zero, naming the failed checks,
    when a blocking check fails; the previous published.duckdb then stays as it was. With
    nothing new in the inbox or the project since the last published run, there is nothing
    to do and it says so.
    """
    from orchestration.runner import WarehouseLocked, run_pipeline

    settings = get_settings()
    if full_refresh:
        settings = settings.model_copy(update={"full_refresh": True})
        force = True
    try:
        if quiet:
            outcome = run_pipeline(settings, force=force)
        else:
            with RunProgress() as progress:
                outcome = run_pipeline(settings, force=force, on_progress=progress)
    except WarehouseLocked as error:
        raise click.ClickException(str(error)) from error
    for line in outcome.describe():
        console.print(_styled(line))
    _print_unread_inbox_files(settings)
    if not outcome.success:
        sys.exit(1)


#: the order the phases of a run are shown in (a terminal's live display)
PHASE_LABELS = {
    "prepare": "prepare",
    "ingest": "ingest",
    "checks": "checks",
    "dbt": "dbt build",
    "publish": "publish",
    "summary": "summary",
}


class RunProgress:
    """Shows a run's ProgressEvents on stderr while it works (see runner.ProgressEvent).

    On a terminal: a rich live display, a line per phase with its bar, count and elapsed
    time, and the step it is on. Elsewhere (a pipe, CI, a test): plain lines, one when a
    step starts or ends (dbt's models every quarter of the way), with no spinner and no
    control characters, so a log reads as text. Used as a context manager around the run.

    The stream is taken when this is made: the runner sends stdout and stderr to the run's
    log while Dagster runs, and the progress must still reach the user."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.console = Console(file=self.stream, highlight=False)
        self.live = self.console.is_terminal
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RunProgress:
        if self.live:
            self._progress = Progress(
                SpinnerColumn(finished_text="[green]✓[/green]"),
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                # the runner redirects stdout and stderr into the run's log itself
                redirect_stdout=False,
                redirect_stderr=False,
                refresh_per_second=4,
            )
            self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def note(self, line: str) -> None:
        """A line of its own (e.g. a finished benchmark measurement): above the live
        display on a terminal, as it is elsewhere."""
        with self._lock:
            if self._progress is not None:
                self._progress.console.print(Text(line))
            else:
                self.stream.write(line + "\n")
                self.stream.flush()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.phase == "prepare" and event.state == "started":
                self._new_run()
            if self._progress is not None:
                self._show_live(event)
            else:
                line = plain_progress_line(event)
                if line is not None:
                    self.stream.write(line + "\n")
                    self.stream.flush()

    def _new_run(self) -> None:
        """A run begins (a benchmark makes several): the previous run's lines go."""
        if self._progress is not None:
            for task in self._tasks.values():
                self._progress.remove_task(task)
        self._tasks.clear()
        self._failures.clear()

    def _show_live(self, event: ProgressEvent) -> None:
        assert self._progress is not None
        label = PHASE_LABELS[event.phase]
        task = self._tasks.get(event.phase)
        if task is None:
            task = self._progress.add_task(label, total=event.total or None)
            self._tasks[event.phase] = task
        if event.state in ("failed", "warned"):
            self._failures[event.phase] = self._failures.get(event.phase, 0) + 1
        failures = self._failures.get(event.phase, 0)
        flagged = f" [red]({failures} failed or warned)[/red]" if failures else ""
        item = escape(event.item)
        if event.phase == "dbt" and event.state == "started":
            item = "starting dbt (it parses the project first)"
        elif event.state == "advanced":
            item = f"built {item}"
        elif event.state != "finished":
            item = f"{item} {event.state}"
        self._progress.update(
            task,
            description=f"{label:<9} {item}{flagged}",
            completed=event.done,
            total=event.total or None,
        )
        ended = event.state in ("failed", "skipped") and event.phase in ("dbt", "publish")
        if event.phase in ("prepare", "summary") and event.state == "finished":
            self._progress.update(task, total=1, completed=1)
        elif ended:
            self._progress.stop_task(task)


def plain_progress_line(event: ProgressEvent) -> str | None:
    """A progress event as one plain line, or None for one not worth a line of its own
    (a dbt model between the quarter marks)."""
    count = f" ({event.done}/{event.total})" if event.total else ""
    if event.state == "advanced":
        # a line at each quarter of dbt's models (done counts the finished ones), not per model
        quarter = max(event.total // 4, 1)
        if event.done % quarter and event.done != event.total:
            return None
        what = f"{event.done}/{event.total} models built, last {event.item}"
    elif event.phase == "dbt" and event.state != "started":
        what = f"{event.item} {event.state} ({event.done}/{event.total} models)"
    else:
        what = f"{event.item} {event.state}{count}"
    return f"[{event.elapsed:7.1f} s] {PHASE_LABELS[event.phase]:<9} {what}"


#: how `tsq run` colours a report line's lead, by its tone (runner.ReportLine)
TONE_STYLES = {"warning": "yellow", "failure": "red", "success": "green"}


def _styled(line: ReportLine) -> Text:
    """A run's report line for the terminal: its lead coloured by its tone. Built as Text,
    never parsed as markup, so a value holding [brackets] prints as it is."""
    text = Text()
    if line.lead:
        text.append(line.lead, style=TONE_STYLES.get(line.tone, ""))
        text.append(" ")
    text.append(line.text)
    return text


def _print_unread_inbox_files(settings: TsqSettings) -> None:
    """Every inbox file is accounted for: after a run, name each file that was refused, not
    understood, retracted, or loaded from a file no longer in the inbox. A refused file
    does not fail the run (the rest publishes); it stays in the inbox until it changes."""
    import duckdb

    from orchestration.ingest.ledger import account_for_inbox

    if not settings.warehouse_path.is_file():
        return
    try:
        con = duckdb.connect(str(settings.warehouse_path))
    except duckdb.Error as error:  # e.g. held by a running Dagster; not worth failing for
        console.print(f"[yellow]inbox files not listed: {error}[/yellow]")
        return
    try:
        states = [s for s in account_for_inbox(con, settings.inbox) if s.state != "loaded"]
    finally:
        con.close()
    unread = [s for s in states if s.state not in ("mapping",)]
    if not unread:
        return
    table = Table(title="Inbox files not (or no longer) read: the run went on without them")
    for column in ("file", "entity", "state", "why / what to do"):
        table.add_column(column)
    for state in unread:
        style = "red" if state.state in ("refused", "not understood") else "yellow"
        table.add_row(state.file, state.entity, state.state, state.detail, style=style)
    _print_whole(table)


@main.command()
@click.option(
    "--grain",
    type=click.Choice(GRAINS),
    default="month",
    show_default=True,
)
@click.option(
    "--scope",
    "scope_type",
    default="team",
    show_default=True,
    help="Rows: team, agent, product, channel, priority, complexity_tier or organisation.",
)
@click.option(
    "--period",
    "period_start",
    default=None,
    help="Period start, YYYY-MM-DD (default: the latest complete period).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="zh", show_default=True)
def scores(grain: str, scope_type: str, period_start: str | None, lang: str) -> None:
    """Print the scorecard of the published store: one row per scope (team by default),
    one column per sub-dimension, then the overall score, grade, change and rank. A score
    below the coverage floor or in a running period is marked and never graded."""
    from orchestration.scorecard import (
        ScorecardError,
        load_scorecard,
        scorecard_legend,
        scorecard_notes,
        scorecard_table,
    )

    try:
        card = load_scorecard(get_settings().published_path, grain, scope_type, period_start, lang)
    except ScorecardError as error:
        if error.option:
            raise click.BadParameter(str(error), param_hint=error.option) from error
        raise click.ClickException(str(error)) from error
    _print_whole(scorecard_table(card))
    legend = scorecard_legend(card)
    if legend:
        console.print(legend)
    for line in scorecard_notes(card):
        # a pipe gets each note on one line, for grep; a terminal wraps it at words
        console.print(Text(line), soft_wrap=not console.is_terminal)


def _print_whole(renderable: RenderableType) -> None:
    """Print a table or tree whole: rich would otherwise crop the columns that do not fit
    a narrow terminal, or wrap to the 80 columns it assumes for a pipe. On a terminal
    narrower than its minimum width, its lines wrap in the terminal, but no figure is
    lost; into a pipe or a file, it is printed at its natural width, one line per row or
    node, for grep."""
    from rich.measure import Measurement

    measured = Measurement.get(console, console.options.update(width=10_000), renderable)
    needed = measured.minimum if console.is_terminal else measured.maximum
    if needed <= console.width:
        console.print(renderable)
        return
    # Console.print never goes wider than its console: print through a wider one
    wide = Console(
        file=console.file,
        width=needed,
        force_terminal=console.is_terminal,
        color_system=console.color_system,  # type: ignore[arg-type]
        no_color=console.no_color,
    )
    wide.print(renderable)


@main.command()
def where() -> None:
    """Print the paths in use."""
    settings = get_settings()
    table = Table(show_header=False)
    for label, path in (
        ("TSQ_HOME", settings.root),
        ("inbox", settings.inbox),
        ("working warehouse", settings.warehouse_path),
        ("published store (BI)", settings.published_path),
        ("Data Docs (quality gates)", settings.data_docs_dir / "index.html"),
        ("Dagster home", Path(os.environ.get("DAGSTER_HOME", settings.dagster_home))),
    ):
        table.add_row(label, str(path))
    table.add_row("DuckDB memory limit", memory_limit_origin(settings.duckdb_memory_limit))
    table.add_row("engine (TSQ_ENGINE)", engine_description(settings))
    _print_whole(table)


def engine_description(settings: TsqSettings) -> str:
    """Where dbt builds and the BI tables land, never with a password."""
    if settings.engine == "duckdb":
        return "duckdb (the working warehouse)"
    if settings.engine == "spark":
        from orchestration.engines.spark import BI_DATABASE, spark_home
        from orchestration.engines.spark_connect import describe_remote
        from orchestration.engines.spark_thrift import is_thrift_url

        remote = settings.spark_remote
        if not remote:
            return f"spark: local session in {spark_home(settings)}, BI views {BI_DATABASE}"
        # the URL without its user or parameters (a Databricks token sits in them)
        way = "Thrift server" if is_thrift_url(remote) else "Spark Connect"
        return f"spark: {way} {describe_remote(remote)} (TSQ_SPARK_REMOTE), BI views {BI_DATABASE}"
    from orchestration.engines.postgres import postgres_url
    from orchestration.publish.postgres import describe_url

    return (
        f"postgres: {describe_url(postgres_url(settings))}, BI schema {settings.pg_publish_schema}"
    )


def memory_limit_origin(limit: str) -> str:
    """The DuckDB memory limit in force and where it comes from."""
    from orchestration.settings import DUCKDB_MEMORY_SHARE

    if os.environ.get("TSQ_DUCKDB_MEMORY_LIMIT"):
        return f"{limit} (TSQ_DUCKDB_MEMORY_LIMIT)"
    share = f"{DUCKDB_MEMORY_SHARE:.0%}"
    return f"{limit} ({share} of the memory available; TSQ_DUCKDB_MEMORY_LIMIT overrides)"


@main.command()
@click.option("--rows", "show_rows", is_flag=True, help="List the quarantined rows too.")
@click.option("--limit", type=int, default=20, show_default=True, help="Rows listed with --rows.")
def quarantine(show_rows: bool, limit: int) -> None:
    """List quarantined rows, grouped by rule and file."""
    from orchestration.quarantine import quarantine_rows, quarantine_summary

    settings = get_settings()
    summary = quarantine_summary(settings.warehouse_path)
    table = Table(title=f"Quarantine in {settings.warehouse_path}")
    for column in ("rule", "entity", "file", "rows", "first rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for rule, entity, source_file, rows, first_rows in summary:
        table.add_row(rule, entity, source_file, f"{rows:,}", first_rows)
    _print_whole(table if summary else "No quarantined rows.")
    if show_rows and summary:
        listing = Table(title=f"First {limit} quarantined rows")
        for column in ("file", "row", "rules broken", "original row"):
            listing.add_column(column)
        for source_file, source_row, rules, original in quarantine_rows(
            settings.warehouse_path, limit
        ):
            listing.add_row(source_file, str(source_row), rules, original)
        _print_whole(listing)


@main.command()
@click.option("--files", "show_files", is_flag=True, help="Account for every inbox file too.")
def loads(show_files: bool) -> None:
    """List the loads in the working warehouse (one per file loaded), and what became of
    every inbox file: loaded, refused whole (why), not understood, retracted, or gone."""
    import duckdb

    from orchestration.ingest.ledger import account_for_inbox, list_loads

    settings = get_settings().ensure()
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        rows = list_loads(con)
        states = account_for_inbox(con, settings.inbox)
    finally:
        con.close()
    table = Table(title=f"Loads in {settings.warehouse_path}")
    for column in ("load id", "entity", "file", "read", "loaded", "quarantined", "loaded at"):
        table.add_column(column, justify="right" if column in ("read", "loaded") else "left")
    for row in rows:
        table.add_row(
            row.load_id,
            row.entity,
            row.source_file,
            f"{row.rows_read:,}",
            f"{row.rows_loaded:,}",
            f"{row.rows_quarantined:,}",
            f"{row.loaded_at:%Y-%m-%d %H:%M:%S}",
        )
    _print_whole(table if rows else "No loads yet.")
    shown = states if show_files else [s for s in states if s.state != "loaded"]
    if shown:
        files = Table(title=f"Inbox {settings.inbox}")
        for column in ("file", "entity", "state", "detail"):
            files.add_column(column)
        for state in shown:
            files.add_row(state.file, state.entity, state.state, state.detail)
        _print_whole(files)


@main.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--reason", default=None, help="Why, recorded in raw.retractions.")
def retract(targets: tuple[str, ...], reason: str | None) -> None:
    """Remove the rows of a load (a LOAD_ID from `tsq loads`, or a FILE name: every load of
    it) from raw and from quarantine, recorded in raw.retractions. The next `tsq run`
    republishes without them; the same bytes are not loaded again."""
    import duckdb

    from orchestration.ingest.ledger import RetractError, rows_left_without_their_ticket
    from orchestration.ingest.ledger import (
        retract as retract_load,
    )
    from orchestration.up_to_date import forget_published_inputs

    settings = get_settings().ensure()
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        done = []
        for target in targets:
            try:
                done += retract_load(con, target, reason)
            except RetractError as error:
                raise click.ClickException(str(error)) from error
        orphans = rows_left_without_their_ticket(con)
    finally:
        con.close()
    forget_published_inputs(settings)
    for item in done:
        console.print(
            f"retracted load {item.load_id} ({item.entity}, {item.source_file}): "
            f"{item.rows_removed:,} rows removed from raw.{item.entity}, "
            f"{item.quarantine_rows_removed:,} from quarantine"
        )
    for entity, count in orphans.items():
        console.print(
            f"[yellow]{count:,} rows of raw.{entity} name a ticket no load has now; the next "
            f"run holds them back (tsq quarantine lists them) until their ticket is loaded "
            f"again, or retract their loads too (tsq loads)[/yellow]"
        )
    console.print("the next `tsq run` republishes without them")


@main.command()
@click.option(
    "--ahp",
    "ahp_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Derive weights from AHP pairwise matrices (YAML) into scoring_weights.csv.",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="zh", show_default=True)
def weights(ahp_file: Path | None, lang: str) -> None:
    """Show the weight tree (overall, dimensions, sub-dimensions, indicators) with names,
    each node's weight and whether its children's weights sum to 1; or first derive
    weights from AHP pairwise matrices. Exits 1 when a parent's children do not sum to 1
    (the scoring_weights gate would refuse the next run)."""
    from rich.tree import Tree

    from orchestration import weights as weight_file
    from orchestration.weights import AhpError, WeightNode, apply_ahp, weight_tree

    if ahp_file is not None:
        try:
            results = apply_ahp(ahp_file)
        except AhpError as error:
            raise click.ClickException(str(error)) from error
        for result in results:
            pairs = ", ".join(
                f"{c}={w:.3f}" for c, w in zip(result.children, result.weights, strict=True)
            )
            console.print(f"{result.parent}: {pairs} (CR {result.consistency_ratio:.3f})")

    def label(node: WeightNode) -> Text:
        text = Text(node.node_id, style="bold" if node.children else "")
        name = node.name(lang)
        if name:
            text.append(f"  {name}")
        text.append(f"  weight {node.weight:g}", style="cyan")
        if node.children_sum_to_one is not None:
            verdict, style = ("✓", "green") if node.children_sum_to_one else ("✗ not 1", "red")
            text.append(f"  children sum {node.children_sum:.6f} {verdict}", style=style)
        return text

    def grow(branch: Tree, node: WeightNode) -> None:
        for child in node.children:
            grow(branch.add(label(child)), child)

    roots = weight_tree()
    for root in roots:
        tree = Tree(label(root))
        grow(tree, root)
        _print_whole(tree)
    wrong = [n.node_id for root in roots for n in root.walk() if n.children_sum_to_one is False]
    if wrong:
        raise click.ClickException(
            f"the children's weights of {', '.join(wrong)} do not sum to 1 in "
            f"{weight_file.WEIGHTS_SEED.name}: the next run's scoring_weights check refuses "
            "to publish"
        )
    console.print(f"every parent's children sum to 1 ({weight_file.WEIGHTS_SEED})")


@main.command()
@click.option("--tickets", "ticket_count", type=int, default=100_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--runs", type=int, default=3, show_default=True, help="Pipeline runs (median).")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the figures as JSON.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the benchmark's TSQ home and data cache live (default TSQ_HOME/bench).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress while it runs: only the figures at the end."
)
@click.option(
    "--delta",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=None,
    help="After the full run, also time a run that adds this share of the history "
    "(e.g. 0.01: new tickets, a new event on that share of the old tickets, and that "
    "share of old tickets restated).",
)
@click.option(
    "--delta-runs",
    type=click.IntRange(min=1),
    default=None,
    help="Delta runs (median); default the same as --runs.",
)
@click.option(
    "--delta-as-of",
    type=click.Choice(["moves", "stays"]),
    default="moves",
    show_default=True,
    help="Whether the drop comes after everything before it, as a real day's export does "
    "(the data's as-of instant moves), or copies old instants (the window stays).",
)
@click.option(
    "--delta-old",
    type=click.Choice(["any", "recent"]),
    default="any",
    show_default=True,
    help="Where the drop's noted and restated old tickets come from: the whole history, or "
    "the last 30 days of creations, as a real day's updates (they then touch a few recent "
    "reporting periods, not all of them).",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "postgres", "spark"]),
    default="duckdb",
    show_default=True,
    help="TSQ_ENGINE of the timed runs (postgres reads its TSQ_PG_* settings; spark is a "
    "local session under the bench's home). The reference query is DuckDB's either way.",
)
def bench(
    ticket_count: int,
    seed: int,
    runs: int,
    json_path: Path | None,
    work_dir: Path | None,
    quiet: bool,
    delta: float | None,
    delta_runs: int | None,
    delta_as_of: str,
    delta_old: str,
    engine: str,
) -> None:
    """Time the whole pipeline on generated data, per stage, against a bare DuckDB query.

    The data are generated once per size and seed (cached); each run starts from an empty
    warehouse. Your own TSQ_HOME's warehouse and published store are not touched. While it
    works, stderr shows each run's steps (as `tsq run` does) and a line per finished
    measurement.
    """
    from orchestration.bench import run_bench, write_json
    from orchestration.generator.delta import RECENT_DAYS

    if runs < 1:
        raise click.BadParameter("at least one run", param_hint="--runs")
    bench_dir = (work_dir or get_settings().root / "bench").resolve()
    with contextlib.ExitStack() as stack:
        progress = None if quiet else stack.enter_context(RunProgress())

        def measured(measurement: Measurement) -> None:
            if progress is not None:
                progress.note(measurement_line(measurement))

        report = run_bench(
            tickets=ticket_count,
            seed=seed,
            runs=runs,
            work_dir=bench_dir,
            cache_dir=bench_dir / "data",
            on_progress=progress,
            on_measurement=measured,
            delta=delta,
            delta_runs=delta_runs,
            delta_as_of=delta_as_of,
            delta_old=delta_old,
            engine=engine,
        )
    if not all(run.published for run in [*report.runs, *report.delta_runs]):
        raise click.ClickException(
            f"a benchmark run did not publish: see the run logs under {bench_dir / 'home' / 'logs'}"
        )
    table = Table(
        title=f"tsq bench ({engine}): {ticket_count:,} tickets (seed {seed}), median of "
        f"{runs} run(s); "
        f"{report.machine['cpus']} CPUs, {report.machine['memory_gb']} GB; "
        f"DuckDB memory limit {report.machine['duckdb_memory_limit']}"
    )
    for column in ("stage", "wall s", "share", "peak RSS MB"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage, figures in report.stage_medians().items():
        share = figures["wall_s"] / report.total_wall_s if report.total_wall_s else 0.0
        peak = f"{figures['peak_rss_mb']:,.0f}" if figures["peak_rss_mb"] else ""
        table.add_row(stage, f"{figures['wall_s']:.1f}", f"{share:.0%}", peak)
    table.add_row("total", f"{report.total_wall_s:.1f}", "100%", f"{report.peak_rss_mb:,.0f}")
    _print_whole(table)
    console.print(
        f"reference (bare DuckDB query over the same CSV files, core ticket indicators per "
        f"team per month): {report.reference_wall_s:.2f} s (median; each, one after each "
        f"run: {', '.join(f'{wall:.2f}' for wall in report.reference_each_s)} s) -> "
        f"pipeline / reference = [bold]{report.reference_ratio}x[/bold]"
    )
    rerun = report.rerun_nothing_new
    if rerun:
        how = (
            "skipped: nothing changed since the last publication"
            if rerun.skipped
            else "not skipped: the project changed during the bench, so everything ran again"
        )
        console.print(f"a run with nothing new in the inbox: {rerun.total_wall_s:.2f} s ({how})")
    if report.generate_wall_s is not None:
        console.print(f"data generated in {report.generate_wall_s:.1f} s into {report.data_dir}")
    else:
        console.print(f"data from the cache: {report.data_dir}")
    console.print("each run: " + ", ".join(f"{r.total_wall_s:.1f} s" for r in report.runs))
    if report.delta_wall_s is not None:
        added = ", ".join(f"{rows:,} {entity}" for entity, rows in report.delta_rows.items())
        drawn = (
            f"the last {RECENT_DAYS} days" if report.delta_old == "recent" else "the whole history"
        )
        console.print(
            f"delta run ({report.delta_share:g} of the history: {added}; the as-of instant "
            f"{report.delta_as_of}; old tickets drawn from "
            f"{drawn}), "
            f"median of "
            f"{len(report.delta_runs)}: {report.delta_wall_s:.1f} s -> delta / full = "
            f"[bold]{report.delta_ratio}[/bold], delta / reference = "
            f"{report.delta_reference_ratio}x; each: "
            + ", ".join(f"{r.total_wall_s:.1f} s" for r in report.delta_runs)
        )
    if json_path:
        write_json(report, json_path)
        console.print(f"wrote {json_path}")


def measurement_line(measurement: Measurement) -> str:
    """A finished benchmark measurement as one plain line: size, what, time, detail."""
    detail = f" ({measurement.detail})" if measurement.detail else ""
    return (
        f"bench {measurement.tickets:,} tickets, {measurement.what}: "
        f"{measurement.wall_s:.2f} s{detail}"
    )


@main.command()
@click.option("--check", is_flag=True, help="Fail if a generated page is out of date.")
def docs(check: bool) -> None:
    """Write what is generated from its one home: docs/export-contract.md, the raw sources
    and the staging casts of the dbt project (the contract),
    docs/indicators.md, the indicator union's model list and the MetricFlow metrics (the
    catalogue), and docs/vendor-specs.md (the adapters' specs)."""
    from orchestration import catalog_doc, contract, contract_dbt
    from orchestration.adapters import spec_doc
    from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

    pages = {
        PROJECT_ROOT / "docs" / "export-contract.md": contract.render_markdown(),
        PROJECT_ROOT / "docs" / "indicators.md": catalog_doc.render_markdown(),
        PROJECT_ROOT / "docs" / "vendor-specs.md": spec_doc.render_markdown(),
        catalog_doc.UNION_MODEL: catalog_doc.render_indicator_union(),
        DBT_PROJECT_DIR / catalog_doc.INDICATOR_METRICS_PATH: (
            catalog_doc.render_indicator_metrics()
        ),
        **{path: render() for path, render in contract_dbt.GENERATED.items()},
    }
    for target, rendered in pages.items():
        if check:
            if target.read_text(encoding="utf-8") != rendered:
                raise click.ClickException(f"{target} is out of date: run `tsq docs`")
            continue
        target.write_text(rendered, encoding="utf-8")
        console.print(f"wrote {target}")


@main.command()
@click.option("--period", default=None, help="Month start, YYYY-MM-01 (default: latest complete).")
@click.option("--scope", "scope_type", default="team", show_default=True, help="Heatmap rows.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report(period: str | None, scope_type: str, lang: str, out: Path | None) -> None:
    """Write the HTML report of the published store (one self-contained file, no network
    needed). Each publication also writes one beside the store."""
    from datetime import date

    from orchestration.report import ReportError, ReportRequest, report_path, write_report

    settings = get_settings()
    try:
        month = date.fromisoformat(period) if period else None
    except ValueError as error:
        raise click.BadParameter(
            f"{period!r} is not a date YYYY-MM-01", param_hint="--period"
        ) from error
    request = ReportRequest(
        settings.published_path, settings.warehouse_path, month, scope_type, lang
    )
    try:
        written = write_report(request, out or report_path(settings.published_path))
    except ReportError as error:
        raise click.ClickException(str(error)) from error
    console.print(f"wrote {written}")


def _register_publish() -> None:
    from orchestration.publish.cli_commands import publish as publish_command

    main.add_command(publish_command)


_register_publish()


if __name__ == "__main__":
    main()
