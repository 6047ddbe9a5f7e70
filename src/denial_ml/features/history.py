"""Point-in-time history: what was known about past outcomes on a given day.

A `HistoryIndex` holds, for one kind of key (payer x procedure, provider, patient, ...), every past event sorted
by (key, day) with running sums. Asking "how many events with this key happened strictly before day D, and how
many of them were denials" is a binary search, the same for one claim online and for a million in batch, so
training and serving share one code path and nothing after D can leak into a feature for day D.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd

from denial_ml.features.key_codes import KeyCodes

DAY_BITS = 20  # days since 1970 fit in 20 bits until the year 4840
SORTED_FROM = 1024  # from this many queries on, they are answered in sorted order
ROW_GATHER_UP_TO = 1024
# Sorted queries are answered this many at a time: a million claims' slice lookups are some 25 million queries,
# and the sort's and search's temporaries for all of them at once took 2.7 GiB (peak of training at 1M claims).
SORTED_CHUNK = 1 << 22


@dataclass(frozen=True)
class HistoryIndex:
    """Events of one key kind: sorted (key code, day) with running sums of each value column."""

    codes: Mapping[str, int]  # `KeyCodes` (compact) or a dict: `lookup_codes` answers either
    sorted_keys: np.ndarray  # int64: code << DAY_BITS | day
    starts: np.ndarray  # index of the first event of each code in `sorted_keys`
    cumsums: np.ndarray  # shape (n_events + 1, n_values): running sums, row 0 = zeros
    value_names: tuple[str, ...]

    def before(self, keys: pd.Series | np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
        """Sums of each value (and the count `n`) over events with the same key strictly before `days`.

        Args:
            keys: Key strings, one per query.
            days: Day numbers (days since 1970-01-01), one per query.

        Returns:
            `n` and each value name -> array of sums, one per query; unseen keys give zeros.
        """
        return self.before_codes(lookup_codes(self.codes, keys), days)

    def before_codes(self, code: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
        """`before` from the keys' integer codes (`lookup_codes`), so queries of the same keys on other days
        skip the lookups; one code broadcasts over all `days`."""
        days = np.asarray(days, dtype=np.int64)
        if days.size > SORTED_FROM and days.min() >= 0 and days.max() < 1 << DAY_BITS:
            return self._sorted_before(np.broadcast_to(code, days.shape), days)
        known = code >= 0
        c = np.where(known, code, 0)
        return self._sums(known, c, (c << DAY_BITS) | days)

    def _sorted_before(self, code: np.ndarray, days: np.ndarray) -> dict[str, np.ndarray]:
        # `searchsorted` is several times faster on sorted queries (each search starts where the last ended): sort
        # the queries by (code, day), answer them in order and put the answers back in place, `SORTED_CHUNK`
        # queries at a time (each query's answer is its own, so chunks give the same sums).
        out = {name: np.zeros(days.size) for name in ("n", *self.value_names)}
        for lo in range(0, days.size, SORTED_CHUNK):
            hi = min(days.size, lo + SORTED_CHUNK)
            self._sorted_chunk(code[lo:hi], days[lo:hi], {name: column[lo:hi] for name, column in out.items()})
        return out

    def _sorted_chunk(self, code: np.ndarray, days: np.ndarray, out: dict[str, np.ndarray]) -> None:
        """`_sorted_before` of some queries, written into `out`'s (zeroed) views. Unseen keys (code -1) sort
        first and keep their zeros. Temporaries are dropped as soon as used."""
        low = int(days.min())
        order = argsort_small((code + 1) * (int(days.max()) - low + 1) + (days - low))
        ordered_code = code[order]
        first = int(np.searchsorted(ordered_code, 0))
        where, c = order[first:], ordered_code[first:]
        q = c << DAY_BITS
        q |= days[where]
        pos = np.searchsorted(self.sorted_keys, q, side="left")
        del q
        start = self.starts[c]
        del ordered_code, c, order
        # The rows before each query first: a compact index's value `n` (its event counts) then overwrites them.
        out["n"][where] = pos - start
        for j, name in enumerate(self.value_names):  # column by column, without (queries x values) temporaries
            column = self.cumsums[:, j]
            found = column[pos]
            found -= column[start]
            out[name][where] = found

    def _sums(self, known: np.ndarray, c: np.ndarray, q: np.ndarray) -> dict[str, np.ndarray]:
        pos = np.searchsorted(self.sorted_keys, q, side="left")
        start = self.starts[c]
        if pos.size <= ROW_GATHER_UP_TO:
            # A few queries (one claim's): one gather of whole rows and one mask for every value, as few numpy
            # calls as possible (each costs about what the arithmetic of a claim does). Same sums as below.
            rows = np.empty((pos.size, len(self.value_names) + 1))
            rows[:, 0] = pos - start
            rows[:, 1:] = self.cumsums[pos] - self.cumsums[start]
            rows[~np.broadcast_to(known, pos.shape)] = 0.0  # one code may stand for every day
            return {name: rows[:, j] for j, name in enumerate(("n", *self.value_names))}
        out = {"n": np.where(known, pos - start, 0).astype(float)}
        for j, name in enumerate(self.value_names):  # column by column, without (queries x values) temporaries
            out[name] = np.where(known, self.cumsums[pos, j] - self.cumsums[start, j], 0.0)
        return out


def argsort_small(values: np.ndarray) -> np.ndarray:
    """`np.argsort(values, kind="stable")` of non-negative int64 values.

    When the values leave room for each one's position in the low bits of an int64, one plain sort of
    `value << bits | position` gives the order (numpy's vectorised sort is several times faster than `argsort`;
    the packed values are distinct, so ties keep their order).
    """
    bits = max(int(values.size - 1).bit_length(), 1)
    if values.size and int(values.max()).bit_length() + bits <= 62:
        packed = values << bits
        packed |= np.arange(values.size, dtype=np.int64)
        packed.sort()
        packed &= (1 << bits) - 1
        return packed
    return np.argsort(values, kind="stable")


class CodedKeys(Protocol):
    """Event keys that give their index codes themselves (`composite_codes.CompositeRows`)."""

    def index_codes(self) -> tuple[np.ndarray, Mapping[str, int]] | None:
        """Each event's code and the index's codes (codes: ranks of the keys' strings), None to use the strings."""

    def __len__(self) -> int: ...


class Events(NamedTuple):
    """What an index is built from: one row per event (`build_index(*events)`)."""

    keys: pd.Series | np.ndarray | CodedKeys
    days: np.ndarray
    values: pd.DataFrame


def build_index(keys: pd.Series | np.ndarray | CodedKeys, days: np.ndarray, values: pd.DataFrame) -> HistoryIndex:
    """Index events by key and day.

    Args:
        keys: Event key strings (or a categorical Series of them: the strings are then sorted once per distinct
            key, not hashed once per event; or keys that give their codes, `CodedKeys`).
        days: Event day numbers (the day the outcome became known).
        values: Numeric columns to sum (e.g. `denied`, one column per category).
    """
    coded = keys.index_codes() if hasattr(keys, "index_codes") else None
    if coded is not None:
        codes, store = coded
    else:
        if hasattr(keys, "index_codes"):
            keys = np.asarray(keys, dtype=object)
        codes, uniques = sorted_codes(keys)  # type: ignore[arg-type]
        store = KeyCodes.from_sorted(uniques)
    days = np.asarray(days, dtype=np.int64)
    combined = (codes << DAY_BITS) | days
    order = _stable_order(codes, days, combined)
    sorted_keys = combined[order]
    vals = values.to_numpy(dtype=float)[order]
    cumsums = np.vstack([np.zeros((1, vals.shape[1])), np.cumsum(vals, axis=0)])
    starts = np.searchsorted(sorted_keys, np.arange(len(store), dtype=np.int64) << DAY_BITS, side="left")
    starts = np.append(starts, len(sorted_keys))  # a sentinel row keeps lookups of code 0 safe on empty data
    return HistoryIndex(
        codes=store,
        sorted_keys=sorted_keys,
        starts=starts,
        cumsums=cumsums,
        value_names=tuple(values.columns),
    )


def sorted_codes(keys: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's position among the distinct keys in sorted order, and those keys (`pd.factorize(sort=True)`)."""
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(pd.Series(np.asarray(keys, dtype=object)), sort=True)
        return codes.astype(np.int64), np.asarray(uniques, dtype=object)
    cat = pd.Categorical(keys)
    position = cat.codes.astype(np.int64)
    categories = np.asarray(cat.categories, dtype=object)
    used = np.flatnonzero(np.bincount(position, minlength=len(categories)) > 0)  # as factorize: only keys present
    # pandas sorts Arrow strings in C; each key is distinct, so any correct sort gives the same order.
    order = used[pd.Series(categories[used], dtype="str").argsort().to_numpy()]
    rank = np.full(len(categories), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[position], categories[order]


def _stable_order(codes: np.ndarray, days: np.ndarray, combined: np.ndarray) -> np.ndarray:
    # `np.argsort(combined, kind="stable")`; (code, day) packed into the fewest bits lets one plain sort do it.
    if codes.size == 0 or codes.min() < 0 or days.min() < 0:
        return np.argsort(combined, kind="stable")
    low = int(days.min())
    return argsort_small(codes * (int(days.max()) - low + 1) + (days - low))


def lookup_codes(codes: Mapping[str, int], keys: pd.Series | np.ndarray | list[str]) -> np.ndarray:
    """Integer code of each key, -1 when unseen (`codes`: an index's `KeyCodes`, or any mapping).

    For a dict, a plain lookup per key: `Series.map(dict)` rebuilds a Series from the whole dict on every call,
    which costs more than the lookups themselves for a single claim and as much for a million.
    """
    if isinstance(codes, KeyCodes):
        return codes.lookup(keys.to_numpy(dtype=object) if isinstance(keys, pd.Series) else keys)
    values = keys.tolist() if hasattr(keys, "tolist") else list(keys)
    return np.fromiter(map(codes.get, values, repeat(-1)), dtype=np.int64, count=len(values))


def to_days(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates -> whole days since 1970-01-01 (int64)."""
    return np.asarray(pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]").astype(np.int64))


def smoothed_rate(hits: np.ndarray, n: np.ndarray, prior: np.ndarray | float, strength: float = 20.0) -> np.ndarray:
    """Bayesian-smoothed rate: (hits + strength x prior) / (n + strength)."""
    return (hits + strength * prior) / (n + strength)
