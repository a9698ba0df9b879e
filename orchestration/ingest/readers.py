"""Read one inbox file as a DuckDB relation of text columns, or fail naming the file.

Raw tables keep every value as text: typing happens once, in the dbt staging models,
so a value that does not parse is visible (and checkable) in raw instead of lost here.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import CONTROL_CHARACTERS_PATTERN, Entity
from orchestration.sql_text import quote_identifier
from orchestration.text_files import UnreadableFileError, csv_header


class IngestError(UnreadableFileError):
    """A file that cannot be loaded; the message names the file and what did not match.
    The loader refuses a file on any UnreadableFileError, this one or the text readers'."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    entity: Entity
    file_format: str

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


#: free space a plain copy of a gzipped file must leave on its disk: gzip expands up to
#: ~1,000 times, so a small file can fill the disk the warehouse lives on
GUNZIP_KEEP_FREE_BYTES = 1 << 30
#: how often (bytes written) the free space is looked at again
_GUNZIP_CHECK_EVERY = 64 << 20


def gunzip_to(path: Path, work_dir: Path, keep_free_bytes: int | None = None) -> Path:
    """Stream a gzipped inbox file into a plain copy in `work_dir` (tickets.csv.gz ->
    tickets.csv), or fail naming the file. Every later step then reads a plain file.

    The copy stops, and the file is refused, before it would leave less than
    `keep_free_bytes` (default GUNZIP_KEEP_FREE_BYTES) free on the disk of `work_dir` (a
    file that decompresses to more than the disk can hold, by accident or by design)."""
    if keep_free_bytes is None:
        keep_free_bytes = GUNZIP_KEEP_FREE_BYTES
    target = work_dir / path.name[: -len(".gz")]
    written = 0
    next_check = 0
    try:
        with gzip.open(path, "rb") as source, target.open("wb") as sink:
            while block := source.read(1 << 20):
                if written >= next_check:
                    free = shutil.disk_usage(work_dir).free
                    if free - len(block) - _GUNZIP_CHECK_EVERY < keep_free_bytes:
                        raise IngestError(
                            f"{path.name}: decompressing it stopped after {written:,} bytes, "
                            f"before the copy would leave less than {keep_free_bytes:,} bytes "
                            f"free on the disk of {work_dir}; free space, or split the export"
                        )
                    next_check = written + _GUNZIP_CHECK_EVERY
                sink.write(block)
                written += len(block)
    except IngestError:
        target.unlink(missing_ok=True)
        raise
    except (OSError, EOFError) as error:
        target.unlink(missing_ok=True)
        raise IngestError(f"{path.name}: not a readable gzip file: {error}") from error
    return target


def check_csv_header(shown_name: str, header: list[str]) -> None:
    """Refuse a header DuckDB would refuse with its own words: none at all (an empty
    file), a column named twice, or a column without a name, naming file and column."""
    if not header or header == [""]:
        raise IngestError(
            f"{shown_name}: the file is empty (no header row); an export needs at least "
            "its header row with the contract's column names"
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if "\x00" in name or not name.isprintable():
            raise IngestError(
                f"{shown_name}: header column {position} holds control characters or binary "
                "bytes; is this really a CSV export?"
            )
        if name.strip() == "":
            raise IngestError(f"{shown_name}: header column {position} has no name")
        if name in seen:
            raise IngestError(
                f"{shown_name}: column '{name}' appears twice in the header (columns "
                f"{seen[name]} and {position}); rename or remove one"
            )
        seen[name] = position


_BLANK_LINE = re.compile(rb"(?m)^[ \t\r]*\n")


def count_lines(path: Path, blank_only: bool = False) -> int:
    """Physical lines of a file, counted from its bytes, not by a CSV parser (a last line
    without a line break counts); with `blank_only`, the blank ones among them. The file's
    own count of its records is lines - blank lines - the header, when no value spans
    lines. Counting line breaks runs at memory speed; the slower blank-line count is
    only needed when the two counts disagree."""
    count = 0
    with path.open("rb") as handle:
        carry = b""
        for block in iter(lambda: handle.read(1 << 22), b""):
            block = carry + block
            cut = block.rfind(b"\n") + 1  # judge whole lines only
            whole, carry = block[:cut], block[cut:]
            count += len(_BLANK_LINE.findall(whole)) if blank_only else whole.count(b"\n")
        if carry and not blank_only:
            count += 1
    return count


#: the bytes of CONTROL_CHARACTERS_PATTERN's characters, derived from the pattern (its one
#: home); all ASCII, so never part of a multi-byte UTF-8 character
_CONTROL_BYTES = bytes(
    code for code in range(128) if re.fullmatch(CONTROL_CHARACTERS_PATTERN, chr(code))
)


def holds_control_bytes(path: Path) -> bool:
    """Whether a CSV file holds any byte a control character is made of. A CSV value is
    its file's bytes (no escapes), so a file without one cannot hold a value that breaks
    the control-character rule, and the load can leave that rule's test out: at 1M
    tickets the test costs more than this scan (docs/performance.md)."""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            if len(block.translate(None, _CONTROL_BYTES)) != len(block):
                return True
    return False


def relation_sql(
    source_format: str, readable_path: Path, rejects_table: str | None = None
) -> tuple[str, list[object]]:
    """The table function reading a file, and its bound parameters: the path and the
    header's column names come from outside, so they are parameters, never SQL text. With
    `rejects_table`, a CSV's rows that do not parse are kept there; without, skipped."""
    if source_format == "csv":
        # Explicit columns instead of sniffing: a file with broken rows must not make the
        # dialect detection fail for the good ones. Rows that do not parse (wrong number
        # of fields, broken quoting, bytes that are not UTF-8) go to the rejects table,
        # with their raw line, and from there to quarantine.
        columns = {name: "VARCHAR" for name in csv_header(readable_path)}
        rejects = (
            f"store_rejects = true, rejects_table = '{rejects_table}', "
            f"rejects_scan = '{rejects_table}_scan'"
            if rejects_table
            else "ignore_errors = true"
        )
        return (
            "read_csv(?, header = true, auto_detect = false, columns = ?, "
            f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, {rejects})",
            [str(readable_path), columns],
        )
    if source_format == "parquet":
        return "read_parquet(?)", [str(readable_path)]
    if source_format == "jsonl":
        return "read_json(?, format = 'newline_delimited', records = true)", [str(readable_path)]
    raise IngestError(f"{readable_path.name}: unsupported format {source_format!r}")


