"""The world summary's ROC AUC is scikit-learn's figure, computed without importing scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from denial_ml.data.synthetic.summary import roc_auc


def test_roc_auc_matches_sklearn_with_and_without_ties():
    rng = np.random.default_rng(3)
    for decimals in (0, 1, 6):
        y = rng.random(3000) < 0.2
        score = np.round(rng.random(3000) + 0.3 * y, decimals)
        assert abs(roc_auc(y, score) - roc_auc_score(y, score)) < 1e-12


def test_roc_auc_of_known_orderings():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert roc_auc(y, np.array([0.1, 0.8, 0.2, 0.9])) == 0.75
