"""`tsq report`: one self-contained HTML page a manager can be sent.

Everything comes from the published store (what BI readers see), plus the quarantine of the
working warehouse for the data-quality section. The page needs no network: plotly's
JavaScript and the stylesheet are inline. Labels are bilingual (中文 / English); `lang`
chooses which comes first. Honesty marks: a score below the coverage floor, an indicator
below its minimum sample and a running period are shown as such, never as plain numbers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.quarantine import set_aside_by_rule

#: chart ids, in page order (the browser test counts them)
CHARTS = ("overall", "heatmap", "trends", "indicators")
_TEXT = {
    "title": ("技术支持服务质量报告", "Technical support quality report"),
    "period": ("报告期", "Period"),
    "as_of": ("数据截至", "Data as of"),
    "overall": ("总体与维度得分", "Overall and dimension scores"),
    "heatmap": ("团队 × 子维度", "Teams × sub-dimensions"),
    "trends": ("子维度趋势", "Sub-dimension trends"),
    "indicators": ("指标明细", "Indicator drill-down"),
    "quality": ("数据质量", "Data quality"),
    "score": ("得分", "Score"),
    "grade": ("等级", "Grade"),
    "coverage": ("覆盖率", "Coverage"),
    "status": ("状态", "Status"),
    "value": ("值", "Value"),
    "target": ("目标", "Target"),
    "floor": ("底线", "Floor"),
    "sample": ("样本", "Sample"),
    "indicator": ("指标", "Indicator"),
    "rule": ("规则", "Rule"),
    "rows": ("行数", "Rows"),
    "checks": ("发布检查", "Publication checks"),
    "quarantine": (
        "隔离或暂缓的行(按规则)",
        "Rows quarantined at load or held back, by rule",
    ),
    "marks": (
        "† 覆盖率低于下限,不评级;‡ 样本不足;◔ 报告期未结束,不评级",
        "† coverage below the floor, not graded; ‡ below the minimum sample; "
        "◔ running period, not graded",
    ),
}
_STATUS_MARK = {"insufficient_coverage": "†", "period_incomplete": "◔", "not_scored": "–"}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;
margin:2rem auto;max-width:1100px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#656d76}.warn{color:#9a6700}.bad{color:#cf222e}.good{color:#1a7f37}
"""


class ReportError(ValueError):
    """The store cannot make the report asked for (no store, unknown period or scope)."""


@dataclass(frozen=True)
class ReportRequest:
    published_path: Path
    warehouse_path: Path | None = None
    period: date | None = None  # a month start; default the latest complete month
    scope_type: str = "team"  # the heatmap's rows
    lang: str = "zh"
    #: rows set aside (quarantined or held back) by (entity, rule), when the caller
    #: already holds the warehouse
    quarantine: list[tuple[str, str, int]] | None = None


def _t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return f"{zh} / {en}" if lang == "zh" else f"{en} / {zh}"


def _name(names: dict[str, tuple[str, str]], node: str, lang: str) -> str:
    zh, en = names.get(node, (node, node))
    return f"{node} {zh if lang == 'zh' else en}"


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def _node_names(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, tuple[str, str]]:
    names = {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "SELECT indicator_id, name_zh, name_en FROM indicator_catalog"
        ).fetchall()
    }
    if "score_tree" in tables:
        names |= {
            row[0]: (row[1], row[2])
            for row in con.execute("SELECT node_id, name_zh, name_en FROM score_tree").fetchall()
        }
    return names


