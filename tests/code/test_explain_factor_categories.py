"""One claim's factor categories in plain Python (`factor_categories_of_one`, the service's one-claim path) are
`factor_categories`' row for that claim: rates with NaN, all NaN, ties and zeros."""

from __future__ import annotations

import numpy as np

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.factors import factor_categories, factor_categories_of_one


def test_one_claims_categories_are_the_batch_row():
    rng = np.random.default_rng(3)
    n = len(CATEGORIES)
    rates = rng.random((200, n)).round(1)  # rounding makes ties
    rates[rng.random(rates.shape) < 0.3] = np.nan
    rates[:10] = np.nan
    rates[10:15] = 0.0
    rates[15, :2] = [-0.0, 0.0]
    likely = np.array(CATEGORIES, dtype=object)[rng.integers(0, n, size=200)]
    batch = factor_categories(likely, rates).tolist()
    assert [factor_categories_of_one(str(c), r.tolist()) for c, r in zip(likely, rates, strict=True)] == batch
    assert len({tuple(row) for row in batch}) > 20
