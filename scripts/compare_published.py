"""Compare two published stores table by table: the same tables, the same columns and
types, and the same rows (an md5 over every row, sorted). publish_log is left out (its
run ids and instants differ by design).

A restructuring of the house must leave the demo's published tables identical; this is
how that is shown (docs/DECISIONLOG.md, "Tests").

    .venv/bin/python scripts/compare_published.py BEFORE.duckdb AFTER.duckdb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from orchestration.sql_text import quote_identifier

IGNORED_TABLES = {"publish_log"}


def fingerprint(path: Path) -> dict[str, tuple[list[tuple[str, str]], int, str]]:
    """table -> (columns with types, rows, md5 of the sorted rows)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
            if name not in IGNORED_TABLES
        ]
        result = {}
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            quoted = quote_identifier(table)
            rows, digest = con.execute(
                "SELECT count(*), "
                "md5(coalesce(string_agg(row_text, chr(10) ORDER BY row_text), '')) "
                f"FROM (SELECT CAST(t AS VARCHAR) AS row_text FROM {quoted} AS t)"
            ).fetchone()
            result[table] = (columns, rows, digest)
        return result
    finally:
        con.close()


def differences(before: Path, after: Path) -> list[str]:
    old, new = fingerprint(before), fingerprint(after)
    found = [f"only in {before}: {t}" for t in sorted(old.keys() - new.keys())]
    found += [f"only in {after}: {t}" for t in sorted(new.keys() - old.keys())]
    for table in sorted(old.keys() & new.keys()):
        (old_columns, old_rows, old_digest), (new_columns, new_rows, new_digest) = (
            old[table],
            new[table],
        )
        if old_columns != new_columns:
            found.append(f"{table}: columns differ: {old_columns} vs {new_columns}")
        elif (old_rows, old_digest) != (new_rows, new_digest):
            found.append(f"{table}: rows differ ({old_rows:,} vs {new_rows:,} rows)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    found = differences(args.before, args.after)
    for line in found:
        print(line)
    if not found:
        for table, (_, rows, digest) in fingerprint(args.after).items():
            print(f"{table}: {rows:,} rows identical (md5 {digest})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
