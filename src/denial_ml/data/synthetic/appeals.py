"""Appeals: which denials staff choose to appeal (what looks winnable), and how they end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.params import PAYERS, WorldTimeline

# Overturn odds by category when appealed promptly (DOMAIN.md: appeal prospects).
OVERTURN_BASE = {
    "authorization": 0.55,
    "medical_necessity": 0.50,
    "coding": 0.60,
    "missing_information": 0.62,
    "eligibility": 0.18,
    "non_covered": 0.12,
    "timely_filing": 0.06,
    "duplicate": 0.03,
}
# How much staff favour appealing each category (missing information and eligibility are mostly resubmitted).
APPEAL_PREFERENCE = {
    "authorization": 0.9,
    "medical_necessity": 0.8,
    "coding": 0.3,
    "missing_information": -0.7,
    "eligibility": -1.3,
    "non_covered": -1.0,
    "timely_filing": -1.6,
    "duplicate": -2.6,
}
STRICT = {p.payer_id: p.strictness for p in PAYERS}
DEADLINE = {p.payer_id: p.appeal_deadline_days for p in PAYERS}


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def overturn_probability(
    rng: np.random.Generator, denials: pd.DataFrame, doc_quality: np.ndarray
) -> np.ndarray:
    """True probability that a prompt appeal of each denial is won.

    Args:
        denials: One row per denied claim with `category`, `payer_id`, `denied_amount`, `retro_auth`.
        doc_quality: The provider's hidden documentation weakness (>1 is weaker) for each row.
    """
    base = _logit(denials["category"].map(OVERTURN_BASE).to_numpy(dtype=float))
    strict = denials["payer_id"].map(STRICT).to_numpy(dtype=float)
    amount = np.maximum(denials["denied_amount"].to_numpy(dtype=float), 1.0)
    z = (
        base
        - 1.1 * np.log(doc_quality)
        - 0.5 * np.log(strict)
        - 0.15 * np.log(amount / 200)
        + 0.7 * denials["retro_auth"].to_numpy()
        + rng.normal(0.0, 0.5, len(denials))
    )
    return 1 / (1 + np.exp(-z))


def draw_appeals(
    rng: np.random.Generator,
    denials: pd.DataFrame,
    p_overturn: np.ndarray,
    doc_quality: np.ndarray,
    timeline: WorldTimeline,
) -> pd.DataFrame:
    """The appeals staff filed, chosen by what looks winnable (not at random), and their outcomes.

    Args:
        denials: Denied, adjudicated claims with `claim_id`, `category`, `payer_id`, `denied_amount`,
            `adjudication_date`, `expected_payment`.
        p_overturn: True overturn probability per denial.
        doc_quality: Provider documentation weakness per denial (staff see the chart, so it sways them).
    """
    amount = np.maximum(denials["denied_amount"].to_numpy(dtype=float), 1.0)
    z = (
        -1.7
        + denials["category"].map(APPEAL_PREFERENCE).to_numpy(dtype=float)
        + 0.45 * np.log(amount / 200)
        - 0.9 * np.log(doc_quality)
        + rng.normal(0.0, 0.7, len(denials))
    )
    appealed = rng.random(len(denials)) < 1 / (1 + np.exp(-z))
    d = denials[appealed].reset_index(drop=True)
    p = p_overturn[appealed]
    k = len(d)
    deadline = d["payer_id"].map(DEADLINE).to_numpy()
    wait = np.round(rng.gamma(2.0, 12.0, k)).astype("int64") + 3
    late = rng.random(k) < 0.07
    wait = np.where(late, deadline + rng.integers(1, 40, k), wait)
    adj = d["adjudication_date"].to_numpy().astype("datetime64[D]")
    filed = adj + wait.astype("timedelta64[D]")
    used = np.clip(wait / deadline, 0, None)
    # Filing late in the window weakens the appeal; past the deadline it cannot succeed.
    p_now = np.where(used > 1, 0.0, p * (1 - 0.25 * used))
    won = rng.random(k) < p_now
    decision = filed + rng.integers(20, 75, k).astype("timedelta64[D]")
    as_of = np.datetime64(timeline.as_of, "D")
    keep = filed <= as_of
    decided = decision <= as_of
    outcome = np.where(~decided, "pending", np.where(won, "overturned", "upheld"))
    recovered = np.where(
        outcome == "overturned",
        np.round(d["expected_payment"].to_numpy() * rng.uniform(0.9, 1.02, k), 2),
        0.0,
    )
    appeals = pd.DataFrame(
        {
            "appeal_id": pd.Series(np.arange(k)).map("AP{:08d}".format).to_numpy(),
            "claim_id": d["claim_id"].to_numpy(),
            "filed_date": filed.astype("datetime64[ns]"),
            "appeal_level": 1,
            "outcome": outcome,
            "recovered_amount": recovered,
            "decision_date": np.where(decided, decision, np.datetime64("NaT")).astype("datetime64[ns]"),
        }
    )
    return appeals[keep].reset_index(drop=True)
