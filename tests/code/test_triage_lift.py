"""Lift curves of the appeal worklist: the pure curve, the table of orderings, the chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.triage.evaluate import recovered_at, recovery_curve
from denial_ml.triage.lift import MODEL, RANDOM, lift_chart, lift_curves, ranking_scores


def test_recovery_curve_equals_recovered_at_at_every_fraction() -> None:
    rng = np.random.default_rng(3)
    score, value = rng.random(101), rng.gamma(2.0, 300.0, 101)
    fractions = [0.01, 0.05, 0.2, 0.333, 0.5, 0.99, 1.0]
    curve = recovery_curve(score, value, fractions)
    assert curve == pytest.approx([recovered_at(score, value, f) for f in fractions], rel=1e-12)
    assert curve[-1] == pytest.approx(value.sum())
    assert np.all(np.diff(curve) >= 0)


def test_recovery_curve_counts_ties_in_input_order_and_rounds_up() -> None:
    score = np.array([1.0, 1.0, 0.0, 0.0])
    value = np.array([10.0, 20.0, 40.0, 80.0])
    # top 25 % of 4 items is 1 item: the first of the tied pair; 30 % rounds up to 2 items
    assert recovery_curve(score, value, [0.25, 0.3, 0.75]).tolist() == [10.0, 30.0, 70.0]


def test_recovery_curve_refuses_mismatched_lengths_and_bad_fractions() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        recovery_curve(np.ones(3), np.ones(4), [0.5])
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        recovery_curve(np.ones(3), np.ones(3), [0.0])


def appeal_list(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    recoverable = rng.gamma(2.0, 200.0, n)
    return pd.DataFrame(
        {
            "expected_recovery": recoverable + rng.normal(0, 100.0, n),
            "denied_amount": rng.gamma(2.0, 1000.0, n),
            "appeal_deadline": pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "recoverable": recoverable,
        }
    )


def test_lift_curves_put_the_truth_on_top_and_random_order_on_the_diagonal() -> None:
    frame = appeal_list()
    curves = lift_curves(frame, fractions=(0.1, 0.2, 0.5, 1.0))
    assert list(curves.index) == [0.1, 0.2, 0.5, 1.0]
    assert list(curves.columns) == [*ranking_scores(frame), RANDOM]
    total = frame["recoverable"].sum()
    truth = curves["truth (ceiling)"]
    for column in curves.columns:
        assert np.all(curves[column].to_numpy() <= truth.to_numpy() + 1e-9), column
        assert curves.loc[1.0, column] == pytest.approx(total)
    # 10 % of 50 items is 5 items: random order recovers 5/50 of the total on average
    assert curves.loc[0.1, RANDOM] == pytest.approx(0.1 * total)
    assert curves.loc[0.2, MODEL] == pytest.approx(
        recovered_at(frame["expected_recovery"].to_numpy(), frame["recoverable"].to_numpy(), 0.2)
    )


def test_oldest_deadline_first_works_the_earliest_deadline_first() -> None:
    frame = appeal_list(4).assign(
        appeal_deadline=pd.to_datetime(["2025-03-01", "2025-01-01", "2025-02-01", "2025-04-01"]),
        recoverable=[1.0, 2.0, 4.0, 8.0],
    )
    assert lift_curves(frame, fractions=(0.25, 0.5))["oldest deadline first"].tolist() == [2.0, 6.0]


def test_lift_chart_is_an_svg_with_one_line_per_ordering() -> None:
    curves = lift_curves(appeal_list())
    svg = lift_chart(curves)
    assert svg.startswith("<svg")
    for name in curves.columns:
        assert name in svg
