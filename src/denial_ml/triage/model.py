"""The recovery model: P(appealed) for selection-bias weights, P(overturn) with LightGBM, calibration.

Calibration is kept as JSON arrays (Platt coefficients or isotonic breakpoints), so a bundle holds no pickles.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

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


@dataclass(frozen=True)
class Calibration:
    """Map from raw booster score to probability.

    "platt": p = sigmoid(a * logit(raw) + b), `x` = [a, b] (keeps the ranking strictly);
    "isotonic": breakpoints `x` ascending, `y` non-decreasing, applied by linear interpolation.
    """

    method: str
    x: list[float]
    y: list[float]

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw scores."""
        raw = np.asarray(raw, dtype=float)
        if self.method == "platt":
            a, b = self.x
            return 1.0 / (1.0 + np.exp(-(a * _logit(raw) + b)))
        return np.interp(raw, self.x, self.y)

    def to_json(self) -> dict[str, object]:
        """The method and its arrays as plain JSON values."""
        return {"method": self.method, "x": self.x, "y": self.y}

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        """Read arrays written by `to_json`.

        Raises:
            ValueError: naming the problem (unknown method, arrays of the wrong length or order).
        """
        method, x, y = data.get("method"), data.get("x"), data.get("y")
        if method not in ("platt", "isotonic"):
            raise ValueError(f"calibration.json: unknown method {method!r}; expected 'platt' or 'isotonic'")
        if not isinstance(x, list) or not isinstance(y, list):
            raise ValueError("calibration.json: 'x' and 'y' must be lists")
        if method == "platt" and len(x) != 2:
            raise ValueError("calibration.json: platt needs 'x' = [a, b]")
        if method == "isotonic" and (len(x) != len(y) or not x or np.any(np.diff(np.asarray(x, float)) < 0)):
            raise ValueError("calibration.json: isotonic 'x' must be ascending and as long as 'y'")
        return cls(method, [float(v) for v in x], [float(v) for v in y])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


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


def fit_calibration(
    raw: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, method: str = "platt"
) -> Calibration:
    """Calibrate raw scores on held-out outcomes ("platt" or "isotonic")."""
    raw = np.asarray(raw, dtype=float)
    y = np.asarray(y, dtype=float)
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(raw, y, sample_weight=weight)
        return Calibration("isotonic", [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_])
    platt = LogisticRegression(C=1e6).fit(_logit(raw)[:, None], y, sample_weight=weight)
    return Calibration("platt", [float(platt.coef_[0, 0]), float(platt.intercept_[0])], [])


def predict_overturn(booster: lgb.Booster, calibration: Calibration, X: pd.DataFrame) -> np.ndarray:
    """Calibrated P(overturn) per row."""
    return np.clip(calibration.apply(np.asarray(booster.predict(X), dtype=float)), 0.0, 1.0)
