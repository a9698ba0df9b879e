"""Great Expectations Data Docs for each suite's latest validation, under TSQ_HOME/data_docs.

Each page is rendered by GX's own Data Docs renderer from the validation result, then made
to stand alone: GX's pages load Bootstrap, jQuery, Vega and Font Awesome from CDNs, so
offline they were unstyled and half empty; here every external script and stylesheet is
dropped for one small inline stylesheet, and the links into a GX site that does not exist
(breadcrumbs, suite pages, favicon) point at this folder's index. The index lists every
suite with its latest status. The checks show the page's path.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

from orchestration.quality.suites import SuiteOutcome

_STATUS_FILE = "status.json"
# One view for every page: it keeps its Jinja environment, so templates load once per
# process instead of once per suite.
_PAGE_VIEW = DefaultJinjaPageView()


#: what a passing expectation validated pass/fail only shows in place of GX's "--"
NOT_COLLECTED = "passed (values are collected only when a check fails)"
_EXTERNAL_ASSET = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=\"(?:https?://|\.\./)[^\"]*\"[^>]*/?>",
    re.IGNORECASE,
)
_SITE_LINK = re.compile(r'href="(?:\.\./)+(?:index\.html|expectations/[^"]*)"')
_NEWSLETTER = re.compile(r"<a[^>]*greatexpectations\.io/newsletter[^>]*>.*?</a>", re.DOTALL)
_STYLE = """<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
.badge{background:#eef;border-radius:3px;padding:0 .3rem;font-family:monospace}
.text-success{color:#1a7f37}.text-danger{color:#c62828}
.fa-check-circle::before{content:"\\2714";color:#1a7f37}
.fa-times::before{content:"\\2716";color:#c62828}
nav,.ge-breadcrumbs,.navbar-toggler{font-size:.9rem}
</style>"""


def standalone_page(rendered: str) -> str:
    """GX's page without anything it would fetch from the network or from a GX site."""
    page = _EXTERNAL_ASSET.sub("", rendered)
    page = _NEWSLETTER.sub("", page)
    page = _SITE_LINK.sub('href="index.html"', page)
    return page.replace("</head>", _STYLE + "</head>", 1)


#: expectations judged row by row: passing without `mostly` means no row broke them
_ROW_BY_ROW = (
    "expect_column_values_",
    "expect_column_pair_values_",
    "expect_multicolumn_",
    "expect_compound_columns_",
    "expect_select_column_values_",
)


def _explain_unmeasured(result: object) -> None:
    """A suite that passes is validated pass/fail only (suites.validate_suite), so GX has
    no observed value and would show "--". A row-by-row rule that passed without `mostly`
    had no unexpected row, which is what its page then shows; anything else says why it
    has no value."""
    for item in getattr(result, "results", []):
        if not item.success or item.result:
            continue
        config = item.expectation_config
        exact = config.type.startswith(_ROW_BY_ROW) and "mostly" not in config.kwargs
        counts = {"unexpected_count": 0, "unexpected_percent": 0.0} if exact else {}
        item.result = {"observed_value": NOT_COLLECTED, **counts}


def write_data_docs(outcome: SuiteOutcome, docs_dir: Path) -> Path:
    """Write the suite's page and refresh the index; return the page's path."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    _explain_unmeasured(outcome.gx_result)
    document = ValidationResultsPageRenderer().render(outcome.gx_result)
    page = docs_dir / f"{outcome.suite.name}.html"
    page.write_text(standalone_page(_PAGE_VIEW.render(document)), encoding="utf-8")
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
        + _STYLE
        + "<h1>TSQ quality gates: latest validation of each suite</h1>"
        "<table border='1' cellpadding='4'><tr><th>layer</th><th>suite</th><th>table</th>"
        f"<th>status</th><th>validated at (UTC)</th><th>summary</th></tr>{rows}</table>",
        encoding="utf-8",
    )
