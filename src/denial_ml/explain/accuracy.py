"""How often the explanation names the true cause (measurable on the synthetic world, whose causes are known)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.explainer import factor_contributions
from denial_ml.explain.factors import factor_categories, grouping_matrix, procedure_rates, top_factors

# Causes a claim carries on its face (the ones a pre-submission explanation can point at).
CLAIM_LEVEL_CAUSES = ("authorization", "eligibility", "coding", "timely_filing", "duplicate")


def top_factor_categories(
    denial_model: lgb.Booster, category_model: lgb.Booster, X: pd.DataFrame | np.ndarray, feature_names: list[str]
) -> np.ndarray:
    """The category of each claim's top factor (the factor that raises its risk most)."""
    contrib = factor_contributions(denial_model, X, grouping_matrix(feature_names))
    likely = np.array(CATEGORIES, dtype=object)[np.asarray(category_model.predict(X)).argmax(axis=1)]
    top = top_factors(contrib.factors, 1)
    return np.take_along_axis(factor_categories(likely, procedure_rates(X, feature_names)), top, axis=1)[:, 0]


def explanation_accuracy(top_category: np.ndarray, cause: np.ndarray) -> dict:
    """Share of claims with a claim-level true cause whose top factor's category is that cause.

    Args:
        top_category: Category of each claim's top factor.
        cause: Each claim's true denial cause ("" when not denied).

    Returns:
        `explanation_top1_accuracy`, `explanation_top1_accuracy_by_cause` and `explanation_n` (claims counted).
    """
    cause = np.asarray(cause, dtype=object)
    mask = np.isin(cause, CLAIM_LEVEL_CAUSES)
    hit = np.asarray(top_category, dtype=object)[mask] == cause[mask]
    by_cause = {c: float(hit[cause[mask] == c].mean()) for c in CLAIM_LEVEL_CAUSES if (cause[mask] == c).any()}
    return {
        "explanation_top1_accuracy": float(hit.mean()) if mask.any() else float("nan"),
        "explanation_top1_accuracy_by_cause": by_cause,
        "explanation_n": int(mask.sum()),
    }


def truth_explanation_metrics(
    truth: pd.DataFrame,
    booster: lgb.Booster,
    cat_model: lgb.Booster,
    X_test: pd.DataFrame,
    claim_ids: pd.Series,
    y_test: np.ndarray,
) -> dict:
    """Top-1 explanation accuracy of the denied test claims against the synthetic truth's denial causes, with the
    truth's own ceiling (its most probable cause) when the truth carries it."""
    denied = y_test.astype(bool)
    truth = truth.set_index("claim_id")
    ids = claim_ids[denied]
    cause = ids.map(truth["denial_cause"]).fillna("").to_numpy(dtype=object)
    top = top_factor_categories(booster, cat_model, X_test[denied], list(X_test.columns))
    out = explanation_accuracy(top, cause)
    if "likely_cause" in truth:  # the ceiling: the most probable cause, every hidden fact known
        ceiling = explanation_accuracy(ids.map(truth["likely_cause"]).fillna("").to_numpy(dtype=object), cause)
        out["truth_explanation_top1_accuracy"] = ceiling["explanation_top1_accuracy"]
    return out
