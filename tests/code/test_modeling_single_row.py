"""`SingleRowPredictor` gives `Booster.predict`'s values bit for bit: probabilities of a binary and a multiclass
model and SHAP contributions, for rows with NaN, zeros, categorical levels and values outside the training range;
each answer is its own array (the predictor reuses its buffers), in any thread."""

from __future__ import annotations

import threading

import lightgbm as lgb
import numpy as np
import pytest

from denial_ml.modeling.single_row import CONTRIB, NORMAL, SingleRowPredictor


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 6))
    X[:, 5] = rng.integers(0, 4, size=600)  # a categorical column
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 2] = np.where(rng.random(600) < 0.3, 0.0, X[:, 2])
    y = (np.nan_to_num(X[:, 0]) + (X[:, 5] == 2) + rng.normal(size=600) > 0.5).astype(int)
    return X, y


def rows(X: np.ndarray) -> np.ndarray:
    extra = np.array([[np.nan] * 6, [0.0] * 6, [1e9, -1e9, 0.0, np.nan, 3.0, 7.0]])
    return np.vstack([X[:40], extra])


@pytest.mark.parametrize("classes", [2, 3])
def test_single_rows_predict_as_booster_predict(data, classes):
    X, y = data
    params = {"verbose": -1, "num_leaves": 7, "min_data_in_leaf": 5}
    if classes > 2:
        params |= {"objective": "multiclass", "num_class": classes}
        y = y + (np.nan_to_num(X[:, 1]) > 1)
    else:
        params["objective"] = "binary"
    booster = lgb.train(params, lgb.Dataset(X, y, categorical_feature=[5]), num_boost_round=30)
    normal, contrib = SingleRowPredictor(booster, NORMAL), SingleRowPredictor(booster, CONTRIB)
    for row in rows(X):
        expected = np.asarray(booster.predict(row[None, :], num_threads=1))
        np.testing.assert_array_equal(normal.predict(row)[None, :].reshape(expected.shape), expected)
        expected_contrib = np.asarray(booster.predict(row[None, :], pred_contrib=True, num_threads=1))
        np.testing.assert_array_equal(contrib.predict(row)[None, :], expected_contrib)
    with pytest.raises(ValueError, match="one row of 6 features"):
        normal.predict(X[:2])


def test_answers_are_their_own_arrays_in_every_thread(data):
    X, y = data
    booster = lgb.train({"verbose": -1, "objective": "binary"}, lgb.Dataset(X, y), num_boost_round=10)
    contrib = SingleRowPredictor(booster, CONTRIB)
    first = contrib.predict(X[0])
    kept = first.copy()
    contrib.predict(X[1])  # the predictor's buffers are reused: an answer given must not change
    np.testing.assert_array_equal(first, kept)
    expected = [np.asarray(booster.predict(X[i : i + 1], pred_contrib=True, num_threads=1))[0] for i in range(6)]
    found: dict[int, np.ndarray] = {}
    for i in range(6):  # each thread its own buffers (one thread at a time: the booster's own locking is LightGBM's)
        thread = threading.Thread(target=lambda i=i: found.__setitem__(i, contrib.predict(X[i])))
        thread.start()
        thread.join()
    for i in range(6):
        np.testing.assert_array_equal(found[i], expected[i])
