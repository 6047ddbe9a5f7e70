"""Comparison windows: sized by decided claims, never reaching into a model's training period."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.monitoring.comparison_window import latest_decided, refuse_overlap


def _outcomes(per_day: int, days: int) -> pd.DataFrame:
    decided = pd.date_range("2025-01-01", periods=days).repeat(per_day)
    return pd.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(len(decided))],
            "adjudication_date": decided,
            "submission_date": decided - pd.Timedelta(days=20),
        }
    )


def test_a_short_period_is_widened_to_the_minimum_of_decided_claims() -> None:
    frame = _outcomes(per_day=6, days=400)
    assert len(latest_decided(frame, min_claims=1000, days=30)) == 1002  # whole days: 167 days of 6
    assert len(latest_decided(frame, min_claims=100, days=30)) == 180  # the period already holds enough
    assert len(latest_decided(frame, min_claims=1000)) == 1002
    assert len(latest_decided(frame.head(50), min_claims=1000)) == 50  # all there is
    with pytest.raises(ValueError, match="no adjudicated claims"):
        latest_decided(frame.head(0))


def test_a_window_overlapping_a_training_period_is_refused_by_name() -> None:
    models = {"the champion v1": {"training_period": ["2024-01-01", "2025-03-31"]}, "the challenger v2": {}}
    refuse_overlap("2025-04-01", models)  # starts the day after: out of sample
    with pytest.raises(
        ValueError, match=r"overlaps the training period of the champion v1 \(2024-01-01 to 2025-03-31\)"
    ):
        refuse_overlap("2025-03-31", models)
