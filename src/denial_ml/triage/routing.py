"""Routing and urgency of scored denials, pure (no I/O).

Past the appeal deadline nothing can be recovered by appeal; duplicates are never appealed; unprocessable
claims (missing information, CARC 16 with MA130) need a corrected claim and eligibility denials a claim to
the right payer, so they go to "resubmit". Of the rest, an appeal expected to bring back less than it costs to
work is written off with that reason (it stays appealable: a user may still appeal it); everything else goes on
the appeal list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

URGENT_DAYS = 30.0  # within this many days of the deadline the priority rises
MAX_URGENCY_BOOST = 0.5  # priority multiplier at the deadline: 1 + this
BELOW_COST = "not worth an appeal: expected recovery is below the cost of working it"


def route_denials(
    category: pd.Series,
    carc: pd.Series,
    has_ma130: pd.Series,
    days_left: np.ndarray,
    expected_recovery: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Route each denial to "appeal", "resubmit" or "write_off", with the reason.

    Args:
        category: Denial category key per denial.
        carc: Main CARC per denial.
        has_ma130: Whether the remittance carries remark MA130 (claim unprocessable).
        days_left: Days left to the appeal deadline (negative: passed).
        expected_recovery: P(overturn) x expected payment - cost of the appeal, per denial; when given, an
            otherwise appealable denial at or below zero is written off with reason `BELOW_COST`.

    Returns:
        `(route, reason)` arrays of strings; reason is "" on the appeal route.
    """
    category = np.asarray(category, dtype=object)
    unprocessable = (np.asarray(carc, dtype=object) == "16") & np.asarray(has_ma130, dtype=bool)
    conditions = [
        np.asarray(days_left, dtype=float) < 0,
        category == "duplicate",
        (category == "missing_information") | unprocessable,
        category == "eligibility",
    ]
    routes = ["write_off", "write_off", "resubmit", "resubmit"]
    reasons = [
        "appeal deadline passed",
        "duplicate claim: not appealable, check the original claim",
        "unprocessable claim: send a corrected claim, not an appeal",
        "eligibility: bill the payer that covered the patient",
    ]
    if expected_recovery is not None:
        conditions.append(np.asarray(expected_recovery, dtype=float) <= 0)
        routes.append("write_off")
        reasons.append(BELOW_COST)
    route = np.select(conditions, routes, default="appeal").astype(object)
    reason = np.select(conditions, reasons, default="").astype(object)
    return route, reason


def priority(
    expected_recovery: np.ndarray, expected_payment: np.ndarray, route: np.ndarray, days_left: np.ndarray
) -> np.ndarray:
    """Work priority: the dollars at stake, raised up to 1.5x as the deadline nears; write-offs get 0.

    Appeals are worth their expected recovery, resubmissions the expected payment (they are usually paid
    once corrected); the deadline boost grows linearly over the last `URGENT_DAYS` days.
    """
    left = np.clip(np.asarray(days_left, dtype=float), 0.0, None)
    boost = 1.0 + MAX_URGENCY_BOOST * np.clip(1.0 - left / URGENT_DAYS, 0.0, 1.0)
    boost = np.where(np.isnan(left), 1.0, boost)
    value = np.where(route == "appeal", expected_recovery, expected_payment)
    value = np.where(route == "write_off", 0.0, value)
    # A negative value (an appeal costing more than it brings) is not made more urgent by the deadline.
    return np.where(value > 0, value * boost, value)


def summarize_routes(route: pd.Series, reason: pd.Series) -> str:
    """One line of route counts, each split by the short form of its reasons (the words before a colon).

    Example: "appeal 399, resubmit 544 (eligibility 321, unprocessable claim 223), write_off 16,944 (...)".
    """
    frame = pd.DataFrame({"route": np.asarray(route, dtype=object), "reason": np.asarray(reason, dtype=object)})
    frame["reason"] = frame["reason"].fillna("").astype(str).str.split(":").str[0]
    parts = []
    for name, group in frame.groupby("route", sort=True):
        counts = group.loc[group["reason"] != "", "reason"].value_counts()
        detail = ", ".join(f"{why} {n:,}" for why, n in counts.items())
        parts.append(f"{name} {len(group):,}" + (f" ({detail})" if detail else ""))
    return ", ".join(parts) or "none (no denials)"
