"""Reading an inbox text file whatever it was saved as: its encoding, a UTF-8 copy of it,
its header row.

On the ground floor because both layers that read inbox files use it: the adapters
(vendor exports, before they are translated) and ingest (canonical files). Neither
imports the other.
"""

from __future__ import annotations

import codecs
import csv
import shutil
import tempfile
from pathlib import Path

from charset_normalizer import from_bytes

_SAMPLE_BYTES = 256 * 1024
_CHINESE_LEGACY_ENCODINGS = {"gb2312", "gbk", "gb18030", "hz"}


class UnreadableFileError(ValueError):
    """A file that cannot be read as text; the message names the file and what is wrong."""


def detect_csv_encoding(path: Path, shown_name: str | None = None) -> str:
    """Return 'utf-8' or 'gb18030' (a superset of GBK and GB2312) for a CSV file.

    Strict UTF-8 on a sample decides the common case cheaply; only a file that is not
    UTF-8 is handed to charset-normalizer.
    """
    with path.open("rb") as handle:  # the sample only: an export can be gigabytes
        sample = handle.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        # A multi-byte character may be cut at the sample's end: ignore that last edge.
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 4:
            return "utf-8"
    # A UTF-8 file with a few broken bytes stays UTF-8: its broken lines are quarantined
    # as raw lines when read, instead of the whole file being refused.
    replaced = sample.decode("utf-8", errors="replace").count("\ufffd")
    if replaced <= max(2, len(sample) // 1000) and not _looks_chinese_legacy(sample):
        return "utf-8"
    best = from_bytes(sample).best()
    if best is not None and best.encoding.replace("_", "").lower() in _CHINESE_LEGACY_ENCODINGS:
        return "gb18030"
    found = best.encoding if best is not None else "unknown"
    raise UnreadableFileError(
        f"{shown_name or path}: not text in UTF-8 or GBK/GB18030 (detected {found}; binary "
        "data or another encoding); save the export as UTF-8 or GB18030"
    )


def _looks_chinese_legacy(sample: bytes) -> bool:
    best = from_bytes(sample).best()
    return best is not None and best.encoding.replace("_", "").lower() in _CHINESE_LEGACY_ENCODINGS


def transcode_to_utf8(path: Path, encoding: str, work_dir: Path) -> Path:
    """Stream a legacy-encoded file into a UTF-8 copy, reporting the first bad byte's row."""
    target = Path(tempfile.mkstemp(suffix=".csv", dir=work_dir)[1])
    with (
        path.open("r", encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as sink,
    ):
        try:
            shutil.copyfileobj(source, sink, 1 << 20)
        except UnicodeDecodeError as error:
            raise UnreadableFileError(
                f"{path}: bytes that are not valid {encoding}: {error}"
            ) from error
    return target


def csv_header(path: Path) -> list[str]:
    """The header row of a UTF-8 CSV file (BOM removed)."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as error:
            raise UnreadableFileError(f"{path}: unreadable header row: {error}") from error
