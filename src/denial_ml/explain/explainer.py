"""Explain claims: risk, the factors behind it (SHAP in log-odds, grouped), sentences, fixes and check findings.

TreeSHAP values come from LightGBM's own `pred_contrib` (identical to `shap.TreeExplainer` on LightGBM and
computed without converting the model). The base value plus every factor's contribution equals the raw score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.checks import run_checks
from denial_ml.explain.context import (
    ClaimView,
    attach_slice_evidence,
    claim_views,
    fill_slice_evidence,
    fill_worst_procedures,
    views_from_records,
)
from denial_ml.explain.factors import FACTORS, factor_categories, grouping_matrix, procedure_rates, top_factors
from denial_ml.explain.sentences import describe
from denial_ml.features.slice_evidence import BatchEvidence
from denial_ml.modeling.bundle import Scorer, prediction_threads


@dataclass
class Contributions:
    """SHAP contributions of a batch, grouped into factors (all in log-odds)."""

    base: np.ndarray  # (n,)
    factors: np.ndarray  # (n, n_factors)
    raw: np.ndarray  # (n,) = base + factors.sum(axis=1)
    features: np.ndarray  # (n, n_features), ungrouped


def factor_contributions(booster: lgb.Booster, X: np.ndarray | pd.DataFrame, G: np.ndarray) -> Contributions:
    """TreeSHAP feature contributions of the denial model summed into factors (`G` from `grouping_matrix`)."""
    # TreeSHAP costs ~0.2 ms a row, so a second thread pays off from a few hundred rows (plain scoring: thousands).
    C = np.asarray(booster.predict(X, pred_contrib=True, num_threads=1 if len(X) < 200 else 0))
    per_feature = C[:, :-1]
    return Contributions(base=C[:, -1], factors=per_feature @ G, raw=C.sum(axis=1), features=per_feature)


@dataclass
class Explainer:
    """Explains claims with a loaded model bundle.

    Args:
        scorer: The loaded bundle.
        top_k: Number of factors reported per claim (those that raise the risk most).
    """

    scorer: Scorer
    top_k: int = 3
    grouping_: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.grouping_ = grouping_matrix(self.scorer.builder.feature_names_)

    def explain(self, claims: pd.DataFrame, lines: pd.DataFrame) -> list[dict]:
        """One explanation per claim, in the order of `claims` (see `explain_features` for the fields)."""
        claims = claims.reset_index(drop=True)
        X = self.scorer.builder.transform_array(claims, lines)
        return self.explain_features(claims, lines, X)

    def explain_features(self, claims: pd.DataFrame, lines: pd.DataFrame, X: np.ndarray) -> list[dict]:
        """Explanations for claims whose feature matrix is already built.

        Returns:
            Dicts with claim_id, denial_risk (calibrated), likely_category, category_probabilities, base_value,
            raw_score, factors (top factors: factor, label, category, contribution, sentence, fix), findings
            (check results: code, severity, field, message, fix, category) and model_version.
        """
        return self._explain(claim_views(claims, lines, X, self.scorer.builder), X)

    def explain_records(self, claims: Sequence[dict], lines: Sequence[dict]) -> list[dict]:
        """`explain` for claims and lines given as dicts keyed by the data model's columns (None when missing):
        the service's path, which builds no DataFrame."""
        builder = self.scorer.builder
        X, found = builder.transform_records_with_slices(claims, lines)
        views = views_from_records(claims, lines, X, builder)
        attach_slice_evidence(views, lines, BatchEvidence(found, len(views)))  # no second history lookup
        return self._explain(views, X)

    def _explain(self, views: list[ClaimView], X: np.ndarray) -> list[dict]:
        contrib = factor_contributions(self.scorer.denial_model, X, self.grouping_)
        risk = self.scorer.calibrator.apply(1.0 / (1.0 + np.exp(-contrib.raw)))
        cat_probs = np.asarray(self.scorer.category_model.predict(X, num_threads=prediction_threads(len(X))))
        likely = np.array(CATEGORIES, dtype=object)[cat_probs.argmax(axis=1)]
        categories = factor_categories(likely, procedure_rates(X, self.scorer.builder.feature_names_))
        top = top_factors(contrib.factors, self.top_k)
        if len(views) > 1:
            fill_worst_procedures(views)
            fill_slice_evidence(views)
        version = self.scorer.version
        out = []
        for i, view in enumerate(views):
            view.cache["likely_category"] = likely[i]
            out.append(
                {
                    "claim_id": view.claim["claim_id"],
                    "denial_risk": float(risk[i]),
                    "likely_category": likely[i],
                    "category_probabilities": {c: float(p) for c, p in zip(CATEGORIES, cat_probs[i], strict=True)},
                    "base_value": float(contrib.base[i]),
                    "raw_score": float(contrib.raw[i]),
                    "factors": self._factors(view, contrib.factors[i], categories[i], top[i]),
                    "findings": [f.to_dict() for f in run_checks(view)],
                    "model_version": version,
                }
            )
        return out

    def _factors(self, view: ClaimView, contrib: np.ndarray, categories: np.ndarray, top: np.ndarray) -> list[dict]:
        # Only factors that raise the risk are reasons; a claim with none gets an empty list.
        out = []
        for j in top.tolist():
            if contrib[j] <= 0:
                break
            sentence, fix = describe(FACTORS[j].name, view)
            out.append(
                {
                    "factor": FACTORS[j].name,
                    "label": FACTORS[j].label,
                    "category": categories[j],
                    "contribution": float(contrib[j]),
                    "sentence": sentence,
                    "fix": fix,
                }
            )
        return out
