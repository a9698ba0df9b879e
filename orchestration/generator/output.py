"""Streaming, atomic writers: one file per contract entity in CSV, Parquet or JSON Lines.

Builders hand over Arrow arrays in canonical types (see arrays.py); each writer checks the
columns against the contract, encodes them for its format and appends them to a hidden
temporary file in the output directory. Only when every entity is complete are the
temporaries renamed into place, so a watcher never sees half a file or half a data set.

Encodings: CSV and JSONL carry timestamps as ISO 8601 UTC strings with a trailing Z
(`2026-04-01T06:50:17Z`), dates as YYYY-MM-DD and booleans as true/false; CSV leaves
missing values empty, JSONL writes null. Parquet keeps native types (timestamp in UTC,
date32, int64, double, boolean) with nulls.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..contract import ENTITIES, FILE_FORMATS, ColumnType, Entity
from .arrays import TIMESTAMP

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.TIMESTAMP: TIMESTAMP,
    ColumnType.DATE: pa.date32(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.NUMBER: pa.float64(),
    ColumnType.BOOLEAN: pa.bool_(),
}
ISO_WIDTH = 20  # len("2026-04-01T06:50:17Z")


def arrow_schema(entity: Entity) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in entity.columns])


def to_table(entity: Entity, columns: Mapping[str, pa.Array]) -> pa.Table:
    """The columns as a table in contract order; wrong names or types fail loudly."""
    names = entity.column_names
    if set(columns) != set(names):
        missing, extra = set(names) - set(columns), set(columns) - set(names)
        raise ValueError(f"{entity.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    schema = arrow_schema(entity)
    for field in schema:
        if columns[field.name].type != field.type:
            got = columns[field.name].type
            raise TypeError(f"{entity.name}.{field.name}: expected {field.type}, got {got}")
    return pa.Table.from_arrays([columns[n] for n in names], schema=schema)


def iso_utc(values: pa.Array) -> pa.Array:
    """Timestamps as `YYYY-MM-DDTHH:MM:SSZ` strings, nulls kept.

    Arrow's strftime is slow (it goes through a locale-aware formatter), while its cast to
    string is fast but writes `YYYY-MM-DD HH:MM:SS`. Every cast value has the same width,
    so the cast's character buffer is patched in place as a fixed-width byte matrix.
    """
    n = len(values)
    if n == 0:
        return pa.array([], pa.string())
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    seconds = pc.fill_null(values.cast(pa.int64()), 0)
    text = seconds.cast(pa.timestamp("s")).cast(pa.string())
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=n + 1)
    if offsets[0] != 0 or offsets[-1] != 19 * n:
        raise ValueError("timestamp outside years 1000-9999")
    chars = np.frombuffer(text.buffers()[2], dtype=np.uint8, count=19 * n).reshape(n, 19)
    out = np.empty((n, ISO_WIDTH), dtype=np.uint8)
    out[:, :19] = chars
    out[:, 10] = ord("T")
    out[:, 19] = ord("Z")
    new_offsets = np.arange(0, ISO_WIDTH * (n + 1), ISO_WIDTH, dtype=np.int32)
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(new_offsets), pa.py_buffer(out), bitmap, int(n - valid.sum())
    )


class _Sink:
    """One entity's output: a hidden temporary file, renamed into place on commit."""

    suffix = ""

    def __init__(self, entity: Entity, out_dir: Path) -> None:
        self.entity = entity
        self.final_path = out_dir / f"{entity.name}.{self.suffix}"
        # A leading dot and a .tmp suffix: no inbox pattern matches the file while it grows.
        fd, tmp = tempfile.mkstemp(prefix=f".{entity.name}.", suffix=".tmp", dir=out_dir)
        os.close(fd)
        self.tmp_path = Path(tmp)
        self.rows = 0

    def write(self, columns: Mapping[str, pa.Array]) -> None:
        table = to_table(self.entity, columns)
        if table.num_rows:
            self._write(table)
            self.rows += table.num_rows

    def _write(self, table: pa.Table) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        # mkstemp creates owner-only files; published data should be world-readable.
        self.tmp_path.chmod(0o644)
        os.replace(self.tmp_path, self.final_path)

    def abort(self) -> None:
        try:
            self.close()
        finally:
            self.tmp_path.unlink(missing_ok=True)


