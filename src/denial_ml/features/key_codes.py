"""The integer codes of a history index's keys, stored compactly.

A Python dict of str -> int costs about 150 bytes a key (the string object, the int object, the table slot);
a history snapshot holds millions of keys. `KeyCodes` keeps the keys' UTF-8 bytes sorted in one fixed-width numpy
array (about the key's length a key) and answers a lookup by binary search, so loading a saved index is reading
an array, not building a dict. It reads as a `Mapping[str, int]` (`get`, `in`, `len`, `items`), so code written
for a dict keeps working.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

FEW = 8  # up to this many keys (one claim's) are looked up one by one: fewer numpy calls than a vectorized search
# An index of at most this many keys (payers, providers, payer x procedure, ...: the shared ones, which saturate)
# also gets a dict for one-by-one lookups on first use: ~0.1 us a key instead of a bisection's ~4, for ~150 bytes
# a key (at most ~40 MB an index); the patient indexes, with millions of keys, keep to the compact search.
DICT_UP_TO = 1 << 18


def encode(keys: Sequence[str] | np.ndarray) -> np.ndarray:
    """Keys as a fixed-width bytes array of their UTF-8 encodings (whose byte order is the strings' order)."""
    values = keys.tolist() if isinstance(keys, np.ndarray) else list(keys)
    try:
        return np.array(values, dtype=np.bytes_) if values else np.array([], dtype="S1")
    except UnicodeEncodeError:  # numpy encodes ASCII only
        return np.array([str(v).encode() for v in values], dtype=np.bytes_)


class KeyCodes(Mapping[str, int]):
    """Key -> code, for keys whose codes are their rank in sorted order or, when `codes` is given, any codes.

    Args:
        keys: The keys' UTF-8 bytes, sorted, distinct (`encode`).
        codes: The code of each sorted key; None when it is its position (an index built from sorted keys).
    """

    def __init__(self, keys: np.ndarray, codes: np.ndarray | None = None) -> None:
        self.sorted_bytes = keys
        self.sorted_codes = codes
        self._small: dict[str, int] | None = None  # `DICT_UP_TO`: built on the first one-by-one lookup

    @classmethod
    def from_sorted(cls, keys: Sequence[str] | np.ndarray) -> KeyCodes:
        """Codes 0, 1, ... of keys given in sorted order (as `pd.factorize(..., sort=True)` gives them)."""
        return cls(encode(keys))

    @classmethod
    def concat(cls, parts: Sequence[KeyCodes]) -> KeyCodes:
        """The keys of several stores with disjoint keys, the codes of each offset by the sizes of those before it
        (the layout of their indexes laid end to end)."""
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
        keys = np.concatenate([p.sorted_bytes for p in parts]) if parts else np.array([], dtype="S1")
        codes = np.concatenate([p.code_array() + off for p, off in zip(parts, offsets, strict=True)])
        order = np.argsort(keys, kind="stable")
        dtype = np.int32 if len(keys) < 1 << 31 else np.int64  # half the bytes of a code for any real index
        return cls(keys[order], codes[order].astype(dtype))

    def code_array(self) -> np.ndarray:
        """The code of each sorted key."""
        return (
            np.arange(len(self.sorted_bytes), dtype=np.int64)
            if self.sorted_codes is None
            else self.sorted_codes.astype(np.int64)
        )

    def in_code_order(self) -> np.ndarray:
        """The keys' bytes ordered by code."""
        if self.sorted_codes is None:
            return self.sorted_bytes
        out = np.empty_like(self.sorted_bytes)
        out[self.sorted_codes] = self.sorted_bytes
        return out

    def lookup(self, keys: Sequence[str] | np.ndarray) -> np.ndarray:
        """The code of each key, -1 when unknown."""
        if len(keys) <= FEW:
            return np.array([self._one(k) for k in keys], dtype=np.int64)
        query = encode(keys)
        if not len(self.sorted_bytes):
            return np.full(len(query), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.sorted_bytes, query), len(self.sorted_bytes) - 1)
        hit = self.sorted_bytes[pos] == query
        code = pos if self.sorted_codes is None else self.sorted_codes[pos]
        return np.where(hit, code, -1).astype(np.int64)

    def _dict(self) -> dict[str, int] | None:
        """The dict of a small index's keys (`DICT_UP_TO`), built on first use; None for a large one."""
        if len(self.sorted_bytes) > DICT_UP_TO:
            return None
        if self._small is None:
            keys = (k.decode() for k in self.sorted_bytes.tolist())
            self._small = dict(zip(keys, self.code_array().tolist(), strict=True))
        return self._small

    def getter(self) -> Callable[[str, int], int]:
        """`get` for string keys, as fast as it can be had: a small index's own dict's `get`."""
        small = self._dict()
        return self.get if small is None else small.get

    def _one(self, key: str) -> int:
        small = self._dict()
        if small is not None:
            return small.get(str(key), -1)
        # Python's bisect over the array: a few microseconds a key, where a vectorized search of one key costs
        # tens in numpy calls (a served claim looks up a few keys in each index).
        b = str(key).encode()
        pos = bisect_left(self.sorted_bytes, b)  # type: ignore[call-overload]
        if pos == len(self.sorted_bytes) or self.sorted_bytes[pos] != b:
            return -1
        return pos if self.sorted_codes is None else int(self.sorted_codes[pos])

    def __getitem__(self, key: str) -> int:
        code = self._one(key)
        if code < 0:
            raise KeyError(key)
        return code

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The key's code, `default` when unknown (`Mapping.get` without its raised and caught `KeyError`: the
        one-claim path asks a dozen keys a request, most of them unseen)."""
        code = self._one(key)
        return default if code < 0 else code

    def __iter__(self) -> Iterator[str]:
        return (k.decode() for k in self.in_code_order().tolist())

    def __len__(self) -> int:
        return len(self.sorted_bytes)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._one(key) >= 0
