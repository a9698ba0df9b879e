"""The scorecard: the published store (read-only, as a BI tool would) as one compact table,
one row per scope (a team by default) and one column per sub-dimension, with the overall
score, grade, change and rank.

`load_scorecard` returns plain data; `scorecard_table` lays it out for the terminal.
Nothing is derived here that the store already says: a score's grade, its grade status
(graded, insufficient coverage, running period, not scored), whether its coverage reaches
the floor, its rank and change are the published `scores` columns, shown as they are.
Names come from the published `score_tree` (sub-dimensions) and `scopes` (teams) tables;
a store published before those tables existed shows ids instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from rich import box
from rich.columns import Columns
from rich.console import Group
from rich.table import Table
from rich.text import Text

#: grains a score is published at (the `scores.period_grain` values)
GRAINS = ("day", "week", "month", "quarter")
LANGUAGES = ("zh", "en")
#: the grade column for a score without a grade, by its published grade_status
GRADE_STATUS_LABELS = {
    "insufficient_coverage": "insufficient",
    "period_incomplete": "running",
    "not_scored": "n/a",
    "graded": "",
}
#: marks beside a score, the same as the HTML report's (orchestration/report.py)
INSUFFICIENT_MARK = "†"
RUNNING_MARK = "◔"
NOT_SCORED = "–"
#: the scope column's width before a long name wraps
_NAME_WIDTH = 20
#: the overall columns, after the scope's name and before the sub-dimensions
_FIGURES = ("overall", "grade", "rank", "change", "coverage")
#: how many periods an error lists in full before it shortens the list
_PERIODS_LISTED = 12


class ScorecardError(ValueError):
    """The store cannot show the scorecard asked for. `option` names the command-line
    option at fault (--scope, --grain, --period), or is None (no store yet)."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class ScoreCell:
    """One published `scores` row, as shown: the columns, not a re-derivation."""

    score: float | None
    grade: str | None
    grade_status: str
    coverage: float | None
    coverage_sufficient: bool | None
    rank: int | None
    peers_ranked: int | None
    score_change: float | None

    @property
    def marks(self) -> str:
        """† when the store says coverage is below the floor, ◔ when it says the period
        is still running; a score with no mark is graded."""
        marks = ""
        if self.score is not None and self.coverage_sufficient is False:
            marks += INSUFFICIENT_MARK
        if self.grade_status == "period_incomplete":
            marks += RUNNING_MARK
        return marks

    @property
    def grade_label(self) -> str:
        return self.grade or GRADE_STATUS_LABELS.get(self.grade_status, self.grade_status)


@dataclass(frozen=True)
class ScorecardRow:
    scope_id: str
    display_name: str | None
    overall: ScoreCell | None
    subdimensions: dict[str, ScoreCell] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.display_name and self.display_name != self.scope_id:
            return f"{self.display_name} ({self.scope_id})"
        return self.scope_id


@dataclass(frozen=True)
class Scorecard:
    grain: str
    scope_type: str
    period_start: date
    period_complete: bool
    why: str  # which period this is and why it was chosen
    coverage_floor: float | None
    lang: str
    #: (node_id, name in `lang`) of every sub-dimension, in column order
    columns: list[tuple[str, str]]
    rows: list[ScorecardRow]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def _listed(periods: list[date]) -> str:
    if len(periods) <= _PERIODS_LISTED:
        return ", ".join(str(p) for p in periods)
    head = ", ".join(str(p) for p in periods[:3])
    tail = ", ".join(str(p) for p in periods[-3:])
    return f"{head}, ... {tail} ({len(periods)} periods)"


