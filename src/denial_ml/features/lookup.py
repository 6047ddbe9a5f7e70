"""Dictionary lookups over key arrays, fast for one claim and for a million.

pandas' `Series.map(dict)` and `Series.isin(set)` convert the whole dict or set into an array on every call,
which for a single claim costs milliseconds. These helpers do one hash lookup per key instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

import numpy as np
import pandas as pd


def _values(keys: pd.Series | np.ndarray | list) -> list:
    return keys.tolist() if hasattr(keys, "tolist") else list(keys)


def map_keys(mapping: Mapping, keys: pd.Series | np.ndarray | list, default: object = None) -> np.ndarray:
    """`mapping[key]` for each key (`default` when missing), as an object array."""
    get = mapping.get
    values = _values(keys)
    out = np.empty(len(values), dtype=object)
    out[:] = [get(k, default) for k in values]
    return out


def map_floats(mapping: Mapping, keys: pd.Series | np.ndarray | list, default: float = np.nan) -> np.ndarray:
    """`mapping[key]` for each key as float64 (`default` when missing)."""
    get = mapping.get
    values = _values(keys)
    return np.fromiter((get(k, default) for k in values), dtype=float, count=len(values))


def in_set(members: Set, keys: pd.Series | np.ndarray | list) -> np.ndarray:
    """Whether each key is in `members` (boolean array)."""
    values = _values(keys)
    return np.fromiter((k in members for k in values), dtype=bool, count=len(values))
