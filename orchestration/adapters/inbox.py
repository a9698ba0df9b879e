"""The asset that translates vendor exports dropped into the inbox.

It runs before the raw assets (orchestration/ingest), which see only the canonical files
it writes: the flow is adapters -> canonical files -> ingest, and neither package imports
the other (tests/test_layers.py). The raw tables both write into are
orchestration/raw_tables.py.

A file in the inbox whose name is not a canonical export is given to the adapter that
recognises it; its canonical files land in the inbox for the raw assets, and the
original moves to inbox/converted/. An adapter that needs a mapping uses
`<file>.mapping.yml` beside the file.

Whatever goes wrong with one file fails that file only, never the run: a file nothing
recognises, a mapping that is not YAML or names an unusable source, a spreadsheet over
the size limit, or any error an adapter raises. The file stays where it is and is
recorded in raw.refused_files as not understood, with the reason, so `tsq loads` and the
summary of `tsq run` name it.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import yaml

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import detect_format, ingest_files
from orchestration.adapters.toolkit import refuse_oversized_workbook
from orchestration.contract import SOURCE_NAME_PATTERN, classify_file, is_valid_source_name
from orchestration.raw_tables import NOT_UNDERSTOOD, ensure_ledger
from orchestration.resources import TsqHome


def check_source_name(name: object, where: str) -> None:
    """A source name prefixes every id and names files; it never reaches an adapter (or
    its SQL) unless it is letters, digits, '_', '.', '-'."""
    if not isinstance(name, str) or not is_valid_source_name(name):
        raise AdapterError(
            f"{where}: source name {name!r} is not allowed: use letters, digits, '_', '.', "
            f"'-' (up to 64, starting with a letter or digit: {SOURCE_NAME_PATTERN})"
        )


def check_inbox_mapping(mapping: Path) -> None:
    """Read a `.mapping.yml` dropped into the inbox far enough to refuse what must never
    reach an adapter: text that is not YAML, a top level that is not a mapping, a
    `source` that is not a plain name. The adapters check the rest of its shape."""
    try:
        loaded: Any = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise AdapterError(f"{mapping.name}: not a readable YAML mapping: {error}") from error
    if loaded is None:
        return
    if not isinstance(loaded, dict):
        raise AdapterError(
            f"{mapping.name}: a mapping file is YAML keys and values, not a {type(loaded).__name__}"
        )
    if "source" in loaded:
        check_source_name(loaded["source"], f"{mapping.name}: key 'source'")


def _record_not_understood(con: duckdb.DuckDBPyConnection, path: Path, reason: str) -> None:
    con.execute("DELETE FROM raw.refused_files WHERE source_file = ?", [path.name])
    con.execute(
        "INSERT INTO raw.refused_files VALUES (?, ?, ?, ?, ?)",
        [NOT_UNDERSTOOD, path.name, "", reason, datetime.now(UTC)],
    )


def translate_inbox(inbox: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Translate every vendor export in the inbox: (translated, not understood)."""
    converted_dir = inbox / "converted"
    translated, unrecognised = [], []
    for path in sorted(p for p in inbox.iterdir() if p.is_file()):
        if classify_file(path.name) or path.name.endswith(".mapping.yml"):
            continue
        mapping = path.with_name(path.name + ".mapping.yml")
        try:
            refuse_oversized_workbook(path)
            if mapping.exists():
                check_inbox_mapping(mapping)
            file_format = detect_format(path)
            ingest_files([path], inbox, file_format, mapping if mapping.exists() else None)
        except AdapterError as error:
            unrecognised.append({"file": path.name, "reason": str(error)})
            continue
        except Exception as error:  # noqa: BLE001 - one file's failure must not fail the run
            unrecognised.append(
                {
                    "file": path.name,
                    "reason": f"{path.name}: the adapter failed ({type(error).__name__}: "
                    f"{error}); check the file and its mapping",
                }
            )
            continue
        converted_dir.mkdir(exist_ok=True)
        path.replace(converted_dir / path.name)
        translated.append({"file": path.name, "format": file_format})
    return translated, unrecognised


@dg.asset(
    key=["raw", "inbox_adapters"],
    group_name="raw",
    description="Vendor exports dropped into the inbox, translated into canonical files "
    "by the adapter that recognises them (see docs/sources.md). A file that cannot be "
    "translated is reported as not understood and stays in the inbox; the run goes on.",
    kinds={"python", "duckdb"},
    pool="tsq_warehouse",
)
def inbox_adapters(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
    translated, unrecognised = translate_inbox(tsq.settings.inbox)
    with tsq.connect() as con:
        ensure_ledger(con)
        # a file no longer failing (translated, or gone) is no longer reported
        con.execute(
            "DELETE FROM raw.refused_files WHERE entity = ?",
            [NOT_UNDERSTOOD],
        )
        for item in unrecognised:
            context.log.warning(item["reason"])
            _record_not_understood(con, tsq.settings.inbox / item["file"], item["reason"])
    return dg.MaterializeResult(
        metadata={
            "translated": dg.MetadataValue.json(translated),
            "not_recognised": dg.MetadataValue.json(unrecognised),
        }
    )
