"""The world's tables: reference data, claims and lines, the payer's decisions (835) and the generator's truth.

Column names follow their X12 meaning where one exists; `docs/data-model.md` gives the X12 element of each.
Only the payer-decision tables (remittances, remittance_lines, adjustments, remarks, appeals) hold decisions.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from denial_ml.domain.claim_fields import (
    ADMISSION_SOURCE,
    ADMISSION_TYPE,
    FACILITY_TYPE,
    FREQUENCY_CODES,
    INSTITUTIONAL_ONLY_FREQUENCIES,
    NPI,
    PROCEDURE,
)
from denial_ml.domain.denials import CATEGORIES
from denial_ml.schemas.columns import (
    APPEAL_OUTCOMES,
    CLP_STATUS_CODES,
    GROUP_CODES,
    MODIFIER,
    PAYER_TYPES,
    boolean,
    code,
    date,
    integer,
    money,
    one_of,
    optional,
    text,
)


def _professional_frequency(claims: pd.DataFrame) -> pd.Series:
    """837P claims carry frequency 1, 7 or 8 only: 0 and 2-5 are institutional bill types."""
    frequency = claims["claim_frequency_code"].astype(str)
    return ~((claims["claim_type"].astype(str) == "837P") & frequency.isin(INSTITUTIONAL_ONLY_FREQUENCIES))


def _procedure_or_revenue_code(lines: pd.DataFrame) -> pd.Series:
    """A line names its service: a procedure code, or (837I only) a revenue code alone."""
    procedure = lines["procedure_code"]
    revenue = lines["revenue_code"] if "revenue_code" in lines else pd.Series(None, index=lines.index)
    return procedure.notna() & (procedure.astype(object) != "") | revenue.notna() & (revenue.astype(object) != "")


PAYERS = pa.DataFrameSchema(
    {
        "payer_id": text(unique=True),
        "payer_name": text(),
        "payer_type": one_of(PAYER_TYPES),
        "timely_filing_days": integer(1),
        "appeal_deadline_days": integer(1),
        "auth_required_codes": text(),  # space-separated procedure codes from the payer's published policy
    },
    strict=True,
    name="payers",
)

PROVIDERS = pa.DataFrameSchema(
    {
        "provider_npi": code(NPI),
        "provider_name": text(),
        "entity_type": one_of(("1", "2")),  # NM102: 1 person, 2 organisation
        "taxonomy_code": text(),  # PRV03
        "specialty": text(),
    },
    unique=["provider_npi"],
    strict=True,
    name="providers",
)

PATIENTS = pa.DataFrameSchema(
    {
        "patient_id": text(unique=True),
        "birth_date": date(nullable=True),  # DMG02; empty when an export does not carry it
        "sex": one_of(("F", "M", "U")),  # DMG03
        "state": text(),
    },
    strict=True,
    name="patients",
)

COVERAGES = pa.DataFrameSchema(
    {
        "patient_id": text(),
        "payer_id": text(),
        "member_id": text(),  # NM109 subscriber identifier
        "coverage_start": date(),
        "coverage_end": date(nullable=True),  # empty: still active
        "coverage_priority": one_of(("P", "S", "T")),  # SBR01 primary / secondary / tertiary
    },
    strict=True,
    name="coverages",
)

CLAIMS = pa.DataFrameSchema(
    {
        "claim_id": text(unique=True),  # CLM01 patient control number
        "patient_id": text(),
        "member_id": text(nullable=True),
        "payer_id": text(),
        "billing_provider_npi": code(NPI),  # loop 2010AA NM109
        "rendering_provider_npi": code(r"^(\d{10})?$", nullable=True),  # loop 2310B; empty when not sent
        "claim_type": one_of(("837P", "837I")),
        "claim_frequency_code": one_of(FREQUENCY_CODES),  # CLM05-3; 0 and 2-5 on 837I only
        "place_of_service": code(r"^\d{2}$"),  # CLM05-1 (837P) / derived from bill type (837I)
        "service_date_from": date(),
        "service_date_to": date(),
        "submission_date": date(),  # BHT04 / date the claim left the practice
        "total_charge": money(),  # CLM02
        "diagnosis_codes": text(),  # HI: space-separated ICD-10-CM without dots, principal first
        "prior_auth_number": text(nullable=True),  # REF*G1
        "original_claim_id": text(nullable=True),  # REF*F8 for replacements
        "eligibility_checked": boolean(),  # a 270/271 inquiry was made before submission
        "eligibility_check_date": date(nullable=True),
        "eligibility_status": one_of(("active", "inactive", "unknown")),  # 271 EB01 as answered
        # 837I only (empty on 837P; optional columns: tables written before they existed lack them).
        "facility_type_code": optional(code(FACILITY_TYPE, nullable=True)),  # CLM05-1: bill type's 2 digits
        "admission_date": optional(date(nullable=True)),  # DTP*435
        "admission_type_code": optional(code(ADMISSION_TYPE, nullable=True)),  # CL101
        "admission_source_code": optional(code(ADMISSION_SOURCE, nullable=True)),  # CL102 point of origin
    },
    checks=[
        pa.Check(
            _professional_frequency,
            name="claim_frequency_code 0 or 2-5 (interim, late charge) only on 837I claims",
        )
    ],
    strict=True,
    name="claims",
)

CLAIM_LINES = pa.DataFrameSchema(
    {
        "claim_id": text(),
        "line_number": integer(1),  # LX01
        "line_control_number": text(),  # REF*6R, echoed in the 835
        "procedure_code": code(PROCEDURE, nullable=True),  # SV101-2 / SV202-2; empty: revenue-code-only line
        "modifier_1": code(MODIFIER, nullable=True),
        "modifier_2": code(MODIFIER, nullable=True),
        "modifier_3": code(MODIFIER, nullable=True),
        "modifier_4": code(MODIFIER, nullable=True),
        "units": integer(1),  # SV104 / SV205
        "line_charge": money(),  # SV102 / SV203
        "diagnosis_pointers": text(nullable=True),  # SV107: space-separated 1-based indexes into diagnosis_codes
        "service_date": date(),  # DTP*472
        "revenue_code": text(nullable=True),  # SV201 (837I only)
    },
    checks=[
        pa.Check(
            _procedure_or_revenue_code,
            name="procedure_code is required (only an 837I line with a revenue_code may go without one)",
        )
    ],
    unique=["claim_id", "line_number"],
    strict=True,
    name="claim_lines",
)

AUTHORIZATIONS = pa.DataFrameSchema(
    {
        "auth_number": text(unique=True),
        "payer_id": text(),
        "patient_id": text(),
        "procedure_codes": text(),  # space-separated codes the authorization covers
        "start_date": date(),
        "end_date": date(),
        "units_authorized": integer(1),
    },
    strict=True,
    name="authorizations",
)

REMITTANCES = pa.DataFrameSchema(
    {
        "remit_id": text(unique=True),
        "claim_id": text(),  # CLP01
        "claim_status_code": one_of(CLP_STATUS_CODES),  # CLP02
        "total_charge": pa.Column(float, coerce=True),  # CLP03 (negative on reversals)
        "paid_amount": pa.Column(float, coerce=True),  # CLP04 (negative on reversals)
        "patient_responsibility": pa.Column(float, coerce=True),  # CLP05
        "payer_claim_id": text(nullable=True),  # CLP07
        "payer_id": text(nullable=True),  # N1*PR / TRN03
        "adjudication_date": date(),  # DTM*050 or BPR16
        "remit_sequence": integer(1),  # order of remittances for the same claim
    },
    strict=True,
    name="remittances",
)

REMITTANCE_LINES = pa.DataFrameSchema(
    {
        "remit_id": text(),
        "claim_id": text(),
        "line_number": integer(1),  # SVC ordinal within the remittance; adjustments and remarks point here
        "claim_line_number": integer(1, nullable=True),  # matched LX of the claim; empty when unmatched
        "line_control_number": text(nullable=True),  # REF*6R
        "procedure_code": text(nullable=True),  # SVC01-2 (HC); empty on a revenue-code-only line
        "modifiers": text(nullable=True),  # SVC01-3..6, space-separated
        "line_charge": pa.Column(float, coerce=True),  # SVC02
        "paid_amount": pa.Column(float, coerce=True),  # SVC03
        "units": pa.Column(float, coerce=True, nullable=True),  # SVC05
        "service_date": date(nullable=True),  # DTM*472
        "revenue_code": optional(text(nullable=True)),  # SVC01-2 (NU) or SVC04: an institutional line
    },
    unique=["remit_id", "line_number"],
    strict=True,
    name="remittance_lines",
)

ADJUSTMENTS = pa.DataFrameSchema(
    {
        "remit_id": text(),
        "claim_id": text(),
        "line_number": integer(1, nullable=True),  # SVC ordinal (remittance_lines.line_number); empty: claim level
        "group_code": one_of(GROUP_CODES),  # CAS01
        "carc": text(),  # CAS02/05/...
        "amount": pa.Column(float, coerce=True),  # CAS03/06/...
        "quantity": pa.Column(float, coerce=True, nullable=True),
    },
    strict=True,
    name="adjustments",
)

REMARKS = pa.DataFrameSchema(
    {
        "remit_id": text(),
        "claim_id": text(),
        "line_number": integer(1, nullable=True),
        "rarc": text(),  # LQ*HE / MOA / MIA
    },
    strict=True,
    name="remarks",
)

APPEALS = pa.DataFrameSchema(
    {
        "appeal_id": text(unique=True),
        "claim_id": text(),
        "filed_date": date(),
        "appeal_level": integer(1),
        "outcome": one_of(APPEAL_OUTCOMES),
        "recovered_amount": money(),
        "decision_date": date(nullable=True),
    },
    strict=True,
    name="appeals",
)

TRUTH = pa.DataFrameSchema(
    {
        "claim_id": text(unique=True),
        "denial_probability": pa.Column(float, checks=[pa.Check.in_range(0, 1)], coerce=True),
        "denial_cause": one_of(("",) + CATEGORIES),
        # The most probable cause should the claim be denied (Bayes-optimal, all hidden facts known).
        "likely_cause": one_of(("",) + CATEGORIES),
        "overturn_probability": pa.Column(float, checks=[pa.Check.in_range(0, 1)], nullable=True, coerce=True),
        # The policy-file rule with the largest hazard on the claim ("" when none hits it), that hazard, and
        # the rule that denied the claim ("" unless a policy rule did): see synthetic/policy_rules.py.
        "policy_rule": text(),
        "policy_hazard": pa.Column(float, checks=[pa.Check.ge(0)], coerce=True),
        "denial_rule": text(),
    },
    strict=True,
    name="truth",
)

TABLES: dict[str, pa.DataFrameSchema] = {
    s.name: s
    for s in (
        PAYERS,
        PROVIDERS,
        PATIENTS,
        COVERAGES,
        CLAIMS,
        CLAIM_LINES,
        AUTHORIZATIONS,
        REMITTANCES,
        REMITTANCE_LINES,
        ADJUSTMENTS,
        REMARKS,
        APPEALS,
        TRUTH,
    )
}
"""Every table of a world, by name (= its Parquet file stem)."""

PRE_SUBMISSION_TABLES = (
    "payers",
    "providers",
    "patients",
    "coverages",
    "claims",
    "claim_lines",
    "authorizations",
)
PAYER_DECISION_TABLES = ("remittances", "remittance_lines", "adjustments", "remarks", "appeals")
