"""Factors: the model's features grouped into reasons a biller recognises, each tied to a denial category.

All features that stem from one fact about the claim form one factor (every authorization-match feature is the
"authorization" factor), so a reason's contribution is the sum of its features' SHAP values and the factors of a
claim add up, with the base value, to the model's raw score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.history_features import PROVIDER_CATEGORIES
from denial_ml.features.slices import PATIENT_FEATURES


@dataclass(frozen=True)
class Factor:
    """A reason: a named group of features with the denial category it points to (None: the claim's likely one)."""

    name: str
    label: str
    category: str | None
    features: tuple[str, ...]


FACTORS: tuple[Factor, ...] = (
    Factor(
        "authorization",
        "Prior authorization",
        "authorization",
        (
            "auth_required",
            "auth_number_present",
            "auth_found",
            "auth_expired",
            "auth_code_mismatch",
            "auth_units_exceeded",
        ),
    ),
    Factor(
        "eligibility_check",
        "Eligibility verification",
        "eligibility",
        (
            "eligibility_status",
            "eligibility_checked",
            "eligibility_check_gap",
        ),
    ),
    Factor("member_id", "Member ID", "eligibility", ("member_id_known",)),
    Factor("coverage", "Coverage on file", "eligibility", ("coverage_on_file", "coverage_days_past_end")),
    Factor(
        "patient_eligibility_history",
        "Patient's eligibility history",
        "eligibility",
        ("hist_patient_payer_eligibility_denials",),
    ),
    Factor(
        "modifiers",
        "Modifiers",
        "coding",
        (
            "invalid_modifier",
            "has_mod_25",
            "has_mod_59",
            "n_modifiers",
            "hist_payer_mod_rate",
            # What the payer did with this procedure billed with these modifiers (at this place of service), or
            # next to another code on the same claim: where NCCI pairs and modifier requirements show up.
            "slice_any_mods_lift",
            "slice_any_mods_pos_lift",
            "slice_any_pair_lift",
            "slice_mods_lift",
            "slice_mods_pos_lift",
            "slice_pair_lift",
        ),
    ),
    Factor(
        "diagnosis_coding",
        "Diagnosis coding",
        "coding",
        (
            "inactive_dx",
            "line_dx_misfit",
            "n_dx",
            "principal_dx_group",
        ),
    ),
    Factor("rendering_npi", "Rendering provider NPI", "missing_information", ("missing_rendering_npi",)),
    Factor("diagnosis_pointer", "Diagnosis pointers", "missing_information", ("missing_pointer",)),
    Factor("timely_filing", "Filing deadline", "timely_filing", ("lag_days", "filing_days_left", "past_filing_limit")),
    Factor("duplicate", "Earlier claims for the same service", "duplicate", ("dup_earlier_claims", "is_replacement")),
    Factor(
        "payer_procedure_history",
        "Payer's record with this procedure",
        None,
        (
            "hist_payer_proc_rate",
            "hist_payer_proc_recent",
            "hist_payer_proc_trend",
            "hist_payer_proc_n",
            "hist_payer_proc_hazard",
            "primary_procedure",
            *(f"hist_payer_proc_{c}_rate" for c in CATEGORIES),
        ),
    ),
    Factor(
        "payer_procedure_slices",
        "Payer's record with this procedure for claims like this one",
        None,
        ("slice_pos_lift", "slice_age_lift", "slice_sex_lift", "slice_dx_lift", "slice_units_lift"),
    ),
    Factor(
        "patient_service_history",
        "Patient's earlier services with this payer",
        None,
        (*PATIENT_FEATURES, "slice_ordinal_lift", "slice_family_year_lift", "slice_family_365_lift"),
    ),
    # Payer- and provider-level rates mostly stand for who the payer or provider is, so each forms one factor
    # whose category is the claim's likely one rather than eight factors claiming eight causes.
    Factor(
        "payer",
        "Payer's record",
        None,
        ("payer_id", "payer_type", "hist_payer_rate", *(f"hist_payer_{c}_rate" for c in CATEGORIES)),
    ),
    Factor(
        "provider",
        "Rendering provider's record",
        None,
        ("specialty", "hist_provider_rate", *(f"hist_provider_{c}_rate" for c in PROVIDER_CATEGORIES)),
    ),
    Factor(
        "patient_history",
        "Patient's claim history",
        None,
        (
            "hist_patient_prior_denials",
            "hist_patient_prior_claims",
            "hist_patient_payer_denials",
            "patient_age",
        ),
    ),
    Factor(
        "service",
        "Service billed",
        None,
        (
            "claim_type",
            "place_of_service",
            "n_lines",
            "total_units",
            "max_units",
            "log_total_charge",
        ),
    ),
)
FACTOR_BY_NAME = {f.name: f for f in FACTORS}
FACTOR_NAMES = tuple(f.name for f in FACTORS)


def grouping_matrix(feature_names: list[str]) -> np.ndarray:
    """0/1 matrix (n_features x n_factors) that sums feature contributions into factor contributions.

    Raises:
        ValueError: naming any feature that belongs to no factor or to more than one.
    """
    column = {}
    for j, factor in enumerate(FACTORS):
        for feature in factor.features:
            if feature in column:
                raise ValueError(f"feature {feature!r} belongs to two factors")
            column[feature] = j
    missing = [f for f in feature_names if f not in column]
    if missing:
        raise ValueError(f"features without a factor: {', '.join(missing)}")
    G = np.zeros((len(feature_names), len(FACTORS)))
    for i, name in enumerate(feature_names):
        G[i, column[name]] = 1.0
    return G


def procedure_rates(X: np.ndarray | pd.DataFrame, feature_names: list[str]) -> np.ndarray:
    """The `hist_payer_proc_<category>_rate` columns of a feature matrix or frame (n_claims x n_categories)."""
    names = [f"hist_payer_proc_{c}_rate" for c in CATEGORIES]
    if isinstance(X, pd.DataFrame):
        return X[names].to_numpy(dtype=float)
    return np.asarray(X, dtype=float)[:, [feature_names.index(n) for n in names]]


def factor_categories(likely_category: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Category of every factor for every claim (n_claims x n_factors), given `procedure_rates`.

    Fixed for most factors. The payer's record with the procedure takes the category this payer most often
    denied that procedure for (smoothed, before the claim's submission); other history factors take the
    claim's likely category from the category model.
    """
    fixed = np.array([f.category or "" for f in FACTORS], dtype=object)
    out = np.tile(fixed, (len(likely_category), 1))
    dynamic = fixed == ""
    likely = np.asarray(likely_category, dtype=object)
    out[:, dynamic] = likely[:, None]
    known = ~np.isnan(rates).all(axis=1)
    by_procedure = np.array(CATEGORIES, dtype=object)[np.nan_to_num(rates, nan=-1.0).argmax(axis=1)]
    for name in ("payer_procedure_history", "payer_procedure_slices"):
        out[:, FACTOR_NAMES.index(name)] = np.where(known, by_procedure, likely)
    return out


def factor_categories_of_one(likely_category: str, rates: list[float]) -> list[str]:
    """`factor_categories` of one claim in plain Python (its `procedure_rates` row as floats): the same choices,
    the first of the highest rates with NaN ranked as -1, without a dozen NumPy calls on arrays of one row."""
    known = any(r == r for r in rates)
    ranked = [r if r == r else -1.0 for r in rates]
    by_procedure = CATEGORIES[ranked.index(max(ranked))] if known else likely_category
    out = [f.category or likely_category for f in FACTORS]
    for name in ("payer_procedure_history", "payer_procedure_slices"):
        out[FACTOR_NAMES.index(name)] = by_procedure
    return out


def top_factors(contrib: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the `k` factors that push each claim's risk up the most (largest contribution first)."""
    k = min(k, contrib.shape[1])
    part = np.argpartition(-contrib, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(contrib, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
