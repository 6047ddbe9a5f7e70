"""Why a denial ranks where it does: the recovery model's own TreeSHAP values, grouped into readable factors.

Contributions come from LightGBM's `pred_contrib` on the P(overturn) booster (the values `shap.TreeExplainer`
gives for the same model), in the booster's log-odds before calibration. The features that describe one fact
form one factor, so per denial `base + sum(factor contributions) == raw score` exactly.

Stored shape (the worklist item's `factors` JSON, top factors by |contribution| first)::

    [{"factor": "payer_overturn_history", "label": "Payer's overturn record for this reason",
      "contribution": 0.41, "direction": "raises", "sentence": "Authorization denials of ... 78 % ..."}, ...]

`direction` is "raises" or "lowers" (the chance that an appeal overturns the denial). Days left to the deadline
are not a model input (they set the priority, not P(overturn)), so they never appear as a factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.explain.factors import FACTORS as CLAIM_FACTORS
from denial_ml.triage.reasons import describe

TOP_K = 4


@dataclass(frozen=True)
class RecoveryFactor:
    """A named group of recovery-model features."""

    name: str
    label: str
    features: tuple[str, ...]


# Denial-time facts (see `denial_ml.triage.features`).
DENIAL_FACTORS: tuple[RecoveryFactor, ...] = (
    RecoveryFactor(
        "denial_reason",
        "Denial reason",
        ("denial_category", "denial_carc", "denial_group_code", "claim_level_denial", "has_ma130"),
    ),
    RecoveryFactor(
        "payer_overturn_history",
        "Payer's overturn record for this reason",
        ("payer_category_overturn_rate", "payer_category_appeals"),
    ),
    RecoveryFactor(
        "provider_overturn_history", "Provider's overturn record", ("provider_overturn_rate", "provider_appeals")
    ),
    RecoveryFactor("expected_payment", "Money at stake", ("log_expected_payment", "log_denied_amount")),
    RecoveryFactor("appeal_window", "Payer's appeal window", ("appeal_deadline_days",)),
)
# Claim features keep the denial explainer's groups, a few merged: an appeals worker reads "eligibility" or
# "coding" as one fact about the claim. Unlisted claim factors keep their own name.
CLAIM_MERGE = {
    "eligibility_check": ("eligibility", "Eligibility and member ID"),
    "member_id": ("eligibility", "Eligibility and member ID"),
    "coverage": ("eligibility", "Eligibility and member ID"),
    "patient_eligibility_history": ("eligibility", "Eligibility and member ID"),
    "modifiers": ("coding", "Coding on the claim form"),
    "diagnosis_coding": ("coding", "Coding on the claim form"),
    "rendering_npi": ("coding", "Coding on the claim form"),
    "diagnosis_pointer": ("coding", "Coding on the claim form"),
    # The history slices read, after the denial, as the payer's and the patient's record.
    "payer_procedure_slices": ("payer_procedure_history", "Payer's record with this procedure"),
    "patient_service_history": ("patient_history", "Patient's claim history"),
}


def recovery_factors() -> tuple[RecoveryFactor, ...]:
    """Every recovery factor: the denial-time groups, then the merged claim-feature groups."""
    merged: dict[str, tuple[str, list[str]]] = {}
    for factor in CLAIM_FACTORS:
        name, label = CLAIM_MERGE.get(factor.name, (factor.name, factor.label))
        merged.setdefault(name, (label, []))[1].extend(factor.features)
    claim = tuple(RecoveryFactor(name, label, tuple(features)) for name, (label, features) in merged.items())
    return DENIAL_FACTORS + claim


def grouping_matrix(feature_names: list[str], factors: tuple[RecoveryFactor, ...]) -> np.ndarray:
    """0/1 matrix (n_features x n_factors) summing feature contributions into factor contributions.

    Features of a factor that the model lacks are ignored; a model feature in no factor is an error, so a new
    feature cannot silently drop out of the explanation.

    Raises:
        ValueError: naming the model features without a factor.
    """
    column = {feature: j for j, factor in enumerate(factors) for feature in factor.features}
    missing = [f for f in feature_names if f not in column]
    if missing:
        raise ValueError(f"recovery features without a factor: {', '.join(missing)}")
    G = np.zeros((len(feature_names), len(factors)))
    G[np.arange(len(feature_names)), [column[f] for f in feature_names]] = 1.0
    return G


@dataclass
class RecoveryContributions:
    """TreeSHAP contributions of a batch in log-odds: `base + factors.sum(axis=1) == raw`."""

    base: np.ndarray  # (n,)
    factors: np.ndarray  # (n, n_factors)
    raw: np.ndarray  # (n,)


def factor_contributions(booster: lgb.Booster, X: pd.DataFrame, G: np.ndarray) -> RecoveryContributions:
    """Per-feature TreeSHAP values of the overturn booster on `X`, summed into factors with `G`."""
    C = np.asarray(booster.predict(X, pred_contrib=True), dtype=float)
    return RecoveryContributions(base=C[:, -1], factors=C[:, :-1] @ G, raw=C.sum(axis=1))


def top_indexes(contrib: np.ndarray, k: int) -> np.ndarray:
    """Per row, the indexes of the `k` factors with the largest |contribution|, largest first."""
    k = min(k, contrib.shape[1])
    return np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :k]


def explain_rows(
    ranked: pd.DataFrame,
    X: pd.DataFrame,
    booster: lgb.Booster,
    payer_names: pd.Series | None = None,
    k: int = TOP_K,
) -> list[list[dict]]:
    """The top-`k` factors of every row of `ranked` (the stored shape above), in row order.

    Args:
        ranked: `rank_denials` output (feature columns plus expected_payment, days_left, ...).
        X: The model input of the same rows (`feature_matrix`).
        booster: The P(overturn) booster.
        payer_names: Payer name by payer id, for the sentences (ids are used without it).
        k: Factors kept per row; factors with zero contribution are left out.
    """
    factors = recovery_factors()
    contrib = factor_contributions(booster, X, grouping_matrix(list(X.columns), factors))
    top = top_indexes(contrib.factors, k)
    names = dict(payer_names) if payer_names is not None else {}
    payer = [names.get(p, p) for p in ranked["payer_id"].tolist()]
    records = ranked.to_dict("records")
    out = []
    for i, row in enumerate(records):
        row["payer_name"] = payer[i]
        out.append([_factor(factors[j], float(contrib.factors[i, j]), row) for j in top[i] if contrib.factors[i, j]])
    return out


def _factor(factor: RecoveryFactor, value: float, row: dict) -> dict:
    return {
        "factor": factor.name,
        "label": factor.label,
        "contribution": value,
        "direction": "raises" if value > 0 else "lowers",
        "sentence": describe(factor.name, row, factor.label),
    }