class CsvSink(_Sink):
    suffix = "csv"

    def __init__(self, entity: Entity, out_dir: Path) -> None:
        super().__init__(entity, out_dir)
        self._file: BinaryIO = open(self.tmp_path, "wb")  # noqa: SIM115 - closed in close()
        # Arrow quotes header names; a plain header is friendlier to eyes and tools alike.
        self._file.write((",".join(entity.column_names) + "\n").encode("utf-8"))
        fields = [
            pa.field(f.name, pa.string() if f.type == TIMESTAMP else f.type)
            for f in arrow_schema(entity)
        ]
        self._schema = pa.schema(fields)
        options = pa_csv.WriteOptions(include_header=False)
        self._writer = pa_csv.CSVWriter(self._file, self._schema, write_options=options)

    def _write(self, table: pa.Table) -> None:
        arrays = [
            iso_utc(col.combine_chunks()) if col.type == TIMESTAMP else col for col in table.columns
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        if not self._file.closed:
            self._writer.close()
            self._file.close()


class ParquetSink(_Sink):
    suffix = "parquet"

    def __init__(self, entity: Entity, out_dir: Path) -> None:
        super().__init__(entity, out_dir)
        # Parquet has no second unit; milliseconds are the smallest widely read unit.
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self.tmp_path, arrow_schema(entity), coerce_timestamps="ms"
        )

    def _write(self, table: pa.Table) -> None:
        assert self._writer is not None
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# Anything JSON requires escaping inside a string: backslash, quote, control characters.
_JSON_SPECIAL = r'[\\"\x00-\x1f]'
_JSON_ESCAPES = [("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")]
_JSON_ESCAPES += [(chr(c), f"\\u{c:04x}") for c in range(32) if chr(c) not in "\n\r\t"]


def _json_string(values: pa.Array) -> pa.Array:
    """Strings as quoted JSON strings; the escape passes run only if something needs them."""
    if pc.any(pc.match_substring_regex(values, _JSON_SPECIAL)).as_py():
        for raw, escaped in _JSON_ESCAPES:
            values = pc.replace_substring(values, raw, escaped)
    return pc.binary_join_element_wise('"', values, '"', "")


def _json_values(values: pa.Array, kind: ColumnType) -> pa.Array:
    """Each value as JSON text; null for missing."""
    if kind == ColumnType.STRING:
        text = _json_string(values)
    elif kind == ColumnType.TIMESTAMP:
        text = pc.binary_join_element_wise('"', iso_utc(values), '"', "")
    elif kind == ColumnType.DATE:
        text = pc.binary_join_element_wise('"', values.cast(pa.string()), '"', "")
    else:
        text = values.cast(pa.string())  # int, float and bool render as JSON literals
    return pc.fill_null(text, "null")


class JsonlSink(_Sink):
    suffix = "jsonl"

    def __init__(self, entity: Entity, out_dir: Path) -> None:
        super().__init__(entity, out_dir)
        self._file: BinaryIO = open(self.tmp_path, "wb")  # noqa: SIM115 - closed in close()

    def _write(self, table: pa.Table) -> None:
        # Assemble every line with vectorised string joins, then write the joined column's
        # character buffer as is: it already holds the lines back to back.
        parts: list[str | pa.Array] = []
        for i, column in enumerate(self.entity.columns):
            parts.append(("{" if i == 0 else ",") + json.dumps(column.name) + ":")
            parts.append(_json_values(table.column(i).combine_chunks(), column.type))
        parts.append("}\n")
        lines = pc.binary_join_element_wise(*parts, "")
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1)
        start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
        self._file.write(memoryview(lines.buffers()[2])[start:end])

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


SINKS: dict[str, type[_Sink]] = {"csv": CsvSink, "parquet": ParquetSink, "jsonl": JsonlSink}


class Outputs:
    """The open sinks of one run, by entity name."""

    def __init__(self, sinks: dict[str, _Sink]) -> None:
        self._sinks = sinks

    def write(self, entity: str, columns: Mapping[str, pa.Array]) -> None:
        self._sinks[entity].write(columns)

    def rows(self, entity: str) -> int:
        return self._sinks[entity].rows

    def counts(self) -> dict[str, int]:
        return {name: sink.rows for name, sink in self._sinks.items()}


@contextmanager
def open_outputs(out_dir: Path, file_format: str) -> Iterator[Outputs]:
    """Open one sink per entity; rename all into place on success, delete all on error."""
    if file_format not in FILE_FORMATS or file_format not in SINKS:
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, not {file_format!r}")
    sinks: dict[str, _Sink] = {}
    try:
        for entity in ENTITIES:
            sinks[entity.name] = SINKS[file_format](entity, out_dir)
        yield Outputs(sinks)
        for sink in sinks.values():
            sink.close()
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    for sink in sinks.values():
        sink.commit()
