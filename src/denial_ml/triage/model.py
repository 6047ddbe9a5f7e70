"""The recovery model: P(appealed) for selection-bias weights, P(overturn) with LightGBM, calibration.

Calibration is `denial_ml.artifacts.calibration`'s, shared with the denial-risk model (Platt on the logit,
fitted with the inverse-propensity weights).
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.artifacts.calibration import Calibration

MIN_PROPENSITY = 0.05  # weights are capped at 20: a few rare appeals must not dominate the fit
OVERTURN_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "cat_smooth": 20.0,
    "min_data_per_group": 20,
    "verbose": -1,
    "num_threads": 2,
    "seed": 7,
}
OVERTURN_ROUNDS = 150
PROPENSITY_ROUNDS = 120


def fit_booster(
    X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None, rounds: int, params: dict | None = None
) -> lgb.Booster:
    """A LightGBM binary classifier (categoricals taken natively from pandas Categoricals)."""
    data = lgb.Dataset(X, label=np.asarray(y, dtype=float), weight=weight, free_raw_data=True)
    return lgb.train(params or OVERTURN_PARAMS, data, num_boost_round=rounds)


def fit_propensity(X: pd.DataFrame, appealed: np.ndarray) -> lgb.Booster:
    """P(appealed | features) over all denials of the training period."""
    return fit_booster(X, appealed, None, PROPENSITY_ROUNDS)


def inverse_propensity_weights(propensity: lgb.Booster, X: pd.DataFrame) -> np.ndarray:
    """1 / P(appealed), with P clipped at `MIN_PROPENSITY`, normalised to mean 1."""
    p = np.clip(propensity.predict(X), MIN_PROPENSITY, 1.0)
    weights = 1.0 / p
    return weights / weights.mean()


def predict_overturn(booster: lgb.Booster, calibration: Calibration, X: pd.DataFrame) -> np.ndarray:
    """Calibrated P(overturn) per row."""
    return np.clip(calibration.apply(np.asarray(booster.predict(X), dtype=float)), 0.0, 1.0)
