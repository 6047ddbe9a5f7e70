"""Exact medians of values spread over many parts, with no process holding them all.

The expected payment's allowed/charge ratio is the median of every line paid before a month (`payment.ratio_before`):
a median does not add up from the parts' medians, and gathering every paid line's ratio on one worker grows with the
world. Instead each part keeps its ratios grouped by month, sorted (`value_groups`), and answers one question: how
many of its values before each month are at most a probe (`counts_at_most`). The k-th smallest value is then found
by bisection over the floats' order (`order_statistics`): a float64 has 2^64 values, so at most 64 rounds of counts,
whatever the number of values. The medians are those `pandas.Series.median` gives, to the bit (the two middle
values' mean for an even count).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

SIGN = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def sortable(values: np.ndarray) -> np.ndarray:
    """Float64 values as int64 keys in the same order (the bits of a negative float count the other way)."""
    bits = np.asarray(values, dtype=np.float64).view(np.int64)
    return bits ^ ((bits >> 63) & SIGN)


def from_sortable(keys: np.ndarray) -> np.ndarray:
    """The floats of `sortable` keys."""
    keys = np.asarray(keys, dtype=np.int64)
    return (keys ^ ((keys >> 63) & SIGN)).view(np.float64)


def value_groups(dates: pd.Series, values: pd.Series, cutoffs: np.ndarray) -> list[np.ndarray]:
    """A part's values by the cutoff they come before: group i holds those dated in [cutoffs[i-1], cutoffs[i])
    (group 0: before cutoffs[0]), sorted, without NaN (a median skips them); later values count for no cutoff."""
    day = np.asarray(dates, dtype="datetime64[ns]")
    kept = np.asarray(values, dtype=np.float64)
    group = np.searchsorted(np.asarray(cutoffs, dtype="datetime64[ns]"), day, side="right")
    group[np.isnat(day)] = len(cutoffs)  # `date < cutoff` is False for a missing date
    ok = ~np.isnan(kept)
    return [np.sort(kept[ok & (group == i)]) for i in range(len(cutoffs))]


def counts_at_most(groups: list[np.ndarray], probes: np.ndarray) -> np.ndarray:
    """For each cutoff i and each row of `probes` (shape (k, cutoffs)): how many values of groups 0..i are at most
    `probes[:, i]` (group j counts for every cutoff from j on, at that cutoff's probe)."""
    counts = np.zeros(probes.shape, dtype=np.int64)
    for j, group in enumerate(groups):
        counts[:, j:] += np.searchsorted(group, probes[:, j:], side="right")
    return counts


def group_sizes(groups: list[np.ndarray]) -> np.ndarray:
    """How many values each cutoff counts (groups 0..i)."""
    return np.cumsum([len(g) for g in groups], dtype=np.int64)


def order_statistics(
    count: Callable[[np.ndarray], np.ndarray], ranks: np.ndarray, bounds: tuple[float, float]
) -> np.ndarray:
    """The values of 0-based `ranks` (shape (k, cutoffs)) among every part's values, by bisection.

    Args:
        count: Probes (shape of `ranks`) -> how many values are at most each probe, over all parts
            (`counts_at_most` summed).
        ranks: The ranks wanted; each below its cutoff's number of values.
        bounds: The smallest and largest value of all parts.

    Returns:
        The values, shape of `ranks`: for each, the smallest value with more than `rank` values at most it.
    """
    lo = np.full(ranks.shape, sortable(np.array([bounds[0]]))[0] - 1, dtype=np.int64)  # count(lo) <= rank
    hi = np.full(ranks.shape, sortable(np.array([bounds[1]]))[0], dtype=np.int64)  # count(hi) > rank
    while np.any(lo + 1 < hi):  # (hi - lo could pass the int64 range for values of both signs)
        mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)
        above = count(from_sortable(mid)) > ranks
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return from_sortable(hi)


def exact_medians(
    count: Callable[[np.ndarray], np.ndarray], sizes: np.ndarray, bounds: tuple[float, float], empty: float
) -> np.ndarray:
    """The median of each cutoff's values (`empty` where it has none), as `pandas.Series.median` computes it.

    Args:
        count: As for `order_statistics`. sizes: How many values each cutoff counts (`group_sizes` summed).
        bounds: The smallest and largest value. empty: The median of no values.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    has = sizes > 0
    if not has.any():
        return np.full(len(sizes), empty)
    ranks = np.stack([np.maximum(sizes - 1, 0) // 2, sizes // 2])
    ranks = np.where(has, ranks, 0)  # a cutoff with no values asks for rank 0 of nothing: its answer is not used
    values = order_statistics(lambda probes: np.where(has, count(probes), 1), ranks, bounds)
    # NumPy's median: the middle value, or the mean of the two middle values for an even count.
    middle = np.where(ranks[0] == ranks[1], values[0], (values[0] + values[1]) / 2)
    return np.where(has, middle, empty)
