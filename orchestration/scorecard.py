"""Read the published store (read-only, as a BI tool would) into a printable scorecard."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.table import Table

# What a score without a grade means, as the scorecard shows it
GRADE_STATUS_LABELS = {
    "insufficient_coverage": "insufficient",
    "period_incomplete": "running",
    "not_scored": "",
    "graded": "",
}


def latest_complete_period(
    con: duckdb.DuckDBPyConnection, grain: str, scope_type: str
) -> tuple[str | None, str]:
    """The period a scorecard shows by default: the latest complete one with a score.
    Returns it and a sentence saying which it is and why (or that none is complete)."""
    complete, running = con.execute(
        "SELECT max(period_start) FILTER (WHERE period_complete), "
        "max(period_start) FILTER (WHERE NOT period_complete) FROM scores "
        "WHERE period_grain = ? AND scope_type = ? AND level = 'overall' AND score IS NOT NULL",
        [grain, scope_type],
    ).fetchone()
    if complete is not None:
        note = f"the latest complete {grain}"
        if running is not None and running > complete:
            note += (
                f"; the running {grain} from {running} is published but not graded"
                f" (--period {running})"
            )
        return str(complete), note
    if running is not None:
        return str(running), f"no {grain} is complete yet: showing the running one, not graded"
    return None, f"no {grain} has a score for scope {scope_type}"


def read_scorecard(
    published_path: Path, grain: str, scope_type: str, period_start: str | None
) -> Table:
    if not published_path.exists():
        raise FileNotFoundError(f"{published_path} does not exist yet: run `tsq run` first")
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        if period_start is None:
            period_start, why = latest_complete_period(con, grain, scope_type)
        else:
            why = "the period asked for"
        rows = con.execute(
            """
            SELECT scope_id, level, node_id, score, grade, grade_status, coverage, rank,
                   peers_ranked, period_complete
            FROM scores
            WHERE period_grain = ? AND scope_type = ? AND period_start = ?
              AND (level <> 'subdimension' OR coverage > 0)
            ORDER BY scope_id,
                     CASE level WHEN 'overall' THEN 0 WHEN 'dimension' THEN 1 ELSE 2 END, node_id
            """,
            [grain, scope_type, period_start],
        ).fetchall()
        (floor,) = con.execute("SELECT max(coverage_floor) FROM scores").fetchone()
    finally:
        con.close()
    complete = bool(rows) and all(row[-1] for row in rows)
    table = Table(
        title=f"TSQ scorecard: {grain} from {period_start}, scope {scope_type}",
        caption=(
            f"{why}; {'complete' if complete else 'RUNNING: not graded, ranked or compared'}. "
            f"Grades and ranks need coverage of at least {floor:.0%}."
            if floor is not None
            else why
        ),
    )
    for column in ("scope", "level", "node", "score", "grade", "coverage", "rank"):
        table.add_column(column, justify="right" if column in ("score", "coverage") else "left")
    for scope_id, level, node, score, grade, status, coverage, rank, peers, _ in rows:
        table.add_row(
            scope_id,
            level,
            node,
            "n/a" if score is None else f"{score:.1f}",
            grade or GRADE_STATUS_LABELS.get(status, status),
            f"{coverage:.0%}",
            f"{rank}/{peers}" if rank else "",
        )
    return table
