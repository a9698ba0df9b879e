"""The semantic layer answers as the pipeline does: a month of a ratio indicator queried
with MetricFlow (`mf query`, summing the daily numerators and denominators) equals the
month published in indicator_values, for every month and several indicators."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import ENTITIES
from orchestration.generator import generate
from orchestration.ingest.loader import load_entity
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import DBT

MF = str(Path(sys.executable).parent / "mf")
INDICATORS = ("ux_first_response_sla_rate", "ux_reopen_rate", "ux_csat_rate")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("semantic")
    generate(home / "inbox", tickets=300, seed=5, start=date(2026, 4, 1), days=92)
    con = duckdb.connect(str(home / "tsq.duckdb"))
    for entity in ENTITIES:
        load_entity(con, entity, home / "inbox", home)
    con.close()
    build = subprocess.run(
        [DBT, "build", "--select", "+semantic_indicator_days", "+indicator_catalog",
         "metricflow_time_spine",
         "--exclude-resource-type", "unit_test", "--profiles-dir", ".",
         "--target-path", str(home / "target"),
         "--vars", json.dumps({"tsq_warehouse_path": str(home / "tsq.duckdb")})],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:]
    return home


def _mf_month_rates(home: Path, indicator: str) -> dict[date, float]:
    out = home / f"{indicator}.csv"
    where = [
        "{{ Dimension('indicator_day_row__scope_type') }} = 'organisation'",
        f"{{{{ Dimension('indicator_day_row__indicator_id') }}}} = '{indicator}'",
    ]
    query = subprocess.run(
        [MF, "query", "--metrics", "indicator_rate", "--group-by", "metric_time__month",
         "--where", where[0], "--where", where[1], "--csv", str(out)],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
        env={**os.environ, "TSQ_HOME": str(home)},
    )  # fmt: skip
    assert query.returncode == 0, query.stdout[-2000:] + query.stderr[-2000:]
    with out.open() as f:
        return {
            date.fromisoformat(row["metric_time__month"][:10]): float(row["indicator_rate"])
            for row in csv.DictReader(f)
            if row["indicator_rate"]
        }


@pytest.mark.slow
@pytest.mark.parametrize("indicator", INDICATORS)
def test_a_month_from_the_semantic_layer_equals_the_published_month(home, indicator):
    con = duckdb.connect(str(home / "tsq.duckdb"), read_only=True)
    published = dict(
        con.execute(
            "SELECT period_start, numerator / denominator FROM published.indicator_values "
            "WHERE indicator_id = ? AND period_grain = 'month' AND scope_type = 'organisation' "
            "AND denominator > 0",
            [indicator],
        ).fetchall()
    )
    con.close()
    assert len(published) >= 3
    assert _mf_month_rates(home, indicator) == pytest.approx(published, abs=1e-12)
