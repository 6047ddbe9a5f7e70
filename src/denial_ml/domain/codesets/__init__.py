"""Complete code sets: ICD-10-CM, HCPCS Level II, CPT formats, CARC, RARC and place of service.

The catalog (`denial_ml.domain.catalog`) describes the few codes the synthetic world and the checks know in
detail; these sets answer the simpler question a biller asks of any real code: is it a valid code at all?

- ICD-10-CM comes from the `simple-icd-10-cm` library's code list (its release is in `icd10_release()`);
  a code is billable when it is a leaf of the tabular list, a header (category or subcategory with children)
  otherwise. Codes may be written with or without the dot.
- HCPCS Level II, CARC/RARC (with current/deactivated status) and place-of-service values are CSVs in this
  folder, each opening with a one-line source note. CPT descriptors are licensed (AMA), so no CPT list is
  carried: a five-character CPT code (`\\d{5}` or four digits and F/T/U) outside the catalog is "not in the
  catalog", never invalid.

Everything loads on first use and is cached: importing this module costs nothing.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

CPT_FORMAT = re.compile(r"^\d{4}[0-9FTU]$")  # Category I five digits; II (F), III (T), PLA (U)
HCPCS_FORMAT = re.compile(r"^[A-V]\d{4}$")
ICD10_FORMAT = re.compile(r"^[A-Z]\d[0-9A-Z]{1,5}$")  # after the dot is removed: 3 to 7 characters


def normalize_diagnosis(code: str) -> str:
    """An ICD-10-CM code as X12 carries it: upper case, no dot, no spaces ("m54.50 " -> "M5450")."""
    return code.strip().upper().replace(".", "")


def normalize_diagnoses(text: str) -> str:
    """A space-, comma- or semicolon-separated diagnosis list in the data model's form (space-separated,
    no dots), order kept."""
    return " ".join(normalize_diagnosis(c) for c in re.split(r"[\s,;]+", text or "") if c.strip())


def _rows(name: str) -> list[dict[str, str]]:
    text = (files(__package__) / name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def hcpcs_level2() -> frozenset[str]:
    """Every HCPCS Level II code (five characters) of the packaged list."""
    return frozenset(r["code"] for r in _rows("hcpcs_level2.csv"))


@cache
def places_of_service() -> frozenset[str]:
    """Every CMS place-of-service code (two digits)."""
    return frozenset(r["code"] for r in _rows("place_of_service.csv"))


@cache
def carc_statuses() -> dict[str, str]:
    """CARC -> "current" or "deactivated"."""
    return {r["code"]: r["status"] for r in _rows("carc.csv")}


@cache
def rarc_statuses() -> dict[str, str]:
    """RARC -> "current" or "deactivated"."""
    return {r["code"]: r["status"] for r in _rows("rarc.csv")}


def carc_status(code: str) -> str:
    """ "current", "deactivated" or "unknown" for a claim adjustment reason code."""
    return carc_statuses().get(code.strip().upper(), "unknown")


def rarc_status(code: str) -> str:
    """ "current", "deactivated" or "unknown" for a remittance advice remark code."""
    return rarc_statuses().get(code.strip().upper(), "unknown")


def _icd10_file() -> Path:
    # Found without importing the library: its import parses the whole tabular XML (seconds of CPU).
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or spec.origin is None:
        raise RuntimeError("ICD-10-CM needs the simple-icd-10-cm package: pip install simple-icd-10-cm==1.5.0")
    found = sorted(Path(spec.origin).parent.joinpath("data").glob("code-list-*.txt"))
    if not found:
        raise RuntimeError("simple-icd-10-cm ships no code list; reinstall simple-icd-10-cm==1.5.0")
    return found[-1]


def icd10_release() -> str:
    """The ICD-10-CM release of the installed library's code list (e.g. "April-2026")."""
    return _icd10_file().name.removeprefix("code-list-").removesuffix(".txt")


@cache
def icd10_codes() -> dict[str, tuple[bool, str, str]]:
    """ICD-10-CM code (no dot) -> (billable, chapter number, block), from the library's tabular code list.

    The list is in tabular order (chapter, block, category, its subcategories), so a code is billable exactly
    when the next code does not extend it; reading the plain list this way takes a tenth of a second, where the
    library's own import parses its XML for seconds (the two agree on every code: see the tests).
    """
    lines = [s.strip() for s in _icd10_file().read_text(encoding="utf-8").splitlines() if s.strip()]
    out: dict[str, tuple[bool, str, str]] = {}
    chapter = block = ""
    for i, code in enumerate(lines):
        if code.isdigit():
            chapter = code
        elif "-" in code:
            block = code
        else:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            out[code] = (not following.startswith(code), chapter, block)
    return out


def diagnosis_status(code: str) -> str:
    """ "billable", "header" (a valid category or subcategory that needs more characters) or "unknown"."""
    entry = icd10_codes().get(normalize_diagnosis(code))
    if entry is None:
        return "unknown"
    return "billable" if entry[0] else "header"


def procedure_kind(code: str) -> str:
    """What a procedure code is: "hcpcs" (a Level II code on the list), "cpt" (CPT's five-character form:
    valid-looking, not checkable without the licensed list) or "unknown"."""
    code = code.strip().upper()
    if code in hcpcs_level2():
        return "hcpcs"
    if CPT_FORMAT.match(code):
        return "cpt"
    return "unknown"
