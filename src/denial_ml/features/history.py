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
from typing import NamedTuple

import numpy as np
import pandas as pd

from denial_ml.features.key_codes import KeyCodes

DAY_BITS = 20  # days since 1970 fit in 20 bits until the year 4840
DISTINCT_FROM = 1024  # from this many queries on, each distinct (key, day) is answered once
ROW_GATHER_UP_TO = 1024


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
        known = code >= 0
        c = np.where(known, code, 0)
        days = np.asarray(days, dtype=np.int64)
        q = (c << DAY_BITS) | days
        if q.size > DISTINCT_FROM and days.size and days.min() >= 0 and days.max() < 1 << DAY_BITS:
            return self._distinct_before(np.where(known, q, -1))
        return self._sums(known, c, q)

    def _distinct_before(self, q: np.ndarray) -> dict[str, np.ndarray]:
        # Batches ask about the same (key, day) many times (every claim of a payer submitted on one day), and
        # `searchsorted` is several times faster on sorted queries: answer each distinct query once, in order.
        # `q` is code << DAY_BITS | day for known keys (days in range, so it gives back the code), -1 for unseen.
        position, distinct = pd.factorize(q)
        order = np.argsort(distinct)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        ordered = distinct[order]
        known = ordered >= 0
        sums = self._sums(known, np.where(known, ordered >> DAY_BITS, 0), ordered)
        back = rank[position]
        return {name: values[back] for name, values in sums.items()}

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


class Events(NamedTuple):
    """What an index is built from: one row per event (`build_index(*events)`)."""

    keys: pd.Series | np.ndarray
    days: np.ndarray
    values: pd.DataFrame


def build_index(keys: pd.Series | np.ndarray, days: np.ndarray, values: pd.DataFrame) -> HistoryIndex:
    """Index events by key and day.

    Args:
        keys: Event key strings.
        days: Event day numbers (the day the outcome became known).
        values: Numeric columns to sum (e.g. `denied`, one column per category).
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(keys, dtype=object)), sort=True)
    combined = (codes.astype(np.int64) << DAY_BITS) | np.asarray(days, dtype=np.int64)
    order = np.argsort(combined, kind="stable")
    sorted_keys = combined[order]
    vals = values.to_numpy(dtype=float)[order]
    cumsums = np.vstack([np.zeros((1, vals.shape[1])), np.cumsum(vals, axis=0)])
    starts = np.searchsorted(sorted_keys, np.arange(len(uniques), dtype=np.int64) << DAY_BITS, side="left")
    starts = np.append(starts, len(sorted_keys))  # a sentinel row keeps lookups of code 0 safe on empty data
    return HistoryIndex(
        codes=KeyCodes.from_sorted(uniques),
        sorted_keys=sorted_keys,
        starts=starts,
        cumsums=cumsums,
        value_names=tuple(values.columns),
    )


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
