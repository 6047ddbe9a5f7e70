"""Appeals: which denials staff choose to appeal (what looks winnable), and how they end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import format_ids, lookup, str_frame
from denial_ml.data.synthetic.params import PAYERS, WorldTimeline

# Overturn odds of a prompt first-level appeal by the mechanism behind the denial, for a typical provider,
# payer and a $200 claim (DOMAIN.md, appeal prospects): an authorization that exists but was expired, written
# for a sibling code or short of units is won most of the time, as are clear coding and data slips; a service
# done with no authorization at all, a payer's own bundling policy, a non-covered service or late filing
# rarely; medical necessity depends on the chart.
OVERTURN_BY_MECHANISM = {
    "elig_inactive": 0.08,
    "elig_typo": 0.55,
    "elig_base": 0.30,
    "auth_missing": 0.08,
    "auth_expired": 0.75,
    "auth_base": 0.70,
    "auth_wrong_code": 0.82,
    "auth_units": 0.80,
    "coding_misfit": 0.40,
    "coding_inactive_dx": 0.72,
    "coding_base": 0.55,
    "coding_missing25": 0.80,
    "coding_telehealth": 0.78,
    "coding_missing_gp": 0.85,
    "coding_bad_modifier": 0.75,
    "coding_bundled59": 0.08,
    "missing_npi": 0.85,
    "missing_base": 0.60,
    "missing_pointer": 0.80,
    "necessity": 0.55,
    "noncovered": 0.05,
    "noncovered_plan": 0.12,
    "timely": 0.03,
    "duplicate": 0.02,
}
# How much each unit of log(amount / $200) lowers the log-odds: payers send large claims to clinical review
# and defend them hard, above all on medical necessity and missing authorizations. So the largest denials
# are not automatically the best to appeal.
AMOUNT_SLOPE = {"medical_necessity": 1.0, "authorization": 0.7, "non_covered": 0.6, "timely_filing": 0.5}
DEFAULT_AMOUNT_SLOPE = 0.25
# How much a weak chart (provider documentation weakness, >1 is weaker) lowers the log-odds per log unit.
DOC_SLOPE = {"medical_necessity": 2.0, "authorization": 0.5}
DEFAULT_DOC_SLOPE = 0.4
# Medicare Advantage plans lose most appealed prior-authorization denials (DOMAIN.md: 82 % overturned).
MA_AUTH_BONUS = 0.9
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
PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}
DEADLINE = {p.payer_id: p.appeal_deadline_days for p in PAYERS}


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def overturn_logit(denials: pd.DataFrame, doc_quality: np.ndarray) -> np.ndarray:
    """Log-odds that a prompt appeal is won, from everything but the reviewer's own noise.

    Args:
        denials: One row per denied claim with `mechanism` (a key of `OVERTURN_BY_MECHANISM`), `category`,
            `payer_id` and `denied_amount`.
        doc_quality: The provider's hidden documentation weakness (>1 is weaker) for each row.
    """
    category = denials["category"].to_numpy(dtype=object)
    base = _logit(lookup(denials["mechanism"], OVERTURN_BY_MECHANISM, 0.3, float))
    strict = lookup(denials["payer_id"], STRICT, 1.0, float)
    ma_auth = (lookup(denials["payer_id"], PAYER_TYPE, "", object) == "medicare_advantage") & (
        category == "authorization"
    )
    amount = np.maximum(denials["denied_amount"].to_numpy(dtype=float), 1.0)
    amount_slope = lookup(category, AMOUNT_SLOPE, DEFAULT_AMOUNT_SLOPE, float)
    doc_slope = lookup(category, DOC_SLOPE, DEFAULT_DOC_SLOPE, float)
    return (
        base
        - doc_slope * np.log(doc_quality)
        - 0.8 * np.log(strict)
        - amount_slope * np.log(amount / 200)
        + MA_AUTH_BONUS * ma_auth
    )


def overturn_probability(rng: np.random.Generator, denials: pd.DataFrame, doc_quality: np.ndarray) -> np.ndarray:
    """True probability that a prompt appeal of each denial is won (see `overturn_logit`), with the
    reviewer's unrecorded judgement as noise."""
    z = overturn_logit(denials, doc_quality) + rng.normal(0.0, 0.25, len(denials))
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
        denials: Denied, adjudicated claims with `claim_id`, `category`, `mechanism`, `payer_id`,
            `denied_amount`, `adjudication_date`, `expected_payment`.
        p_overturn: True overturn probability per denial.
        doc_quality: Provider documentation weakness per denial (staff see the chart, so it sways them).
    """
    amount = np.maximum(denials["denied_amount"].to_numpy(dtype=float), 1.0)
    # Staff judge winnability from the denial reason and the chart, and like large amounts.
    z = (
        -1.1
        + lookup(denials["category"], APPEAL_PREFERENCE, 0.0, float)
        + 0.35 * np.log(amount / 200)
        + 0.35 * overturn_logit(denials, doc_quality)
        + rng.normal(0.0, 0.7, len(denials))
    )
    appealed = rng.random(len(denials)) < 1 / (1 + np.exp(-z))
    d = denials[appealed].reset_index(drop=True)
    p = p_overturn[appealed]
    k = len(d)
    deadline = lookup(d["payer_id"], DEADLINE, 90, np.int64)
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
    appeals = str_frame(
        {
            "appeal_id": format_ids("AP%08d", range(k)),
            "claim_id": d["claim_id"].to_numpy(),
            "filed_date": filed.astype("datetime64[ns]"),
            "appeal_level": 1,
            "outcome": outcome,
            "recovered_amount": recovered,
            "decision_date": np.where(decided, decision, np.datetime64("NaT")).astype("datetime64[ns]"),
        }
    )
    return appeals[keep].reset_index(drop=True)
