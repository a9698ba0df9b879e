"""`tsq report`'s page: self-contained (no network), bilingual, with its four charts
rendered in a real headless Chromium without a console error, and honest marks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.report import CHARTS, ReportError, ReportRequest, render_report, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _render_in_chromium(page: Path, profile: Path) -> tuple[str, str]:
    """The DOM after the page's scripts ran, and Chromium's log (console messages)."""
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-background-networking",
         "--no-first-run", "--disable-gpu", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout, run.stderr


def _console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line and "Uncaught" in line]


@pytest.mark.slow
def test_the_report_renders_offline_in_chromium_with_every_chart(small_home, tmp_path):
    assert CHROMIUM, "chromium is not installed: `make test` installs it (scripts/install-chromium)"
    page = write_report(
        ReportRequest(small_home / "published.duckdb", small_home / "tsq.duckdb"),
        tmp_path / "report.html",
    )
    html = page.read_text(encoding="utf-8")
    # nothing to fetch: no external script, stylesheet or image
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=[\"']https?://", html)
    assert "技术支持服务质量报告 / Technical support quality report" in html
    dom, log = _render_in_chromium(page, tmp_path / "profile")
    for chart in CHARTS:
        rendered = dom[dom.index(f'id="chart-{chart}"') :][:4000]
        assert "main-svg" in rendered, f"chart {chart} did not render"
    assert _console_errors(log) == []


@pytest.mark.slow
def test_the_console_check_would_see_a_script_error(tmp_path):
    """The check above can fail: a page whose script throws is caught."""
    assert CHROMIUM
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>undefinedFunction()</script></body></html>")
    _, log = _render_in_chromium(broken, tmp_path / "profile")
    assert _console_errors(log)


def test_the_report_marks_what_is_not_graded(small_home):
    html = render_report(ReportRequest(small_home / "published.duckdb", lang="en"))
    assert html.index("Technical support quality report") < html.index("技术支持服务质量报告")
    # the generated data ends inside a month: the latest month is not the one reported
    assert "† coverage below the floor" in html
    assert re.search(r"Period / 报告期: <b>2026-0[4-6]</b>", html)


def test_an_unknown_period_or_scope_is_refused_by_name(small_home):
    from datetime import date

    store = small_home / "published.duckdb"
    with pytest.raises(ReportError, match="no published month starting 2031-01-01"):
        render_report(ReportRequest(store, period=date(2031, 1, 1)))
    with pytest.raises(ReportError, match="unknown scope 'nonsense'"):
        render_report(ReportRequest(store, scope_type="nonsense"))


def test_tsq_report_writes_the_file_and_refuses_a_bad_period(small_home, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from orchestration.cli import main

    monkeypatch.setenv("TSQ_HOME", str(small_home))
    out = tmp_path / "r.html"
    written = CliRunner().invoke(main, ["report", "--lang", "en", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert "Technical support quality report" in out.read_text(encoding="utf-8")
    refused = CliRunner().invoke(main, ["report", "--period", "2026-13-01"])
    assert refused.exit_code != 0 and "is not a date" in refused.output
