"""What the payer decides: denial mechanisms as hazards, the truth, and the 835 tables.

Every mechanism contributes a hazard h = -log(1 - p) at claim or line level; a claim's denial probability is
1 - exp(-sum h) = 1 - prod(1 - p), and the mechanism that denies it is drawn in proportion to its hazard
(an exponential race), so the truth's `denial_cause` is exactly the mechanism that fired.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import lookup
from denial_ml.data.synthetic.hidden import ClaimDefects, LineDefects, hidden
from denial_ml.data.synthetic.mechanisms import MECH_INDEX, MECHANISMS, Mechanism
from denial_ml.data.synthetic.params import PAYERS, RATES, WorldTimeline
from denial_ml.domain.catalog import PROCEDURE_BY_CODE

STRICT = {p.payer_id: p.strictness for p in PAYERS}
TF_DAYS = {p.payer_id: p.timely_filing_days for p in PAYERS}
NECESSITY_PRONE = {code: p.necessity_prone for code, p in PROCEDURE_BY_CODE.items()}


def hazard_of(p: np.ndarray | float) -> np.ndarray:
    """The hazard -log(1 - p) of a denial probability (clipped to 0..0.999)."""
    return -np.log1p(-np.clip(p, 0.0, 0.999))


def claim_hazards(rng: np.random.Generator, claims: pd.DataFrame, providers: pd.DataFrame) -> np.ndarray:
    """Claim-level hazards, shape (n_claims, n_mechanisms); hidden latents make part of each unobservable."""
    n = len(claims)
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    prov = hidden(claims, "claims", "_prov").to_numpy()
    d = ClaimDefects.of(claims)
    strict = lookup(claims["payer_id"], STRICT, dtype=float)
    noise = rng.lognormal(0.0, 0.6, n)  # the examiner and everything else nobody records
    dq = people["data_quality"].to_numpy()[prov]
    lag = (claims["submission_date"] - claims["service_date_from"]).dt.days.to_numpy()
    limit = lookup(claims["payer_id"], TF_DAYS, 0, np.int64)
    H = np.zeros((n, len(MECHANISMS)), order="F")  # filled column by column
    r = RATES
    H[:, MECH_INDEX["elig_inactive"]] = hazard_of(r["elig_inactive_hit"] * d.coverage_inactive)
    H[:, MECH_INDEX["elig_typo"]] = hazard_of(r["elig_typo_hit"] * d.member_typo)
    unchecked = claims["eligibility_status"].to_numpy() == "unknown"
    H[:, MECH_INDEX["elig_base"]] = hazard_of(r["elig_base"] * noise * (1 + 1.5 * unchecked))
    H[:, MECH_INDEX["auth_missing"]] = hazard_of(r["auth_missing_hit"] * d.auth_missing)
    H[:, MECH_INDEX["auth_expired"]] = hazard_of(r["auth_expired_hit"] * d.auth_expired)
    H[:, MECH_INDEX["auth_base"]] = hazard_of(r["auth_base"] * strict * noise * (1 + 4 * d.auth_needed))
    H[:, MECH_INDEX["coding_misfit"]] = hazard_of(r["coding_dx_misfit_hit"] * d.dx_misfit)
    H[:, MECH_INDEX["coding_inactive_dx"]] = hazard_of(r["coding_inactive_dx_hit"] * d.inactive_dx)
    H[:, MECH_INDEX["missing_npi"]] = hazard_of(
        r["missing_npi_hit"] * claims["rendering_provider_npi"].isna().to_numpy()
    )
    H[:, MECH_INDEX["missing_base"]] = hazard_of(r["missing_base"] * np.sqrt(dq) * noise)
    over = lag > limit
    edge = (lag > limit - 10) & ~over
    H[:, MECH_INDEX["timely"]] = hazard_of(r["timely_hit"] * over + r["timely_edge"] * edge)
    H[:, MECH_INDEX["duplicate"]] = hazard_of(np.where(d.duplicate, r["duplicate_hit"], r["duplicate_base"]))
    return np.ascontiguousarray(H)  # row order: sums and row gathers follow


def line_hazards(
    rng: np.random.Generator,
    lines: pd.DataFrame,
    claims: pd.DataFrame,
    providers: pd.DataFrame,
) -> np.ndarray:
    """Line-level hazards, shape (n_lines, n_mechanisms), before the policy file's `cause:` rules.

    The payer rules recorded as built-in mechanisms (modifier 25, telehealth and GP modifiers, COM02's bundling
    edit, the non-coverage edits) live in the policy file; `policy_rules.apply_cause_rules` adds them. Here
    their columns hold only their background: examiners' noise for `noncovered`, nothing for the others.
    """
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    c = hidden(lines, "claim_lines", "_c").to_numpy()
    d = LineDefects.of(lines)
    strict = lookup(claims["payer_id"], STRICT, dtype=float)[c]
    prov = hidden(claims, "claims", "_prov").to_numpy()[c]
    doc = people["doc_quality"].to_numpy()[prov]
    cq = people["coding_quality"].to_numpy()[prov]
    n_dx = claims["diagnosis_codes"].str.count(" ").to_numpy()[c] + 1
    noise = rng.lognormal(0.0, 0.6, len(c))
    is_prone = lookup(lines["procedure_code"], NECESSITY_PRONE, False, bool)
    auth_ok = claims["prior_auth_number"].notna().to_numpy()[c] & ~d.auth_wrong_code
    H = np.zeros((len(c), len(MECHANISMS)), order="F")  # filled column by column
    r = RATES
    H[:, MECH_INDEX["auth_wrong_code"]] = hazard_of(r["auth_wrong_code_hit"] * d.auth_wrong_code)
    H[:, MECH_INDEX["auth_units"]] = hazard_of(r["auth_units_hit"] * d.auth_units)
    H[:, MECH_INDEX["coding_base"]] = hazard_of(r["coding_base"] * strict * cq * noise / 3.5)
    H[:, MECH_INDEX["coding_bad_modifier"]] = hazard_of(r["coding_bad_modifier_hit"] * d.bad_modifier)
    H[:, MECH_INDEX["missing_pointer"]] = hazard_of(r["missing_pointer_hit"] * d.missing_pointer)
    base = np.where(is_prone, r["necessity_prone_base"], r["necessity_base"])
    necessity = base * strict * doc**2 * noise * np.where(n_dx == 1, 1.6, 1.0) * np.where(auth_ok, 0.5, 1.0)
    H[:, MECH_INDEX["necessity"]] = hazard_of(necessity)
    H[:, MECH_INDEX["noncovered"]] = hazard_of(r["noncovered_base"] * noise)
    return np.ascontiguousarray(H)  # row order: sums and row gathers follow


class Denials(NamedTuple):
    """The payer's decisions, one value per claim (`decide_denials`)."""

    prob: np.ndarray  # denial probability
    denied: np.ndarray  # denied flag
    mech: np.ndarray  # winning mechanism's index in `MECHANISMS` (-1: not denied)
    line_row: np.ndarray  # the denied line's row (-1: a claim-level denial, or not denied)


