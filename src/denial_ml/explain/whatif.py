"""What-if: re-score a claim with edits and report how its risk and each factor change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from denial_ml.explain.explainer import Explainer, factor_contributions
from denial_ml.explain.factors import FACTORS
from denial_ml.features.line_features import MODS


@dataclass
class Edits:
    """Changes a biller can make before submitting.

    Attributes:
        prior_auth_number: New authorization number ("" removes it); None leaves it.
        modifiers: Line number -> the line's new modifiers (up to four; an empty list removes them).
        submission_date: New submission date (e.g. today); None leaves it.
        eligibility_checked_on: Marks eligibility as verified active on this date; None leaves it.
        rendering_provider_npi: New rendering NPI; None leaves it.
    """

    prior_auth_number: str | None = None
    modifiers: dict[int, list[str]] = field(default_factory=dict)
    submission_date: dt.date | None = None
    eligibility_checked_on: dt.date | None = None
    rendering_provider_npi: str | None = None


def apply_edits(claim: pd.DataFrame, lines: pd.DataFrame, edits: Edits) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copies of one claim and its lines with the edits applied.

    Raises:
        ValueError: naming an edited line number the claim does not have, or more than four modifiers.
    """
    claim, lines = claim.copy(), lines.copy()
    if edits.prior_auth_number is not None:
        claim["prior_auth_number"] = edits.prior_auth_number or None
    if edits.submission_date is not None:
        claim["submission_date"] = pd.Timestamp(edits.submission_date)
    if edits.eligibility_checked_on is not None:
        claim["eligibility_checked"] = True
        claim["eligibility_check_date"] = pd.Timestamp(edits.eligibility_checked_on)
        claim["eligibility_status"] = "active"
    if edits.rendering_provider_npi is not None:
        claim["rendering_provider_npi"] = edits.rendering_provider_npi or None
    for number, mods in edits.modifiers.items():
        rows = lines["line_number"] == number
        if not rows.any():
            raise ValueError(f"modifiers: the claim has no line {number}")
        if len(mods) > len(MODS):
            raise ValueError(f"modifiers: line {number} has {len(mods)} modifiers; at most {len(MODS)} are allowed")
        for j, col in enumerate(MODS):
            lines.loc[rows, col] = mods[j] if j < len(mods) else None
    return claim, lines


def what_if(explainer: Explainer, claim: pd.DataFrame, lines: pd.DataFrame, edits: Edits) -> dict:
    """Explain a claim before and after `edits`.

    Returns:
        `before` and `after` explanations, `risk_change` (after - before) and `factor_changes`: every factor whose
        contribution moved, with before, after and change (log-odds), largest move first.
    """
    if len(claim) != 1:
        raise ValueError(f"what-if takes exactly one claim, got {len(claim)}")
    edited_claim, edited_lines = apply_edits(claim, lines, edits)
    builder = explainer.scorer.builder
    X0 = builder.transform_array(claim, lines)
    X1 = builder.transform_array(edited_claim, edited_lines)
    before = explainer.explain_features(claim.reset_index(drop=True), lines, X0)[0]
    after = explainer.explain_features(edited_claim.reset_index(drop=True), edited_lines, X1)[0]
    c0 = factor_contributions(explainer.scorer.denial_model, X0, explainer.grouping_).factors[0]
    c1 = factor_contributions(explainer.scorer.denial_model, X1, explainer.grouping_).factors[0]
    changes: list[dict[str, Any]] = [
        {"factor": f.name, "label": f.label, "before": float(a), "after": float(b), "change": float(b - a)}
        for f, a, b in zip(FACTORS, c0, c1, strict=True)
        if abs(b - a) > 1e-9
    ]
    changes.sort(key=lambda row: -abs(row["change"]))
    return {
        "before": before,
        "after": after,
        "risk_change": after["denial_risk"] - before["denial_risk"],
        "factor_changes": changes,
    }
