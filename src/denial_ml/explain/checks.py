"""Pre-submission checks (a claim scrubber): deterministic rules, independent of any model.

Each finding names a code, a severity (`error`: the payer will deny it as sent; `warning`: likely trouble), the
field to change, a message built from the claim's values and the fix. Findings come beside the score.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from denial_ml.domain.catalog import PROCEDURE_BY_CODE
from denial_ml.domain.claim_fields import claim_field, line_field
from denial_ml.explain.authorization import authorization_state
from denial_ml.explain.code_checks import diagnosis_findings, procedure_findings
from denial_ml.explain.context import ClaimView, as_date
from denial_ml.explain.institutional_checks import institutional_findings
from denial_ml.features.line_features import ACCEPTED, EM, GP_PAYER_TYPES, MODS, NEEDS_25, TELEHEALTH_POS, THERAPY

FILING_WARNING_DAYS = 14
STALE_ELIGIBILITY_DAYS = 30  # a 271 older than this before the visit may no longer hold
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem a check found on a claim."""

    code: str
    severity: str  # "error", "warning" or "info" (nothing to fix)
    field: str
    message: str
    fix: str
    category: str

    def to_dict(self) -> dict:
        """Plain dict (for JSON), fields in declaration order.

        Not `dataclasses.asdict`: it deep-copies every value, a twentieth of a batch explanation's time for six
        strings.
        """
        return {name: getattr(self, name) for name in FINDING_FIELDS}


FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
Check = Callable[[ClaimView], Iterator[Finding]]


def _named(name: str) -> str:
    # Through the fields' description, so that a finding never names a field the claim does not have.
    return claim_field(name).name


def _line_named(position: int, name: str) -> str:
    return f"lines[{position}].{line_field(name).name}"


def _modifier_named(position: int, slot: int) -> str:
    # The data model's column of the slot (`modifier_2`), as the findings have always named it.
    return f"lines[{position}].{line_field('modifiers').data_columns[slot]}"


def check_eligibility(v: ClaimView) -> Iterator[Finding]:
    """Coverage inactive (or ending before the service date) per the eligibility response, or ended per the
    enrollment on file; eligibility not verified, or verified long before the service; member ID unknown.

    An end date on file counts only once the enrollment feed could have delivered it (see
    `denial_ml.features.coverage`), the same rule the model's coverage features follow.
    """
    service = v.date("service_date_from")
    checked_on = v.date("eligibility_check_date")
    ahead = (service - checked_on).days if service and checked_on and v.claim.get("eligibility_checked") else None
    if v.claim.get("eligibility_status") == "inactive":
        verified = f" (verified {ahead} days before service)" if ahead is not None else ""
        yield Finding(
            "ELIGIBILITY_INACTIVE",
            "error",
            _named("eligibility_status"),
            f"The eligibility check{verified} answered coverage inactive for {service}, "
            "or coverage that ends before the service date.",
            "Find the patient's active coverage for the service date and bill that payer.",
            "eligibility",
        )
    elif ahead is not None and ahead > STALE_ELIGIBILITY_DAYS:
        yield Finding(
            "ELIGIBILITY_STALE",
            "warning",
            _named("eligibility_check_date"),
            f"Eligibility was verified {ahead} days before the service date {service}.",
            "Re-verify coverage (270/271) for the service date before submitting.",
            "eligibility",
        )
    if v.features["coverage_on_file"] == 0 and v.claim.get("eligibility_status") != "inactive":
        yield Finding(
            "COVERAGE_ENDED",
            "error",
            _named("payer_id"),
            f"No coverage with {v.payer} on file spans the service date {service}.",
            "Bill the payer that covered the patient on the service date, or re-verify coverage (270/271).",
            "eligibility",
        )
    if not v.claim.get("eligibility_checked") or v.claim.get("eligibility_status") == "unknown":
        yield Finding(
            "ELIGIBILITY_NOT_VERIFIED",
            "warning",
            _named("eligibility_checked"),
            "Eligibility was not verified before the visit.",
            "Run an eligibility inquiry (270/271) for the service date before submitting.",
            "eligibility",
        )
    if not v.features["member_id_known"]:
        yield Finding(
            "MEMBER_ID_MISMATCH",
            "error",
            _named("member_id"),
            f"The member ID does not match the patient's coverage on file with {v.payer}.",
            "Copy the member ID exactly from the insurance card or the 271 response.",
            "eligibility",
        )


