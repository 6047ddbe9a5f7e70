"""Checks of a mapped CSV export's values before anything is derived from them: each error names the CSV row,
their column, our column and the form expected, so a user fixes the mapping or the export in one go."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from denial_ml.domain.claim_fields import FREQUENCY_CODES
from denial_ml.domain.codesets import ICD10_FORMAT, normalize_diagnosis
from denial_ml.ingest.values import CARC_FORMAT
from denial_ml.schemas import CLP_STATUS_CODES

AMOUNT_NOISE = re.compile(r"[$,\s]")  # "$1,250.00" is 1250.00 in every export seen
MONEY = ("total_charge", "line_charge", "paid_amount", "patient_responsibility", "recovered_amount", "amount")
INTEGERS = ("units", "line_number", "remit_sequence", "appeal_level")


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda v: bool(compiled.match(v))


def _is_amount(value: str) -> bool:
    try:
        float(AMOUNT_NOISE.sub("", value))
    except ValueError:
        return False
    return True


def _is_count(value: str) -> bool:
    text = AMOUNT_NOISE.sub("", value)
    return text.replace(".0", "", 1).isdigit() and float(text) >= 1


def _are_diagnoses(value: str) -> bool:
    codes = [c for c in re.split(r"[\s,;]+", value) if c]
    return bool(codes) and all(ICD10_FORMAT.match(normalize_diagnosis(c)) for c in codes)


NPI = (_matches(r"^\d{10}$"), "a 10-digit NPI")
FORMS: dict[str, tuple[Callable[[str], bool], str]] = {
    "billing_provider_npi": NPI,
    "rendering_provider_npi": NPI,
    "provider_npi": NPI,
    "procedure_code": (_matches(r"^[A-Z0-9]{5}$"), "a five-character CPT or HCPCS code such as 99213 or J3301"),
    "place_of_service": (_matches(r"^\d{2}$"), "a two-digit place-of-service code such as 11"),
    "diagnosis_codes": (_are_diagnoses, "ICD-10-CM codes such as M54.50 or M5450, separated by spaces or commas"),
    "claim_status_code": (
        lambda v: v in CLP_STATUS_CODES,
        "an X12 claim status code (1 paid, 4 denied, ...); map the export's words with `values:`",
    ),
    "claim_type": (lambda v: v in ("837P", "837I"), "837P or 837I; map the export's words with `values:`"),
    "claim_frequency_code": (
        lambda v: v in FREQUENCY_CODES,
        "1 (original), 7 (replacement), 8 (void); on 837I also 0, 2-4 (interim) or 5 (late charges)",
    ),
    "carc": (lambda v: bool(CARC_FORMAT.match(v)), "a CARC such as 197; map reason text to codes with `values:`"),
    **{m: (_matches(r"^[A-Z0-9]{2}$"), "a two-character modifier") for m in [f"modifier_{i}" for i in range(1, 5)]},
    **{c: (_is_amount, "an amount such as 125.00 or $1,250.00") for c in MONEY},
    **{c: (_is_count, "a whole number of at least 1") for c in INTEGERS},
}


def clean_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip spaces, upper-case codes, and read amounts written with currency signs and thousands separators."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    for column in ("procedure_code", "place_of_service", *[f"modifier_{i}" for i in range(1, 5)]):
        if column in out:
            out[column] = out[column].map(lambda v: v.upper() if isinstance(v, str) else v)
    for column in MONEY:
        if column in out:
            out[column] = out[column].map(lambda v: AMOUNT_NOISE.sub("", v) if isinstance(v, str) else v)
    return out


def check_forms(frame: pd.DataFrame, table: str, theirs: dict[str, str], file: str) -> None:
    """Raise on the first value of a mapped column that does not have the form our column needs.

    Args:
        frame: The table as mapped, indexed by the CSV's data row (0 = the row after the header).
        table: Our table's name. theirs: our column -> their column (for the message). file: The CSV's name.

    Raises:
        ValueError: "CSV 'f.csv' row 7, column 'Provider NPI' (claims.billing_provider_npi): '12345' is not
            a 10-digit NPI".
    """
    for column, (ok, expected) in FORMS.items():
        if column not in frame:
            continue
        values = frame[column]
        present = values[values.notna()]
        bad = present[~present.map(lambda v, ok=ok: v == "" or ok(str(v))).astype(bool)]
        if len(bad):
            row = bad.index[0]
            source = theirs.get(column)
            where = f"column {source!r} ({table}.{column})" if source else f"{table}.{column} (a constant or value map)"
            raise ValueError(f"CSV {file!r} row {int(row) + 2}, {where}: {values[row]!r} is not {expected}")


def to_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Amounts and counts (already checked) as numbers, so that derived values can be computed from them."""
    out = frame.copy()
    for column in (*MONEY, *INTEGERS):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce")
    return out