def _parse_period(text: str, periods: list[date], grain: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ScorecardError(
            f"{text!r} is not a date: give a {grain}'s start as YYYY-MM-DD; published: "
            f"{_listed(periods)}",
            "--period",
        ) from error


def _choose_period(
    periods: dict[date, bool], grain: str, requested: str | None
) -> tuple[date, str]:
    """The period asked for, else the report's default: the latest complete one, or the
    running one when none is complete (see report._period); and a sentence saying which."""
    if requested is not None:
        period = _parse_period(requested, list(periods), grain)
        if period not in periods:
            raise ScorecardError(
                f"no {grain} starting {period} is published; published: {_listed(list(periods))}",
                "--period",
            )
        return period, "the period asked for"
    complete = [p for p, done in periods.items() if done]
    if not complete:
        latest = max(periods)
        return latest, f"no {grain} is complete yet: showing the running one, not graded"
    latest = max(complete)
    why = f"the latest complete {grain}"
    running = [p for p, done in periods.items() if not done and p > latest]
    if running:
        why += (
            f"; the running {grain} from {max(running)} is published but not graded"
            f" (--period {max(running)})"
        )
    return latest, why


def load_scorecard(
    published_path: Path,
    grain: str = "month",
    scope_type: str = "team",
    period_start: str | None = None,
    lang: str = "zh",
) -> Scorecard:
    """The scorecard of one grain, scope type and period. Raises ScorecardError naming
    what exists when the store has no such grain, scope type or period."""
    if not published_path.exists():
        raise ScorecardError(f"{published_path} does not exist yet: run `tsq run` first")
    if lang not in LANGUAGES:
        raise ScorecardError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}", "--lang")
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        tables = _tables(con)
        grains = [
            row[0]
            for row in con.execute("SELECT DISTINCT period_grain FROM scores ORDER BY 1").fetchall()
        ]
        if grain not in grains:
            raise ScorecardError(
                f"no {grain!r} scores are published; published grains: "
                f"{', '.join(grains) or 'none (run `tsq run`)'}",
                "--grain",
            )
        scope_types = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT scope_type FROM scores WHERE period_grain = ? ORDER BY 1", [grain]
            ).fetchall()
        ]
        if scope_type not in scope_types:
            raise ScorecardError(
                f"unknown scope type {scope_type!r}; published: {', '.join(scope_types)}",
                "--scope",
            )
        periods: dict[date, bool] = dict(
            con.execute(
                "SELECT period_start, bool_and(period_complete) FROM scores "
                "WHERE period_grain = ? AND scope_type = ? GROUP BY 1 ORDER BY 1",
                [grain, scope_type],
            ).fetchall()
        )
        period, why = _choose_period(periods, grain, period_start)
        rows = con.execute(
            "SELECT scope_id, level, node_id, score, grade, grade_status, coverage, "
            "coverage_sufficient, rank, peers_ranked, score_change FROM scores "
            "WHERE period_grain = ? AND scope_type = ? AND period_start = ? "
            "AND level IN ('overall', 'subdimension') ORDER BY scope_id, node_id",
            [grain, scope_type, period],
        ).fetchall()
        (floor,) = con.execute(
            "SELECT max(coverage_floor) FROM scores WHERE period_grain = ? AND period_start = ?",
            [grain, period],
        ).fetchone()
        name_column = "name_zh" if lang == "zh" else "name_en"
        if "score_tree" in tables:
            # sub-dimensions in id order, as the report's heatmap; the name is the framework's
            columns = con.execute(
                f"SELECT node_id, coalesce({name_column}, node_id) FROM score_tree "
                "WHERE level = 'subdimension' ORDER BY node_id"
            ).fetchall()
        else:
            columns = sorted({(r[2], r[2]) for r in rows if r[1] == "subdimension"})
        names: dict[str, str] = {}
        if "scopes" in tables:
            names = dict(
                con.execute(
                    "SELECT scope_id, display_name FROM scopes "
                    "WHERE scope_type = ? AND display_name IS NOT NULL",
                    [scope_type],
                ).fetchall()
            )
    finally:
        con.close()
    overall: dict[str, ScoreCell] = {}
    subdimensions: dict[str, dict[str, ScoreCell]] = {}
    for scope_id, level, node_id, *values in rows:
        cell = ScoreCell(*values)
        if level == "overall":
            overall[scope_id] = cell
        else:
            subdimensions.setdefault(scope_id, {})[node_id] = cell
    scope_ids = sorted(overall.keys() | subdimensions.keys())
    return Scorecard(
        grain=grain,
        scope_type=scope_type,
        period_start=period,
        period_complete=periods[period],
        why=why,
        coverage_floor=floor,
        lang=lang,
        columns=[(node_id, name) for node_id, name in columns],
        rows=[
            ScorecardRow(
                scope_id,
                names.get(scope_id),
                overall.get(scope_id),
                subdimensions.get(scope_id, {}),
            )
            for scope_id in scope_ids
        ],
    )


