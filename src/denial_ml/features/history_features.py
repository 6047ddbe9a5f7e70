"""History features: smoothed past denial rates by payer, provider, patient, payer x procedure, payer x modifier.

Every rate counts only outcomes known strictly before the claim's submission day (see `HistoryIndex.before`).
Keys come as `(position of each query's key, distinct key strings)`: the index lookups run once per
distinct key (a batch has a few payers and payer x procedure pairs) and the day searches once per query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.history import HistoryIndex, lookup_codes, smoothed_rate
from denial_ml.features.keys import ClaimKeys
from denial_ml.features.lookup import Keys
from denial_ml.features.revenue_lines import is_revenue_key
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


class ModifierKeys(NamedTuple):
    """One modifier slot of the lines: `payer|modifier` of each line ("none" when absent), and whether the line
    has that modifier."""

    keys: Keys
    present: np.ndarray


@dataclass(frozen=True)
class LineHistoryKeys:
    """What the line-level history looks up, one value per line of the batch."""

    claim: np.ndarray  # the line's claim position
    proc: Keys  # `payer|procedure`
    mods: tuple[ModifierKeys, ...]  # of the first two modifiers
    dup: np.ndarray  # `patient|service day|procedure`


def key_codes(index: HistoryIndex, keys: Keys) -> np.ndarray:
    """The index's code of each query's key (-1 when unseen), looked up once per distinct key."""
    position, distinct = keys
    return lookup_codes(index.codes, distinct)[position]


def claim_history(
    idx: dict[str, HistoryIndex],
    day: np.ndarray,
    keys: ClaimKeys,
    m: float,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Claim-level history rates (feature name -> values); also returns the overall prior rate per claim.

    Args:
        keys: The claims' keys; those of the `payer`, `provider`, `patient` and `patient_payer` indexes are read.
    """
    allq = idx["all"].before(np.array(["all"], dtype=object), day)  # one key for every claim
    prior = smoothed_rate(allq["denied"], allq["n"], BASE_RATE, m)
    payer_now = _before(idx["payer"], keys.payer, day)
    out = {"hist_payer_rate": smoothed_rate(payer_now["denied"], payer_now["n"], prior, m)}
    for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
        out[f"hist_payer_{cat}_rate"] = smoothed_rate(payer_now[col], payer_now["n"], prior / 8, m)
    prov = _before(idx["provider"], keys.provider, day)
    out["hist_provider_rate"] = smoothed_rate(prov["denied"], prov["n"], prior, m)
    for cat in PROVIDER_CATEGORIES:
        out[f"hist_provider_{cat}_rate"] = smoothed_rate(prov[f"cat_{cat}"], prov["n"], prior / 8, m)
    pp = _before(idx["patient_payer"], keys.patient_payer, day)
    out["hist_patient_payer_denials"] = pp["denied"]
    out["hist_patient_payer_eligibility_denials"] = pp["cat_eligibility"]
    pat = _before(idx["patient"], keys.patient, day)
    out["hist_patient_prior_denials"] = pat["denied"]
    out["hist_patient_prior_claims"] = pat["n"]
    return out, prior


def _before(index: HistoryIndex, keys: Keys, day: np.ndarray) -> dict[str, np.ndarray]:
    return index.before_codes(key_codes(index, keys), day)


def line_history(
    idx: dict[str, HistoryIndex],
    day: np.ndarray,
    prior: np.ndarray,
    lines: LineHistoryKeys,
    m: float,
    recent_days: int,
) -> dict[str, np.ndarray]:
    """Line-level history aggregated per claim (feature name -> values): its worst payer x procedure line,
    modifiers, duplicates.

    Args:
        idx: The snapshot's indexes. day: Each claim's submission day. prior: Each claim's overall prior rate.
        lines: The keys of each line. m: Smoothing strength. recent_days: Window of the recent rate.
    """
    n = len(day)
    c = lines.claim
    index = idx["payer_proc"]
    code = key_codes(index, lines.proc)
    now = index.before_codes(code, day[c])
    then = index.before_codes(code, day[c] - recent_days)
    rate = smoothed_rate(now["denied"], now["n"], prior[c], m)
    recent = smoothed_rate(now["denied"] - then["denied"], now["n"] - then["n"], rate, m)
    # A revenue-code-only line's history is its claims' (keyed by revenue family): it does not outbid a priced
    # line as the claim's worst line, nor add to the hazard, unless the claim has nothing else.
    revenue_only = is_revenue_key(lines.proc)
    claims_with_lines, pick = worst_lines(c, np.where(revenue_only, np.nan, recent), n)
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
    hazard = np.bincount(c, weights=-np.log1p(-np.clip(np.where(revenue_only, 0.0, rate), 0.0, 0.999)), minlength=n)
    out["hist_payer_proc_hazard"] = np.where(np.bincount(c, minlength=n) > 0, hazard, np.nan)
    mod_max = np.zeros(n)
    for keys, present in lines.mods:
        q = idx["payer_mod"].before_codes(key_codes(idx["payer_mod"], keys), day[c])
        rates = np.where(present, smoothed_rate(q["denied"], q["n"], prior[c], m), 0.0)
        np.maximum.at(mod_max, c, rates)
    out["hist_payer_mod_rate"] = mod_max
    dups = idx["submitted"].before(lines.dup, day[c])["n"]
    dup_max = np.zeros(n)
    np.maximum.at(dup_max, c, dups)
    out["dup_earlier_claims"] = dup_max
    return out


def worst_lines(c: np.ndarray, recent: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The claim's worst line: highest recent rate (NaN lowest), the first such line on ties.

    Returns:
        The claims that have lines (ascending) and the index of each one's worst line.
    """
    top = np.full(n, -np.inf)
    np.fmax.at(top, c, recent)
    # A claim whose rates are all NaN takes its first line, as a sort with NaN last would.
    rated = np.bincount(c, weights=~np.isnan(recent), minlength=n) > 0
    candidates = np.flatnonzero((recent == top[c]) | ~rated[c])
    first = np.full(n, len(c))
    np.minimum.at(first, c[candidates], candidates)
    claims = np.flatnonzero(first < len(c))
    return claims, first[claims]
