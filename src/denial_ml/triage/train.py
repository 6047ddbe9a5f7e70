"""Training and test-period evaluation of the recovery model (pure: tables in, model and metrics out).

Denials are split by adjudication date into train (first 60 %), calibration (next 20 %) and test (last
20 %). The propensity model learns which train-period denials staff appealed; overturn rows are weighted by
1 / P(appealed) so the model describes all denials, not only the ones people chose. The test period is
judged against the world's truth on every appealable denial, appealed or not.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.artifacts.calibration import Calibration, fit_calibration
from denial_ml.features.build import FeatureBuilder
from denial_ml.triage.denials import decided_appeals
from denial_ml.triage.evaluate import calibration_figures, recovered_at
from denial_ml.triage.features import feature_categories, feature_matrix, feature_names, triage_frame
from denial_ml.triage.model import (
    OVERTURN_ROUNDS,
    fit_booster,
    fit_propensity,
    inverse_propensity_weights,
    predict_overturn,
)
from denial_ml.triage.rank import TriageModel, rank_denials

SPLIT = (0.6, 0.8)  # quantiles of adjudication date closing the train and calibration periods
TOP_FRACTION = 0.2


def split_periods(dates: pd.Series, cuts: tuple[float, float] = SPLIT) -> np.ndarray:
    """'train' / 'calibration' / 'test' per row, by adjudication-date quantiles (ties stay together)."""
    day = pd.to_datetime(dates)
    first, second = day.quantile(cuts[0]), day.quantile(cuts[1])
    return np.where(day <= first, "train", np.where(day <= second, "calibration", "test"))


def feedback_rows(outcomes: pd.DataFrame, known_claims: pd.Index | set) -> pd.DataFrame:
    """Training rows from worklist outcomes: the stored score inputs as features, the outcome as label.

    Args:
        outcomes: `WorklistStore.outcomes_frame()` (columns `claim_id`, `overturned`, `input_<feature>`).
        known_claims: Claims whose appeal outcome the data already holds (not counted twice).

    Returns:
        One row per new decided item: the feature columns (without the `input_` prefix) and `overturned`.
    """
    if outcomes.empty:
        return pd.DataFrame()
    fresh = outcomes[~outcomes["claim_id"].isin(known_claims)]
    inputs = [c for c in fresh.columns if c.startswith("input_")]
    rows = fresh[inputs].rename(columns=lambda c: c.removeprefix("input_"))
    rows = rows.drop(columns=["claim_id"], errors="ignore")
    return rows.assign(claim_id=fresh["claim_id"].to_numpy(), overturned=fresh["overturned"].astype(float).to_numpy())


def train_triage(
    tables: dict[str, pd.DataFrame], appeal_cost: float, outcomes: pd.DataFrame | None = None
) -> tuple[TriageModel, dict, pd.DataFrame]:
    """Fit the recovery model on a world's history and evaluate it on the test period.

    Args:
        tables: A world's tables (`truth` optional: without it the truth figures are left out).
        appeal_cost: Dollars it costs to work one appeal.
        outcomes: Decided worklist items (`outcomes_frame()`), added as training rows.

    Returns:
        `(model, metrics, frame)`: metrics as written to metrics.json, frame the scored denials.
    """
    builder = FeatureBuilder().fit(tables)
    frame = triage_frame(tables, builder)
    return train_on_frame(frame, builder, tables["appeals"], tables.get("truth"), appeal_cost, outcomes)


def train_on_frame(
    frame: pd.DataFrame,
    builder: FeatureBuilder,
    appeals: pd.DataFrame,
    truth: pd.DataFrame | None,
    appeal_cost: float,
    outcomes: pd.DataFrame | None = None,
) -> tuple[TriageModel, dict, pd.DataFrame]:
    """`train_triage` from the world's triage frame (`triage_frame` with `builder`), its appeals and truth.

    Only the appeals and truth of the frame's denials are used: a caller may pass those alone.
    """
    names, categories = feature_names(builder), feature_categories(builder)
    frame["period"] = split_periods(frame["adjudication_date"])
    X_all = feature_matrix(frame, names, categories)
    decided = decided_appeals({"appeals": appeals}, frame)
    label = frame["claim_id"].map(decided.set_index("claim_id")["overturned"])
    train = (frame["period"] == "train").to_numpy()
    appealed = frame["claim_id"].isin(appeals["claim_id"]).to_numpy(dtype=float)
    propensity = fit_propensity(X_all[train], appealed[train])

    rows = train & label.notna().to_numpy()
    X_rows, y_rows = X_all[rows], label[rows].to_numpy()
    feedback = feedback_rows(outcomes if outcomes is not None else pd.DataFrame(), set(decided["claim_id"]))
    if len(feedback):
        X_rows = pd.concat([X_rows, feature_matrix(feedback, names, categories)], ignore_index=True)
        y_rows = np.concatenate([y_rows, feedback["overturned"].to_numpy()])
    weights = inverse_propensity_weights(propensity, X_rows)
    weighted = fit_booster(X_rows, y_rows, weights, OVERTURN_ROUNDS)
    plain = fit_booster(X_rows, y_rows, None, OVERTURN_ROUNDS)

    calib = (frame["period"] == "calibration").to_numpy() & label.notna().to_numpy()
    X_cal, y_cal = X_all[calib], label[calib].to_numpy()
    w_cal = inverse_propensity_weights(propensity, X_cal)
    model = TriageModel(
        overturn=weighted,
        propensity=propensity,
        calibration=fit_calibration(np.asarray(weighted.predict(X_cal), dtype=float), y_cal, w_cal),
        feature_names=names,
        categories=categories,
        appeal_cost=appeal_cost,
    )
    counts = {
        "denials": int(len(frame)),
        "train_denials": int(train.sum()),
        "train_appeals": int(rows.sum()),
        "feedback_rows": int(len(feedback)),
        "calibration_appeals": int(calib.sum()),
        "test_denials": int((frame["period"] == "test").sum()),
    }
    metrics: dict = {"counts": counts, "appeal_cost": appeal_cost}
    if truth is not None and len(truth):
        unweighted = fit_calibration(np.asarray(plain.predict(X_cal), dtype=float), y_cal, None)
        metrics["test"] = evaluate_test(frame, model, plain, unweighted, truth)
    return model, metrics, frame


def evaluate_test(
    frame: pd.DataFrame,
    model: TriageModel,
    plain: lgb.Booster,
    plain_calibration: Calibration,
    truth: pd.DataFrame,
) -> dict:
    """Top-20 % recovery of the model and baselines, and the selection-bias figures, on the test period.

    Each test denial is triaged on its adjudication day (full appeal window); the appeal list is the
    appealable denials (`holdout_appeal_list`). A denial's recovered dollars = truth overturn probability x
    expected payment.
    """
    ranked = holdout_appeal_list(frame, model, truth)
    value = ranked["recoverable"].to_numpy()
    p_true = ranked["p_true"].to_numpy()
    deadline_day = ranked["appeal_deadline"].to_numpy().astype("datetime64[D]").astype(float)
    scores = {
        "truth": value,
        "billed_amount": ranked["denied_amount"].to_numpy(dtype=float),
        "oldest_deadline_first": -deadline_day,
    }
    model_recovered = recovered_at(ranked["expected_recovery"].to_numpy(), value, TOP_FRACTION)
    truth_recovered = recovered_at(value, value, TOP_FRACTION)
    p_plain = predict_overturn(plain, plain_calibration, feature_matrix(ranked, model.feature_names, model.categories))
    plain_recovered = recovered_at(p_plain * ranked["expected_payment"].to_numpy(), value, TOP_FRACTION)
    return {
        "appeal_list_size": int(len(ranked)),
        "top_fraction": TOP_FRACTION,
        "recovered_at_20pct": model_recovered,
        "truth_recovered_at_20pct": truth_recovered,
        "ratio_to_truth": model_recovered / truth_recovered if truth_recovered else float("nan"),
        "baselines": {
            name: {"recovered_at_20pct": recovered_at(score, value, TOP_FRACTION)} for name, score in scores.items()
        },
        "selection_bias": {
            "weighted": {
                **calibration_figures(ranked["p_overturn"].to_numpy(), p_true),
                "recovered_at_20pct": model_recovered,
            },
            "unweighted": {**calibration_figures(p_plain, p_true), "recovered_at_20pct": plain_recovered},
        },
    }


def holdout_appeal_list(frame: pd.DataFrame, model: TriageModel, truth: pd.DataFrame) -> pd.DataFrame:
    """The test period's appeal list, ranked, with each denial's recoverable dollars in `recoverable`.

    The list is every appealable denial (`rank_denials`' `appealable`: on the appeal route, or written off only
    for being below cost), so the population does not depend on the model being judged.

    Args:
        frame: `train_triage`'s third output (denials with their features and `period`).
        model: The trained recovery model.
        truth: The world's `truth` table (`claim_id`, `overturn_probability`).

    Returns:
        Those `rank_denials` rows whose claim has a truth probability, highest priority first, plus `p_true`
        (the truth's overturn probability) and `recoverable` (`p_true` x expected payment).
    """
    test = frame[frame["period"] == "test"]
    ranked = rank_denials(test, model, test["adjudication_date"])
    ranked = ranked[ranked["appealable"]]
    p_true = ranked["claim_id"].map(truth.set_index("claim_id")["overturn_probability"]).to_numpy(dtype=float)
    keep = ~np.isnan(p_true)
    ranked = ranked[keep].reset_index(drop=True)
    p_true = p_true[keep]
    return ranked.assign(p_true=p_true, recoverable=p_true * ranked["expected_payment"].to_numpy(dtype=float))
