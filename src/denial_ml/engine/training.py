"""The denial model trained with LightGBM's own Dask interface (`lightgbm.dask`) on rows held by the workers.

The same recipe as `modeling.train.train_denial_model`: fit on the train period, pick the number of rounds by the
valid period's log loss with a patience of `PATIENCE` rounds, refit on train + valid with that many rounds x
`REFIT_ROUNDS`. `lightgbm.dask` has no early stopping (the workers would stop at different rounds: LightGBM issues
#3712 and #6351), so the first fit runs a budget of rounds and the rounds are picked afterwards on the client, from
the valid rows' scores after each round, by the rule `lgb.early_stopping` applies; a budget the rule would not have
stopped inside is fitted again, larger (the rounds picked are the single-process rule's, up to `MAX_ROUNDS`). The
result is a plain `lgb.Booster` (`to_local`), calibrated and bundled by the single-process code.

Not bit-identical to the single-process model: in LightGBM's distributed dataset each feature's bin boundaries come
from one worker's own rows rather than from all rows, and the workers' histograms are added in another order, so
split thresholds and gains differ a little and the trees drift apart over the rounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.engine.features import LABEL, PERIOD
from denial_ml.modeling.train import DENIAL_PARAMS, REFIT_ROUNDS

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client, Future

PATIENCE = 50  # as `train_denial_model`'s early stopping
MAX_ROUNDS = 1500
FIRST_ROUNDS = 500  # the first fit's budget, x GROW_ROUNDS (up to MAX_ROUNDS) while the loss still falls at its end
GROW_ROUNDS = 3


def dask_params() -> dict:
    """`DENIAL_PARAMS` for `DaskLGBMClassifier` (`lightgbm.dask` gives each worker's LightGBM its threads)."""
    params = {k: v for k, v in DENIAL_PARAMS.items() if k not in ("num_threads", "seed")}
    return params | {"random_state": DENIAL_PARAMS["seed"]}


def fit_data(
    rows: dict[str, tuple[list[Future], list[Future]]], periods: tuple[str, ...], meta: pd.DataFrame
) -> tuple[dd.DataFrame, dd.Series]:
    """The features and labels of `periods` as Dask collections over the parts' futures (no copy: the partitions
    are the futures the workers hold, `DistributedRows.rows`)."""
    import dask.dataframe as dd

    X = [x for p in periods for x in rows[p][0]]
    y = [label for p in periods for label in rows[p][1]]
    features = [c for c in meta.columns if c not in (LABEL, PERIOD)]
    return (
        dd.from_delayed(X, meta=meta[features].iloc[:0], verify_meta=False),
        dd.from_delayed(y, meta=meta[LABEL].iloc[:0], verify_meta=False),
    )


def fit_rounds(
    client: Client,
    rows: dict[str, tuple[list[Future], list[Future]]],
    periods: tuple[str, ...],
    rounds: int,
    meta: pd.DataFrame,
) -> lgb.Booster:
    """Fit `rounds` rounds on the rows of `periods` with `lightgbm.dask`; the model as a plain Booster.

    Args:
        client: The Dask client. rows: The parts' rows (`DistributedRows.rows`). periods: Which periods to fit on.
        rounds: Boosting rounds. meta: An empty frame of the rows' columns and types (features, LABEL, PERIOD).
    """
    from lightgbm.dask import DaskLGBMClassifier

    X, y = fit_data(rows, periods, meta)
    model = DaskLGBMClassifier(client=client, n_estimators=rounds, **dask_params())
    model.fit(X, y)
    return model.to_local().booster_


def best_rounds(booster: lgb.Booster, X_valid: np.ndarray, y_valid: np.ndarray, patience: int = PATIENCE) -> int:
    """The round `lgb.early_stopping(patience)` would have kept: the first with the lowest valid log loss, found by
    scoring the valid rows after each round until `patience` rounds pass without a lower loss."""
    raw = np.zeros(len(y_valid))
    best, best_loss = 0, np.inf
    for i in range(booster.num_trees()):
        raw += booster.predict(X_valid, start_iteration=i, num_iteration=1, raw_score=True)
        loss = log_loss(y_valid, raw)
        if loss < best_loss:
            best, best_loss = i + 1, loss
        elif i + 1 - best >= patience:
            break
    return best


def log_loss(y: np.ndarray, raw: np.ndarray) -> float:
    """LightGBM's `binary_logloss` of raw scores (probabilities clipped as LightGBM clips them)."""
    p = np.clip(1.0 / (1.0 + np.exp(-raw)), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def train_denial_dask(
    client: Client,
    rows: dict[str, tuple[list[Future], list[Future]]],
    meta: pd.DataFrame,
    valid: tuple[np.ndarray, np.ndarray],
    max_rounds: int = MAX_ROUNDS,
) -> tuple[lgb.Booster, int]:
    """The denial model trained on the workers' rows.

    Args:
        client: The Dask client.
        rows: The train and valid periods' features and labels on the workers (`DistributedRows.rows`).
        meta: An empty frame of the rows' columns and types.
        valid: The valid period's feature matrix (categoricals as their codes, `transform_array`'s form) and labels.
        max_rounds: The most rounds the first fit can get (as `train_denial_model`'s `max_rounds`).

    Returns:
        The final booster (`best_iteration` set) and the rounds picked on the valid period.
    """
    budget = min(FIRST_ROUNDS, max_rounds)
    while True:
        first = fit_rounds(client, rows, ("train",), budget, meta)
        picked = max(1, best_rounds(first, *valid))
        if picked + PATIENCE <= budget or budget >= max_rounds:  # early stopping would have stopped inside
            break
        budget = min(budget * GROW_ROUNDS, max_rounds)
    rounds = max(1, int(round(picked * REFIT_ROUNDS)))
    booster = fit_rounds(client, rows, ("train", "valid"), rounds, meta)
    booster.best_iteration = rounds
    return booster, picked


def feature_matrix(X: pd.DataFrame) -> np.ndarray:
    """A feature frame as `FeatureBuilder.transform_array` gives it: categoricals as their codes, NaN unknown."""
    columns = [
        np.where(X[c].cat.codes.to_numpy() < 0, np.nan, X[c].cat.codes.to_numpy()).astype(float)
        if isinstance(X[c].dtype, pd.CategoricalDtype)
        else X[c].to_numpy(dtype=float)
        for c in X.columns
    ]
    return np.column_stack(columns) if columns else np.empty((len(X), 0))
