"""`tsq bench`: the figures it reports come from a real run, its memory sampler sees
child processes, and its reference query computes what it says on a hand-made export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.bench import empty_home, reference_query, tree_rss_bytes
from orchestration.cli import main


def test_tree_memory_counts_a_child_process():
    before = tree_rss_bytes(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; b = bytearray(300 * 2**20); time.sleep(30)"]
    )
    try:
        deadline = time.time() + 20
        while tree_rss_bytes(os.getpid()) - before < 250 * 2**20 and time.time() < deadline:
            time.sleep(0.1)
        assert tree_rss_bytes(os.getpid()) - before >= 250 * 2**20
    finally:
        child.kill()
        child.wait()


def test_each_run_starts_from_an_empty_home_but_dbts_parse_cache(tmp_path):
    home = tmp_path / "home"
    for path in ("inbox/tickets.csv", "dbt_target/partial_parse.msgpack", "logs/run.log"):
        (home / path).parent.mkdir(parents=True, exist_ok=True)
        (home / path).write_text("x")
    (home / "tsq.duckdb").write_text("x")
    # the published Parquet folder is a link to its latest version: removed as a link
    (home / ".published-parquet.v1").mkdir()
    (home / "published-parquet").symlink_to(".published-parquet.v1")
    empty_home(home)
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == [
        "dbt_target",
        "dbt_target/partial_parse.msgpack",
    ]
    empty_home(tmp_path / "never-made")  # nothing to empty is not an error


def test_reference_query_on_a_hand_made_export(tmp_path):
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,channel,priority,team_id,status\n"
        "T1,2026-05-04T01:00:00Z,email,P1,A,closed\n"  # answered in 20 min: within 30
        "T2,2026-05-04T02:00:00Z,email,P2,A,solved\n"  # answered in 90 min: over 60
        "T3,2026-06-01T02:00:00Z,web,P3,B,open\n"  # never answered
    )
    (tmp_path / "ticket_events.csv").write_text(
        "event_id,ticket_id,event_at,event_type,actor_type\n"
        "E1,T1,2026-05-04T01:20:00Z,public_reply,agent\n"
        "E2,T1,2026-05-04T03:00:00Z,resolution,agent\n"
        "E3,T2,2026-05-04T03:30:00Z,public_reply,agent\n"
        "E4,T2,2026-05-04T05:00:00Z,resolution,agent\n"
        "E5,T2,2026-05-05T05:00:00Z,reopen,customer\n"
        "E6,T2,2026-05-05T06:00:00Z,resolution,agent\n"
        "E7,T3,2026-06-01T02:05:00Z,public_reply,customer\n"
    )
    import duckdb

    from orchestration.bench import REFERENCE_SQL

    seconds, rows = reference_query(tmp_path)
    assert rows == 2 and seconds > 0
    sql = REFERENCE_SQL.format(
        tickets=f"'{tmp_path / 'tickets.csv'}'", events=f"'{tmp_path / 'ticket_events.csv'}'"
    )
    result = duckdb.connect().execute(sql).fetchall()
    team_a, team_b = result
    # team, month, tickets, median FR minutes, median resolution hours, FR SLA rate, reopen
    assert team_a[0] == "A" and team_a[2] == 2
    assert team_a[3] == (20 + 90) / 2
    assert team_a[4] == (2 + 28) / 2  # T1 resolved after 2 h; T2 finally after 28 h
    assert team_a[5] == 0.5 and team_a[6] == 0.5
    assert team_b[0] == "B" and team_b[3] is None and team_b[5] is None


def test_bench_runs_the_pipeline_and_reports_every_stage(tmp_path):
    report_path = tmp_path / "bench.json"
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "--tickets",
            "300",
            "--runs",
            "1",
            "--work-dir",
            str(tmp_path / "bench"),
            "--json",
            str(report_path),
            "--delta",
            "0.05",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert set(report["stages"]) == {"ingest", "checks", "dbt", "publish", "orchestration"}
    stages = report["stages"]
    assert all(stages[s]["wall_s"] > 0 for s in ("ingest", "checks", "dbt", "publish"))
    stage_sum = sum(s["wall_s"] for s in stages.values())
    assert stage_sum == pytest.approx(report["total_wall_s"], abs=0.05)
    assert report["peak_rss_mb"] >= max(s["peak_rss_mb"] for s in stages.values()) > 0
    assert report["reference_rows"] > 0
    ratio = report["total_wall_s"] / report["reference_wall_s"]
    assert report["reference_ratio"] == pytest.approx(ratio, rel=0.01)
    # one reference measurement after each full run; the figure is their median
    assert len(report["reference_each_s"]) == report["runs"] == 1
    assert report["reference_wall_s"] == pytest.approx(report["reference_each_s"][0], abs=1e-3)
    # the second run in the same home finds nothing new and skips the work
    assert report["rerun_nothing_new_wall_s"] < report["total_wall_s"]
    assert (tmp_path / "bench" / "home" / "published.duckdb").is_file()
    # the data and the drop, each generated once into the cache
    assert len(list((tmp_path / "bench" / "data").iterdir())) == 2

    # the delta run (--delta-runs defaults to --runs: 1) added 5 % of 300 tickets: 15 new
    # tickets, a note on 15 old ones and 15 old ones restated; its ratios are of the
    # medians reported
    assert report["delta_share"] == 0.05 and report["delta_runs"] == 1
    # by default the drop comes after everything before it, as a real day's export does
    assert report["delta_as_of"] == "moves"
    assert report["delta_rows"]["tickets"] == 15 + 15
    assert report["delta_rows"]["ticket_events"] > 15  # the copies' events + 15 notes
    delta_run = report["each_delta_run"][0]
    assert delta_run["published"] and not delta_run["skipped"]
    assert report["delta_wall_s"] == delta_run["total_wall_s"]
    assert report["delta_ratio"] == pytest.approx(
        report["delta_wall_s"] / report["total_wall_s"], abs=0.001
    )
    assert report["delta_reference_ratio"] == pytest.approx(
        report["delta_wall_s"] / report["reference_wall_s"], rel=0.01
    )
    assert "delta / full" in result.output
    # the loads ledger of the home the delta run left: the full files loaded once (the
    # home was restored from the copy taken after the full run), then exactly the drop's
    # rows from the drop's files, none quarantined
    con = duckdb.connect(str(tmp_path / "bench" / "home" / "tsq.duckdb"), read_only=True)
    loads = con.execute(
        "SELECT entity, source_file, rows_loaded, rows_quarantined FROM raw.loads"
    ).fetchall()
    con.close()
    drop_loads = {
        entity: (rows, quarantined) for entity, f, rows, quarantined in loads if "_delta" in f
    }
    assert drop_loads == {entity: (rows, 0) for entity, rows in report["delta_rows"].items()}
    full_files = [f for _, f, _, _ in loads if "_delta" not in f]
    exported = sorted(path.name for path in Path(report["data_dir"]).iterdir())
    assert sorted(full_files) == exported  # each file of the export loaded once
