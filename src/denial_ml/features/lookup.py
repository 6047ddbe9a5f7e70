"""Dictionary lookups over key arrays, fast for one claim and for a million.

pandas' `Series.map(dict)` and `Series.isin(set)` convert the whole dict or set into an array on every call,
which for a single claim costs milliseconds. These helpers do one hash lookup per key instead. In batch most
key columns repeat a few values (payers, procedure codes), so `encode` lets the work run once per distinct value.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pandas as pd

# Up to this many values a Python dict encodes faster than pandas' hash table (whose call costs ~10 us).
SMALL = 512
# Up to this many (one claim's lines) encoding costs more than it saves: every value stands for itself.
TINY = 16
# `encode_codes` counts codes in a table when their range is at most this many times the number of values.
DENSE_PER_VALUE = 4


class Keys(NamedTuple):
    """Encoded values: each value's position among the distinct values, and those values (`distinct[position]`
    gives the values back)."""

    position: np.ndarray
    distinct: np.ndarray


def _values(keys: pd.Series | np.ndarray | list) -> list:
    return keys.tolist() if hasattr(keys, "tolist") else list(keys)


def map_keys(mapping: Mapping, keys: pd.Series | np.ndarray | list, default: object = None) -> np.ndarray:
    """`mapping[key]` for each key (`default` when missing), as an object array."""
    values = _values(keys)
    out = np.empty(len(values), dtype=object)
    out[:] = list(map(mapping.get, values, repeat(default)))
    return out


def map_floats(mapping: Mapping, keys: pd.Series | np.ndarray | list, default: float = np.nan) -> np.ndarray:
    """`mapping[key]` for each key as float64 (`default` when missing)."""
    values = _values(keys)
    return np.fromiter(map(mapping.get, values, repeat(default)), dtype=float, count=len(values))


def in_set(members: Set, keys: pd.Series | np.ndarray | list) -> np.ndarray:
    """Whether each key is in `members` (boolean array)."""
    values = _values(keys)
    return np.fromiter(map(members.__contains__, values), dtype=bool, count=len(values))


def encode(values: np.ndarray) -> Keys:
    """Distinct values and each value's position among them: `uniques[codes]` equals `values`.

    Args:
        values: A 1-d array of strings (object) or integers; a missing value (None) may come back as NaN.

    Returns:
        `Keys(codes, uniques)`: int64 codes, one per value, and the distinct values in order of first appearance;
        up to `TINY` values, the values themselves (`uniques` may repeat, which only means repeated work).
    """
    if len(values) <= TINY:
        return Keys(np.arange(len(values)), values)
    if len(values) > SMALL:
        # With the sentinel pandas skips a pass that looks for missing values in every object; only when there
        # are some (a claim without lines has no procedure) is it run again to code them as a value of their own.
        codes, uniques = pd.factorize(values)
        if len(codes) and codes.min() < 0:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return Keys(codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=values.dtype))
    items = values.tolist()
    distinct = list(dict.fromkeys(items))  # first-appearance order, as pandas gives it
    position = {v: i for i, v in enumerate(distinct)}
    uniques = np.empty(len(distinct), dtype=values.dtype)
    uniques[:] = distinct
    return Keys(np.fromiter(map(position.__getitem__, items), dtype=np.int64, count=len(items)), uniques)


def encode_pairs(a: np.ndarray, size_b: int, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs of two code arrays (`a` codes, `b` codes below `size_b`).

    Returns:
        `(codes, first, second)`: each pair's position among the distinct pairs, and the `a` and `b` code of
        every distinct pair (up to `TINY` pairs, every pair stands for itself, as in `encode`).
    """
    if len(a) <= TINY:
        return np.arange(len(a)), a, b
    codes, uniques = encode_codes(a * np.int64(size_b) + b)
    return codes, uniques // size_b, uniques % size_b


def encode_codes(values: np.ndarray) -> Keys:
    """`encode` of non-negative integer codes; when they fit a table a few times the batch's size, the distinct
    values come in ascending order from a table of which values occur (no hashing)."""
    top = int(values.max()) if len(values) > SMALL else -1
    if top < 0 or top >= DENSE_PER_VALUE * len(values) or values.min() < 0:
        return encode(values)
    seen = np.zeros(top + 1, dtype=bool)
    seen[values] = True
    rank = np.cumsum(seen, dtype=np.int64) - 1
    return Keys(rank[values], np.flatnonzero(seen).astype(np.int64))
