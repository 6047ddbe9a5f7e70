"""`claims` + `claim_lines` -> 5010 837P / 837I transaction sets (one set per claim type and submission date).

Ids only, never a person's name: the subscriber (= patient, SBR02 18) is `NM1*IL*1*PATIENT` with the member
id; the world's `patient_id` goes out as the medical record number (REF*EA), which the reader keeps; birth
date, sex and state are written (DMG, N4) for the `patients` table.
Addresses the guide requires but the data model does not hold are fixed placeholders, and so are the 837I
CL1 codes (see `INSTITUTIONAL_CODES`). On 837I the claim's physician is the attending provider (2310A,
NM1*71 + PRV*AT, the loop that carries a taxonomy; the 2310D rendering loop has no PRV).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby

import pandas as pd

from denial_ml.ingest.x12_segments import (
    Segment,
    X12WriteError,
    composite,
    date8,
    money,
    nm1,
    present,
    records,
    seg,
    text,
)
from denial_ml.ingest.x837 import FACILITY_POS, OFF_CAMPUS_MODIFIER, OFF_CAMPUS_POS

VERSIONS = {"837P": "005010X222A1", "837I": "005010X223A2"}
PATIENT_PLACEHOLDER = "PATIENT"
# SBR09 claim filing indicator by payer type (X222A1 / X223A2 code list): MB Medicare Part B, 16 HMO
# Medicare Risk (Medicare Advantage), MC Medicaid, CI Commercial Insurance Co., CH CHAMPUS (TRICARE);
# ZZ (mutually defined) for a payer type the table does not know. Institutional claims to Medicare go as
# MA (Medicare Part A): CMS's 837I companion guide accepts only MA in SBR09.
FILING_INDICATOR = {
    "medicare": "MB",
    "medicare_advantage": "16",
    "medicaid": "MC",
    "commercial": "CI",
    "tricare": "CH",
}
UNKNOWN_FILING_INDICATOR = "ZZ"
MEDICARE_INSTITUTIONAL = "MA"
# CL1, required on every 837I, holds facts the data model does not have (the world's 837I claims are
# outpatient and ambulatory surgery visits). Fixed NUBC codes: CL101 admission type 9 "information not
# available", written only on inpatient bills (the guide requires it there and nowhere else); CL102 point of
# origin 1 "non-health care facility point of origin" (the patient came from home / a physician referral);
# CL103 patient status 01 "discharged to home or self care (routine discharge)". The reader keeps none of
# them.
INSTITUTIONAL_CODES = {"admission_type": "9", "point_of_origin": "1", "patient_status": "01"}
# Facility type (first digit: 1 hospital, 2 skilled nursing, 4 religious non-medical, 6 intermediate care;
# second digit: bill classification 1 inpatient Part A, 2 inpatient Part B, 8 swing bed): an inpatient bill.
INPATIENT_FACILITY = ("1246", "128")
# 837I place of service -> facility type (CLM05-1). The reader maps facility type back through
# FACILITY_POS; 19 (off-campus outpatient hospital) has no facility type of its own: it is written as 13
# (hospital outpatient) with the CMS off-campus department modifier PO on every line, which the reader
# turns back into 19.
POS_FACILITY = {pos: facility for facility, pos in reversed(list(FACILITY_POS.items()))} | {
    "22": "13",
    "21": "11",
    "19": "13",
}
MAX_DIAGNOSES = 12  # 837P: one HI of 12; 837I: one principal HI + one other-diagnosis HI of up to 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4


def claim_sets(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, pd.Timestamp, list[Segment]]]:
    """Yield `(claim_type, submission_date, body)` per 837 transaction set (body: segments between ST/SE).

    Claims are grouped by claim type and submission date (BHT04 carries the submission date), then by
    billing provider (one 2000A loop each), one subscriber loop per claim.
    """
    order = ["claim_type", "submission_date", "billing_provider_npi", "claim_id"]
    claims = records(tables["claims"].sort_values(order))
    lines: dict[str, list[dict]] = defaultdict(list)
    for line in records(tables["claim_lines"].sort_values(["claim_id", "line_number"])):
        lines[line["claim_id"]].append(line)
    patients = {p["patient_id"]: p for p in records(tables["patients"])}
    providers = {p["provider_npi"]: p for p in records(tables["providers"])}
    payers = {p["payer_id"]: p for p in records(tables["payers"])}
    for (kind, submitted), group in groupby(claims, key=lambda c: (c["claim_type"], c["submission_date"])):
        body = _header(kind, submitted)
        hl = 0
        for npi, by_billing in groupby(group, key=lambda c: c["billing_provider_npi"]):
            hl += 1
            parent = hl
            body += [seg("HL", parent, "", "20", "1"), *_billing(npi, providers)]
            for claim in by_billing:
                hl += 1
                body.append(seg("HL", hl, parent, "22", "0"))
                body += _subscriber(claim, patients, payers)
                body += _claim(claim, lines.get(claim["claim_id"], []), providers)
        yield kind, submitted, body


def _header(kind: str, submitted: pd.Timestamp) -> list[Segment]:
    day = date8(submitted)
    return [
        seg("BHT", "0019", "00", f"{kind}{day}", day, "1200", "CH"),
        nm1("41", "2", "DENIAL ML", "46", "DENIALML"),
        seg("PER", "IC", "BILLING OFFICE", "TE", "0000000000"),
        nm1("40", "2", "PAYER CLEARINGHOUSE", "46", "DENIALMLRCV"),
    ]


def _provider(npi: str, providers: dict[str, dict]) -> tuple[str, str, str]:
    row = providers.get(npi)
    if row is None:
        raise X12WriteError(f"table 'providers': NPI {npi} is used by a claim but not in the table")
    where = f"table 'providers' NPI {npi}"
    return (
        text(row["entity_type"], where),
        text(row["provider_name"], where),
        text(row["taxonomy_code"], where),
    )


def _billing(npi: str, providers: dict[str, dict]) -> list[Segment]:
    entity, name, taxonomy = _provider(npi, providers)
    return [
        seg("PRV", "BI", "PXC", taxonomy),
        nm1("85", entity, name, "XX", npi),
        seg("N3", "1 MAIN STREET"),
        seg("N4", "ANYTOWN", "PA", "191030000"),
        seg("REF", "EI", "000000000"),
    ]


def filing_indicator(payer_type: str, claim_type: str) -> str:
    """SBR09 claim filing indicator of a claim of `claim_type` ("837P"/"837I") to a payer of `payer_type`."""
    if payer_type == "medicare" and claim_type == "837I":
        return MEDICARE_INSTITUTIONAL
    return FILING_INDICATOR.get(payer_type, UNKNOWN_FILING_INDICATOR)


def _subscriber(claim: dict, patients: dict[str, dict], payers: dict[str, dict]) -> list[Segment]:
    where = f"table 'claims' claim_id {claim['claim_id']}"
    patient = patients.get(claim["patient_id"])
    if patient is None:
        raise X12WriteError(f"{where}: patient {claim['patient_id']} is not in table 'patients'")
    payer = payers.get(claim["payer_id"], {})
    payer_type = payer.get("payer_type", "")
    payer_name = payer.get("payer_name", claim["payer_id"])
    return [
        seg("SBR", "P", "18", "", "", "", "", "", "", filing_indicator(payer_type, claim["claim_type"])),
        nm1("IL", "1", PATIENT_PLACEHOLDER, "MI", text(claim["member_id"], where)),
        seg("N3", "ADDRESS ON FILE"),
        seg("N4", "ANYTOWN", text(patient["state"], where), "000000000"),
        seg("DMG", "D8", date8(patient["birth_date"]), text(patient["sex"], where)),
        nm1("PR", "2", text(payer_name, where), "PI", text(claim["payer_id"], where)),
    ]


def _claim(claim: dict, lines: list[dict], providers: dict[str, dict]) -> list[Segment]:
    where = f"table 'claims' claim_id {claim['claim_id']}"
    institutional = claim["claim_type"] == "837I"
    facility = _facility(claim) if institutional else claim["place_of_service"]
    if facility is None:
        raise X12WriteError(f"{where}: place of service {claim['place_of_service']!r} has no 837I facility type")
    location = composite(facility, "A" if institutional else "B", claim["claim_frequency_code"])
    out = [
        seg(
            "CLM",
            text(claim["claim_id"], where),
            money(claim["total_charge"]),
            "",
            "",
            location,
            "" if institutional else "Y",
            "A",
            "Y",
            "Y",
        )
    ]
    if institutional:
        out += _institutional_dates_and_codes(claim, facility)
    if present(claim["prior_auth_number"]):
        out.append(seg("REF", "G1", text(claim["prior_auth_number"], where)))
    if present(claim["original_claim_id"]):
        out.append(seg("REF", "F8", text(claim["original_claim_id"], where)))
    # The practice's own patient id as the medical record number: the reader keeps it as `patient_id`.
    out.append(seg("REF", "EA", text(claim["patient_id"], where)))
    out += _diagnoses(str(claim["diagnosis_codes"]), institutional, where)
    out += _physician(claim["rendering_provider_npi"], institutional, providers, where)
    off_campus = institutional and claim["place_of_service"] == OFF_CAMPUS_POS
    for line in lines:
        out += _line(
            line,
            institutional,
            f"table 'claim_lines' claim {claim['claim_id']} line {line['line_number']}",
            off_campus,
        )
    return out


def _facility(claim: dict) -> str | None:
    """CLM05-1 of an 837I: the claim's facility type, else the one its place of service implies."""
    given = claim.get("facility_type_code")
    return str(given) if present(given) else POS_FACILITY.get(claim["place_of_service"])


