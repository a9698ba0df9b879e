"""The semantic layer answers as the pipeline does: every indicator metric generated from
the catalogue, queried by month with MetricFlow (`mf query`, summing the daily numerators
and denominators), equals the month published in indicator_values; and the generic
indicator_rate does the same for a team."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.catalog_doc import INDICATOR_METRICS_PATH
from orchestration.settings import DBT_PROJECT_DIR

MF = str(Path(sys.executable).parent / "mf")


def _generated_metrics() -> list[str]:
    import yaml

    spec = yaml.safe_load((DBT_PROJECT_DIR / INDICATOR_METRICS_PATH).read_text())
    return [metric["name"] for metric in spec["metrics"]]


def _mf(home: Path, *args: str) -> list[dict[str, str]]:
    out = home / "mf.csv"
    query = subprocess.run(
        [MF, "query", *args, "--csv", str(out)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
        env={**os.environ, "TSQ_HOME": str(home)},
    )  # fmt: skip
    assert query.returncode == 0, query.stdout[-2000:] + query.stderr[-2000:]
    with out.open() as f:
        return list(csv.DictReader(f))


def _published(home: Path, scope_type: str, scope_id: str) -> dict[tuple[str, date], float]:
    con = duckdb.connect(str(home / "tsq.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT indicator_id, period_start, numerator / denominator "
        "FROM published.indicator_values WHERE period_grain = 'month' "
        "AND scope_type = ? AND scope_id = ? AND denominator > 0",
        [scope_type, scope_id],
    ).fetchall()
    con.close()
    return {(indicator, month): value for indicator, month, value in rows}


@pytest.mark.slow
def test_every_indicator_metric_gives_the_published_months(small_home):
    home = small_home
    metrics = _generated_metrics()
    assert len(metrics) >= 20
    rows = _mf(home, "--metrics", ",".join(metrics), "--group-by", "metric_time__month")
    queried = {
        (metric, date.fromisoformat(row["metric_time__month"][:10])): float(row[metric])
        for row in rows
        for metric in metrics
        if row[metric] not in ("", None)
    }
    published = _published(home, "organisation", "all")
    expected = {key: value for key, value in published.items() if key[0] in metrics}
    assert len({month for _, month in expected}) >= 3
    assert queried == pytest.approx(expected, abs=1e-12)


@pytest.mark.slow
def test_the_generic_rate_gives_a_teams_published_months(small_home):
    home = small_home
    con = duckdb.connect(str(home / "tsq.duckdb"), read_only=True)
    (team,) = con.execute(
        "SELECT min(scope_id) FROM published.indicator_values WHERE scope_type = 'team'"
    ).fetchone()
    con.close()
    indicator = "ux_first_response_sla_rate"
    rows = _mf(
        home, "--metrics", "indicator_rate", "--group-by", "metric_time__month",
        "--where", "{{ Dimension('indicator_day_row__scope_type') }} = 'team'",
        "--where", f"{{{{ Dimension('indicator_day_row__scope_id') }}}} = '{team}'",
        "--where", f"{{{{ Dimension('indicator_day_row__indicator_id') }}}} = '{indicator}'",
    )  # fmt: skip
    month = "metric_time__month"
    queried = {
        (indicator, date.fromisoformat(row[month][:10])): float(row["indicator_rate"])
        for row in rows
        if row["indicator_rate"]
    }
    expected = {k: v for k, v in _published(home, "team", team).items() if k[0] == indicator}
    assert len(expected) >= 3 and queried == pytest.approx(expected, abs=1e-12)
