"""Complete the tables of a billing-system export: what the export lacks is derived or defaulted, never invented
row by row in the mapping.

A practice's first export has claims and lines, often the payer's decision on the same rows, and little else.
Only `claims` and `claim_lines` are required. From them this module derives:

- claim fields an export rarely has (submission date, place of service, member id, ...) with the defaults in
  `CLAIM_DEFAULTS`, and line numbers, control numbers, charges and service dates of the lines;
- `remittance_lines` (one per claim line of each decided claim) when `remittances` came on the rows, and the
  `adjustments` (denial reasons) the rows carry;
- the reference data: payers (type from the mapping or guessed from the name; filing and appeal limits per
  type), providers and patients (ids only), the coverage on file (what was billed);
- every other table empty, with its schema's columns.

`complete_world` does the same for a folder read by `train`: absent tables become empty (or derived), so a
folder of claims, lines and remittances trains instead of failing on the first missing file.
"""

from __future__ import annotations

import pandas as pd

from denial_ml.domain.codesets import normalize_diagnoses
from denial_ml.schemas import PAYER_TYPES, TABLES

# Claim fields an export may lack, with why the default is safe.
CLAIM_DEFAULTS: dict[str, object] = {
    "claim_type": "837P",  # a physician practice's claims are professional unless mapped otherwise
    "claim_frequency_code": "1",  # original claims
    "place_of_service": "11",  # office
    "prior_auth_number": None,
    "original_claim_id": None,
    "eligibility_checked": False,  # no eligibility log: the model sees "not checked" for every claim alike
    "eligibility_check_date": None,
    "eligibility_status": "unknown",
    "facility_type_code": None,  # 837I header fields: empty unless mapped
    "admission_date": None,
    "admission_type_code": None,
    "admission_source_code": None,
}
# Days from submission to the payer's decision when the export has no decision date. Clean claims are paid in
# two to four weeks; taking the later end keeps the history features from knowing an outcome too early.
DECISION_LAG_DAYS = 30
# Filing and appeal limits (days) per payer type when the mapping gives none: Medicare's 12 months and 120-day
# redetermination; common commercial and Medicaid contract terms; no limit to speak of for self-pay.
FILING_DAYS = {"medicare": 365, "medicare_advantage": 365, "tricare": 365, "medicaid": 180, "commercial": 90}
APPEAL_DAYS = {"medicare": 120, "medicare_advantage": 60, "tricare": 90, "medicaid": 90, "commercial": 180}
NO_LIMIT_DAYS = 3650
PAYER_TYPE_WORDS = (  # first match wins: "Medicare Advantage" before "Medicare"
    ("advantage", "medicare_advantage"),
    ("medicare", "medicare"),
    ("medicaid", "medicaid"),
    ("tricare", "tricare"),
    ("self", "self_pay"),
    ("cash", "self_pay"),
    ("uninsured", "self_pay"),
)
REQUIRED = ("claims", "claim_lines")


def empty_table(name: str) -> pd.DataFrame:
    """An empty table with its schema's columns and dtypes."""
    return TABLES[name].validate(pd.DataFrame({c: pd.Series(dtype="object") for c in TABLES[name].columns}))


def guess_payer_type(name: str) -> str:
    """A payer type from a payer's name or an export's insurance type ("Self-Pay" -> self_pay); commercial when
    no word says otherwise."""
    low = str(name).lower()
    return next((kind for word, kind in PAYER_TYPE_WORDS if word in low), "commercial")


