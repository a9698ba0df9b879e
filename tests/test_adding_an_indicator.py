"""docs/adding-an-indicator.md works: a throwaway indicator added by its steps alone (one
model, one catalogue row, a weight, its YAML and unit test, then the generated union) is
built by dbt, passes its unit test, and reaches the published tables with the figures a
person computes from the export."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from orchestration.catalog_doc import UNION_MODEL_PATH, render_indicator_union
from orchestration.contract import ENTITIES
from orchestration.generator import generate
from orchestration.ingest.loader import load_entity
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import DBT

INDICATOR = "ux_p1_share_rate"
MODEL = f"""{{#- UX1 P1 share: tickets created in the period that are P1 / tickets created. -#}}
{{{{ indicator_rollup(
    indicator_id='{INDICATOR}',
    relation=ref('fct_tickets'),
    anchor_at='created_at',
    value="avg(case when priority = 'P1' then 1.0 else 0.0 end)",
    numerator="sum(case when priority = 'P1' then 1 else 0 end)",
    denominator='count(*)',
) }}}}
"""
CATALOGUE_ROW = [
    INDICATOR, "UX", "UX1", "P1占比", "P1 share", "Tickets created in the period that are P1.",
    "rate", "lower_is_better", "P1 tickets", "tickets created", "20", "0.05", "0.5",
    "", "", "", "tickets",
]  # fmt: skip
YAML_MODEL = f"""
  - name: ind_{INDICATOR}
    description: "UX1 P1 share (a throwaway indicator of tests/test_adding_an_indicator.py)."
"""
YAML_UNIT_TEST = f"""
  - name: p1_share_counts_p1_among_tickets_created
    description: Created in October, P1, P2, P1 -> 2 / 3.
    model: ind_{INDICATOR}
    overrides:
      vars:
        tsq_period_grains: [month]
        tsq_scopes: {{organisation: "'all'"}}
    given:
      - input: ref('fct_tickets')
        rows:
          - {{ticket_id: a, created_at: "2026-10-05 02:00:00", priority: P1}}
          - {{ticket_id: b, created_at: "2026-10-06 02:00:00", priority: P2}}
          - {{ticket_id: c, created_at: "2026-10-07 02:00:00", priority: P1}}
    expect:
      rows:
        - {{period_start: "2026-10-01", scope_id: all, numerator: 2, denominator: 3}}
"""


def _append_row(seed: Path, row: list[str]) -> None:
    """Append a row as a spreadsheet would: in the file's own line endings."""
    text = seed.read_bytes().decode("utf-8")
    ending = "\r\n" if "\r\n" in text else "\n"
    with seed.open("a", encoding="utf-8", newline="") as f:
        if text and not text.endswith("\n"):
            f.write(ending)
        csv.writer(f, lineterminator=ending).writerow(row)


def _add_the_indicator(project: Path) -> None:
    """The guide's steps 1-5, done as a person would, on a copy of the project."""
    indicators = project / "models" / "indicators"
    (indicators / f"ind_{INDICATOR}.sql").write_text(MODEL, encoding="utf-8")
    _append_row(project / "seeds" / "seed_indicator_catalog.csv", CATALOGUE_ROW)
    # weight 0: published and scored, moves no parent's score
    _append_row(project / "seeds" / "scoring_weights.csv", ["indicator", INDICATOR, "UX1", "0"])
    yaml_path = indicators / "_indicators.yml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace("\nunit_tests:\n", YAML_MODEL + "\nunit_tests:\n", 1) + YAML_UNIT_TEST
    yaml_path.write_text(text, encoding="utf-8")
    (project / UNION_MODEL_PATH).write_text(render_indicator_union(project), encoding="utf-8")


def _monthly_p1_share(tickets_csv: Path, zone: str) -> dict[date, tuple[int, int]]:
    """By hand: per reporting month (local time), P1 tickets and all tickets created."""
    counts: dict[date, list[int]] = {}
    with tickets_csv.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            local = created.astimezone(ZoneInfo(zone))
            month = counts.setdefault(date(local.year, local.month, 1), [0, 0])
            month[0] += row["priority"] == "P1"
            month[1] += 1
    return {m: (p1, n) for m, (p1, n) in counts.items()}


@pytest.mark.slow
def test_an_indicator_added_by_the_guide_reaches_the_published_tables(tmp_path):
    inbox = tmp_path / "inbox"
    generate(inbox, tickets=300, seed=11, start=date(2026, 4, 1), days=61)
    warehouse = tmp_path / "tsq.duckdb"
    con = duckdb.connect(str(warehouse))
    for entity in ENTITIES:
        load_entity(con, entity, inbox, tmp_path)
    con.close()

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    _add_the_indicator(project)
    build = subprocess.run(
        [DBT, "build", "--select", "+indicator_values", "+indicator_catalog", "+score_indicators",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"),
         "--vars", json.dumps({"tsq_warehouse_path": str(warehouse)})],
        capture_output=True, text=True, cwd=project,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_test = "p1_share_counts_p1_among_tickets_created"
    unit = [r for r in results if r["unique_id"].endswith(unit_test)]
    assert [r["status"] for r in unit] == ["pass"]

    zone = "Asia/Shanghai"  # dbt_project.yml's tsq_reporting_timezone
    expected = _monthly_p1_share(inbox / "tickets.csv", zone)
    con = duckdb.connect(str(warehouse), read_only=True)
    published = con.execute(
        "SELECT period_start, numerator, denominator FROM published.indicator_values "
        "WHERE indicator_id = ? AND period_grain = 'month' AND scope_type = 'organisation'",
        [INDICATOR],
    ).fetchall()
    catalogued = con.execute(
        "SELECT name_en FROM published.indicator_catalog WHERE indicator_id = ?", [INDICATOR]
    ).fetchall()
    scored = con.execute(
        "SELECT count(*) FROM scores.score_indicators WHERE indicator_id = ?", [INDICATOR]
    ).fetchone()[0]
    con.close()
    assert catalogued == [("P1 share",)]
    assert {m: (int(p1), int(n)) for m, p1, n in published} == expected
    assert len(expected) >= 2 and scored > 0
