"""Pre-submission checks of institutional claims (837I / UB-04): the bill type, and revenue codes that need
their HCPCS code.

Outpatient bills (every bill type but an inpatient one) must carry a HCPCS code on lines of the revenue codes
that Medicare's outpatient rules (and most payers after them) price by HCPCS: laboratory, imaging, therapies,
the emergency room, clinic visits, drugs that need detailed coding, EKG and other diagnostic services. Room and
board, pharmacy, supplies and the like may go by revenue code alone. An inpatient bill (facility type
hospital, skilled nursing, religious non-medical or intermediate care, classification inpatient or swing bed)
is paid by the stay, so its lines need no HCPCS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from denial_ml.domain.claim_fields import claim_field, line_field

# (first, last, what) revenue code ranges whose outpatient lines need a HCPCS code.
HCPCS_REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("0300", "0319", "laboratory"),
    ("0320", "0359", "imaging"),
    ("0400", "0409", "other imaging"),
    ("0420", "0449", "therapy"),
    ("0450", "0459", "emergency room"),
    ("0480", "0489", "cardiology"),
    ("0510", "0519", "clinic"),
    ("0636", "0636", "drugs requiring detailed coding"),
    ("0730", "0739", "EKG/ECG"),
    ("0920", "0929", "other diagnostic services"),
)
INPATIENT_TYPES = frozenset("1246")  # facility type's first digit
INPATIENT_CLASSES = frozenset("128")  # its second: inpatient (Part A, Part B) or swing bed

# (code, severity, field, message, fix, category) of one finding; `explain.checks` wraps it in a Finding.
Raw = tuple[str, str, str, str, str, str]


def hcpcs_required_for(revenue_code: str) -> str | None:
    """What kind of service a revenue code bills when its outpatient line needs a HCPCS code, else None."""
    for first, last, what in HCPCS_REQUIRED:
        if first <= revenue_code <= last:
            return what
    return None


def is_inpatient_bill(facility_type_code: str | None) -> bool:
    """Whether a facility type (CLM05-1) is an inpatient bill (paid by the stay)."""
    code = facility_type_code or ""
    return len(code) == 2 and code[0] in INPATIENT_TYPES and code[1] in INPATIENT_CLASSES


def institutional_findings(claim: dict[str, Any], lines: list[dict[str, Any]]) -> Iterator[Raw]:
    """Findings on an 837I claim: no bill type; an outpatient line of a HCPCS-priced revenue code without one."""
    if claim.get("claim_type") != "837I":
        return
    facility = claim.get("facility_type_code")
    if "facility_type_code" in claim and not _present(facility):
        yield (
            "BILL_TYPE_MISSING",
            "error",
            claim_field("facility_type_code").name,
            "The institutional claim has no bill type: its facility type (CLM05-1) is empty.",
            "Enter the bill type's first two digits, e.g. 13 for a hospital outpatient bill.",
            "missing_information",
        )
    if is_inpatient_bill(facility if _present(facility) else None):
        return
    for i, line in enumerate(lines):
        revenue = line.get("revenue_code")
        what = hcpcs_required_for(revenue) if isinstance(revenue, str) and revenue else None
        if what and not _present(line.get("procedure_code")):
            yield (
                "HCPCS_REQUIRED",
                "error",
                f"lines[{i}].{line_field('procedure_code').name}",
                f"Line {line['line_number']} bills revenue code {revenue} ({what}) without a HCPCS code; "
                "outpatient bills need one on this revenue code.",
                "Add the HCPCS or CPT code of the service to the line.",
                "missing_information",
            )


def _present(value: object) -> bool:
    return isinstance(value, str) and value != ""
