"""The asset that translates vendor exports dropped into the inbox.

A file in the inbox whose name is not a canonical export is given to the adapter that
recognises it; its canonical files land in the inbox for the raw assets, and the
original moves to inbox/converted/. A file nothing recognises stays where it is and is
reported. An adapter that needs a mapping uses `<file>.mapping.yml` beside the file.
"""

import dagster as dg

from orchestration.adapters.base import AdapterError
from orchestration.adapters.registry import detect_format, ingest_files
from orchestration.contract import classify_file
from orchestration.resources import TsqHome


@dg.asset(
    key=["raw", "inbox_adapters"],
    group_name="raw",
    description="Vendor exports dropped into the inbox, translated into canonical files "
    "by the adapter that recognises them (see docs/sources.md).",
    kinds={"python", "duckdb"},
)
def inbox_adapters(context: dg.AssetExecutionContext, tsq: TsqHome) -> dg.MaterializeResult:
    inbox = tsq.settings.inbox
    converted_dir = inbox / "converted"
    translated, unrecognised = [], []
    for path in sorted(p for p in inbox.iterdir() if p.is_file()):
        if classify_file(path.name) or path.name.endswith(".mapping.yml"):
            continue
        mapping = path.with_name(path.name + ".mapping.yml")
        try:
            file_format = detect_format(path)
            ingest_files([path], inbox, file_format, mapping if mapping.exists() else None)
        except AdapterError as error:
            context.log.warning(str(error))
            unrecognised.append({"file": path.name, "reason": str(error)})
            continue
        converted_dir.mkdir(exist_ok=True)
        path.replace(converted_dir / path.name)
        translated.append({"file": path.name, "format": file_format})
    return dg.MaterializeResult(
        metadata={
            "translated": dg.MetadataValue.json(translated),
            "not_recognised": dg.MetadataValue.json(unrecognised),
        }
    )