def _institutional_dates_and_codes(claim: dict, facility: str) -> list[Segment]:
    """837I 2300 statement dates (DTP*434), the admission date (DTP*435: the claim's, else on inpatient bills
    the first day of service), and CL1 (the claim's admission type and point of origin, else the defaults)."""
    where = f"table 'claims' claim_id {claim['claim_id']}"
    first, last = date8(claim["service_date_from"]), date8(claim["service_date_to"])
    out = [seg("DTP", "434", "RD8", f"{first}-{last}")]
    inpatient = facility[:1] in INPATIENT_FACILITY[0] and facility[1:2] in INPATIENT_FACILITY[1]
    admitted = claim.get("admission_date")
    if present(admitted) and not pd.isna(admitted):
        out.append(seg("DTP", "435", "D8", date8(admitted)))
    elif inpatient:
        out.append(seg("DTP", "435", "D8", first))  # the stay starts on the first day of service
    codes = INSTITUTIONAL_CODES
    kind = text(claim.get("admission_type_code"), where) or (codes["admission_type"] if inpatient else "")
    origin = text(claim.get("admission_source_code"), where) or codes["point_of_origin"]
    out.append(seg("CL1", kind, origin, codes["patient_status"]))
    return out


def _diagnoses(codes: str, institutional: bool, where: str) -> list[Segment]:
    """837P: one HI (ABK principal, then ABF); 837I: HI*ABK alone, then the others in their own HI*ABF."""
    codes_list = [text(c, where) for c in codes.split()]
    if not codes_list or len(codes_list) > MAX_DIAGNOSES:
        raise X12WriteError(f"{where}: {len(codes_list)} diagnosis codes; an HI segment holds 1 to 12")
    principal, others = composite("ABK", codes_list[0]), [composite("ABF", c) for c in codes_list[1:]]
    if not institutional:
        return [seg("HI", principal, *others)]
    return [seg("HI", principal)] + ([seg("HI", *others)] if others else [])


