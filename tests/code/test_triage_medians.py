"""Medians of values spread over parts, by bisection over counts: `pandas.Series.median`'s, to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.triage.medians import (
    counts_at_most,
    exact_medians,
    from_sortable,
    group_sizes,
    sortable,
    value_groups,
)


def test_sortable_keys_keep_the_floats_order_and_come_back():
    values = np.array([-np.inf, -1e300, -2.5, -1e-310, 0.0, 1e-310, 0.1, 0.30000000000000004, 7.0, 1e300, np.inf])
    keys = sortable(values)
    assert (np.diff(keys) > 0).all()
    np.testing.assert_array_equal(from_sortable(keys), values)


def _medians(parts: list[pd.DataFrame], cutoffs: np.ndarray) -> np.ndarray:
    groups = [value_groups(p["date"], p["ratio"], cutoffs) for p in parts]
    sizes = sum(group_sizes(g) for g in groups)
    values = np.concatenate([np.concatenate(g) for g in groups])
    bounds = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)

    def count(probes: np.ndarray) -> np.ndarray:
        return sum(counts_at_most(g, probes) for g in groups)

    return exact_medians(count, sizes, bounds, empty=0.6)


@pytest.mark.parametrize("seed", range(6))
def test_the_medians_of_parts_are_the_whole_series_medians(seed):
    rng = np.random.default_rng(seed)
    parts = []
    for n in rng.integers(0, 400, 4):
        values = rng.choice([rng.uniform(-3, 3, n), np.round(rng.gamma(2, 0.3, n), 2)], axis=0) if n else np.empty(0)
        values[rng.random(n) < 0.05] = np.nan  # a median skips NaN
        dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
        parts.append(pd.DataFrame({"date": dates, "ratio": values}))
    cutoffs = pd.date_range("2023-12-01", periods=12, freq="MS").to_numpy()
    whole = pd.concat(parts, ignore_index=True)
    expected = [whole.loc[whole["date"] < c, "ratio"].median() for c in cutoffs]
    expected = np.where(np.isnan(expected), 0.6, expected)  # no value before the first cutoff
    got = _medians(parts, cutoffs)
    assert got[0] == 0.6 and len(whole) > 100
    np.testing.assert_array_equal(got, expected)  # exact: the same floats


def test_even_and_odd_counts_and_missing_dates():
    cutoffs = pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-01"]).to_numpy()
    a = pd.DataFrame({"date": pd.to_datetime(["2024-01-05", "2024-02-10", None]), "ratio": [0.1, 0.4, 9.0]})
    b = pd.DataFrame({"date": pd.to_datetime(["2024-01-20", "2024-03-15"]), "ratio": [0.3, 0.2]})
    # before Feb: 0.1, 0.3 -> 0.2; before Mar: + 0.4 -> 0.3; before Apr: + 0.2 -> (0.2 + 0.3) / 2 (the NaT never counts)
    np.testing.assert_array_equal(_medians([a, b], cutoffs), [0.2, 0.3, (0.2 + 0.3) / 2])
