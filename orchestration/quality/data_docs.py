"""Great Expectations Data Docs for each suite's latest validation, under TSQ_HOME/data_docs.

Each page is rendered by GX's own Data Docs renderer from the validation result; the
index lists every suite with its latest status. The checks link to them from the UI.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

from orchestration.quality.suites import SuiteOutcome

_STATUS_FILE = "status.json"
# One view for every page: it keeps its Jinja environment, so templates load once per
# process instead of once per suite.
_PAGE_VIEW = DefaultJinjaPageView()


def write_data_docs(outcome: SuiteOutcome, docs_dir: Path) -> Path:
    """Write the suite's page and refresh the index; return the page's path."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    document = ValidationResultsPageRenderer().render(outcome.gx_result)
    page = docs_dir / f"{outcome.suite.name}.html"
    page.write_text(_PAGE_VIEW.render(document), encoding="utf-8")
    status_path = docs_dir / _STATUS_FILE
    status = json.loads(status_path.read_text()) if status_path.exists() else {}
    status[outcome.suite.name] = {
        "layer": outcome.suite.layer,
        "table": outcome.suite.table,
        "passed": outcome.passed,
        "summary": outcome.summary(),
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    status_path.write_text(json.dumps(status, indent=2, ensure_ascii=False))
    _write_index(docs_dir, status)
    return page


def _write_index(docs_dir: Path, status: dict[str, dict]) -> None:
    rows = "\n".join(
        f"<tr><td>{html.escape(s['layer'])}</td>"
        f"<td><a href='{html.escape(name)}.html'>{html.escape(name)}</a></td>"
        f"<td>{html.escape(s['table'])}</td>"
        f"<td>{'passed' if s['passed'] else '<b>FAILED</b>'}</td>"
        f"<td>{html.escape(s['validated_at'])}</td><td>{html.escape(s['summary'])}</td></tr>"
        for name, s in sorted(status.items(), key=lambda item: (item[1]["layer"], item[0]))
    )
    (docs_dir / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>TSQ Data Docs</title>"
        "<h1>TSQ quality gates: latest validation of each suite</h1>"
        "<table border='1' cellpadding='4'><tr><th>layer</th><th>suite</th><th>table</th>"
        f"<th>status</th><th>validated at (UTC)</th><th>summary</th></tr>{rows}</table>",
        encoding="utf-8",
    )
