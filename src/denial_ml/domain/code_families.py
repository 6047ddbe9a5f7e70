"""Code families: what the model and the checks know of a code they have never seen.

A practice bills thousands of codes; the catalog describes a few dozen. A code outside it still belongs to a
family whose claims behave alike: a procedure to its CPT section range or HCPCS Level II letter series, a
diagnosis to its ICD-10-CM category (first three characters) and chapter. Features give an unseen code its
family's value instead of one "unknown" bucket, and a catalog code keeps its own value (so a model trained on
catalog codes scores them exactly as before).

The ranges are the published section boundaries of CPT and HCPCS Level II (facts); the names are ours.
"""

from __future__ import annotations

from functools import cache

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.domain.codesets import CPT_FORMAT, icd10_codes, normalize_diagnosis

# CPT Category I sections and the subsections that behave differently (first code, last code, family).
CPT_RANGES: tuple[tuple[str, str, str], ...] = (
    ("00100", "01999", "cpt_anesthesia"),
    ("10004", "19499", "cpt_surgery_skin"),
    ("20100", "29999", "cpt_surgery_musculoskeletal"),
    ("30000", "39599", "cpt_surgery_respiratory_cardiovascular"),
    ("40490", "49999", "cpt_surgery_digestive"),
    ("50010", "59899", "cpt_surgery_urinary_genital_maternity"),
    ("60000", "69990", "cpt_surgery_endocrine_nervous_eye_ear"),
    ("70010", "79999", "cpt_radiology"),
    ("80047", "89398", "cpt_pathology_laboratory"),
    ("90281", "90756", "cpt_immunization"),
    ("90785", "90899", "cpt_psychiatry"),
    ("90901", "96999", "cpt_medicine"),
    ("97010", "97799", "cpt_physical_medicine"),
    ("97802", "99199", "cpt_medicine"),
    ("99202", "99499", "cpt_evaluation_management"),
    ("99500", "99607", "cpt_medicine"),
)
CPT_LETTER_FAMILIES = {"F": "cpt_category_ii", "T": "cpt_category_iii", "U": "cpt_pla"}
# HCPCS Level II series by first letter.
HCPCS_SERIES = {
    "A": "hcpcs_transport_supplies",
    "B": "hcpcs_enteral_parenteral",
    "C": "hcpcs_outpatient_pps",
    "E": "hcpcs_durable_equipment",
    "G": "hcpcs_professional_services",
    "H": "hcpcs_behavioral_health",
    "J": "hcpcs_drugs",
    "K": "hcpcs_durable_equipment",
    "L": "hcpcs_orthotics_prosthetics",
    "M": "hcpcs_medical_services",
    "P": "hcpcs_pathology_laboratory",
    "Q": "hcpcs_temporary",
    "R": "hcpcs_diagnostic_radiology",
    "S": "hcpcs_temporary",
    "T": "hcpcs_state_medicaid",
    "U": "hcpcs_temporary",
    "V": "hcpcs_vision_hearing",
}
PROCEDURE_FAMILIES: tuple[str, ...] = tuple(
    sorted({f for *_, f in CPT_RANGES} | set(CPT_LETTER_FAMILIES.values()) | set(HCPCS_SERIES.values()))
)
FAMILY_PREFIX = "family:"  # a feature level that stands for a family, never equal to a code or a group

# ICD-10-CM chapter number -> diagnosis group: the catalog's groups where a chapter is one of them, a chapter
# group otherwise. A category the catalog knows (M54, F84, R07, ...) takes the catalog's group first.
CHAPTER_GROUPS = {
    "1": "infectious",
    "2": "neoplasm",
    "3": "blood_immune",
    "4": "metabolic",
    "5": "mental",
    "6": "neuro",
    "7": "eye",
    "8": "ear",
    "9": "cardio",
    "10": "respiratory",
    "11": "digestive",
    "12": "skin",
    "13": "msk",
    "14": "genitourinary",
    "15": "pregnancy",
    "16": "perinatal",
    "17": "congenital",
    "18": "symptoms",
    "19": "injury",
    "20": "external_cause",
    "21": "general",
    "22": "special_purpose",
}
FAMILY_DX_GROUPS: tuple[str, ...] = tuple(
    sorted({g for g in CHAPTER_GROUPS.values()} - {d.group for d in DIAGNOSIS_BY_CODE.values()})
)


def procedure_family(code: str) -> str | None:
    """The CPT section or HCPCS Level II series of a procedure code; None when it has neither form."""
    code = code.strip().upper()
    if len(code) != 5:
        return None
    if code[0].isalpha():
        return HCPCS_SERIES.get(code[0]) if code[1:].isdigit() else None
    if not CPT_FORMAT.match(code):
        return None
    if not code.isdigit():
        return CPT_LETTER_FAMILIES[code[-1]]
    for first, last, family in CPT_RANGES:
        if first <= code <= last:
            return family
    return "cpt_medicine"  # a Category I code between the published ranges: new codes land in medicine


def procedure_level(code: str) -> str | None:
    """The value of the `primary_procedure` feature: the code itself when the catalog holds it, else its family
    (prefixed with `FAMILY_PREFIX`), else None (unknown)."""
    if code in PROCEDURE_BY_CODE:
        return code
    family = procedure_family(code)
    return None if family is None else FAMILY_PREFIX + family


@cache
def _catalog_category_groups() -> dict[str, str]:
    # A category is given the catalog's group only when every catalog code of that category agrees on it.
    groups: dict[str, set[str]] = {}
    for d in DIAGNOSIS_BY_CODE.values():
        groups.setdefault(d.code[:3], set()).add(d.group)
    return {cat: next(iter(g)) for cat, g in groups.items() if len(g) == 1}


def diagnosis_category(code: str) -> str:
    """The ICD-10-CM category (first three characters) of a code, dotted or not."""
    return normalize_diagnosis(code)[:3]


def diagnosis_chapter(code: str) -> str | None:
    """The ICD-10-CM chapter number ("1".."22") of a code in the code list; None when it is not a code."""
    entry = icd10_codes().get(normalize_diagnosis(code))
    return None if entry is None else entry[1]


@cache
def diagnosis_group(code: str) -> str | None:
    """The diagnosis group of a code: the catalog's; for a code outside the catalog, its category's group in the
    catalog, else its chapter's group; None when it is not an ICD-10-CM code."""
    code = normalize_diagnosis(code)
    known = DIAGNOSIS_BY_CODE.get(code)
    if known is not None:
        return known.group
    chapter = diagnosis_chapter(code)
    if chapter is None:
        return None
    return _catalog_category_groups().get(code[:3]) or CHAPTER_GROUPS.get(chapter)