def _score_text(cell: ScoreCell | None) -> Text:
    if cell is None or cell.score is None:
        return Text(NOT_SCORED, style="dim")
    marks = cell.marks
    style = "yellow" if INSUFFICIENT_MARK in marks else "cyan" if marks else ""
    return Text(f"{cell.score:.1f}{marks}", style=style)


def _row_cells(row: ScorecardRow, card: Scorecard) -> list[Text]:
    overall = row.overall
    grade = Text(overall.grade_label if overall else "")
    if overall and not overall.grade:
        grade.stylize("yellow" if overall.grade_status == "insufficient_coverage" else "dim")
    change = overall.score_change if overall else None
    return [
        Text(row.label),
        _score_text(overall),
        grade,
        Text(f"{overall.rank}/{overall.peers_ranked}" if overall and overall.rank else ""),
        Text("" if change is None else f"{change:+.1f}"),
        Text("" if overall is None or overall.coverage is None else f"{overall.coverage:.0%}"),
        *(_score_text(row.subdimensions.get(node_id)) for node_id, _ in card.columns),
    ]


def scorecard_legend(card: Scorecard) -> Columns | None:
    """The sub-dimensions' names, laid out in columns under the table: the table heads
    them by id, as eight names as headers would not fit a terminal's width. None when the
    store names none (published before score_tree)."""
    named = [Text(f"{node_id} {name}") for node_id, name in card.columns if name != node_id]
    return Columns(named, padding=(0, 3)) if named else None


def scorecard_notes(card: Scorecard) -> list[str]:
    """Which period this is and why, and what the marks mean: plain text for under the
    table."""
    marks = [f"{RUNNING_MARK} running period, not graded", f"{NOT_SCORED} nothing scored"]
    if card.coverage_floor is not None:
        marks.insert(
            0,
            f"{INSUFFICIENT_MARK} coverage below the floor of {card.coverage_floor:.0%}: "
            "shown, never graded or ranked",
        )
    return [f"{card.why}.", "; ".join(marks) + "."]


def scorecard_table(card: Scorecard) -> Table:
    """The scorecard as a rich table: the scope, its overall score, grade, rank, change and
    coverage, then one column per sub-dimension (scorecard_notes names them). Every value
    goes in as Text, never as markup: a team called "[red]" prints as itself."""
    state = "complete" if card.period_complete else "RUNNING: not graded, ranked or compared"
    table = Table(
        title=f"TSQ scorecard: {card.grain} from {card.period_start} ({state}), "
        f"scope {card.scope_type}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
    )
    headers = [Text(card.scope_type), *map(Text, _FIGURES), *(Text(n) for n, _ in card.columns)]
    rows = [_row_cells(row, card) for row in card.rows]
    # Figures never wrap or shrink (a score cut to "10…" misreads): each figure column is
    # at least as wide as its widest cell. A long scope name wraps onto a second line. The
    # CLI prints the table at its minimum width at least, so nothing is ever cropped.
    for index, header in enumerate(headers):
        widest = max([header.cell_len, *(cells[index].cell_len for cells in rows)])
        if index == 0:
            table.add_column(header, min_width=min(widest, _NAME_WIDTH), overflow="fold")
        else:
            justify = "left" if header.plain == "grade" else "right"
            table.add_column(header, justify=justify, min_width=widest, no_wrap=True)
    for cells in rows:
        table.add_row(*cells)
    return table


def read_scorecard(
    published_path: Path,
    grain: str,
    scope_type: str,
    period_start: str | None,
    lang: str = "zh",
) -> Group:
    """load_scorecard laid out: the table, then its notes."""
    card = load_scorecard(published_path, grain, scope_type, period_start, lang)
    legend = scorecard_legend(card)
    return Group(
        scorecard_table(card),
        *([legend] if legend else []),
        *(Text(line) for line in scorecard_notes(card)),
    )
