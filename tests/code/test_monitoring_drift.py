"""Drift measures by hand: PSI, observed against expected denials, calibration; and world windows as of a date."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from denial_ml.domain.denials import CATEGORIES
from denial_ml.monitoring.drift import (
    calibration_drift,
    calibration_summary,
    expected_vs_observed,
    feature_stability,
    population_stability,
    top_features,
)
from denial_ml.monitoring.window import last_days, tables_as_of


def test_psi_of_two_categories_by_hand() -> None:
    ref = pd.Series(["a"] * 50 + ["b"] * 50)
    new = pd.Series(["a"] * 80 + ["b"] * 20)
    expected = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert population_stability(ref, new) == pytest.approx(expected)
    assert population_stability(ref, ref.copy()) == 0.0


def test_psi_bins_numbers_at_reference_quantiles_and_keeps_missing_apart() -> None:
    rng = np.random.default_rng(0)
    ref = pd.Series(rng.normal(0, 1, 20_000))
    assert population_stability(ref, pd.Series(rng.normal(0, 1, 20_000))) < 0.01
    assert population_stability(ref, pd.Series(rng.normal(1, 1, 20_000))) > 0.25
    with_missing = pd.Series(np.where(rng.random(20_000) < 0.3, np.nan, rng.normal(0, 1, 20_000)))
    assert population_stability(ref, with_missing) > 0.25  # 30 % in a bin the reference does not have


def test_feature_stability_reads_levels_and_top_features_sorts_by_importance() -> None:
    ref = pd.DataFrame({"x": np.arange(1000.0), "k": pd.Categorical(["a", "b"] * 500)})
    new = pd.DataFrame({"x": np.arange(1000.0) + 900, "k": pd.Categorical(["a", "b"] * 500)})
    table = feature_stability(ref, new, ["x", "k"]).set_index("feature")
    assert table.loc["x", "level"] == "major" and table.loc["k", "level"] == "stable"
    assert top_features({"a": 1.0, "b": 5.0, "c": 3.0}, n=2) == ["b", "c"]


def test_observed_against_expected_by_payer_and_category() -> None:
    n = 400
    outcomes = pd.DataFrame(
        {
            "payer_id": ["P1"] * n + ["P2"] * n,
            "denied": [True] * 100 + [False] * 300 + [True] * 10 + [False] * 390,
            "denial_category": ["authorization"] * 100 + [""] * 300 + ["coding"] * 10 + [""] * 390,
        }
    )
    scored = pd.DataFrame({f"p_{c}": np.full(2 * n, 0.001) for c in CATEGORIES})
    scored["p_authorization"] = 0.025
    scored["p_coding"] = 0.025
    table = expected_vs_observed(outcomes, scored).set_index(["payer_id", "category"])
    auth = table.loc[("P1", "authorization")]
    assert auth["observed"] == 100 and auth["expected"] == pytest.approx(10.0)
    assert auth["ratio"] == pytest.approx(10.0)
    assert auth["z"] == pytest.approx(90 / math.sqrt(400 * 0.025 * 0.975))
    assert bool(auth["flag"])
    assert table.loc[("P2", "coding"), "observed"] == 10 and not bool(table.loc[("P2", "coding"), "flag"])
    assert table.index[0] == ("P1", "authorization")  # largest |z| first


def test_calibration_summary_of_a_calibrated_and_a_shifted_model() -> None:
    rng = np.random.default_rng(1)
    p = 1 / (1 + np.exp(-rng.normal(-2, 1, 50_000)))
    y = (rng.random(len(p)) < p).astype(int)
    good = calibration_summary(y, p)
    assert good["slope"] == pytest.approx(1.0, abs=0.05) and good["ece"] < 0.01
    shifted = calibration_drift(calibration_summary(y, p / 2), reference_ece=good["ece"])
    assert shifted["calibration_in_the_large"] > 0.05
    assert shifted["ece_change"] > 0.05


def test_tables_as_of_forget_later_submissions_decisions_and_appeal_outcomes() -> None:
    day = pd.Timestamp
    tables = {
        "claims": pd.DataFrame({"claim_id": ["A", "B"], "submission_date": [day("2025-01-01"), day("2025-02-01")]}),
        "claim_lines": pd.DataFrame({"claim_id": ["A", "B"], "line_number": [1, 1]}),
        "remittances": pd.DataFrame(
            {
                "remit_id": ["R1", "R2"],
                "claim_id": ["A", "A"],
                "adjudication_date": [day("2025-01-10"), day("2025-01-20")],
            }
        ),
        "adjustments": pd.DataFrame({"remit_id": ["R1", "R2"], "carc": ["50", "50"]}),
        "appeals": pd.DataFrame(
            {
                "claim_id": ["A"],
                "filed_date": [day("2025-01-12")],
                "outcome": ["overturned"],
                "recovered_amount": [90.0],
                "decision_date": [day("2025-01-30")],
            }
        ),
    }
    known = tables_as_of(tables, "2025-01-15")
    assert list(known["claims"]["claim_id"]) == ["A"]
    assert list(known["remittances"]["remit_id"]) == ["R1"]
    assert list(known["adjustments"]["remit_id"]) == ["R1"]
    appeal = known["appeals"].iloc[0]
    assert appeal["outcome"] == "pending" and appeal["recovered_amount"] == 0 and pd.isna(appeal["decision_date"])


def test_last_days_counts_back_from_the_latest_decision() -> None:
    frame = pd.DataFrame({"adjudication_date": pd.to_datetime(["2025-01-01", "2025-01-20", "2025-01-30"])})
    assert len(last_days(frame, 11)) == 2
    assert len(last_days(frame, 10)) == 1
    with pytest.raises(ValueError, match="period must be a positive number of days"):
        last_days(frame, 0)
