"""The denial model's yardsticks on the test period: baseline scores and the category model's accuracy."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from denial_ml.domain.denials import CATEGORIES


def baseline_scores(
    tables: dict[str, pd.DataFrame], claims: pd.DataFrame, X: pd.DataFrame, y: np.ndarray, period: np.ndarray
) -> dict[str, np.ndarray]:
    """Scores of the comparison models on the test period: the payer x procedure denial rate, a logistic
    regression fitted on the train period, and the synthetic truth when the tables carry it."""
    te, tr = period == "test", period == "train"
    out = {"payer_procedure_rate": X.loc[te, "hist_payer_proc_rate"].to_numpy()}
    cats = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    nums = [c for c in X.columns if c not in cats]
    logreg = make_pipeline(
        ColumnTransformer(
            [
                ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), cats),
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
            ]
        ),
        LogisticRegression(max_iter=400),
    )
    fit_rows = np.flatnonzero(tr)
    if len(fit_rows) > 200_000:  # a linear baseline does not need more; keeps big runs inside their budget
        fit_rows = np.random.default_rng(0).choice(fit_rows, 200_000, replace=False)
    Xs = X.assign(**{c: lexical_codes(X[c]) for c in cats})
    logreg.fit(Xs.iloc[fit_rows], y[fit_rows])
    out["logistic_regression"] = logreg.predict_proba(Xs[te])[:, 1]
    if "truth" in tables:
        truth = tables["truth"].set_index("claim_id")["denial_probability"]
        out["truth"] = claims.loc[te, "claim_id"].map(truth).to_numpy(dtype=float)
    return out


def lexical_codes(column: pd.Series) -> np.ndarray:
    """A categorical column as integers in the order of its values' strings (missing as "nan"), so that the
    one-hot encoder gives the same columns in the same order as on `column.astype(str)`, without comparing a
    million Python strings (the baseline fit's largest cost after the solver)."""
    labels = np.array([str(c) for c in column.cat.categories] + ["nan"], dtype=object)
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(labels, kind="stable")] = np.arange(len(labels))
    codes = column.cat.codes.to_numpy()
    return rank[np.where(codes < 0, len(labels) - 1, codes)]


def category_metrics(cat_model: lgb.Booster, X_test: pd.DataFrame, category: pd.Series) -> dict:
    """Accuracy and per-category recall of the category model on the denied test claims."""
    denied = (category != "").to_numpy()
    if not denied.any():
        return {"category_accuracy": float("nan")}
    probs = np.asarray(cat_model.predict(X_test[denied]))
    predicted = np.array(CATEGORIES)[probs.argmax(axis=1)]
    actual = category[denied].to_numpy()
    by_cat = {c: float((predicted[actual == c] == c).mean()) for c in CATEGORIES if (actual == c).any()}
    return {"category_accuracy": float((predicted == actual).mean()), "category_recall": by_cat}
