"""Job: compare a challenger with the champion on the same recently decided claims (for evaluate and promote)."""

from __future__ import annotations

from pathlib import Path

from denial_ml.data.io import read_tables
from denial_ml.modeling.bundle import Scorer
from denial_ml.modeling.compare import Comparison, compare_scores, score_both
from denial_ml.modeling.registry import ResolvedModel
from denial_ml.monitoring.window import last_days, outcomes

TABLES = ["claims", "claim_lines", "remittances", "remittance_lines", "adjustments"]


def compare_models(
    champion: ResolvedModel, challenger: ResolvedModel, data: Path, period: int, resamples: int, seed: int = 0
) -> Comparison:
    """Score the claims decided in the last `period` days with both models and compare them."""
    tables = read_tables(data, TABLES)
    recent = last_days(outcomes(tables), period)
    lines = tables["claim_lines"][tables["claim_lines"]["claim_id"].isin(recent["claim_id"])]
    risk_a, risk_b = score_both(Scorer.load(champion.bundle), Scorer.load(challenger.bundle), recent, lines)
    dollars = recent["denied_amount"].where(recent["denied"], 0.0).fillna(0.0).to_numpy(dtype=float)
    return compare_scores(recent["denied"].to_numpy(dtype=int), risk_a, risk_b, dollars, resamples, seed)
