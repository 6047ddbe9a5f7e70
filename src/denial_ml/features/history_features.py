"""History features: smoothed past denial rates by payer, provider, patient, payer x procedure, payer x modifier.

Every rate counts only outcomes known strictly before the claim's submission day (see `HistoryIndex.before`).
"""

from __future__ import annotations

import numpy as np

from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.history import HistoryIndex, smoothed_rate
from denial_ml.features.line_features import join_keys
from denial_ml.features.snapshot import CATEGORY_COLUMNS

PROVIDER_CATEGORIES = ("coding", "missing_information", "medical_necessity")
BASE_RATE = 0.12  # prior of the overall rate before any history exists

HISTORY_FEATURES = (
    [
        "hist_payer_proc_rate",
        "hist_payer_proc_recent",
        "hist_payer_proc_trend",
        "hist_payer_proc_n",
        "hist_payer_proc_hazard",
        "hist_payer_mod_rate",
        "hist_provider_rate",
        "hist_patient_prior_denials",
        "hist_patient_prior_claims",
        "hist_payer_rate",
        "hist_patient_payer_denials",
        "hist_patient_payer_eligibility_denials",
    ]
    + [f"hist_payer_{c}_rate" for c in CATEGORIES]
    + [f"hist_provider_{c}_rate" for c in PROVIDER_CATEGORIES]
    + [f"hist_payer_proc_{c}_rate" for c in CATEGORIES]
)


def claim_history(
    idx: dict[str, HistoryIndex],
    day: np.ndarray,
    payer: np.ndarray,
    provider: np.ndarray,
    patient: np.ndarray,
    m: float,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Claim-level history rates; also returns the overall prior rate per claim."""
    allq = idx["all"].before(np.full(len(day), "all", dtype=object), day)
    prior = smoothed_rate(allq["denied"], allq["n"], BASE_RATE, m)
    payer_now = idx["payer"].before(payer, day)
    out = {"hist_payer_rate": smoothed_rate(payer_now["denied"], payer_now["n"], prior, m)}
    for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
        out[f"hist_payer_{cat}_rate"] = smoothed_rate(payer_now[col], payer_now["n"], prior / 8, m)
    prov = idx["provider"].before(provider, day)
    out["hist_provider_rate"] = smoothed_rate(prov["denied"], prov["n"], prior, m)
    for cat in PROVIDER_CATEGORIES:
        out[f"hist_provider_{cat}_rate"] = smoothed_rate(prov[f"cat_{cat}"], prov["n"], prior / 8, m)
    pp = idx["patient_payer"].before(join_keys(patient, payer), day)
    out["hist_patient_payer_denials"] = pp["denied"]
    out["hist_patient_payer_eligibility_denials"] = pp["cat_eligibility"]
    pat = idx["patient"].before(patient, day)
    out["hist_patient_prior_denials"] = pat["denied"]
    out["hist_patient_prior_claims"] = pat["n"]
    return out, prior


def line_history(
    idx: dict[str, HistoryIndex],
    day: np.ndarray,
    prior: np.ndarray,
    payer: np.ndarray,
    c: np.ndarray,
    code: np.ndarray,
    mods: np.ndarray,
    dup_keys: np.ndarray,
    m: float,
    recent_days: int,
) -> dict[str, np.ndarray]:
    """Line-level history aggregated per claim: its worst payer x procedure line, modifiers, duplicates.

    Args:
        mods: The first two modifiers of each line ("" when absent), shape (n_lines, 2).
        dup_keys: `patient|service day|procedure` of each line.
    """
    n = len(day)
    key = join_keys(payer[c], code)
    now = idx["payer_proc"].before(key, day[c])
    then = idx["payer_proc"].before(key, day[c] - recent_days)
    rate = smoothed_rate(now["denied"], now["n"], prior[c], m)
    recent = smoothed_rate(now["denied"] - then["denied"], now["n"] - then["n"], rate, m)
    # The claim's worst line: highest recent rate (first such line on ties).
    order = np.lexsort((np.arange(len(c)), -recent, c))
    claims_with_lines, first = np.unique(c[order], return_index=True)
    pick = order[first]
    out = {}
    named = [("rate", rate), ("recent", recent), ("trend", recent - rate), ("n", now["n"])]
    # What this payer denied the worst line's procedure for: tells the category model (and the explanation) why.
    named += [
        (f"{cat}_rate", smoothed_rate(now[col], now["n"], prior[c] / 8, m))
        for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True)
    ]
    for name, values in named:
        col = np.full(n, np.nan)
        col[claims_with_lines] = values[pick]
        out[f"hist_payer_proc_{name}"] = col
    # Line mechanisms add up (each line can be denied on its own), so the claim's exposure is the sum of its
    # lines' hazards -log(1 - rate), which the worst line alone does not show for multi-line claims.
    hazard = np.bincount(c, weights=-np.log1p(-np.clip(rate, 0.0, 0.999)), minlength=n)
    out["hist_payer_proc_hazard"] = np.where(np.bincount(c, minlength=n) > 0, hazard, np.nan)
    mod_max = np.zeros(n)
    for j in range(mods.shape[1]):
        q = idx["payer_mod"].before(join_keys(payer[c], np.where(mods[:, j] == "", "none", mods[:, j])), day[c])
        rates = np.where(mods[:, j] != "", smoothed_rate(q["denied"], q["n"], prior[c], m), 0.0)
        np.maximum.at(mod_max, c, rates)
    out["hist_payer_mod_rate"] = mod_max
    dups = idx["submitted"].before(dup_keys, day[c])["n"]
    dup_max = np.zeros(n)
    np.maximum.at(dup_max, c, dups)
    out["dup_earlier_claims"] = dup_max
    return out
