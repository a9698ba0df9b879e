"""Helpers that turn numpy columns into Arrow arrays of the contract's logical types.

Every entity builder hands the writers Arrow arrays in one canonical type per contract
column type (string, timestamp[s, UTC], date32, int64, float64, bool); the writers then
encode those per file format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import ENTITY_BY_NAME

TIMESTAMP = pa.timestamp("s", tz="UTC")


def _mask(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, pa.string())


def pick(
    choices: Sequence[str | None], index: np.ndarray, valid: np.ndarray | None = None
) -> pa.Array:
    """choices[index] per row as strings; rows with index < 0 or not valid are null."""
    missing = np.asarray(index) < 0
    if valid is not None:
        missing |= ~np.asarray(valid, dtype=bool)
    safe = np.where(missing, 0, index)
    return pa.array(choices, pa.string()).take(pa.array(safe, pa.int64(), mask=missing))


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64), TIMESTAMP, mask=_mask(valid))


def dates(values: Sequence[date | None]) -> pa.Array:
    return pa.array(values, pa.date32())


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), pa.int64(), mask=_mask(valid))


def numbers(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.float64), pa.float64(), mask=_mask(valid))


def ids(prefix: str, first: int, count: int, width: int) -> pa.Array:
    """prefix + zero-padded sequence numbers first+1 .. first+count (1-based, like E0000001).

    Padding never truncates: a number wider than `width` is written in full, so ids stay
    unique even if a run produces more rows than the width was chosen for.
    """
    numbers_ = pa.array(np.arange(first + 1, first + count + 1, dtype=np.int64))
    padded = pc.utf8_lpad(pc.cast(numbers_, pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def id_width(upper_bound: int, minimum: int = 7) -> int:
    return max(minimum, len(str(max(upper_bound, 1))))


def labels(prefix: str, numbers_: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded numbers, for references such as requester ids."""
    padded = pc.utf8_lpad(
        pc.cast(pa.array(numbers_, pa.int64()), pa.string()), width=width, padding="0"
    )
    return pc.binary_join_element_wise(prefix, padded, "")


def allowed_values(entity: str, column: str) -> tuple[str, ...]:
    """The contract's allowed values of one column, so codes here follow the contract."""
    return next(c.allowed for c in ENTITY_BY_NAME[entity].columns if c.name == column)
