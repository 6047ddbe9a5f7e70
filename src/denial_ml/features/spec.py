"""The denial model's feature set: categorical features with their levels, and the numeric features.

The order here is the model's column order (with `HISTORY_FEATURES` last); a bundle's `feature_spec.json`
records it, so a change here needs a retrained model.
"""

from __future__ import annotations

from denial_ml.features.code_families import DX_GROUP_LEVELS, PROCEDURE_LEVELS
from denial_ml.features.coverage import COVERAGE_FEATURES

CATEGORICAL: dict[str, list[str]] = {
    "payer_id": [],  # filled from the snapshot's payers at fit time
    "payer_type": ["medicare", "medicare_advantage", "medicaid", "commercial", "tricare", "self_pay"],
    "claim_type": ["837P", "837I"],
    "place_of_service": ["02", "10", "11", "12", "19", "21", "22", "24", "81"],
    "specialty": [
        "primary_care",
        "physical_therapy",
        "behavioral_health",
        "radiology",
        "cardiology",
        "orthopedics",
        "dermatology",
        "unknown",
    ],
    "primary_procedure": PROCEDURE_LEVELS,  # catalog codes, then code families (features.code_families)
    "principal_dx_group": DX_GROUP_LEVELS,
    "eligibility_status": ["active", "inactive", "unknown"],
}
NUMERIC_FEATURES = [
    "n_dx",
    "inactive_dx",
    "missing_rendering_npi",
    "lag_days",
    "filing_days_left",
    "past_filing_limit",
    "eligibility_checked",
    "eligibility_check_gap",
    "member_id_known",
    *COVERAGE_FEATURES,
    "patient_age",
    "is_replacement",
    "log_total_charge",
    "invalid_modifier",
    "has_mod_25",
    "has_mod_59",
    "missing_pointer",
    "line_dx_misfit",
    "auth_required",
    "auth_code_mismatch",
    "n_lines",
    "total_units",
    "max_units",
    "n_modifiers",
    "auth_number_present",
    "auth_found",
    "auth_expired",
    "auth_units_exceeded",
    "dup_earlier_claims",
]