def _scope_names(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[tuple[str, str], str]:
    if "scopes" not in tables:
        return {}
    rows = con.execute(
        "SELECT scope_type, scope_id, display_name FROM scopes WHERE display_name IS NOT NULL"
    ).fetchall()
    return {(t, i): n for t, i, n in rows}


def _period(con: duckdb.DuckDBPyConnection, requested: date | None) -> tuple[date, bool]:
    months = dict(
        con.execute(
            "SELECT DISTINCT period_start, period_complete FROM scores "
            "WHERE period_grain = 'month' ORDER BY 1"
        ).fetchall()
    )
    if not months:
        raise ReportError("the published store has no monthly scores yet: run `tsq run`")
    if requested is not None:
        if requested not in months:
            known = ", ".join(str(m) for m in months)
            raise ReportError(f"no published month starting {requested}; published: {known}")
        return requested, months[requested]
    complete = [m for m, done in months.items() if done]
    latest = max(complete) if complete else max(months)
    return latest, months[latest]


def _figure_html(figure: Any, chart_id: str, first: bool) -> str:
    # plotly's JavaScript goes inline once, with the first chart: the page needs no network
    return figure.to_html(full_html=False, include_plotlyjs=first, div_id=f"chart-{chart_id}")


def render_report(request: ReportRequest) -> str:
    """The report's HTML. Raises ReportError when the store cannot answer."""
    import plotly.graph_objects as go

    if not request.published_path.exists():
        raise ReportError(f"{request.published_path}: no published store yet: run `tsq run`")
    lang = request.lang
    con = duckdb.connect(str(request.published_path), read_only=True)
    try:
        tables = _tables(con)
        names = _node_names(con, tables)
        scope_names = _scope_names(con, tables)
        month, complete = _period(con, request.period)
        scope_types = {
            row[0]
            for row in con.execute(
                "SELECT DISTINCT scope_type FROM scores WHERE period_grain = 'month'"
            ).fetchall()
        }
        if request.scope_type not in scope_types:
            raise ReportError(
                f"unknown scope {request.scope_type!r}; published: {', '.join(sorted(scope_types))}"
            )
        as_of = (
            con.execute(
                "SELECT max(published_at) FROM publish_log WHERE status = 'published'"
            ).fetchone()[0]
            if "publish_log" in tables
            else None
        )
        top = con.execute(
            "SELECT node_id, level, score, grade, grade_status, coverage FROM scores "
            "WHERE period_grain = 'month' AND period_start = ? AND scope_type = 'organisation' "
            "AND level IN ('overall', 'dimension') ORDER BY level DESC, node_id",
            [month],
        ).fetchall()
        cells = con.execute(
            "SELECT scope_id, node_id, score, grade_status, coverage FROM scores "
            "WHERE period_grain = 'month' AND period_start = ? AND scope_type = ? "
            "AND level = 'subdimension' ORDER BY scope_id, node_id",
            [month, request.scope_type],
        ).fetchall()
        trends = con.execute(
            "SELECT node_id, period_start, score, period_complete FROM scores "
            "WHERE period_grain = 'month' AND scope_type = 'organisation' "
            "AND level = 'subdimension' ORDER BY node_id, period_start"
        ).fetchall()
        indicators = con.execute(
            "SELECT v.indicator_id, c.unit, v.value, v.ci_low, v.ci_high, c.target, c.floor, "
            "v.sample_size, v.min_sample, v.score, v.score_status, v.no_data_reason "
            "FROM indicator_values AS v JOIN indicator_catalog AS c USING (indicator_id) "
            "WHERE v.period_grain = 'month' AND v.period_start = ? "
            "AND v.scope_type = 'organisation' ORDER BY v.indicator_id",
            [month],
        ).fetchall()
        checks = (
            con.execute(
                "SELECT run_id, published_at, checks_passed FROM publish_log "
                "WHERE status = 'published' ORDER BY published_at DESC LIMIT 1"
            ).fetchone()
            if "publish_log" in tables
            else None
        )
    finally:
        con.close()
    quarantine = (
        request.quarantine
        if request.quarantine is not None
        else _quarantine_from_file(request.warehouse_path)
    )

    sections: list[str] = []
    # 1. overall and dimensions
    figure = go.Figure(
        go.Bar(
            x=[_name(names, n, lang) for n, *_ in top],
            y=[s for _, _, s, *_ in top],
            text=[
                f"{s:.1f} {g or _STATUS_MARK.get(st, '')}" if s is not None else "–"
                for _, _, s, g, st, _ in top
            ],
            marker_color=["#0969da" if st == "graded" else "#afb8c1" for *_, st, _ in top],
        )
    )
    figure.update_layout(yaxis_range=[0, 100], height=320, margin={"t": 20})
    rows = "".join(
        f"<tr><td>{_esc(_name(names, n, lang))}</td><td class=num>"
        f"{'' if s is None else f'{s:.1f}'}</td><td>{_esc(g or _STATUS_MARK.get(st, ''))}</td>"
        f"<td class=num>{'' if c is None else f'{c:.0%}'}</td><td>{_esc(st)}</td></tr>"
        for n, _, s, g, st, c in top
    )
    sections.append(
        f"<h2>{_t('overall', lang)}</h2>{_figure_html(figure, 'overall', True)}"
        f"<table><tr><th></th><th>{_t('score', lang)}</th><th>{_t('grade', lang)}</th>"
        f"<th>{_t('coverage', lang)}</th><th>{_t('status', lang)}</th></tr>{rows}</table>"
    )
    # 2. heatmap: scopes x sub-dimensions
    scopes = sorted({c[0] for c in cells})
    nodes = sorted({c[1] for c in cells})
    by_cell = {(c[0], c[1]): c for c in cells}
    z, text = [], []
    for scope in scopes:
        row_z, row_t = [], []
        for node in nodes:
            cell = by_cell.get((scope, node))
            score = cell[2] if cell else None
            mark = _STATUS_MARK.get(cell[3], "") if cell else ""
            row_z.append(score)
            row_t.append("" if score is None else f"{score:.0f}{mark}")
        z.append(row_z)
        text.append(row_t)
    heat = go.Figure(
        go.Heatmap(
            z=z,
            x=[_name(names, n, lang) for n in nodes],
            y=[scope_names.get((request.scope_type, s), s) for s in scopes],
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale="RdYlGn",
        )
    )
    heat.update_layout(height=max(260, 40 * len(scopes) + 120), margin={"t": 20})
    sections.append(f"<h2>{_t('heatmap', lang)}</h2>{_figure_html(heat, 'heatmap', False)}")
    # 3. trends per sub-dimension
    trend = go.Figure()
    for node in sorted({t[0] for t in trends}):
        points = [t for t in trends if t[0] == node]
        trend.add_trace(
            go.Scatter(
                x=[str(p[1]) for p in points],
                y=[p[2] for p in points],
                mode="lines+markers",
                name=_name(names, node, lang),
                marker_symbol=["circle" if p[3] else "circle-open" for p in points],
            )
        )
    trend.update_layout(yaxis_range=[0, 100], height=380, margin={"t": 20})
    sections.append(f"<h2>{_t('trends', lang)}</h2>{_figure_html(trend, 'trends', False)}")
    # 4. indicator drill-down: rates against target and floor, with Wilson intervals
    rates = [i for i in indicators if i[1] == "rate" and i[2] is not None]
    drill = go.Figure()
    drill.add_trace(
        go.Scatter(
            y=[_name(names, i[0], lang) for i in rates],
            x=[i[2] for i in rates],
            mode="markers",
            name=_t("value", lang),
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(i[4] - i[2]) if i[4] is not None else 0 for i in rates],
                "arrayminus": [(i[2] - i[3]) if i[3] is not None else 0 for i in rates],
            },
            marker_symbol=["circle" if i[10] == "scored" else "circle-open" for i in rates],
        )
    )
    for column, label, symbol in ((5, "target", "line-ns-open"), (6, "floor", "x-thin-open")):
        drill.add_trace(
            go.Scatter(
                y=[_name(names, i[0], lang) for i in rates],
                x=[i[column] for i in rates],
                mode="markers",
                name=_t(label, lang),
                marker_symbol=symbol,
                marker_size=12,
            )
        )
    drill.update_layout(height=max(300, 26 * len(rates) + 100), margin={"t": 20})
    drill.update_xaxes(range=[0, 1])
    rows = "".join(
        f"<tr><td>{_esc(_name(names, i[0], lang))}</td>"
        f"<td class=num>{'' if i[2] is None else f'{i[2]:.3g}'}</td><td>{_esc(i[1])}</td>"
        f"<td class=num>{_esc(i[5])}</td><td class=num>{_esc(i[6])}</td>"
        f"<td class=num>{_esc(i[7])}{' ‡' if i[10] == 'below_min_sample' else ''}</td>"
        f"<td class=num>{'' if i[9] is None else f'{i[9]:.1f}'}</td>"
        f"<td>{_esc(i[10])}{': ' + _esc(i[11]) if i[11] else ''}</td></tr>"
        for i in indicators
    )
    sections.append(
        f"<h2>{_t('indicators', lang)}</h2>{_figure_html(drill, 'indicators', False)}"
        f"<table><tr><th>{_t('indicator', lang)}</th><th>{_t('value', lang)}</th><th></th>"
        f"<th>{_t('target', lang)}</th><th>{_t('floor', lang)}</th>"
        f"<th>{_t('sample', lang)}</th><th>{_t('score', lang)}</th>"
        f"<th>{_t('status', lang)}</th></tr>{rows}</table>"
    )
    # 5. data quality
    quality = f"<h2>{_t('quality', lang)}</h2>"
    if checks:
        quality += (
            f"<p>{_t('checks', lang)}: <b class=good>{checks[2]}</b> "
            f"(run {_esc(checks[0])}, {_esc(checks[1])})</p>"
        )
    if quarantine is None:
        quality += "<p class=muted>quarantine: the working warehouse was not readable</p>"
    else:
        rows = (
            "".join(
                f"<tr><td>{_esc(e)}</td><td>{_esc(r)}</td><td class=num>{n}</td></tr>"
                for e, r, n in quarantine
            )
            or "<tr><td colspan=3>0</td></tr>"
        )
        quality += (
            f"<h3>{_t('quarantine', lang)}</h3><table><tr><th></th>"
            f"<th>{_t('rule', lang)}</th><th>{_t('rows', lang)}</th></tr>{rows}</table>"
        )
    sections.append(quality)

    running = "" if complete else " ◔"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{_esc(_t('title', lang))} {month:%Y-%m}</title><style>{_STYLE}</style>"
        f"</head><body><h1>{_t('title', lang)}</h1>"
        f"<p>{_t('period', lang)}: <b>{month:%Y-%m}</b>{running} · "
        f"{_t('as_of', lang)}: {_esc(as_of)}</p>"
        f"<p class=muted>{_t('marks', lang)}</p>" + "".join(sections) + "</body></html>"
    )


def _quarantine_from_file(warehouse: Path | None) -> list[tuple[str, str, int]] | None:
    """The same from the file; None if it cannot be read (a run is writing it)."""
    if warehouse is None or not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return set_aside_by_rule(con)
    finally:
        con.close()


def report_path(published_path: Path) -> Path:
    """Where each publication writes its report: beside the store."""
    return published_path.with_name("report.html")


def write_report(request: ReportRequest, out: Path) -> Path:
    """Write the report atomically (a reader never opens half a file)."""
    page = render_report(request)
    partial = out.with_name(f".{out.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    return out
