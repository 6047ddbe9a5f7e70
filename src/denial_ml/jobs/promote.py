"""Job: compare a challenger with the champion on the same recently decided claims (for evaluate and promote)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from denial_ml.data.io import read_tables
from denial_ml.modeling.bundle import Scorer
from denial_ml.modeling.compare import Comparison, compare_scores, score_both
from denial_ml.modeling.registry import ResolvedModel
from denial_ml.monitoring.comparison_window import MIN_WINDOW_CLAIMS, latest_decided, refuse_overlap
from denial_ml.monitoring.window import outcomes

TABLES = ["claims", "claim_lines", "remittances", "remittance_lines", "adjustments"]


def compare_models(
    champion: ResolvedModel,
    challenger: ResolvedModel,
    data: Path,
    period: int | None,
    resamples: int,
    seed: int = 0,
    min_claims: int = MIN_WINDOW_CLAIMS,
) -> Comparison:
    """Score recently decided claims with both models and compare them: the last `period` days, widened to the
    latest `min_claims` decided claims when they hold fewer.

    Raises:
        ValueError: when the window overlaps either model's training period (in-sample scores).
    """
    tables = read_tables(data, TABLES)
    recent = latest_decided(outcomes(tables), min_claims, period)
    scorer_a, scorer_b = Scorer.load(champion.bundle), Scorer.load(challenger.bundle)
    first = pd.to_datetime(recent["submission_date"]).min()
    refuse_overlap(
        first,
        {f"the champion {champion.label}": scorer_a.metadata, f"the challenger {challenger.label}": scorer_b.metadata},
        f"the comparison window of {len(recent)} decided claims",
    )
    lines = tables["claim_lines"][tables["claim_lines"]["claim_id"].isin(recent["claim_id"])]
    risk_a, risk_b = score_both(scorer_a, scorer_b, recent, lines)
    dollars = recent["denied_amount"].where(recent["denied"], 0.0).fillna(0.0).to_numpy(dtype=float)
    return compare_scores(recent["denied"].to_numpy(dtype=int), risk_a, risk_b, dollars, resamples, seed)
