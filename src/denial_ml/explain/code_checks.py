"""Code validity findings against the complete code sets (the `check_codes` rule of `explain.checks`).

A catalog code is checked against its own validity dates. Any other code is checked against the complete sets
of `denial_ml.domain.codesets`: a billable ICD-10-CM code or a listed HCPCS Level II code is valid; an
ICD-10-CM header needs more characters; a five-character CPT code outside the catalog cannot be checked (CPT's
list is licensed), so it gets an *info* finding, never an error; anything else is an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE, is_code_active
from denial_ml.domain.claim_fields import claim_field, line_field
from denial_ml.domain.codesets import diagnosis_status, icd10_release, normalize_diagnoses, procedure_kind

# (code, severity, field, message, fix, category) of one finding; `explain.checks` wraps it in a Finding.
Raw = tuple[str, str, str, str, str, str]
FIX_PROCEDURE = "Use the procedure code valid on the service date."


def diagnosis_findings(diagnosis_codes: str | None, service: dt.date | None) -> Iterator[Raw]:
    """Findings on a claim's diagnosis list (dotted or not: "M54.50" is "M5450")."""
    if service is None:
        return
    for k, dx in enumerate(split_diagnoses(diagnosis_codes or "")):
        if not dx or is_code_active(dx, service):
            continue
        if dx in DIAGNOSIS_BY_CODE:
            problem = f"Diagnosis {dx} is inactive on {service}."
        else:
            status = diagnosis_status(dx)
            if status == "billable":
                continue
            problem = (
                f"Diagnosis {dx} is an ICD-10-CM category that needs more characters to be billable."
                if status == "header"
                else f"Diagnosis {dx} is not an ICD-10-CM code (release {icd10_release()})."
            )
        yield (
            "DIAGNOSIS_INVALID",
            "error",
            f"{claim_field('diagnosis_codes').name}[{k}]",  # named through the fields' description
            problem,
            "Use the full, billable ICD-10-CM code valid on the service date.",
            "coding",
        )


@lru_cache(maxsize=1 << 14)
def split_diagnoses(text: str) -> tuple[str, ...]:
    # Once per distinct list: a batch repeats its lists (a tenth of a 10,000-claim batch's checks was this split).
    return tuple(normalize_diagnoses(text).split(" "))


def procedure_findings(line: dict[str, Any], i: int, day: dt.date | None) -> Iterator[Raw]:
    """Findings on one line's procedure code."""
    code = line["procedure_code"]
    if not code or day is None or is_code_active(code, day):  # no code: a revenue-code-only 837I line
        return
    where = f"lines[{i}].{line_field('procedure_code').name}"
    if code in PROCEDURE_BY_CODE:
        yield ("PROCEDURE_INVALID", "error", where, f"Procedure {code} is inactive on {day}.", FIX_PROCEDURE, "coding")
        return
    kind = procedure_kind(code)
    if kind == "cpt":
        yield (
            "PROCEDURE_NOT_IN_CATALOG",
            "info",
            where,
            f"Procedure {code} has the form of a CPT code but is not in the catalog, so no rule checks it.",
            "Nothing to fix if the code is current; the checks of modifiers and diagnoses skip it.",
            "coding",
        )
    elif kind == "unknown":
        message = f"Procedure {code} is neither a CPT code nor a HCPCS Level II code."
        yield ("PROCEDURE_INVALID", "error", where, message, FIX_PROCEDURE, "coding")
