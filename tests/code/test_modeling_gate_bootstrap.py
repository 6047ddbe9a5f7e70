"""The gate's bootstrap intervals: each resample's metrics equal sklearn's on the resampled claims."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from denial_ml.modeling import gates


def _scores(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    n = len(y)
    return {
        "lightgbm": rng.random(n) + 0.3 * y,
        "rate": np.round(rng.random(n), 2),  # many ties
        "levels": rng.integers(0, 5, n).astype(float),  # almost nothing but ties
        "constant": np.full(n, 0.2),  # one tie group: ROC-AUC 0.5, PR-AUC the denial rate
    }


def test_bootstrap_draws_equal_sklearn_on_each_resample(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    n = 3000
    y = rng.integers(0, 2, n)
    scores = _scores(rng, y)
    seen: list[tuple[float, float]] = []
    metrics = gates.weighted_metrics
    monkeypatch.setattr(gates, "weighted_metrics", lambda r, c: seen.append(metrics(r, c)) or seen[-1])
    gates.bootstrap(y, scores, resamples=20, seed=3)
    draws = np.random.default_rng(3)
    expected = []
    for _ in range(20):
        rows = draws.integers(0, n, n)
        for score in scores.values():
            expected.append((roc_auc_score(y[rows], score[rows]), average_precision_score(y[rows], score[rows])))
    assert len(seen) == len(expected) == 80
    np.testing.assert_allclose(np.array(seen), np.array(expected), rtol=1e-12, atol=0)


@pytest.mark.parametrize("denial_rate", [0.02, 0.5, 0.97])
def test_weighted_metrics_equal_sklearn_with_sample_weights(denial_rate: float) -> None:
    rng = np.random.default_rng(5)
    n = 500
    y = (rng.random(n) < denial_rate).astype(int)
    counts = rng.integers(0, 4, n)  # 0 = a claim the resample did not draw
    for score in _scores(rng, y).values():
        got = gates.weighted_metrics(gates.rank_by_score(y, score), counts)
        want = (
            roc_auc_score(y, score, sample_weight=counts),
            average_precision_score(y, score, sample_weight=counts),
        )
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_bootstrap_skips_one_class_resamples_and_pairs_differences() -> None:
    y = np.array([1] + [0] * 9)
    scores = {"lightgbm": np.linspace(1, 0, 10), "rate": np.linspace(0, 1, 10)}
    out = gates.bootstrap(y, scores, resamples=50, seed=0)
    # Where the one denial is drawn, the model ranks it first (1.0) and the reversed rate last (0.0).
    assert out["lightgbm"]["roc_auc"] == [1.0, 1.0]
    assert out["rate"]["roc_auc"] == [0.0, 0.0]
    assert out["rate"]["roc_auc_diff"] == [1.0, 1.0]


def test_bootstrap_refuses_scores_that_are_not_numbers() -> None:
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"scores\['truth'\]: 1 of 4 values are NaN or infinite"):
        gates.bootstrap(y, {"lightgbm": np.array([0.1, 0.9, 0.2, 0.8]), "truth": np.array([0.1, np.nan, 0.2, 0.8])})
