"""Read the published store (read-only, as a BI tool would) into a printable scorecard."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.table import Table


def read_scorecard(
    published_path: Path, grain: str, scope_type: str, period_start: str | None
) -> Table:
    if not published_path.exists():
        raise FileNotFoundError(f"{published_path} does not exist yet: run `tsq run` first")
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        if period_start is None:
            (period_start,) = con.execute(
                # the latest period measured nearly as fully as the best-covered one, so a
                # partial period at the end of the data (a few stock indicators) is skipped
                "SELECT max(period_start) FROM scores "
                "WHERE period_grain = ? AND scope_type = ? AND level = 'overall' "
                "AND coverage >= 0.8 * (SELECT max(coverage) FROM scores "
                "WHERE period_grain = ? AND scope_type = ? AND level = 'overall')",
                [grain, scope_type, grain, scope_type],
            ).fetchone()
        rows = con.execute(
            """
            SELECT scope_id, level, node_id, score, grade, coverage, rank, peers_scored
            FROM scores
            WHERE period_grain = ? AND scope_type = ? AND period_start = ?
              AND (level <> 'subdimension' OR coverage > 0)
            ORDER BY scope_id,
                     CASE level WHEN 'overall' THEN 0 WHEN 'dimension' THEN 1 ELSE 2 END, node_id
            """,
            [grain, scope_type, period_start],
        ).fetchall()
    finally:
        con.close()
    table = Table(title=f"TSQ scorecard: {grain} from {period_start}, scope {scope_type}")
    for column in ("scope", "level", "node", "score", "grade", "coverage", "rank"):
        table.add_column(column, justify="right" if column in ("score", "coverage") else "left")
    for scope_id, level, node, score, grade, coverage, rank, peers in rows:
        table.add_row(
            scope_id,
            level,
            node,
            "n/a" if score is None else f"{score:.1f}",
            grade or "",
            f"{coverage:.0%}",
            f"{rank}/{peers}" if rank else "",
        )
    return table
