"""The explanation of one claim (the service's one-claim requests): `Explainer.explain_views`' answer for a batch of
one, assembled in plain Python.

For one row, the batch assembly's NumPy calls on arrays of one row (ranking the factors, picking the likely
category, reading the procedure rates) cost more than the work (issue #20). The values that are float arithmetic
(TreeSHAP grouped into factors, the raw score, the calibrated risk) still come from the batch's own NumPy
expressions on the one-row arrays, so they are the same bits; the choices made on them are made here the way
NumPy makes them, and handed back to NumPy where Python could choose otherwise (ties, NaN).
tests/code/test_explain_one_claim.py compares the answers with the batch assembly's.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.checks import CHECKS, run_checks
from denial_ml.explain.context import ClaimView
from denial_ml.explain.factors import factor_categories_of_one, top_factors
from denial_ml.modeling.bundle import Scorer
from denial_ml.modeling.single_row import SingleRowPredictor


class Assembler(Protocol):
    """What `explain_one` reads of the `Explainer` (a protocol: the explainer imports this module)."""

    scorer: Scorer
    top_k: int
    grouping_: np.ndarray

    @property
    def single_row_(self) -> tuple[SingleRowPredictor, SingleRowPredictor]: ...

    @staticmethod
    def _factors(view: ClaimView, contrib: list[float], categories: list[str], top: list[int]) -> list[dict]: ...


RATE_NAMES = tuple(f"hist_payer_proc_{c}_rate" for c in CATEGORIES)  # `factors.procedure_rates`' columns


_RATE_COLUMNS: dict[int, tuple[list[str], list[int]]] = {}


def rate_columns(names: list[str]) -> list[int]:
    """Where `RATE_NAMES` are among a model's feature names (found once per model's list)."""
    held = _RATE_COLUMNS.get(id(names))
    if held is None or held[0] is not names:
        if len(_RATE_COLUMNS) > 4:  # reloads replace models; keep only a few
            _RATE_COLUMNS.clear()
        held = _RATE_COLUMNS[id(names)] = (names, [names.index(n) for n in RATE_NAMES])
    return held[1]


def raising_factors(factors: list[float], k: int) -> list[int]:
    """The factors among `top_factors(..., k)` of one row that raise the risk (contribution > 0), largest first.

    Sorted in Python when the order is unique (no NaN, no two equal positive contributions among the first k + 1);
    otherwise NumPy's own ranking decides, as in the batch.
    """
    k = min(k, len(factors))
    if all(v == v for v in factors):
        order = sorted(range(len(factors)), key=factors.__getitem__, reverse=True)
        head = [factors[j] for j in order[: k + 1] if factors[j] > 0]
        if len(set(head)) == len(head):
            return [j for j in order[:k] if factors[j] > 0]
    top = top_factors(np.array([factors]), k)[0].tolist()
    return [j for j in top if factors[j] > 0]


def likely_category(probabilities: list[float]) -> str:
    """`CATEGORIES[argmax]` of one row of category probabilities (the first of equal maxima; NumPy for NaN)."""
    if all(p == p for p in probabilities):
        return CATEGORIES[probabilities.index(max(probabilities))]
    return CATEGORIES[int(np.argmax(probabilities))]


def explain_one(explainer: Assembler, view: ClaimView, X: np.ndarray) -> dict:
    """`explainer.explain_views([view], X)[0]` for the one row of `X` (LightGBM's single-row predictors)."""
    shap, category = explainer.single_row_
    C = shap.predict(X[0])[None, :]
    # The batch's expressions (`grouped_contributions`, the calibration) on the one-row arrays: the same bits.
    per_feature = C[:, :-1]
    factors_row, raw = per_feature @ explainer.grouping_, C.sum(axis=1)
    risk = explainer.scorer.calibrator.apply(1.0 / (1.0 + np.exp(-raw)))
    factors = factors_row[0].tolist()
    reasons = raising_factors(factors, explainer.top_k)
    findings = [f.to_dict() for f in run_checks(view, CHECKS)]
    probabilities = category.predict(X[0]).tolist()
    likely = likely_category(probabilities)
    row = X[0].tolist()
    rates = [row[j] for j in rate_columns(explainer.scorer.builder.feature_names_)]
    view.cache["likely_category"] = likely
    return {
        "claim_id": view.claim["claim_id"],
        "denial_risk": risk.tolist()[0],
        "likely_category": likely,
        "category_probabilities": dict(zip(CATEGORIES, probabilities, strict=True)),
        "base_value": C[0, -1].item(),
        "raw_score": raw.tolist()[0],
        "factors": explainer._factors(view, factors, factor_categories_of_one(likely, rates), reasons),
        "findings": findings,
        "model_version": explainer.scorer.version,
    }
