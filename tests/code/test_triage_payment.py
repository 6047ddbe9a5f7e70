"""The price book built from paid lines split by part and by procedure, its ratio medians by rounds of counts
(`engine.triage`'s way), is the whole world's `price_book`, to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.triage.medians import counts_at_most, exact_medians, group_sizes, value_groups
from denial_ml.triage.payment import DEFAULT_RATIO, key_book, merge_books, price_book, procedure_buckets


def _paid(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "payer_id": rng.choice(["P1", "P2", "P3"], n),
            "procedure_code": rng.choice([f"9921{i}" for i in range(7)] + ["J1100"], n),
            # rounded: many equal values, so the medians' middle pairs tie and the sort order would show
            "unit_allowed": np.round(rng.gamma(2.0, 40.0, n), 1),
            "ratio": rng.uniform(0.2, 0.9, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
        }
    )


def _ratio_medians(parts: list[pd.DataFrame], cutoffs: np.ndarray) -> dict[pd.Timestamp, float]:
    groups = [value_groups(p["date"], p["ratio"], cutoffs) for p in parts]
    ratios = pd.concat([p["ratio"] for p in parts])

    def count(probes: np.ndarray) -> np.ndarray:
        return sum(counts_at_most(g, probes) for g in groups)

    sizes = sum(group_sizes(g) for g in groups)
    medians = exact_medians(count, sizes, (ratios.min(), ratios.max()), DEFAULT_RATIO)
    return dict(zip(map(pd.Timestamp, cutoffs), medians, strict=True))


@pytest.mark.parametrize("buckets", [1, 3, 16])
def test_the_book_from_parts_and_procedure_buckets_is_the_whole_worlds(buckets):
    parts = [_paid(n, seed) for seed, n in enumerate([900, 1300, 40])]
    cutoffs = pd.to_datetime(["2023-06-01", "2024-01-01", "2024-01-02", "2024-05-01", "2025-03-01"]).to_numpy()
    expected = price_book(pd.concat(parts, ignore_index=True), cutoffs)

    split = [procedure_buckets(part, buckets) for part in parts]
    keys = [key_book(cutoffs, *(s[b] for s in split)) for b in range(buckets)]
    book = merge_books(_ratio_medians(parts, cutoffs), *keys)

    assert list(book) == list(expected)
    assert book[pd.Timestamp("2023-06-01")].ratio == DEFAULT_RATIO  # nothing paid yet
    assert len(expected[pd.Timestamp("2025-03-01")].by_key) == 24  # 3 payers x 8 procedures, each >= 3 lines
    for cutoff, prices in expected.items():
        assert book[cutoff].ratio == prices.ratio
        pd.testing.assert_series_equal(book[cutoff].by_key.sort_index(), prices.by_key.sort_index())
        pd.testing.assert_series_equal(book[cutoff].by_proc.sort_index(), prices.by_proc.sort_index())


def test_books_of_other_months_are_refused():
    paid = _paid(50, 0)
    cutoffs = pd.to_datetime(["2024-03-01", "2024-06-01"]).to_numpy()
    with pytest.raises(ValueError, match=r"price books: cutoffs differ \(1 vs 2\)"):
        merge_books(_ratio_medians([paid], cutoffs), key_book(cutoffs[:1], paid))
