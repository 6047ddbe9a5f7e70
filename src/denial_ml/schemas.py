"""The claims data model: one pandera schema per table, checked at every boundary (read, write, ingest).

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

DATE = "datetime64[ns]"
# self_pay: the patient pays (no insurer); a practice's export has such claims, the synthetic world does not.
PAYER_TYPES = ("medicare", "medicare_advantage", "medicaid", "commercial", "tricare", "self_pay")
CLP_STATUS_CODES = ("1", "2", "3", "4", "19", "20", "21", "22", "23", "25")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
APPEAL_OUTCOMES = ("overturned", "upheld", "pending")


def _str(nullable: bool = False, checks: list[pa.Check] | None = None, unique: bool = False) -> pa.Column:
    return pa.Column(str, checks=checks or [], nullable=nullable, unique=unique, coerce=True)


def _date(nullable: bool = False) -> pa.Column:
    return pa.Column(DATE, nullable=nullable, coerce=True)


def _money(nullable: bool = False) -> pa.Column:
    return pa.Column(float, checks=[pa.Check.ge(0)], nullable=nullable, coerce=True)


def _int(min_value: int = 0, nullable: bool = False) -> pa.Column:
    return pa.Column("Int64" if nullable else "int64", checks=[pa.Check.ge(min_value)], nullable=nullable, coerce=True)


def _bool() -> pa.Column:
    return pa.Column(bool, coerce=True)


def _isin(values: tuple[str, ...], nullable: bool = False) -> pa.Column:
    return _str(nullable=nullable, checks=[pa.Check.isin(values)])


def _code(pattern: str, nullable: bool = False) -> pa.Column:
    return _str(nullable=nullable, checks=[pa.Check.str_matches(pattern)])


def _optional(column: pa.Column) -> pa.Column:
    """A column a table may lack (tables written before it existed); present, it is checked as usual."""
    column.required = False
    return column


def _professional_frequency(claims: pd.DataFrame) -> pd.Series:
    """837P claims carry frequency 1, 7 or 8 only: 0 and 2-5 are institutional bill types."""
    frequency = claims["claim_frequency_code"].astype(str)
    return ~((claims["claim_type"].astype(str) == "837P") & frequency.isin(INSTITUTIONAL_ONLY_FREQUENCIES))


def _procedure_or_revenue_code(lines: pd.DataFrame) -> pd.Series:
    """A line names its service: a procedure code, or (837I only) a revenue code alone."""
    procedure = lines["procedure_code"]
    revenue = lines["revenue_code"] if "revenue_code" in lines else pd.Series(None, index=lines.index)
    return procedure.notna() & (procedure.astype(object) != "") | revenue.notna() & (revenue.astype(object) != "")


MODIFIER = r"^([A-Z0-9]{2})?$"

PAYERS = pa.DataFrameSchema(
    {
        "payer_id": _str(unique=True),
        "payer_name": _str(),
        "payer_type": _isin(PAYER_TYPES),
        "timely_filing_days": _int(1),
        "appeal_deadline_days": _int(1),
        "auth_required_codes": _str(),  # space-separated procedure codes from the payer's published policy
    },
    strict=True,
    name="payers",
)

PROVIDERS = pa.DataFrameSchema(
    {
        "provider_npi": _code(NPI),
        "provider_name": _str(),
        "entity_type": _isin(("1", "2")),  # NM102: 1 person, 2 organisation
        "taxonomy_code": _str(),  # PRV03
        "specialty": _str(),
    },
    unique=["provider_npi"],
    strict=True,
    name="providers",
)

PATIENTS = pa.DataFrameSchema(
    {
        "patient_id": _str(unique=True),
        "birth_date": _date(nullable=True),  # DMG02; empty when an export does not carry it
        "sex": _isin(("F", "M", "U")),  # DMG03
        "state": _str(),
    },
    strict=True,
    name="patients",
)

COVERAGES = pa.DataFrameSchema(
    {
        "patient_id": _str(),
        "payer_id": _str(),
        "member_id": _str(),  # NM109 subscriber identifier
        "coverage_start": _date(),
        "coverage_end": _date(nullable=True),  # empty: still active
        "coverage_priority": _isin(("P", "S", "T")),  # SBR01 primary / secondary / tertiary
    },
    strict=True,
    name="coverages",
)

CLAIMS = pa.DataFrameSchema(
    {
        "claim_id": _str(unique=True),  # CLM01 patient control number
        "patient_id": _str(),
        "member_id": _str(nullable=True),
        "payer_id": _str(),
        "billing_provider_npi": _code(NPI),  # loop 2010AA NM109
        "rendering_provider_npi": _code(r"^(\d{10})?$", nullable=True),  # loop 2310B; empty when not sent
        "claim_type": _isin(("837P", "837I")),
        "claim_frequency_code": _isin(FREQUENCY_CODES),  # CLM05-3; 0 and 2-5 on 837I only
        "place_of_service": _code(r"^\d{2}$"),  # CLM05-1 (837P) / derived from bill type (837I)
        "service_date_from": _date(),
        "service_date_to": _date(),
        "submission_date": _date(),  # BHT04 / date the claim left the practice
        "total_charge": _money(),  # CLM02
        "diagnosis_codes": _str(),  # HI: space-separated ICD-10-CM without dots, principal first
        "prior_auth_number": _str(nullable=True),  # REF*G1
        "original_claim_id": _str(nullable=True),  # REF*F8 for replacements
        "eligibility_checked": _bool(),  # a 270/271 inquiry was made before submission
        "eligibility_check_date": _date(nullable=True),
        "eligibility_status": _isin(("active", "inactive", "unknown")),  # 271 EB01 as answered
        # 837I only (empty on 837P; optional columns: tables written before they existed lack them).
        "facility_type_code": _optional(_code(FACILITY_TYPE, nullable=True)),  # CLM05-1: bill type's 2 digits
        "admission_date": _optional(_date(nullable=True)),  # DTP*435
        "admission_type_code": _optional(_code(ADMISSION_TYPE, nullable=True)),  # CL101
        "admission_source_code": _optional(_code(ADMISSION_SOURCE, nullable=True)),  # CL102 point of origin
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
        "claim_id": _str(),
        "line_number": _int(1),  # LX01
        "line_control_number": _str(),  # REF*6R, echoed in the 835
        "procedure_code": _code(PROCEDURE, nullable=True),  # SV101-2 / SV202-2; empty: revenue-code-only line
        "modifier_1": _code(MODIFIER, nullable=True),
        "modifier_2": _code(MODIFIER, nullable=True),
        "modifier_3": _code(MODIFIER, nullable=True),
        "modifier_4": _code(MODIFIER, nullable=True),
        "units": _int(1),  # SV104 / SV205
        "line_charge": _money(),  # SV102 / SV203
        "diagnosis_pointers": _str(nullable=True),  # SV107: space-separated 1-based indexes into diagnosis_codes
        "service_date": _date(),  # DTP*472
        "revenue_code": _str(nullable=True),  # SV201 (837I only)
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
        "auth_number": _str(unique=True),
        "payer_id": _str(),
        "patient_id": _str(),
        "procedure_codes": _str(),  # space-separated codes the authorization covers
        "start_date": _date(),
        "end_date": _date(),
        "units_authorized": _int(1),
    },
    strict=True,
    name="authorizations",
)

REMITTANCES = pa.DataFrameSchema(
    {
        "remit_id": _str(unique=True),
        "claim_id": _str(),  # CLP01
        "claim_status_code": _isin(CLP_STATUS_CODES),  # CLP02
        "total_charge": pa.Column(float, coerce=True),  # CLP03 (negative on reversals)
        "paid_amount": pa.Column(float, coerce=True),  # CLP04 (negative on reversals)
        "patient_responsibility": pa.Column(float, coerce=True),  # CLP05
        "payer_claim_id": _str(nullable=True),  # CLP07
        "payer_id": _str(nullable=True),  # N1*PR / TRN03
        "adjudication_date": _date(),  # DTM*050 or BPR16
        "remit_sequence": _int(1),  # order of remittances for the same claim
    },
    strict=True,
    name="remittances",
)

REMITTANCE_LINES = pa.DataFrameSchema(
    {
        "remit_id": _str(),
        "claim_id": _str(),
        "line_number": _int(1),  # SVC ordinal within the remittance; adjustments and remarks point here
        "claim_line_number": _int(1, nullable=True),  # matched LX of the claim; empty when unmatched
        "line_control_number": _str(nullable=True),  # REF*6R
        "procedure_code": _str(nullable=True),  # SVC01-2 (HC); empty on a revenue-code-only line
        "modifiers": _str(nullable=True),  # SVC01-3..6, space-separated
        "line_charge": pa.Column(float, coerce=True),  # SVC02
        "paid_amount": pa.Column(float, coerce=True),  # SVC03
        "units": pa.Column(float, coerce=True, nullable=True),  # SVC05
        "service_date": _date(nullable=True),  # DTM*472
        "revenue_code": _optional(_str(nullable=True)),  # SVC01-2 (NU) or SVC04: an institutional line
    },
    unique=["remit_id", "line_number"],
    strict=True,
    name="remittance_lines",
)

ADJUSTMENTS = pa.DataFrameSchema(
    {
        "remit_id": _str(),
        "claim_id": _str(),
        "line_number": _int(1, nullable=True),  # SVC ordinal (remittance_lines.line_number); empty: claim level
        "group_code": _isin(GROUP_CODES),  # CAS01
        "carc": _str(),  # CAS02/05/...
        "amount": pa.Column(float, coerce=True),  # CAS03/06/...
        "quantity": pa.Column(float, coerce=True, nullable=True),
    },
    strict=True,
    name="adjustments",
)

REMARKS = pa.DataFrameSchema(
    {
        "remit_id": _str(),
        "claim_id": _str(),
        "line_number": _int(1, nullable=True),
        "rarc": _str(),  # LQ*HE / MOA / MIA
    },
    strict=True,
    name="remarks",
)

APPEALS = pa.DataFrameSchema(
    {
        "appeal_id": _str(unique=True),
        "claim_id": _str(),
        "filed_date": _date(),
        "appeal_level": _int(1),
        "outcome": _isin(APPEAL_OUTCOMES),
        "recovered_amount": _money(),
        "decision_date": _date(nullable=True),
    },
    strict=True,
    name="appeals",
)

TRUTH = pa.DataFrameSchema(
    {
        "claim_id": _str(unique=True),
        "denial_probability": pa.Column(float, checks=[pa.Check.in_range(0, 1)], coerce=True),
        "denial_cause": _isin(("",) + CATEGORIES),
        # The most probable cause should the claim be denied (Bayes-optimal, all hidden facts known).
        "likely_cause": _isin(("",) + CATEGORIES),
        "overturn_probability": pa.Column(float, checks=[pa.Check.in_range(0, 1)], nullable=True, coerce=True),
        # The policy-file rule with the largest hazard on the claim ("" when none hits it), that hazard, and
        # the rule that denied the claim ("" unless a policy rule did): see synthetic/policy_rules.py.
        "policy_rule": _str(),
        "policy_hazard": pa.Column(float, checks=[pa.Check.ge(0)], coerce=True),
        "denial_rule": _str(),
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


# The front end of the claim cycle: acknowledgements (999), claim events (277CA, 277), eligibility (271).
# Only ids, codes, dates and amounts: never a name (a 999's copy of the bad value, IK404, is left out).

EVENT_KINDS = ("rejection", "acceptance", "status")
COVERAGE_STATUSES = ("active", "inactive", "unknown", "not_found")


def _text_column(nullable: bool = True, unique: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, unique=unique, coerce=True)


def _optional_date() -> pa.Column:
    return pa.Column(DATE, nullable=True, coerce=True)


ACKNOWLEDGEMENTS = pa.DataFrameSchema(
    {
        "ack_id": _text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text_column(False),  # <file stem>/<ST02> of the 999
        "file": _text_column(False),
        "functional_id": _text_column(False),  # AK101: HC (837), HB (271), ...
        "group_control": _text_column(False),  # AK102: GS06 of the acknowledged group
        "set_kind": _text_column(),  # AK201: ST01 of the acknowledged set; empty for a group without AK2
        "set_control": _text_column(),  # AK202: ST02 of the acknowledged set
        "set_status": _text_column(),  # IK501: A accepted, E accepted with errors, R rejected (M, W, X)
        "set_codes": _text_column(False),  # IK502-IK506, space-separated syntax error codes
        "errors": pa.Column("int64", coerce=True),  # IK3 segments reported for the set
        "error_segment": _text_column(),  # IK301 of the first IK3: the segment id in error (NM1, CLM, ...)
        "error_position": pa.Column("Int64", nullable=True, coerce=True),  # IK302: its position in the set
        "error_loop": _text_column(),  # IK303
        "error_code": _text_column(),  # IK304: segment syntax error code
        "error_element": _text_column(),  # IK401 of the first IK4 (position, "3" or "3:1")
        "element_error_code": _text_column(),  # IK403
        "group_status": _text_column(False),  # AK901: A, E, P (partially accepted), R
        "sets_included": pa.Column("Int64", nullable=True, coerce=True),  # AK902
        "sets_received": pa.Column("Int64", nullable=True, coerce=True),  # AK903
        "sets_accepted": pa.Column("Int64", nullable=True, coerce=True),  # AK904
        "accepted": pa.Column(bool, coerce=True),  # the set (or group) went on to the payer
    },
    strict=True,
    name="acknowledgements",
)

CLAIM_EVENTS = pa.DataFrameSchema(
    {
        "event_id": _text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text_column(False),
        "file": _text_column(False),
        "transaction": pa.Column(str, checks=pa.Check.isin(("277CA", "277")), coerce=True),
        "claim_id": _text_column(False),  # TRN02 of the claim level (CLM01 as sent), else REF*EJ
        "payer_claim_id": _text_column(),  # REF*1K
        "trace_number": _text_column(),  # REF*D9 clearinghouse trace
        "payer_id": _text_column(),  # NM1*PR (or NM1*AY) NM109 of the information source
        "event_kind": pa.Column(str, checks=pa.Check.isin(EVENT_KINDS), coerce=True),
        "status_category": _text_column(False),  # STC01-1: A1/A2 acknowledged, A3/A4/A6/A7/A8 rejected, P.., F.., ...
        "status_code": _text_column(False),  # STC01-2 claim status code
        "entity_code": _text_column(),  # STC01-3: whose data is in error (IL subscriber, QC patient, 85 billing, ...)
        "other_codes": _text_column(False),  # STC10 / STC11 as cat:code[:entity], space-separated
        "status_date": _optional_date(),  # STC02
        "action_code": _text_column(),  # STC03 (WQ accepted, U rejected in a 277CA)
        "total_charge": pa.Column(float, nullable=True, coerce=True),  # STC04
        "paid_amount": pa.Column(float, nullable=True, coerce=True),  # STC05 (277 only)
        "service_date": _optional_date(),  # DTP*472 (first date of a range)
        "response_date": _optional_date(),  # BHT04
    },
    strict=True,
    name="claim_events",
)

ELIGIBILITY_RESPONSES = pa.DataFrameSchema(
    {
        "response_id": _text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text_column(False),
        "file": _text_column(False),
        "trace_number": _text_column(),  # TRN*2 (the inquiry's trace echoed), else TRN*1
        "response_date": pa.Column(DATE, coerce=True),  # BHT04
        "payer_id": _text_column(),  # 2100A NM1*PR NM109
        "provider_npi": _text_column(),  # 2100B NM1*1P NM109
        "member_id": _text_column(),  # 2100C NM1*IL NM109: with the payer, the key to patients and claims
        "birth_date": _optional_date(),  # DMG02 of the member
        "relationship": pa.Column(str, checks=pa.Check.isin(("subscriber", "dependent")), coerce=True),
        "coverage_status": pa.Column(str, checks=pa.Check.isin(COVERAGE_STATUSES), coerce=True),
        "active_service_types": _text_column(False),  # EB03 codes of EB01 1-5, space-separated
        "inactive_service_types": _text_column(False),  # EB03 codes of EB01 6-8
        "coverage_begin": _optional_date(),  # DTP*356 eligibility begin, else 346 plan begin, else 291 range start
        "coverage_end": _optional_date(),  # DTP*357 eligibility end, else 347 plan end, else 291 range end
        "service_date": _optional_date(),  # DTP*472: the date the inquiry asked about
        "reject_codes": _text_column(False),  # AAA03 request validation reasons (72 invalid member id, 75 not found)
    },
    strict=True,
    name="eligibility_responses",
)

FRONT_END_TABLES: dict[str, pa.DataFrameSchema] = {
    s.name: s for s in (ACKNOWLEDGEMENTS, CLAIM_EVENTS, ELIGIBILITY_RESPONSES)
}
"""The front end of the claim cycle (999, 277CA / 277, 271), by name: not in `TABLES` (a world may lack them);
`validate_table` knows them. Read by `denial_ml.ingest.x999` / `x277` / `x271`, made by the synthetic world."""


PAYER_CONTACTS = pa.DataFrameSchema(
    {
        "payer_id": _text_column(False, unique=True),
        "appeal_address": _text_column(),  # one line: "Appeals Unit, PO Box 1234, City, ST 12345"
        "appeal_fax": _text_column(),
        "appeal_portal": _text_column(),
    },
    strict=True,
    name="payer_contacts",
)
"""Where each payer takes appeals (a practice's own reference data; the synthetic world makes one up)."""

OPTIONAL_TABLES: dict[str, pa.DataFrameSchema] = {**FRONT_END_TABLES, PAYER_CONTACTS.name: PAYER_CONTACTS}
"""Tables a world or store may lack, by name; `validate_table` knows them."""


class TableValidationError(ValueError):
    """A table broke its schema; the message names the table, the columns, the rows and the problems."""


def validate_table(name: str, df: pd.DataFrame, max_cases: int = 5) -> pd.DataFrame:
    """Validate (and coerce) one table against its schema.

    Args:
        name: Table name, a key of `TABLES` or `OPTIONAL_TABLES`.
        df: The table.
        max_cases: How many failing cases to quote in the message.

    Returns:
        The validated frame, with dtypes coerced.

    Raises:
        TableValidationError: naming the table, the column, the row and the problem.
    """
    try:
        return (TABLES.get(name) or OPTIONAL_TABLES[name]).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = _failure_cases(exc.failure_cases)
        cases = failures.head(max_cases)
        parts = [_describe_failure(row) for row in cases.itertuples()]
        more = len(failures) - len(cases)
        suffix = f"; and {more} more" if more > 0 else ""
        raise TableValidationError(f"table {name!r}: " + "; ".join(parts) + suffix) from None


STRUCTURAL_CHECKS = ("column_in_dataframe", "column_in_schema")


def _failure_cases(failures: pd.DataFrame) -> pd.DataFrame:
    """One case per failing column value; a whole-row check (reported for every column) once per row."""
    # A missing or unexpected column is a table-level case too, but one per column: keep those apart.
    structural = failures["check"].astype(str).isin(STRUCTURAL_CHECKS)
    whole_row = (failures["schema_context"].astype(str) == "DataFrameSchema") & ~structural
    rows = failures[whole_row].drop_duplicates(["index", "check"]).assign(column=None)
    return pd.concat([failures[~whole_row], rows]) if len(rows) else failures


def _describe_failure(row: object) -> str:
    """One failing case: a column's check with the value, or a whole-row check with its name."""
    column, index, check, value = (getattr(row, k) for k in ("column", "index", "check", "failure_case"))
    if check == "column_in_dataframe":
        return f"column {value!r} is missing"
    if check == "column_in_schema":
        return f"column {value!r} is not in the data model"
    if column is None:
        return f"row {index}: {check}"
    return f"column {column!r} row {index}: {check} (got {value!r})"
