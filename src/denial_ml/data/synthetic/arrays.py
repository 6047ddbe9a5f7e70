"""Array helpers that keep the generator free of per-row Python work on strings.

On pandas 3 a string column lives in Arrow: converting it to Python objects and back, mapping it through a
dict or joining strings per group costs a Python call per row. These helpers join small slot matrices (a
claim's diagnoses, a line's modifiers) column by column as bytes, map values through their few distinct
values, and build `str` columns directly in Arrow, so their cost grows with the slots, not the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def first_occurrences(slots: np.ndarray, empty_value: object = "") -> tuple[np.ndarray, np.ndarray]:
    """Which slots hold a value not seen earlier in their row, and each slot's 1-based rank among those.

    Args:
        slots: Array (rows, k) of values, `empty_value` for an empty slot.

    Returns:
        `(new, pointer)`: `new[i, j]` is True when slot j holds a non-empty value absent from slots < j;
        `pointer[i, j]` is the position (1-based) of slot j's value among row i's distinct values in slot
        order, 0 for an empty slot.
    """
    empty = slots == empty_value
    k = slots.shape[1]
    first_at = np.tile(np.arange(k), (len(slots), 1))
    for j in range(k - 1, -1, -1):  # descending, so the earliest matching slot wins
        for m in range(j + 1, k):
            same = slots[:, j] == slots[:, m]
            first_at[:, m] = np.where(same, j, first_at[:, m])
    new = ~empty & (first_at == np.arange(k))
    rank = np.cumsum(new, axis=1)
    pointer = np.take_along_axis(rank, first_at, axis=1)
    return new, np.where(empty, 0, pointer)


def join_slots(slots: np.ndarray, keep: np.ndarray, sep: str = " ") -> pd.api.extensions.ExtensionArray:
    """Join each row's kept slots with `sep`, in slot order, as a pandas `str` array ("" for a row with none).

    Args:
        slots: Array (rows, k) of ASCII strings.
        keep: Boolean array (rows, k): which slots to join.
        sep: A one-character separator.
    """
    text = np.asarray(slots).astype(str)
    n, k = text.shape
    if text.dtype.itemsize == 0:
        text = np.zeros((n, k), dtype="U1")
    w = text.dtype.itemsize // 4
    kept = np.asarray(keep, dtype=bool)
    # A fixed-width numpy string is a row of UCS-4 code points: ASCII fits one byte each.
    chars = np.ascontiguousarray(text).view(np.uint32).reshape(n, k, w).astype(np.uint8)
    return _join_bytes(chars, np.strings.str_len(text) * kept, sep)


def join_codes(
    codes: np.ndarray, keep: np.ndarray, vocabulary: np.ndarray, sep: str = " "
) -> pd.api.extensions.ExtensionArray:
    """`join_slots` of `vocabulary[codes]`, without ever building the strings of the slots."""
    words = np.asarray(vocabulary).astype("S")
    w = max(1, words.dtype.itemsize)
    table = np.frombuffer(words.astype(f"S{w}").tobytes(), dtype=np.uint8).reshape(len(words), w)
    lengths = np.array([len(x) for x in words])[codes] * np.asarray(keep, dtype=bool)
    return _join_bytes(table[codes], lengths, sep)


def _join_bytes(chars: np.ndarray, lengths: np.ndarray, sep: str) -> pd.api.extensions.ExtensionArray:
    """Join per row the first `lengths[i, j]` bytes of each slot `chars[i, j]` (shape rows, k, width)."""
    n, k, w = chars.shape
    width = k * w + (k - 1) * len(sep)
    # Each slot is written whole at the row's running offset; the next slot overwrites what lies past its
    # length. The slack columns absorb the last slot's tail. Cost: a few array writes per byte position,
    # with no Python string per row.
    out = np.zeros((n, width + w + 1), dtype=np.uint8)
    flat = out.reshape(-1)
    base = np.arange(n, dtype=np.int64) * out.shape[1]
    offset = np.zeros(n, dtype=np.int64)
    for j in range(k):
        with_sep = (lengths[:, j] > 0) & (offset > 0)
        flat[base + offset] = np.where(with_sep, ord(sep), 0)
        offset += with_sep
        for p in range(w):
            flat[base + offset + p] = np.where(lengths[:, j] > p, chars[:, j, p], 0)
        offset += lengths[:, j]
    # Arrow's string layout is the concatenated bytes plus row offsets: build it directly.
    data = out[np.arange(out.shape[1]) < offset[:, None]]
    ends = np.concatenate([[0], np.cumsum(offset)]).astype(np.int64)
    arrow = pa.LargeStringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(data.tobytes()))
    return pd.array(arrow, dtype=STR_DTYPE)


def lookup(values: np.ndarray | pd.Series, mapping: Mapping, default: object = np.nan, dtype: Any = None) -> np.ndarray:
    """`mapping[v]` for every value (default when absent), hashing each distinct value once.

    `Series.map` with a dict converts and hashes every element through Python on pandas 3 string columns;
    factorizing first and mapping the few distinct values is several times faster on millions of rows.
    """
    codes, uniques = _factorize(values)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=dtype)
    return table[codes]  # code -1 (a missing value) picks the trailing default


def fixed_str(column: pd.Series) -> np.ndarray:
    """A string column as a fixed-width numpy string array ("" for missing), through its distinct values."""
    codes, uniques = _factorize(column)
    return np.array([str(u) for u in uniques] + [""])[codes]


def _factorize(values: np.ndarray | pd.Series) -> tuple[np.ndarray, Any]:
    # A pandas string column factorizes inside Arrow; a numpy array through Python objects.
    if isinstance(values, pd.Series):
        return pd.factorize(values, use_na_sentinel=True)
    return pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)


def number_ids(prefix: str, n: int, width: int, suffix: str = "") -> pd.api.extensions.ExtensionArray:
    """`prefix + zero-padded 0..n-1 + suffix` as a `str` array, formatted by Arrow (no Python string per id)."""
    text = pa.large_string()
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(n, dtype=np.int64)), text), width=width, padding="0")
    parts = [pa.scalar(prefix, text), digits, pa.scalar(suffix, text)]
    return pd.array(pc.binary_join_element_wise(*parts, pa.scalar("", text)), dtype=STR_DTYPE)


def format_ids(template: str, numbers: np.ndarray | range) -> np.ndarray:
    """`template % number` for each number, as an object array (printf-style is the fastest formatter)."""
    return np.array([template % i for i in numbers], dtype=object)


def as_str(values: np.ndarray | list, missing: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """A pandas `str` column from strings (None or NaN, or where `missing`, for missing), built by Arrow.

    Gives the same column as pandas' own inference from an object array, about three times faster.
    """
    arrow = pa.array(np.asarray(values), type=pa.large_string(), mask=missing, from_pandas=True)
    return pd.array(arrow, dtype=STR_DTYPE)


def join_columns(left: pd.Series, right: pd.Series, sep: str) -> pd.api.extensions.ExtensionArray:
    """`left + sep + right` per row as a `str` array, numbers written in decimal (done by Arrow)."""
    parts = [pc.cast(pa.array(col), pa.large_string()) for col in (left, right)]
    return pd.array(pc.binary_join_element_wise(*parts, pa.scalar(sep, pa.large_string())), dtype=STR_DTYPE)


def decode(codes: np.ndarray, vocabulary: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """`vocabulary[codes]` as a `str` array, decoded by Arrow from a dictionary array."""
    words = pa.array(np.asarray(vocabulary, dtype=object), type=pa.large_string())
    dictionary = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int64)), words)
    return pd.array(dictionary.cast(pa.large_string()), dtype=STR_DTYPE)


def str_frame(columns: dict[str, object]) -> pd.DataFrame:
    """`pd.DataFrame(columns)`, with every object or fixed-width string array turned into a `str` column fast."""
    return pd.DataFrame({name: _fast(values) for name, values in columns.items()})


def _fast(values: object) -> object:
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return as_str(values)
    # An all-missing object column stays object, as pandas' own inference leaves it.
    if isinstance(values, np.ndarray) and values.dtype == object and not pd.isna(values).all():
        return as_str(values)
    return values


def concat_str(*parts: object) -> pd.api.extensions.ExtensionArray:
    """Per row, the parts joined end to end as a `str` array (a `str` part repeats on every row), by Arrow.

    `prefix + ids` on numpy object arrays makes a Python string per row; Arrow joins the buffers.
    """
    text = pa.large_string()
    arrays = [pa.scalar(p, text) if isinstance(p, str) else pc.cast(pa.array(p), text) for p in parts]
    return pd.array(pc.binary_join_element_wise(*arrays, pa.scalar("", text)), dtype=STR_DTYPE)


def day_str(dates: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Each date as `YYYYMMDD` (missing for NaT), formatted once per distinct day rather than once per row."""
    days = np.asarray(dates).astype("datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    words = pa.array([w.replace("-", "") for w in np.datetime_as_string(unique, unit="D")], type=pa.large_string())
    codes = pa.array(inverse.reshape(-1).astype(np.int64), mask=np.isnat(days))
    return pd.array(pa.DictionaryArray.from_arrays(codes, words).cast(pa.large_string()), dtype=STR_DTYPE)


class Coded:
    """A column of few distinct values as codes into them: membership tests and lookups cost one comparison
    per distinct value plus one gather, where `np.isin` on a string array sorts or compares every row per call.

    A missing value stands for `""`, as in `fixed_str`.
    """

    def __init__(self, values: np.ndarray | pd.Series) -> None:
        codes, uniques = _factorize(values)
        self.codes = np.asarray(codes)
        self.uniques = np.array([*(str(u) for u in uniques), ""], dtype=object)  # code -1 picks the trailing ""

    def take(self, rows: np.ndarray) -> Coded:
        """The values at `rows` (e.g. each line's claim's value), still coded."""
        out = object.__new__(Coded)
        out.codes, out.uniques = self.codes[rows], self.uniques
        return out

    def isin(self, allowed: object) -> np.ndarray:
        """`np.isin(fixed_str(values), list(allowed))`, per row."""
        return np.isin(self.uniques, list(allowed))[self.codes]  # type: ignore[call-overload]

    def lookup(self, mapping: Mapping, default: object, dtype: Any = None) -> np.ndarray:
        """`mapping.get(value, default)` per row."""
        return np.array([mapping.get(u, default) for u in self.uniques], dtype=dtype)[self.codes]

    def __len__(self) -> int:
        return len(self.codes)