def complete_claims(claims: pd.DataFrame, lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Claims with every schema column: defaults for what the export lacks, diagnoses in the data model's form
    (space-separated, no dots), one row per claim id (a one-row-per-line export repeats the claim)."""
    out = claims.drop_duplicates("claim_id").reset_index(drop=True)
    for column, value in CLAIM_DEFAULTS.items():
        out[column] = out.get(column, value)
    if "service_date_to" not in out:
        out["service_date_to"] = out["service_date_from"]
    if "submission_date" not in out:
        out["submission_date"] = out["service_date_to"]
    if "rendering_provider_npi" not in out:
        out["rendering_provider_npi"] = out["billing_provider_npi"]
    if "member_id" not in out:
        out["member_id"] = out["patient_id"]  # so the coverage on file (derived below) matches the claim
    if "total_charge" not in out:
        if lines is None or "line_charge" not in lines:
            raise ValueError("claims need total_charge, or claim_lines need line_charge to add up")
        out["total_charge"] = out["claim_id"].map(pd.to_numeric(lines["line_charge"]).groupby(lines["claim_id"]).sum())
    out["diagnosis_codes"] = out["diagnosis_codes"].fillna("").astype(str).map(normalize_diagnoses)
    return out[list(TABLES["claims"].columns)]


def complete_lines(lines: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Claim lines with every schema column: numbered within their claim in file order, the claim's charge split
    evenly over its lines and its first service date, pointing at the principal diagnosis."""
    out = lines.reset_index(drop=True).copy()
    claim = claims.set_index("claim_id")
    if "line_number" not in out:
        out["line_number"] = out.groupby("claim_id").cumcount() + 1
    if "line_control_number" not in out:
        out["line_control_number"] = out["claim_id"].astype(str) + "-" + out["line_number"].astype(str)
    if "units" not in out:
        out["units"] = 1
    if "line_charge" not in out:
        share = out.groupby("claim_id")["claim_id"].transform("size")
        out["line_charge"] = out["claim_id"].map(claim["total_charge"]).astype(float) / share
    if "service_date" not in out:
        out["service_date"] = out["claim_id"].map(claim["service_date_from"])
    if "diagnosis_pointers" not in out:
        out["diagnosis_pointers"] = "1"
    for column in ("modifier_1", "modifier_2", "modifier_3", "modifier_4", "revenue_code"):
        if column not in out:
            out[column] = None
    return out[list(TABLES["claim_lines"].columns)]


def complete_remittances(remits: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The payer's decisions carried on the export's rows: one remittance per decided claim (a row without a
    status is a claim not decided yet, and is left out)."""
    out = remits[remits["claim_status_code"].notna()].drop_duplicates("claim_id").reset_index(drop=True)
    claim = claims.set_index("claim_id")
    defaults = {
        "remit_id": "R-" + out["claim_id"].astype(str),
        "total_charge": out["claim_id"].map(claim["total_charge"]),
        "paid_amount": 0.0,
        "patient_responsibility": 0.0,
        "payer_claim_id": None,
        "payer_id": out["claim_id"].map(claim["payer_id"]),
        "adjudication_date": out["claim_id"].map(claim["submission_date"]) + pd.Timedelta(days=DECISION_LAG_DAYS),
        "remit_sequence": 1,
    }
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
    out["paid_amount"] = pd.to_numeric(out["paid_amount"]).fillna(0.0)
    return out[list(TABLES["remittances"].columns)]


def _line_payments(tables: dict[str, pd.DataFrame]) -> pd.Series | None:
    """Per-line payments mapped as `remittance_lines.paid_amount` on the same CSV rows as the claim lines (a
    one-row-per-line export), in claim-line row order; None when not mapped that way."""
    mapped = tables.get("remittance_lines")
    lines = tables["claim_lines"]
    if mapped is None or "paid_amount" not in mapped or len(mapped) != len(lines):
        return None
    return pd.Series(pd.to_numeric(mapped["paid_amount"]).fillna(0.0).to_numpy(), index=range(len(lines)))


def derive_remittance_lines(
    remits: pd.DataFrame, lines: pd.DataFrame, line_paid: pd.Series | None = None
) -> pd.DataFrame:
    """One remittance line per claim line of each decided claim, paid what the export says per line
    (`line_paid`, in the rows of `lines`) or else the claim's payment split by line charge."""
    lines = lines if line_paid is None else lines.assign(_line_paid=line_paid.to_numpy())
    paid = lines.merge(remits[["claim_id", "remit_id", "paid_amount"]], on="claim_id")
    charge = paid.groupby("claim_id")["line_charge"].transform("sum").replace(0, 1.0)
    share = paid["paid_amount"] * paid["line_charge"] / charge
    line_amount = paid["_line_paid"] if line_paid is not None else share
    out = pd.DataFrame(
        {
            "remit_id": paid["remit_id"],
            "claim_id": paid["claim_id"],
            "line_number": paid["line_number"],
            "claim_line_number": paid["line_number"],
            "line_control_number": paid["line_control_number"],
            "procedure_code": paid["procedure_code"],
            "modifiers": None,
            "line_charge": paid["line_charge"],
            "paid_amount": line_amount,
            "units": paid["units"].astype(float),
            "service_date": paid["service_date"],
        }
    )
    return out


def complete_adjustments(adjustments: pd.DataFrame, remits: pd.DataFrame) -> pd.DataFrame:
    """Denial reasons carried on the rows (a CARC, or reason text the mapping turned into one), at claim level,
    group CO, for the unpaid amount; rows without a reason or of undecided claims are left out."""
    decided = remits.set_index("claim_id")
    out = adjustments[adjustments["carc"].notna() & adjustments["claim_id"].isin(decided.index)]
    out = out.drop_duplicates("claim_id").reset_index(drop=True)
    unpaid = (decided["total_charge"] - decided["paid_amount"]).clip(lower=0)
    defaults = {
        "remit_id": out["claim_id"].map(decided["remit_id"]),
        "line_number": None,
        "group_code": "CO",
        "amount": out["claim_id"].map(unpaid),
        "quantity": None,
    }
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
    return out[list(TABLES["adjustments"].columns)]


def derive_reference(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Payers, providers, patients and coverages for the claims, keeping any rows the mapping gave."""
    claims = tables["claims"]
    out: dict[str, pd.DataFrame] = {}
    payers = tables.get("payers", pd.DataFrame({"payer_id": claims["payer_id"]}))
    payers = pd.concat([payers, pd.DataFrame({"payer_id": claims["payer_id"]})]).drop_duplicates("payer_id")
    payers = payers.reset_index(drop=True)
    # A type the mapping gave in the schema's words is kept; other text ("Self-Pay", "BCBS PPO") is read for words.
    named = (
        payers["payer_type"].where(payers["payer_type"].notna(), payers["payer_id"])
        if "payer_type" in payers
        else payers["payer_id"]
    )
    kind = named.where(named.isin(PAYER_TYPES), named.map(guess_payer_type))
    out["payers"] = payers.assign(
        payer_name=payers.get("payer_name", payers["payer_id"]),
        payer_type=kind,
        timely_filing_days=payers.get("timely_filing_days", kind.map(FILING_DAYS).fillna(NO_LIMIT_DAYS)),
        appeal_deadline_days=payers.get("appeal_deadline_days", kind.map(APPEAL_DAYS).fillna(NO_LIMIT_DAYS)),
        auth_required_codes=payers.get("auth_required_codes", ""),
    )[list(TABLES["payers"].columns)]
    npis = pd.concat([claims["billing_provider_npi"], claims["rendering_provider_npi"]]).dropna().unique()
    given = tables.get("providers")
    known = set() if given is None else set(given["provider_npi"])  # once: a set per id made this quadratic
    extra = npis if given is None else [n for n in npis if n not in known]
    providers = pd.DataFrame(
        {"provider_npi": extra, "provider_name": extra, "entity_type": "1", "taxonomy_code": "", "specialty": "unknown"}
    )
    out["providers"] = providers if given is None else pd.concat([given, providers], ignore_index=True)
    ids = claims["patient_id"].unique()
    given = tables.get("patients")
    known = set() if given is None else set(given["patient_id"])
    extra = ids if given is None else [p for p in ids if p not in known]
    patients = pd.DataFrame({"patient_id": extra, "birth_date": pd.NaT, "sex": "U", "state": ""})
    out["patients"] = patients if given is None else pd.concat([given, patients], ignore_index=True)
    if "coverages" not in tables:
        # The insurance on file is what the practice billed: one primary coverage per patient, payer and member
        # id, from the first service date on (an export has no enrollment feed).
        spans = claims.groupby(["patient_id", "payer_id", "member_id"], as_index=False)["service_date_from"].min()
        out["coverages"] = spans.rename(columns={"service_date_from": "coverage_start"}).assign(
            coverage_end=pd.NaT, coverage_priority="P"
        )[list(TABLES["coverages"].columns)]
    return out


def complete_export(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table of the data model from an export's mapped tables (see the module docstring).

    Raises:
        ValueError: when `claims` or `claim_lines` is not mapped.
    """
    missing = [t for t in REQUIRED if t not in tables]
    if missing:
        raise ValueError(f"the mapping needs the table(s) {missing}; only claims and claim_lines are required")
    orphans = [t for t in ("remittance_lines", "adjustments") if t in tables and "remittances" not in tables]
    if orphans:
        raise ValueError(f"{', '.join(orphans)} need the decision too: map remittances (claim_id, claim_status_code)")
    out = dict(tables)
    out["claims"] = complete_claims(tables["claims"], tables["claim_lines"])
    out["claim_lines"] = complete_lines(tables["claim_lines"], out["claims"])
    if "remittances" in tables:
        line_paid = _line_payments(tables)
        remits = tables["remittances"]
        if line_paid is not None and "paid_amount" not in remits:
            paid = line_paid.groupby(tables["claim_lines"]["claim_id"].to_numpy()).sum()
            remits = remits.assign(paid_amount=remits["claim_id"].map(paid))
        out["remittances"] = complete_remittances(remits, out["claims"])
        out["remittance_lines"] = derive_remittance_lines(out["remittances"], out["claim_lines"], line_paid)
        if "adjustments" in tables:
            out["adjustments"] = complete_adjustments(tables["adjustments"], out["remittances"])
    out.update(derive_reference(out))
    for name in TABLES:
        if name not in out and name != "truth":
            out[name] = empty_table(name)
    return out


def complete_world(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A world folder's tables with the absent ones empty or derived (for `train`).

    Raises:
        ValueError: naming the missing tables when claims, claim lines or remittances are absent.
    """
    missing = [t for t in (*REQUIRED, "remittances") if t not in tables]
    if missing:
        raise ValueError(
            f"the data folder has no {', '.join(missing)} table(s): training needs claims, their lines and the "
            "payers' decisions (remittances); see README 'Onboarding a practice's export'"
        )
    out = dict(tables)
    absent = [name for name in ("payers", "providers", "patients", "coverages") if name not in out]
    reference = derive_reference(out) if absent else {}
    for name in absent:
        out[name] = reference[name]
    for name in TABLES:
        if name not in out and name != "truth":
            out[name] = empty_table(name)
    return out
