"""Training: time-ordered periods, the LightGBM denial model, its calibration and the category model."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.artifacts.calibration import Calibration, fit_calibration
from denial_ml.domain.denials import CATEGORIES

PERIODS = ("train", "valid", "calib", "test")
PERIOD_CUTS = (0.68, 0.77, 0.82)  # shares of labelled claims (by submission date) before each cut
REFIT_ROUNDS = 1.1  # rounds of the final fit per early-stopped round: it learns from ~13 % more claims

DENIAL_PARAMS = {
    "objective": "binary",
    # Shallow trees: TreeSHAP costs O(trees x leaves x depth^2) per claim. Depth 3 (8 leaves) at rate 0.15 explains
    # 3.5x faster than depth 4 (15 leaves) at 0.08 for about the same ROC-AUC (200k world, seed 7: 0.8558 against
    # 0.8563; other seeds vary by 0.002 either way): a claim's denial is mostly a sum of separate mechanisms.
    "learning_rate": 0.15,
    "num_leaves": 8,
    "max_depth": 3,
    # Rare, decisive facts (a mistyped member ID: 0.25 % of claims, 88 % denied) need small leaves to be learnt.
    "min_data_in_leaf": 40,
    # No row or feature subsampling: with shallow trees it only added noise (200k world, seeds 1, 2, 7: ROC-AUC
    # 0.8565 every time against 0.8556-0.8558 with 85 % features and 90 % bagging), and runs repeat exactly.
    "feature_fraction": 1.0,
    "bagging_fraction": 1.0,
    "bagging_freq": 0,
    # Chosen on worlds other than the reported one (200k, seeds 1 and 2; 4 runs each with a random column added to
    # perturb the trees): mean test ROC-AUC 0.8651 at 5 against 0.8645 at 1, 0.8644 at 10.
    "lambda_l2": 5.0,
    "max_cat_to_onehot": 8,
    "max_cat_threshold": 32,
    "cat_smooth": 10.0,
    "num_threads": 2,
    "verbosity": -1,
    "seed": 7,
    "deterministic": True,
}
CATEGORY_PARAMS = {
    **DENIAL_PARAMS,
    "objective": "multiclass",
    "num_class": len(CATEGORIES),
    # Scored for every claim in batch: 15 leaves at depth 5 and a fast rate give 256 trees that predict 200k claims
    # in 0.9 s (31 unbounded leaves at 0.05: 728 trees, 4.6 s) for category accuracy 0.755 instead of 0.757.
    "num_leaves": 15,
    "max_depth": 5,
    "learning_rate": 0.15,
    "lambda_l2": 1.0,
}


def assign_periods(submission_date: pd.Series, cuts: tuple[float, ...] = PERIOD_CUTS) -> tuple[np.ndarray, dict]:
    """Split claims by submission date into train / valid / calib / test periods.

    Returns:
        (period name per row, {period: [first date, last date]}).
    """
    dates = pd.to_datetime(submission_date)
    period = periods_from_edges(dates, period_edges(dates, cuts))
    return period, period_bounds(dates, period)


def period_edges(submission_date: pd.Series, cuts: tuple[float, ...] = PERIOD_CUTS) -> list[pd.Timestamp]:
    """The dates where the periods after the first begin (quantiles of the submission dates)."""
    dates = pd.to_datetime(submission_date)
    return [dates.quantile(c) for c in cuts]


def periods_from_edges(submission_date: pd.Series, edges: list[pd.Timestamp]) -> np.ndarray:
    """Each claim's period by its submission date and the periods' `period_edges` (a part of the claims gets
    the periods it has in the whole set)."""
    dates = pd.to_datetime(submission_date)
    period = np.full(len(dates), "test", dtype=object)
    for name, edge in zip(reversed(PERIODS[:-1]), reversed(edges), strict=True):
        period[(dates < edge).to_numpy()] = name
    return period


def period_bounds(submission_date: pd.Series, period: np.ndarray) -> dict:
    """{period: [first date, last date]} of the periods present."""
    dates = pd.to_datetime(submission_date)
    return {
        p: [str(dates[period == p].min().date()), str(dates[period == p].max().date())]
        for p in PERIODS
        if (period == p).any()
    }


def train_denial_model(
    X: pd.DataFrame, y: np.ndarray, period: np.ndarray, max_rounds: int = 1500
) -> tuple[lgb.Booster, Calibration]:
    """Fit LightGBM on the train period with early stopping on the valid period, calibrate on the calib period."""
    tr, va, ca = (period == "train"), (period == "valid"), (period == "calib")
    dtrain = lgb.Dataset(X[tr], label=y[tr], free_raw_data=False)
    dvalid = lgb.Dataset(X[va], label=y[va], reference=dtrain)
    booster = lgb.train(
        DENIAL_PARAMS,
        dtrain,
        num_boost_round=max_rounds,
        valid_sets=[dvalid],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )
    booster = refit_on_train_and_valid(X, y, tr | va, booster.best_iteration)
    calibrator = fit_calibration(np.asarray(booster.predict(X[ca], num_iteration=booster.best_iteration)), y[ca])
    return booster, calibrator


def refit_on_train_and_valid(X: pd.DataFrame, y: np.ndarray, rows: np.ndarray, best_rounds: int) -> lgb.Booster:
    """Refit with the early-stopped number of rounds (x REFIT_ROUNDS, for the larger set) on train + valid.

    The valid period holds the most recent outcomes before calibration; leaving it out of the final model throws
    away the months closest to what is scored (measured on the 200k world: +0.003 ROC-AUC, +0.02 PR-AUC).
    """
    rounds = max(1, int(round(best_rounds * REFIT_ROUNDS)))
    booster = lgb.train(DENIAL_PARAMS, lgb.Dataset(X[rows], label=y[rows]), num_boost_round=rounds)
    booster.best_iteration = rounds
    return booster


def train_category_model(
    X: pd.DataFrame, category: pd.Series, period: np.ndarray, max_rounds: int = 800
) -> lgb.Booster:
    """Multiclass model of the denial category, trained on denied claims of the train period."""
    code = pd.Categorical(category.where(category.isin(CATEGORIES)), categories=list(CATEGORIES)).codes
    denied = code >= 0
    tr = denied & (period == "train")
    va = denied & (period == "valid")
    dtrain = lgb.Dataset(X[tr], label=code[tr], free_raw_data=False)
    dvalid = lgb.Dataset(X[va], label=code[va], reference=dtrain)
    return lgb.train(
        CATEGORY_PARAMS,
        dtrain,
        num_boost_round=max_rounds,
        valid_sets=[dvalid],
        callbacks=[lgb.early_stopping(30, verbose=False)],
    )
