"""The gate's bootstrap intervals: each resample's metrics are sklearn's on the resampled claims, bit for bit."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from denial_ml.modeling import gates


def test_bootstrap_draws_equal_sklearn_on_each_resample(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    n = 3000
    y = rng.integers(0, 2, n)
    scores = {
        "lightgbm": rng.random(n) + 0.3 * y,
        "rate": np.round(rng.random(n), 2),  # many ties
        "levels": rng.integers(0, 5, n).astype(float),  # almost nothing but ties
    }
    seen: list[tuple[float, float]] = []
    metrics = gates._metrics
    monkeypatch.setattr(gates, "_metrics", lambda a, b: seen.append(metrics(a, b)) or seen[-1])
    gates.bootstrap(y, scores, resamples=20, seed=3)
    draws = np.random.default_rng(3)
    expected = []
    for _ in range(20):
        rows = draws.integers(0, n, n)
        for score in scores.values():
            expected.append((float(roc_auc_score(y[rows], score[rows])), average_precision_score(y[rows], score[rows])))
    assert seen == expected
