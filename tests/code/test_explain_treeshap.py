"""Tabulated TreeSHAP gives LightGBM's own `pred_contrib` values, whatever the splits do with missing values,
zeros and categories; a model whose trees are too deep to tabulate is left to `pred_contrib`."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from denial_ml.explain.treeshap import MAX_SPLITS, TabulatedShap


def _data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[:, 2] = rng.integers(0, 12, n)  # a categorical column
    X[rng.random(n) < 0.15, 0] = np.nan
    X[rng.random(n) < 0.3, 1] = 0.0
    X[rng.random(n) < 0.1, 2] = np.nan
    logit = np.nan_to_num(X[:, 0]) + (X[:, 1] == 0) + np.isin(X[:, 2], [1, 4, 7]) - X[:, 3] * X[:, 4]
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def _model(X: np.ndarray, y: np.ndarray, **params) -> lgb.Booster:
    base = {"objective": "binary", "num_leaves": 8, "max_depth": 3, "learning_rate": 0.2, "verbose": -1}
    data = lgb.Dataset(X, y, categorical_feature=[2], free_raw_data=False)
    return lgb.train({**base, **params}, data, num_boost_round=40)


@pytest.mark.parametrize(
    "params",
    [{}, {"zero_as_missing": True}, {"use_missing": False}, {"num_leaves": 4, "max_depth": 2, "min_data_in_leaf": 1}],
)
def test_tabulated_values_are_pred_contribs(params):
    X, y = _data()
    booster = _model(X, y, **params)
    tabulated = TabulatedShap.from_booster(booster)
    assert tabulated is not None
    assert 2 in tabulated.categorical  # the categorical splits are exercised
    rows = np.vstack([X[:500], [[np.nan, 0.0, -1.0, 1e-40, np.inf, -np.inf], [0.0, np.nan, 99.0, 0.0, 0.0, 0.0]]])
    expected = booster.predict(rows, pred_contrib=True)
    np.testing.assert_allclose(tabulated.contributions(rows), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(tabulated.contributions(rows).sum(axis=1), booster.predict(rows, raw_score=True))


def test_a_model_with_deeper_trees_is_left_to_pred_contrib():
    X, y = _data()
    deep = _model(X, y, num_leaves=2 * MAX_SPLITS, max_depth=-1, min_data_in_leaf=5)
    assert TabulatedShap.from_booster(deep) is None


def _tree_by_tree(tabulated: TabulatedShap, X: np.ndarray) -> np.ndarray:
    """The values summed as the definition says: every row's pattern from its split decisions one split at a time,
    each tree's table values added to its features in tree order."""
    step, s = max(tabulated.bits, 1), tabulated.numeric
    left = np.zeros((len(X), len(tabulated.tables) * step), dtype=bool)
    for bit, feature, threshold, nan_left, zero, default in zip(
        *(s[k].tolist() for k in ("bit", "feature", "threshold", "nan_left", "zero_missing", "default_left")),
        strict=True,
    ):
        x = X[:, feature]
        is_zero = (np.abs(x) <= 1e-35) | np.isnan(x)
        left[:, bit] = (
            np.where(is_zero, default, x <= threshold) if zero else (x <= threshold) | (np.isnan(x) & nan_left)
        )
    for feature, (bits, lookup) in tabulated.categorical.items():
        whole = np.trunc(np.nan_to_num(X[:, feature], nan=-1.0))
        listed = (whole >= 0) & (whole < lookup.shape[1])
        left[:, bits] = lookup[:, np.where(listed, whole, lookup.shape[1] - 1).astype(np.int64)].T
    patterns = (left.reshape(len(X), -1, step) << np.arange(step)).sum(axis=2)
    out = np.zeros((len(X), tabulated.n_features + 1))
    out[:, -1] = tabulated.base
    for t, (used, table) in enumerate(zip(tabulated.features, tabulated.tables, strict=True)):
        out[:, used] += table[:, patterns[:, t]].T
    return out


@pytest.mark.parametrize("params", [{}, {"zero_as_missing": True}, {"use_missing": False}])
def test_tabulated_values_are_summed_tree_by_tree_bit_for_bit(params):
    # The explanations print these sums: a faster way to add them must add the same numbers in the same order.
    X, y = _data()
    tabulated = TabulatedShap.from_booster(_model(X, y, **params))
    rows = np.vstack([X, [[np.nan, 0.0, -1.0, 1e-40, np.inf, -np.inf], [0.0, np.nan, 99.0, 0.0, 0.0, 0.0]]])
    assert np.array_equal(tabulated.contributions(rows), _tree_by_tree(tabulated, rows))
