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
