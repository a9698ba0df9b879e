"""Engine-specific SQL stays in the portability layer (dbt_project/macros/portability/):
the models and every other macro are written once, for every engine (docs/scale-out.md).

A fast test: it reads the dbt sources as text. Jinja comments and SQL line comments are
left out (they may name a construct); everything else is scanned, Jinja expressions too,
because a model can hand SQL text to a macro (`value='median(x)'`). A construct reached
through the layer is spelt `tsq.<macro>(...)`, which the patterns do not match.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
PORTABILITY = DBT_PROJECT / "macros" / "portability"
# dbt-spark's own macros overridden for Spark (seeds): engine-specific by definition
SPARK_OVERRIDES = DBT_PROJECT / "macros" / "spark"

# A function name not preceded by a dot or a word character: `tsq.median(` and
# `dbt.datediff(` are the layer's and dbt's portable macros, `median(` is DuckDB's.
_CALL = r"(?<![.\w]){name}\s*\("

#: construct -> pattern (case-insensitive). Each was seen to fail on PostgreSQL 15 or is
#: DuckDB-only syntax; the layer's macro for it is named in the message.
FORBIDDEN: dict[str, str] = {
    "try_cast (tsq.cast_or_null)": _CALL.format(name="try_cast"),
    "double as a type (tsq.type_double)": r"\bas\s+double\b(?!\s+precision)",
    ":: cast (cast(... as ...))": r"::",
    "unquoted interval (tsq.interval)": r"\binterval\s+(?:\d|\{\{)",
    "string_split (tsq.split_string)": _CALL.format(name="string_split"),
    "GROUP BY ALL (list the columns)": r"\bgroup\s+by\s+all\b",
    "* EXCLUDE / * REPLACE (tsq.star_except, or list the columns)": (
        r"\*\s*(?:exclude|replace)\s*\("
    ),
    "arg_max / arg_min (tsq.arg_max, tsq.arg_min)": _CALL.format(name="arg_(?:max|min)"),
    "median (tsq.median)": _CALL.format(name="median"),
    "json_valid (tsq.json_valid)": _CALL.format(name="json_valid"),
    "IGNORE NULLS (tsq.first_non_null)": r"\bignore\s+nulls\b",
    "regexp_extract (tsq.regexp_group)": _CALL.format(name="regexp_extract"),
    "contains (tsq.contains_text)": _CALL.format(name="contains"),
    "list literal [..] (tsq.array_of)": r"\bunnest\s*\(\s*\[",
    "range() table function (tsq.day_series)": r"\bfrom\s+range\s*\(",
    "ASOF join (a dispatched macro)": r"\basof\s+(?:left\s+)?join\b",
    "timezone() (tsq.utc_to_local, tsq.local_to_utc)": _CALL.format(name="timezone"),
    "DuckDB-only functions": _CALL.format(
        name="(?:count_if|list_\\w+|struct_pack|strftime|strptime|epoch|date_diff|quantile_cont)"
    ),
    "QUALIFY (a window in a subquery)": r"\bqualify\b",
    "SEMI / ANTI JOIN (exists, not exists)": r"\b(?:semi|anti)\s+join\b",
    # Spark 4.3 refuses what follows, though DuckDB and PostgreSQL take it
    "CTE materialization hint (tsq.cte_materialization)": r"\bas\s+(?:not\s+)?materialized\s*\(",
    "varchar without a length (tsq.type_text)": r"\bvarchar\b(?!\s*\()",
    "TIME type (tsq.time_of_day, tsq.minute_of_day)": r"\bas\s+time\s*\)",
    "isodow (tsq.iso_day_of_week)": r"\bisodow\b",
    "AT TIME ZONE / WITH TIME ZONE (tsq.utc_to_local, tsq.local_to_utc)": (
        r"\b(?:at|with)\s+time\s+zone\b|\btimestamptz\b"
    ),
    "generate_series (tsq.series, tsq.day_series)": _CALL.format(name="generate_series"),
    "string_agg (tsq.string_agg_ordered)": _CALL.format(name="string_agg"),
    "starts_with (tsq.starts_with)": _CALL.format(name="starts_with"),
    "unnest (tsq.cross_join_unnest, tsq.unnest_rows, tsq.provided_terms)": _CALL.format(
        name="unnest"
    ),
    # `over (w rows between ...)`: a window that refines a named one
    "refined named window (spell the window out)": (
        r"\bover\s*\(\s*(?!partition\b|order\b|rows\b|range\b|groups\b|\))\w+\s+\w"
    ),
}
_FORBIDDEN = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in FORBIDDEN.items()}

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_SQL_LINE_COMMENT = re.compile(r"--[^\n]*")


def engine_specific_constructs(sql_text: str) -> list[tuple[int, str]]:
    """(line, construct) for every engine-specific construct in a dbt source's text."""
    # comments become blanks of the same line count, so line numbers stay true
    without_comments = _JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), sql_text)
    without_comments = _SQL_LINE_COMMENT.sub("", without_comments)
    found = []
    for name, pattern in _FORBIDDEN.items():
        for match in pattern.finditer(without_comments):
            found.append((without_comments.count("\n", 0, match.start()) + 1, name))
    return sorted(found)


def linted_files() -> list[Path]:
    """Every model, and every macro outside the portability layer and the Spark overrides."""
    models = sorted((DBT_PROJECT / "models").rglob("*.sql"))
    macros = sorted(
        path
        for path in (DBT_PROJECT / "macros").rglob("*.sql")
        if PORTABILITY not in path.parents and SPARK_OVERRIDES not in path.parents
    )
    return models + macros


