"""A corrected claim (replacement, frequency 7) for a denial routed to resubmit, built only from facts on file.

The fix comes from what the payer said (CARC/RARC on the remittance) and what the practice has on file (the
authorization list, the patient's coverage, the claim's own diagnoses, the payers' modifier rules every
scrubber knows): the claim goes back with CLM05-3 = 7, the payer's claim control number in REF*F8 and the fix
applied. When nothing on file says what to change, there is no corrected claim and `unfixed` says why: a
replacement with nothing changed would be denied again, and a guessed value is an invented fact.

Pure: records in, a `Correction` out; `render_837` turns it into X12 text with the project's 837 writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from denial_ml.domain.catalog import PROCEDURE_BY_CODE
from denial_ml.features.line_features import ACCEPTED, EM, GP_PAYER_TYPES, MODS, NEEDS_25, TELEHEALTH_POS, THERAPY
from denial_ml.ingest.x12_segments import interchange, transaction_set
from denial_ml.ingest.x12_write_837 import VERSIONS, claim_sets

REPLACEMENT = "7"  # CLM05-3: replacement of a prior claim
AUTH_CARCS = {"197", "198"}
CODING_CARCS = {"4", "5", "97"}
MAX_MODIFIERS = 4


@dataclass
class ClaimRecords:
    """What the practice has on file about one denied claim (rows as plain dicts, missing values None).

    Attributes:
        claim: The `claims` row.
        lines: Its `claim_lines` rows.
        patient: Its `patients` row.
        payer: Its `payers` row.
        providers: `providers` rows by NPI (billing and rendering).
        remittances: Its `remittances` rows, oldest first.
        adjustments: Its `adjustments` rows (group, CARC, line).
        remarks: Its `remarks` rows (RARC, line).
        authorizations: The `authorizations` rows of the claim's patient and payer.
        coverages: The `coverages` rows of the claim's patient and payer.
    """

    claim: dict[str, Any]
    lines: list[dict[str, Any]]
    patient: dict[str, Any]
    payer: dict[str, Any]
    providers: dict[str, dict[str, Any]]
    remittances: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]
    remarks: list[dict[str, Any]]
    authorizations: list[dict[str, Any]] = field(default_factory=list)
    coverages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Correction:
    """A corrected claim, or why there is none.

    Attributes:
        claim_id: The claim corrected.
        fixes: What was changed, in a biller's words, each naming the fact on file it comes from.
        unfixed: Why no (or not every) fix could be derived; empty when everything the payer named was fixed.
        claim: The corrected claim row (frequency 7, `original_claim_id` = the payer's claim number).
        lines: The corrected lines.
    """

    claim_id: str
    fixes: list[str]
    unfixed: list[str]
    claim: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def ready(self) -> bool:
        """Whether there is a corrected claim to send (at least one fix and a payer claim number)."""
        return bool(self.fixes) and bool(self.claim.get("original_claim_id"))


def denial_codes(records: ClaimRecords) -> tuple[set[str], set[str], dict[int, set[str]]]:
    """The denying CARCs (not contractual 45, not patient responsibility), the remarks, and CARCs/RARCs per line."""
    carcs = {str(a["carc"]) for a in records.adjustments if a.get("group_code") != "PR" and str(a["carc"]) != "45"}
    rarcs = {str(r["rarc"]) for r in records.remarks}
    per_line: dict[int, set[str]] = {}
    for row in [*records.adjustments, *records.remarks]:
        code = str(row.get("carc") or row.get("rarc"))
        if row.get("line_number") is not None and code != "45" and row.get("group_code") != "PR":
            per_line.setdefault(int(row["line_number"]), set()).add(code)
    return carcs, rarcs, per_line


def payer_claim_number(records: ClaimRecords) -> str | None:
    """The payer's claim control number from the latest remittance that has one (REF*F8 of the replacement)."""
    numbers = [r["payer_claim_id"] for r in records.remittances if r.get("payer_claim_id")]
    return str(numbers[-1]) if numbers else None


def _day(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def fix_authorization(records: ClaimRecords, claim: dict[str, Any], lines: list[dict[str, Any]]) -> list[str]:
    """Put on the claim the authorization on file that covers a billed code on its date of service."""
    codes = {line.get("procedure_code") for line in lines}
    for auth in records.authorizations:
        covered = set(str(auth.get("procedure_codes") or "").split()) & codes
        day, start, end = _day(claim["service_date_from"]), _day(auth["start_date"]), _day(auth["end_date"])
        if not covered or day is None or start is None or end is None or not start <= day <= end:
            continue
        if claim.get("prior_auth_number") == auth["auth_number"]:
            return []  # the claim already carries it: nothing on file changes it
        before = claim.get("prior_auth_number")
        claim["prior_auth_number"] = auth["auth_number"]
        was = f" (was {before})" if before else ""
        return [
            f"Authorization number {auth['auth_number']}{was}: on file for {' '.join(sorted(covered))} "
            f"from {start} to {end}, covering {day}."
        ]
    return []


def fix_member_id(records: ClaimRecords, claim: dict[str, Any]) -> list[str]:
    """Replace a member id the payer could not identify by the one on the coverage on file for the service date."""
    day = _day(claim["service_date_from"])
    for cover in records.coverages:
        start, end = _day(cover.get("coverage_start")), _day(cover.get("coverage_end"))
        if day is None or (start and day < start) or (end and day > end):
            continue
        if cover.get("member_id") and cover["member_id"] != claim.get("member_id"):
            claim["member_id"] = cover["member_id"]
            return ["Member id corrected to the one on the patient's coverage with this payer."]
    return []


def fix_pointers(claim: dict[str, Any], lines: list[dict[str, Any]], flagged: set[int]) -> list[str]:
    """Point a line without a diagnosis pointer at the claim's diagnosis, when the claim has exactly one."""
    diagnoses = str(claim.get("diagnosis_codes") or "").split()
    fixes = []
    for line in lines:
        if line.get("diagnosis_pointers") or int(line["line_number"]) not in flagged:
            continue
        if len(diagnoses) == 1:
            line["diagnosis_pointers"] = "1"
            fixes.append(
                f"Line {line['line_number']}: diagnosis pointer 1 ({diagnoses[0]}, the claim's only diagnosis)."
            )
    return fixes


def _modifiers(line: dict[str, Any]) -> list[str]:
    return [str(line[m]) for m in MODS if line.get(m)]


def _set_modifiers(line: dict[str, Any], modifiers: list[str]) -> None:
    for slot, name in enumerate(MODS):
        line[name] = modifiers[slot] if slot < len(modifiers) else None


def fix_modifiers(
    records: ClaimRecords, claim: dict[str, Any], lines: list[dict[str, Any]], flagged: set[int]
) -> list[str]:
    """On the lines the payer denied for coding: drop a modifier the code does not accept, add 25 (visit with a
    procedure the same day), GP (therapy to a payer that requires it) or 95 (telehealth) - the rules the
    pre-submission checks apply."""
    codes = {line.get("procedure_code") for line in lines}
    telehealth = claim.get("place_of_service") in TELEHEALTH_POS
    gp_payer = records.payer.get("payer_type") in GP_PAYER_TYPES
    fixes = []
    for line in lines:
        if int(line["line_number"]) not in flagged:
            continue
        code, mods = str(line.get("procedure_code") or ""), _modifiers(line)
        kept = [m for m in mods if code not in PROCEDURE_BY_CODE or f"{code}|{m}" in ACCEPTED]
        added = []
        if code in EM and codes & NEEDS_25 and "25" not in kept:
            added.append("25")
        if code in THERAPY and gp_payer and "GP" not in kept:
            added.append("GP")
        if telehealth and (code in EM or code.startswith("908")) and not {"95", "GT"} & set(kept):
            added.append("95")
        if kept == mods and not added or len(kept + added) > MAX_MODIFIERS:
            continue
        _set_modifiers(line, kept + added)
        said = [f"modifier {m} removed (not valid with {code})" for m in mods if m not in kept]
        said += [f"modifier {m} added" for m in added]
        fixes.append(f"Line {line['line_number']} ({code}): " + ", ".join(said) + ".")
    return fixes


def correct_claim(records: ClaimRecords) -> Correction:
    """The replacement claim with every fix the denial's codes and the facts on file support."""
    claim = dict(records.claim)
    lines = [dict(line) for line in records.lines]
    carcs, rarcs, per_line = denial_codes(records)
    coding_lines = {n for n, codes in per_line.items() if codes & CODING_CARCS}
    fixes: list[str] = []
    unfixed: list[str] = []
    if carcs & AUTH_CARCS:
        found = fix_authorization(records, claim, lines)
        fixes += found
        unfixed += [] if found else ["no authorization on file covers the billed codes on the date of service"]
    if "31" in carcs:
        found = fix_member_id(records, claim)
        fixes += found
        unfixed += [] if found else ["the payer could not identify the patient and no other member id is on file"]
    if "27" in carcs:
        unfixed.append(
            "coverage was not active: bill the payer that covered the patient (a new claim, not a replacement)"
        )
    if "N290" in rarcs:
        unfixed.append("the rendering provider's NPI is missing and not on file: enter it before sending")
    # M76 on a line (or on the claim) asks for a diagnosis; a line without a pointer is the one it means.
    named = {n for n, codes in per_line.items() if "M76" in codes}
    unpointed = {int(line["line_number"]) for line in lines if not line.get("diagnosis_pointers")}
    pointer_lines = unpointed & (named or (unpointed if "M76" in rarcs else set()))
    if pointer_lines and claim["claim_type"] == "837I":
        unfixed.append("the payer names a missing diagnosis, but 837I lines carry no pointer: review the diagnoses")
    elif pointer_lines:
        found = fix_pointers(claim, lines, pointer_lines)
        fixes += found
        if not found:
            unfixed.append("a line lacks its diagnosis pointer and the claim has several diagnoses: choose which")
    if coding_lines:
        found = fix_modifiers(records, claim, lines, coding_lines)
        fixes += found
        if not found:
            unfixed.append("the payer denied the coding but no rule on file says which code or modifier to change")
    number = payer_claim_number(records)
    if number is None:
        unfixed.append("no remittance gives the payer's claim number (REF*F8) to replace")
    if not fixes and not unfixed:
        unfixed.append("the denial's codes do not say what to correct")
    claim["claim_frequency_code"] = REPLACEMENT
    claim["original_claim_id"] = number
    return Correction(str(claim["claim_id"]), fixes, unfixed, claim, lines)


def render_837(correction: Correction, records: ClaimRecords, sent_on: dt.date) -> str:
    """The corrected claim as one 837 interchange (the project's 837 writer; BHT04 and ISA date: `sent_on`).

    Raises:
        X12WriteError: a value cannot be written (the writer names it).
    """
    claim = {**correction.claim, "submission_date": pd.Timestamp(sent_on)}
    tables = {
        "claims": pd.DataFrame([claim]),
        "claim_lines": pd.DataFrame(correction.lines),
        "patients": pd.DataFrame([records.patient]),
        "providers": pd.DataFrame(list(records.providers.values())),
        "payers": pd.DataFrame([records.payer]),
    }
    ((kind, day, body),) = list(claim_sets(tables))
    wrapped = [transaction_set("837", 1, VERSIONS[kind], body)]
    return interchange("HC", VERSIONS[kind], wrapped, day.strftime("%Y%m%d"))
