"""Recovery-model factors: TreeSHAP grouped into factors, additive, sorted, pointing the way the data do."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from denial_ml.triage.explain import (
    explain_rows,
    factor_contributions,
    grouping_matrix,
    recovery_factors,
)
from denial_ml.triage.features import DENIAL_CATEGORICAL, DENIAL_NUMERIC
from denial_ml.triage.reasons import describe

CATEGORIES = ["authorization", "coding", "medical_necessity"]
FEATURES = ["denial_category", "payer_category_overturn_rate", "payer_category_appeals", "log_expected_payment"]


def _frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    payment = rng.lognormal(6.0, 1.0, n)
    return pd.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(n)],
            "payer_id": rng.choice(["P1", "P2"], n),
            "denial_category": pd.Categorical(rng.choice(CATEGORIES, n), categories=CATEGORIES),
            "denial_carc": "197",
            "denial_group_code": "CO",
            "payer_category_overturn_rate": rng.uniform(0.1, 0.9, n),
            "payer_category_appeals": rng.integers(1, 60, n).astype(float),
            "log_expected_payment": np.log1p(payment),
            "expected_payment": payment,
            "denied_amount": payment * 1.5,
            "primary_procedure": "97110",
            "days_left": rng.integers(-10, 120, n).astype(float),
        }
    )


@pytest.fixture(scope="module")
def booster() -> lgb.Booster:
    # Overturn odds rise with the payer's past overturn rate and are higher for coding denials; the booster
    # must learn both, so the factors have a known direction.
    rng = np.random.default_rng(5)
    frame = _frame(6000, rng)
    logit = 5.0 * (frame["payer_category_overturn_rate"] - 0.5) + 1.5 * (frame["denial_category"] == "coding")
    y = rng.random(len(frame)) < 1.0 / (1.0 + np.exp(-logit))
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1, "seed": 1}
    return lgb.train(params, lgb.Dataset(frame[FEATURES], label=y.astype(float)), num_boost_round=60)


def test_every_model_feature_has_exactly_one_factor() -> None:
    factors = recovery_factors()
    names = [f.name for f in factors]
    assert len(names) == len(set(names)) and 10 <= len(names) <= 16
    features = [feature for f in factors for feature in f.features]
    assert len(features) == len(set(features))
    assert set(DENIAL_NUMERIC) | set(DENIAL_CATEGORICAL) <= set(features)
    with pytest.raises(ValueError, match="recovery features without a factor: mystery"):
        grouping_matrix(["log_expected_payment", "mystery"], factors)
    G = grouping_matrix(FEATURES, factors)
    assert G.shape == (4, len(factors)) and (G.sum(axis=1) == 1).all()


def test_base_plus_factors_is_the_raw_score(booster) -> None:
    X = _frame(300, np.random.default_rng(8))[FEATURES]
    contrib = factor_contributions(booster, X, grouping_matrix(FEATURES, recovery_factors()))
    raw = booster.predict(X, raw_score=True)
    np.testing.assert_allclose(contrib.raw, raw, atol=1e-6)
    np.testing.assert_allclose(contrib.base + contrib.factors.sum(axis=1), raw, atol=1e-6)


def test_items_carry_the_top_factors_sorted_with_direction_and_sentence(booster) -> None:
    ranked = _frame(200, np.random.default_rng(9))
    factors = recovery_factors()
    contrib = factor_contributions(booster, ranked[FEATURES], grouping_matrix(FEATURES, factors))
    out = explain_rows(ranked, ranked[FEATURES], booster, pd.Series({"P1": "Acme Health"}), k=3)
    assert len(out) == len(ranked)
    by_name = {f.name: j for j, f in enumerate(factors)}
    for i, items in enumerate(out):
        assert 1 <= len(items) <= 3
        size = [abs(f["contribution"]) for f in items]
        assert size == sorted(size, reverse=True)
        # The stored ones are the largest of all factors, with their exact values.
        assert size[0] == pytest.approx(np.abs(contrib.factors[i]).max())
        for f in items:
            assert f["contribution"] == pytest.approx(contrib.factors[i, by_name[f["factor"]]])
            assert f["direction"] == ("raises" if f["contribution"] > 0 else "lowers")
            assert f["sentence"].endswith(".") and f["label"]
    # Sentences name the payer (its id when no name is known).
    history = {
        ranked["payer_id"].iloc[i]: f["sentence"]
        for i, items in enumerate(out)
        for f in items
        if f["factor"] == "payer_overturn_history"
    }
    assert " of Acme Health were overturned " in history["P1"] and " of P2 were overturned " in history["P2"]


def test_factors_point_the_way_of_the_payers_record_and_the_category(booster) -> None:
    row = _frame(1, np.random.default_rng(3)).iloc[[0, 0, 0, 0]].reset_index(drop=True)
    row["denial_category"] = pd.Categorical(["coding"] * 2 + ["medical_necessity"] * 2, categories=CATEGORIES)
    row["payer_category_overturn_rate"] = [0.85, 0.15, 0.85, 0.15]
    row["payer_category_appeals"] = 40.0
    factors = recovery_factors()
    contrib = factor_contributions(booster, row[FEATURES], grouping_matrix(FEATURES, factors))
    history = contrib.factors[:, [f.name for f in factors].index("payer_overturn_history")]
    reason = contrib.factors[:, [f.name for f in factors].index("denial_reason")]
    assert history[0] > 0 > history[1] and history[2] > 0 > history[3]
    assert reason[0] > 0 > reason[2]  # coding denials overturn more often than medical necessity
    sentences = [describe("payer_overturn_history", {**r, "payer_name": "Acme"}) for r in row.to_dict("records")]
    assert sentences[0] == "Coding denials of Acme were overturned 85 % of the time (40 decided appeals)."


@pytest.mark.parametrize(
    ("factor", "values", "sentence"),
    [
        (
            "appeal_window",
            {"appeal_deadline_days": 60.0, "days_left": 12.0},
            "Acme allows 60 days to appeal; 12 days left.",
        ),
        (
            "appeal_window",
            {"appeal_deadline_days": 90.0, "days_left": -3.0},
            "Acme allows 90 days to appeal; the deadline passed 3 days ago.",
        ),
        (
            "expected_payment",
            {"expected_payment": 1240.4, "denied_amount": 2000.0, "primary_procedure": "97110"},
            "$1,240 expected payment from this payer's history for 97110 ($2,000 denied).",
        ),
        (
            "payer_overturn_history",
            {"denial_category": "authorization", "payer_category_overturn_rate": 0.45, "payer_category_appeals": 0.0},
            "No authorization appeal with Acme decided yet; the overall rate (45 % overturned) stands in.",
        ),
        (
            "authorization",
            {"auth_required": 1.0, "auth_number_present": 0.0},
            "No prior authorization number on the claim, though the payer requires one.",
        ),
        ("coding", {"invalid_modifier": 1.0, "n_dx": 2.0}, "The claim form has a modifier the code does not accept."),
    ],
)
def test_sentences_state_the_denials_values(factor, values, sentence) -> None:
    assert describe(factor, {"payer_name": "Acme", **values}) == sentence


def test_a_factor_without_sentence_falls_back_to_its_name() -> None:
    assert describe("something_new", {}) == "Something new."
    assert describe("something_new", {}, "Coverage on file") == "Coverage on file."