def _physician(npi: object, institutional: bool, providers: dict[str, dict], where: str) -> list[Segment]:
    """The claim's physician: 837P rendering provider (2310B), 837I attending provider (2310A)."""
    if not present(npi):
        return []
    entity, name, taxonomy = _provider(str(npi), providers)
    if not institutional:
        return [nm1("82", entity, name, "XX", str(npi)), seg("PRV", "PE", "PXC", taxonomy)]
    if entity != "1":
        raise X12WriteError(f"{where}: the 837I attending provider {npi} must be a person (entity type 1)")
    return [nm1("71", entity, name, "XX", str(npi)), seg("PRV", "AT", "PXC", taxonomy)]


def _line(line: dict, institutional: bool, where: str, off_campus: bool = False) -> list[Segment]:
    modifiers = [
        text(m, where) for m in (line["modifier_1"], line["modifier_2"], line["modifier_3"], line["modifier_4"])
    ]
    if off_campus:
        modifiers = [m for m in modifiers if m]
        if len(modifiers) == MAX_MODIFIERS:
            raise X12WriteError(f"{where}: 4 modifiers leave no room for the off-campus modifier PO")
        modifiers.append(OFF_CAMPUS_MODIFIER)
    code = text(line["procedure_code"], where)
    if not code and not (institutional and present(line["revenue_code"])):
        raise X12WriteError(f"{where}: procedure_code is empty (only an 837I line with a revenue code may omit it)")
    # A revenue-code-only 837I line (room and board, pharmacy, supplies) leaves SV202 empty.
    procedure = composite("HC", code, *[m for m in modifiers if m]) if code else ""
    if institutional:
        service = seg(
            "SV2",
            text(line["revenue_code"], where),
            procedure,
            money(line["line_charge"]),
            "UN",
            line["units"],
        )
    else:
        pointers = (line["diagnosis_pointers"] or "").split()
        if len(pointers) > MAX_POINTERS:
            raise X12WriteError(f"{where}: {len(pointers)} diagnosis pointers; SV107 holds up to 4")
        service = seg("SV1", procedure, money(line["line_charge"]), "UN", line["units"], "", "", composite(*pointers))
    out = [seg("LX", line["line_number"]), service, seg("DTP", "472", "D8", date8(line["service_date"]))]
    if present(line["line_control_number"]):
        out.append(seg("REF", "6R", text(line["line_control_number"], where)))
    return out