def test_models_and_macros_hold_no_engine_specific_sql() -> None:
    files = linted_files()
    # the scan reaches the project: 97 models today, and the macros beside them
    assert len(files) > 90
    offences = [
        f"{path.relative_to(DBT_PROJECT)}:{line}: {construct}"
        for path in files
        for line, construct in engine_specific_constructs(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "engine-specific SQL outside macros/portability/:\n" + "\n".join(
        offences
    )


@pytest.mark.parametrize(
    ("planted", "construct"),
    [
        ("select try_cast(x as integer) from t", "try_cast (tsq.cast_or_null)"),
        ("select cast(x as double) from t", "double as a type (tsq.type_double)"),
        ("select x::json ->> 'a' from t", ":: cast (cast(... as ...))"),
        ("select d + interval 1 month from t", "unquoted interval (tsq.interval)"),
        ("select d - interval {{ days }} day from t", "unquoted interval (tsq.interval)"),
        ("select a, count(*) from t group by all", "GROUP BY ALL (list the columns)"),
        (
            "select * exclude (a) from t",
            "* EXCLUDE / * REPLACE (tsq.star_except, or list the columns)",
        ),
        ("select arg_max(a, b) from t", "arg_max / arg_min (tsq.arg_max, tsq.arg_min)"),
        ("{{ indicator_rollup(value='median(x)') }}", "median (tsq.median)"),
        ("select first_value(a ignore nulls) over w from t", "IGNORE NULLS (tsq.first_non_null)"),
        ("select unnest(['a', 'b'])", "list literal [..] (tsq.array_of)"),
        (
            "with u as materialized (select 1) select * from u",
            "CTE materialization hint (tsq.cte_materialization)",
        ),
        (
            "with u as not materialized (select 1) select * from u",
            "CTE materialization hint (tsq.cte_materialization)",
        ),
        ("select cast(a as varchar) from t", "varchar without a length (tsq.type_text)"),
        ("select cast(a as time) from t", "TIME type (tsq.time_of_day, tsq.minute_of_day)"),
        ("select extract(isodow from d) from t", "isodow (tsq.iso_day_of_week)"),
        (
            "select a at time zone 'UTC' from t",
            "AT TIME ZONE / WITH TIME ZONE (tsq.utc_to_local, tsq.local_to_utc)",
        ),
        (
            "select cast(a as timestamp with time zone) from t",
            "AT TIME ZONE / WITH TIME ZONE (tsq.utc_to_local, tsq.local_to_utc)",
        ),
        (
            "select * from b, generate_series(1, 3)",
            "generate_series (tsq.series, tsq.day_series)",
        ),
        (
            "select string_agg(a, ', ' order by a) from t",
            "string_agg (tsq.string_agg_ordered)",
        ),
        ("select starts_with(a, 'x') from t", "starts_with (tsq.starts_with)"),
        (
            "select * from t cross join unnest(t.a) as u(x)",
            "unnest (tsq.cross_join_unnest, tsq.unnest_rows, tsq.provided_terms)",
        ),
        (
            "select lag(a) over (w rows between 1 preceding and current row) from t"
            " window w as (order by b)",
            "refined named window (spell the window out)",
        ),
    ],
)
def test_a_planted_construct_is_refused(planted: str, construct: str) -> None:
    assert (1, construct) in engine_specific_constructs(planted)


@pytest.mark.parametrize(
    "allowed",
    [
        "select cast(a as varchar(10)) from t",
        "select lag(a) over w, sum(a) over (partition by k order by b) from t",
        "select row_number() over () from t",
        "select cast(a as {{ tsq.type_text() }}) from t",
    ],
)
def test_portable_spellings_pass(allowed: str) -> None:
    assert engine_specific_constructs(allowed) == []


def test_a_planted_file_fails_the_lint(tmp_path: Path) -> None:
    """The whole check, on a model file planted beside a clean one."""
    clean = tmp_path / "clean.sql"
    clean.write_text(
        "{#- median(x) named in a comment is fine -#}\n"
        "select {{ tsq.median('x') }} as m, cast(y as {{ tsq.type_double() }}) as y\n"
        "from t  -- string_split( in a line comment is fine\n"
        "where d > {{ tsq.interval(1, 'day') }}\n",
        encoding="utf-8",
    )
    planted = tmp_path / "planted.sql"
    planted.write_text("select a\nfrom t\ngroup by all\n", encoding="utf-8")
    assert engine_specific_constructs(clean.read_text(encoding="utf-8")) == []
    assert engine_specific_constructs(planted.read_text(encoding="utf-8")) == [
        (3, "GROUP BY ALL (list the columns)")
    ]


def test_the_layer_itself_holds_the_constructs() -> None:
    """The lint is not vacuous: the portability layer does hold what it refuses elsewhere."""
    layer = "\n".join(p.read_text(encoding="utf-8") for p in PORTABILITY.glob("*.sql"))
    found = {construct for _, construct in engine_specific_constructs(layer)}
    for construct in (
        "try_cast (tsq.cast_or_null)",
        "string_split (tsq.split_string)",
        "arg_max / arg_min (tsq.arg_max, tsq.arg_min)",
        "median (tsq.median)",
        "json_valid (tsq.json_valid)",
    ):
        assert construct in found