def check_authorization(v: ClaimView) -> Iterator[Finding]:
    """Authorization missing, unknown, expired, for other codes, or for fewer units."""
    a = authorization_state(v)
    number, field = a.number, _named("prior_auth_number")
    if a.status == "missing":
        yield Finding(
            "AUTH_MISSING",
            "error",
            field,
            f"{v.payer} requires prior authorization for {v.describe_auth_codes(list(a.required))} and the claim "
            "has none.",
            "Obtain the authorization (or a retro-authorization) and enter its number.",
            "authorization",
        )
    if a.status == "not_on_file":
        yield Finding(
            "AUTH_NOT_FOUND",
            "error",
            field,
            f"Authorization {number} is not on file.",
            "Check the number against the payer's approval and correct it.",
            "authorization",
        )
    if a.status != "on_file":
        return
    if a.expired:
        yield Finding(
            "AUTH_EXPIRED",
            "error",
            field,
            f"Authorization {number} is not valid on the service date {v.date('service_date_from')}.",
            "Request an extension or a new authorization covering the service date.",
            "authorization",
        )
    for i in a.uncovered_lines:
        code = v.lines[i]["procedure_code"]
        yield Finding(
            "AUTH_WRONG_CODE",
            "error",
            _line_named(i, "procedure_code"),
            f"Authorization {number} covers {a.covered.strip()} but not {code}.",
            f"Ask {v.payer} to add {code} to the authorization, or bill only the authorized codes.",
            "authorization",
        )
    if a.units_exceeded:
        yield Finding(
            "AUTH_UNITS_EXCEEDED",
            "error",
            f"lines.{line_field('units').name}",
            f"The claim bills {a.units_used:g} units against authorization {number}, which grants {a.units_granted:g}.",
            "Bill no more than the authorized units, or request more units first.",
            "authorization",
        )


def check_filing(v: ClaimView) -> Iterator[Finding]:
    """Filing deadline passed, or within `FILING_WARNING_DAYS` days."""
    left = v.features["filing_days_left"]
    if left != left:
        return
    if left < 0:
        yield Finding(
            "FILING_LIMIT_PASSED",
            "error",
            _named("submission_date"),
            f"The filing limit of {v.payer} passed {-left:.0f} days before the submission date.",
            "Submit only with proof of timely filing; otherwise the charge is written off.",
            "timely_filing",
        )
    elif left <= FILING_WARNING_DAYS:
        yield Finding(
            "FILING_LIMIT_NEAR",
            "warning",
            _named("submission_date"),
            f"Only {left:.0f} days remain before {v.payer}'s filing limit.",
            "Submit today.",
            "timely_filing",
        )


def check_duplicate(v: ClaimView) -> Iterator[Finding]:
    """An earlier claim for the same patient, service date and procedure (and this is not a replacement)."""
    if v.features["dup_earlier_claims"] and v.claim.get("claim_frequency_code") != "7":
        yield Finding(
            "DUPLICATE",
            "error",
            _named("claim_frequency_code"),
            f"{v.features['dup_earlier_claims']:.0f} earlier claim(s) billed the same patient, date and procedure.",
            "Check the original claim's status; send a replacement (frequency 7) if it needs correcting.",
            "duplicate",
        )


