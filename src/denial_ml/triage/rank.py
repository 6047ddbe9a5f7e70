"""Scoring, routing and ranking of denials with a trained recovery model (pure: no I/O).

`rank_denials` is the hot path (100,000 denials in well under the 5 s budget); `worklist_items` turns its
result into the rows `denial_ml.store.upsert_items` writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.artifacts.calibration import Calibration
from denial_ml.triage.denials import days_left
from denial_ml.triage.explain import explain_rows
from denial_ml.triage.features import feature_matrix
from denial_ml.triage.model import predict_overturn
from denial_ml.triage.routing import BELOW_COST, priority, route_denials


@dataclass
class TriageModel:
    """A trained recovery model: the boosters, calibration and what is needed to build their input."""

    overturn: lgb.Booster
    propensity: lgb.Booster
    calibration: Calibration
    feature_names: list[str]
    categories: dict[str, list[str]]
    appeal_cost: float
    version: str = "dev"
    metadata: dict = field(default_factory=dict)


def rank_denials(frame: pd.DataFrame, model: TriageModel, as_of: pd.Timestamp | pd.Series) -> pd.DataFrame:
    """Score, route and sort denials, highest priority first.

    Args:
        frame: Denials with their feature columns (`triage_frame` output or the same columns).
        model: The trained model.
        as_of: The day the worklist is built (a date, or one date per row), for days left.

    Returns:
        `frame` plus `p_overturn`, `expected_recovery`, `days_left`, `route`, `route_reason`, `appealable`
        (on the appeal route, or written off only for being below cost: the population an appeal policy is judged
        on), `priority`, sorted by priority (then expected recovery) descending.
    """
    X = feature_matrix(frame, model.feature_names, model.categories)
    p = predict_overturn(model.overturn, model.calibration, X)
    payment = frame["expected_payment"].to_numpy(dtype=float)
    recovery = p * payment - model.appeal_cost
    left = days_left(frame, as_of)
    route, reason = route_denials(
        frame["denial_category"], frame["denial_carc"], frame["has_ma130"], left, expected_recovery=recovery
    )
    # Past the deadline or not appealable: nothing comes back by appeal. A below-cost denial keeps its
    # (negative) figure: it says why, and the item can still be appealed.
    appealable = (route == "appeal") | (reason == BELOW_COST)
    recovery = np.where((route == "write_off") & ~appealable, 0.0, recovery)
    out = frame.assign(
        p_overturn=p,
        expected_recovery=recovery,
        days_left=left,
        route=route,
        route_reason=reason,
        appealable=appealable,
        priority=priority(recovery, payment, route, left),
    )
    order = np.lexsort((-out["expected_recovery"].to_numpy(), -out["priority"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def worklist_items(ranked: pd.DataFrame, model: TriageModel, payer_names: pd.Series | None = None) -> pd.DataFrame:
    """Worklist rows (the store's REQUIRED and OPTIONAL columns) from `rank_denials` output.

    `score_inputs` holds every model input as JSON values, so a decided item can become a training row
    of the next model run (see `denial_ml.triage.train.feedback_rows`); `factors` holds the top recovery-model
    factors of each denial (shape documented in `denial_ml.triage.explain`).
    """
    names = payer_names if payer_names is not None else pd.Series(dtype=str)
    X = feature_matrix(ranked, model.feature_names, model.categories)
    inputs = _json_inputs(ranked, model.feature_names)
    inputs = [
        {**row, "adjudication_date": day, "claim_id": claim}
        for row, day, claim in zip(
            inputs, ranked["adjudication_date"].dt.strftime("%Y-%m-%d"), ranked["claim_id"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "claim_id": ranked["claim_id"].to_numpy(),
            "payer_id": ranked["payer_id"].to_numpy(),
            "payer_name": ranked["payer_id"].map(names).to_numpy(),
            "category": ranked["denial_category"].astype(str).to_numpy(),
            "carc": ranked["denial_carc"].astype(str).to_numpy(),
            "denied_amount": ranked["denied_amount"].to_numpy(dtype=float),
            "expected_payment": ranked["expected_payment"].to_numpy(dtype=float),
            "p_overturn": ranked["p_overturn"].to_numpy(dtype=float),
            "expected_recovery": ranked["expected_recovery"].round(2).to_numpy(),
            "priority": ranked["priority"].round(2).to_numpy(),
            "route": ranked["route"].to_numpy(),
            "route_reason": ranked["route_reason"].replace("", None).to_numpy(),
            "appeal_deadline": ranked["appeal_deadline"].to_numpy(),
            "days_left": ranked["days_left"].to_numpy(),
            "model_version": model.version,
            "score_inputs": inputs,
            "factors": explain_rows(ranked, X, model.overturn, payer_names),
        }
    )


def _json_inputs(frame: pd.DataFrame, names: list[str]) -> list[dict]:
    """Feature values as JSON-safe Python values (None for missing), one dict per row."""
    columns = {}
    for name in names:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_string_dtype(col):
            columns[name] = [
                None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in col.astype(object)
            ]
        else:
            values = col.to_numpy(dtype=float)
            columns[name] = [None if math.isnan(v) else v for v in values.tolist()]
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