def decide_denials(
    rng: np.random.Generator, H_claim: np.ndarray, H_line: np.ndarray, line_claim: np.ndarray
) -> Denials:
    """Draw which claims are denied, by which mechanism, and at which line (see `Denials`)."""
    n = H_claim.shape[0]
    total = H_claim.sum(axis=1) + np.bincount(line_claim, weights=H_line.sum(axis=1), minlength=n)
    prob = -np.expm1(-total)
    denied = rng.random(n) < prob
    mech = np.full(n, -1)
    line_row = np.full(n, -1)
    d_idx = np.flatnonzero(denied)
    # Exponential race among the denied claims' candidates: the smallest Exp(1)/h wins.
    c_rows, c_mech = np.nonzero(H_claim[d_idx] > 0)
    c_claim = d_idx[c_rows]
    c_time = rng.exponential(1.0, len(c_rows)) / H_claim[c_claim, c_mech]
    in_denied = np.isin(line_claim, d_idx)
    l_rows_all = np.flatnonzero(in_denied)
    l_rows, l_mech = np.nonzero(H_line[l_rows_all] > 0)
    l_line = l_rows_all[l_rows]
    l_time = rng.exponential(1.0, len(l_rows)) / H_line[l_line, l_mech]
    race = pd.DataFrame(
        {
            "claim": np.concatenate([c_claim, line_claim[l_line]]),
            "mech": np.concatenate([c_mech, l_mech]),
            "line": np.concatenate([np.full(len(c_claim), -1), l_line]),
            "t": np.concatenate([c_time, l_time]),
        }
    )
    winners = race.sort_values("t", kind="stable").drop_duplicates("claim")
    mech[winners["claim"].to_numpy()] = winners["mech"].to_numpy()
    line_row[winners["claim"].to_numpy()] = winners["line"].to_numpy()
    return Denials(prob, denied, mech, line_row)


def category_hazards(
    H_claim: np.ndarray,
    H_line: np.ndarray,
    line_claim: np.ndarray,
    mechanisms: tuple[Mechanism, ...] = MECHANISMS,
) -> tuple[np.ndarray, np.ndarray]:
    """Each claim's total hazard per denial category (its lines' hazards summed in).

    `mechanisms` names the hazard columns (the built-in ones, then any policy rules').

    Returns:
        (category names, sorted; hazards of shape (n_claims, n_categories)).
    """
    n = H_claim.shape[0]
    category = np.array([m.category for m in mechanisms], dtype=object)
    names = np.unique(category)
    by_mechanism = H_claim + np.stack(
        [np.bincount(line_claim, weights=H_line[:, j], minlength=n) for j in range(H_line.shape[1])], axis=1
    )
    return names, np.stack([by_mechanism[:, category == c].sum(axis=1) for c in names], axis=1)


def likely_causes(
    H_claim: np.ndarray,
    H_line: np.ndarray,
    line_claim: np.ndarray,
    mechanisms: tuple[Mechanism, ...] = MECHANISMS,
) -> np.ndarray:
    """Each claim's most probable denial category should it be denied: in the exponential race a mechanism wins
    with probability h / sum(h) whether or not the claim is denied, so the category with the largest summed hazard
    is the Bayes-optimal guess of the cause, knowing everything the world knows (the explanations' ceiling)."""
    names, by_category = category_hazards(H_claim, H_line, line_claim, mechanisms)
    return np.where(by_category.max(axis=1) > 0, names[by_category.argmax(axis=1)], "")


def adjudication_dates(rng: np.random.Generator, claims: pd.DataFrame, timeline: WorldTimeline) -> np.ndarray:
    """Remittance dates; NaT for claims still pending at the end of history."""
    median = lookup(claims["payer_id"], {p.payer_id: p.adjudication_days for p in PAYERS}, dtype=float)
    days = np.maximum(3, np.round(rng.gamma(4.0, median / 4.0))).astype("int64")
    adj = claims["submission_date"].to_numpy().astype("datetime64[D]") + days.astype("timedelta64[D]")
    as_of = np.datetime64(timeline.as_of, "D")
    return np.where(adj <= as_of, adj, np.datetime64("NaT")).astype("datetime64[ns]")