def check_codes(v: ClaimView) -> Iterator[Finding]:
    """Unknown or inactive procedure and diagnosis codes, missing pointers, missing rendering NPI."""
    service = v.date("service_date_from")
    for raw in diagnosis_findings(v.claim.get("diagnosis_codes"), service):
        yield Finding(*raw)
    institutional = v.claim.get("claim_type") == "837I"
    for raw in institutional_findings(v.claim, v.lines):
        yield Finding(*raw)
    for i, line in enumerate(v.lines):
        day = as_date(line["service_date"]) if line.get("service_date") is not None else service
        for raw in procedure_findings(line, i, day):
            yield Finding(*raw)
        # An 837I line (SV2) has no diagnosis pointers: it stands on all the claim's diagnoses.
        if not line.get("diagnosis_pointers") and not institutional:
            code = line["procedure_code"] or f"revenue code {line.get('revenue_code')}"
            yield Finding(
                "POINTER_MISSING",
                "error",
                _line_named(i, "diagnosis_pointers"),
                f"Line {line['line_number']} ({code}) points to no diagnosis.",
                "Point the line to the diagnosis that supports it.",
                "missing_information",
            )
    if not v.claim.get("rendering_provider_npi"):
        yield Finding(
            "RENDERING_NPI_MISSING",
            "error",
            _named("rendering_provider_npi"),
            "The rendering provider NPI is missing.",
            "Enter the rendering provider's NPI (loop 2310B).",
            "missing_information",
        )


def check_modifiers(v: ClaimView) -> Iterator[Finding]:
    """Modifiers a procedure does not accept; missing 25, GP and telehealth modifiers."""
    codes = set(v.codes())
    telehealth = v.claim.get("place_of_service") in TELEHEALTH_POS
    gp_payer = v.features["payer_type"] in GP_PAYER_TYPES
    for i, line in enumerate(v.lines):
        code = line["procedure_code"] or ""  # a revenue-code-only 837I line: no procedure to check
        mods = [line.get(m) for m in MODS if line.get(m)]
        for j, mod in enumerate(mods):
            if code in PROCEDURE_BY_CODE and f"{code}|{mod}" not in ACCEPTED:
                yield Finding(
                    "MODIFIER_INVALID",
                    "error",
                    _modifier_named(i, j),
                    f"Modifier {mod} is not valid with {code}.",
                    "Remove or correct the modifier.",
                    "coding",
                )
        if code in EM and codes & NEEDS_25 and "25" not in mods:
            yield Finding(
                "MODIFIER_25_MISSING",
                "warning",
                _modifier_named(i, 0),
                f"Visit {code} is billed with a procedure on the same day without modifier 25.",
                "Add modifier 25 if the visit was significant and separately identifiable.",
                "coding",
            )
        if code in THERAPY and gp_payer and "GP" not in mods:
            yield Finding(
                "MODIFIER_GP_MISSING",
                "warning",
                _modifier_named(i, 0),
                f"Therapy code {code} billed to a {v.features['payer_type'].replace('_', ' ')} payer without GP.",
                "Add modifier GP to outpatient physical therapy lines.",
                "coding",
            )
        if telehealth and (code in EM or code.startswith("908")) and not {"95", "GT"} & set(mods):
            yield Finding(
                "TELEHEALTH_MODIFIER_MISSING",
                "warning",
                _modifier_named(i, 0),
                f"Telehealth line {code} has no modifier 95 or GT.",
                "Add modifier 95 (or the payer's own).",
                "coding",
            )


CHECKS: tuple[Check, ...] = (
    check_eligibility,
    check_authorization,
    check_filing,
    check_duplicate,
    check_codes,
    check_modifiers,
)


def run_checks(view: ClaimView, checks: tuple[Check, ...] = CHECKS) -> list[Finding]:
    """Every finding for one claim, errors first, then warnings, then notes; a finding about one line says
    which ("Line 2: ...", the claim's own line number).

    Args:
        view: The claim.
        checks: The checks to run, in `CHECKS` order (a batch's screen leaves out those that cannot fire).
    """
    if not checks:
        return []
    found = [with_line_number(finding, view) for check in checks for finding in check(view)]
    return sorted(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 1))


LINE_PATH = re.compile(r"^lines\[(\d+)\]")


def with_line_number(finding: Finding, view: ClaimView) -> Finding:
    """The finding with "Line N: " in front of its message when its field is one line's (and it does not say so)."""
    match = LINE_PATH.match(finding.field)
    if match is None or finding.message.startswith("Line "):
        return finding
    position = int(match.group(1))
    if position >= len(view.lines):
        return finding
    number = view.lines[position].get("line_number", position + 1)
    return dataclasses.replace(finding, message=f"Line {number}: {finding.message}")