def columns_of(
    con: duckdb.DuckDBPyConnection, source: SourceFile, relation: str, params: list[object]
) -> list[str]:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()
    except duckdb.Error as error:
        raise IngestError(
            f"{source.path.name}: cannot read as {source.file_format}: {error}"
        ) from error
    return [row[0] for row in described]


def stage_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    readable_path: Path,
    incoming_table: str,
    rejects_table: str,
) -> int:
    """Read a file into a temporary table of the contract's columns as text, numbered by
    data row (1 = the first row after the header). Returns the number of rows that could
    not be parsed at all; for CSV they are in `rejects_table` (DuckDB's rejects format)."""
    relation, params = relation_sql(source.file_format, readable_path, rejects_table)
    present = columns_of(con, source, relation, params)
    missing = [c for c in source.entity.required_columns if c not in present]
    if missing:
        raise IngestError(
            f"{source.path.name}: missing required column(s) {', '.join(missing)} for entity "
            f"'{source.entity.name}'; the file has: {', '.join(present) or '(no columns)'}"
        )
    selected = [
        # Empty strings mean "missing" in every export format we accept.
        f"NULLIF(TRIM(CAST({quote_identifier(c)} AS VARCHAR)), '') AS {quote_identifier(c)}"
        if c in present
        else f"CAST(NULL AS VARCHAR) AS {quote_identifier(c)}"
        for c in source.entity.column_names
    ]
    read_table = f"{incoming_table}_read"
    try:
        con.execute(
            f"CREATE TEMP TABLE {read_table} AS SELECT {', '.join(selected)} FROM {relation}",
            params,
        )
    except duckdb.Error as error:
        raise IngestError(
            f"{source.path.name}: cannot read as {source.file_format}: {error}"
        ) from error
    rejected = 0
    if source.file_format == "csv":
        (rejected,) = con.execute(f"SELECT count(DISTINCT line) FROM {rejects_table}").fetchone()
    # Scans preserve file order (insertion order is kept), so a row's rowid in the table
    # it was read into is its position among the rows read. Numbering with rowid instead
    # of row_number() OVER () spares a single-threaded pass over every row
    # (docs/performance.md, "Why the code is shaped as it is").
    numbered = f"SELECT *, rowid + 1 AS _source_row FROM {read_table}"
    if rejected:
        renumbered = f"{incoming_table}_renumbered"
        con.execute(f"CREATE TEMP TABLE {renumbered} AS {numbered}")
        _renumber_around_rejects(con, renumbered, rejects_table)
        numbered = f"SELECT * FROM {renumbered}"
    # always a view, so whoever cleans up knows what `incoming_table` is
    con.execute(f"CREATE TEMP VIEW {incoming_table} AS {numbered}")
    return int(rejected)


def _renumber_around_rejects(
    con: duckdb.DuckDBPyConnection, incoming_table: str, rejects_table: str
) -> None:
    """Accepted rows were numbered 1..n as read; give them their real data-row numbers,
    the row numbers the rejected rows do not take (DuckDB counts the header as line 1)."""
    con.execute(
        f"""
        UPDATE {incoming_table} SET _source_row = slots.data_row
        FROM (
            SELECT data_row, row_number() OVER (ORDER BY data_row) AS ordinal
            FROM range(1, (SELECT count(*) FROM {incoming_table})
                          + (SELECT count(DISTINCT line) FROM {rejects_table}) + 1) AS r(data_row)
            WHERE data_row NOT IN (SELECT line - 1 FROM {rejects_table})
        ) AS slots
        WHERE {incoming_table}._source_row = slots.ordinal
        """
    )
