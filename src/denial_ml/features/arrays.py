"""Claim and line fields as plain numpy arrays, the only input the feature code reads.

Two extractions give identical arrays: from the data model's frames (batch) and from lists of dicts keyed by the
same column names (the service's requests, which skip building DataFrames: one claim's frame costs more than its
features). Strings are "" when missing (`dx_text` holds the space-separated diagnosis codes), days are whole
days since 1970-01-01 (NaN when missing). Both come as the typed contracts `ClaimArrays` and `LineArrays`: a
field the feature code reads but an extraction forgot is a `TypeError` naming it, a misspelt one an
`AttributeError` (and a mypy error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from denial_ml.domain.claim_fields import header_feature_fields
from denial_ml.domain.codesets import normalize_diagnoses
from denial_ml.features.history import to_days
from denial_ml.features.revenue_lines import line_code_keys, revenue_key

MODS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SMALL_FRAME = 64
# (array name, claims column) of the header fields the features read, from the fields' description; the
# diagnosis codes, the eligibility flag and the total charge have their own conversions below.
CLAIM_TEXT = header_feature_fields(("text", "code", "choice"))
CLAIM_DAYS = header_feature_fields(("date",))


@dataclass(frozen=True, kw_only=True)
class ClaimArrays:
    """The claim header fields the features read, one value per claim (names as in `CLAIM_TEXT` and `CLAIM_DAYS`).

    Text fields are object arrays of strings ("" when missing), days float day numbers (NaN when missing).
    """

    claim_id: np.ndarray
    payer: np.ndarray
    patient: np.ndarray
    member: np.ndarray
    provider: np.ndarray
    claim_type: np.ndarray
    pos: np.ndarray
    eligibility_status: np.ndarray
    frequency: np.ndarray
    auth_number: np.ndarray
    service_day: np.ndarray
    submit_day: np.ndarray
    check_day: np.ndarray
    dx_text: np.ndarray  # space-separated diagnosis codes
    eligibility_checked: np.ndarray  # float 0/1
    charge: np.ndarray  # total charge

    def __post_init__(self) -> None:
        check_lengths(self, len(self.claim_id))


@dataclass(frozen=True, kw_only=True)
class LineArrays:
    """The line fields the features read, one value per line."""

    claim_id: list  # the line's claim, matched to `ClaimArrays.claim_id` (lines of other claims are ignored)
    code: np.ndarray  # procedure code
    mods: np.ndarray  # shape (n_lines, len(MODS)): modifiers 1-4, "" when absent
    units: np.ndarray  # float
    pointers: np.ndarray  # diagnosis pointers, space-separated
    service_day: np.ndarray  # int64 day numbers (NaT's integer when missing)

    def __post_init__(self) -> None:
        check_lengths(self, len(self.claim_id))


def check_lengths(arrays: ClaimArrays | LineArrays, n: int) -> None:
    """Raise a `ValueError` naming the first field whose length is not `n` (one value per claim or line)."""
    for field in fields(arrays):
        size = len(getattr(arrays, field.name))
        if size != n:
            raise ValueError(f"{type(arrays).__name__}.{field.name} has {size} values, not {n}")


def strings(values: pd.Series) -> np.ndarray:
    """Object array of strings with "" for missing values."""
    if len(values) > _SMALL_FRAME and isinstance(values.dtype, pd.StringDtype):
        # Already strings: pandas fills and converts in C, several times faster than the loop for a large frame
        # (and slower for a few rows).
        return values.to_numpy(dtype=object, na_value="")
    return np.array(["" if (v is None or v != v) else str(v) for v in values.tolist()], dtype=object)


def days_or_nan(values: pd.Series) -> np.ndarray:
    """Dates as float day numbers, NaN when missing."""
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(float))


def claim_arrays(claims: pd.DataFrame) -> ClaimArrays:
    """The claim header fields the features use, from a `claims` frame."""
    return ClaimArrays(
        **{name: strings(claims[col]) for name, col in CLAIM_TEXT},
        **{name: days_or_nan(claims[col]) for name, col in CLAIM_DAYS},
        dx_text=diagnosis_texts(strings(claims["diagnosis_codes"])),
        eligibility_checked=claims["eligibility_checked"].to_numpy(dtype=float),
        charge=claims["total_charge"].to_numpy(dtype=float),
    )


def diagnosis_texts(texts: np.ndarray) -> np.ndarray:
    """Diagnosis lists in the data model's form: a dotted code ("M54.50") counts as its undotted form."""
    odd = [i for i, t in enumerate(texts.tolist()) if "." in t or "," in t or t != t.upper()]
    if odd:
        texts = texts.copy()
        texts[odd] = [normalize_diagnoses(texts[i]) for i in odd]
    return texts


def line_arrays(lines: pd.DataFrame) -> LineArrays:
    """The line fields the features use, from a `claim_lines` frame."""
    return LineArrays(
        claim_id=lines["claim_id"].tolist(),
        code=line_code_keys(strings(lines["procedure_code"]), _revenue(lines)),
        mods=np.column_stack([strings(lines[m]) for m in MODS]).reshape(len(lines), len(MODS)),
        units=lines["units"].to_numpy(dtype=float),
        pointers=strings(lines["diagnosis_pointers"]),
        service_day=to_days(lines["service_date"]),
    )


def _revenue(lines: pd.DataFrame) -> np.ndarray:
    # Tables written before revenue codes were read may lack the column.
    return strings(lines["revenue_code"]) if "revenue_code" in lines else np.full(len(lines), "", dtype=object)


def text_of(value: object) -> str:
    """A value as text, "" for None or NaN."""
    return "" if value is None or value != value else str(value)


def day_number(value: object) -> float:
    """One date (date, datetime, Timestamp, numpy datetime64, ISO text) as a day number; NaN when missing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return np.nan
    if type(value) is dt.date:  # the service's parsed dates: no pandas on the request path
        return float(value.toordinal() - _EPOCH_ORDINAL)
    return float(np.datetime64(pd.Timestamp(value), "D").astype(np.int64))


def claim_arrays_from_records(claims: Sequence[dict]) -> ClaimArrays:
    """`claim_arrays` from dicts keyed by the `claims` columns (diagnosis codes space-separated)."""
    return ClaimArrays(
        **{name: np.array([text_of(c.get(col)) for c in claims], dtype=object) for name, col in CLAIM_TEXT},
        **{name: np.array([day_number(c.get(col)) for c in claims], dtype=float) for name, col in CLAIM_DAYS},
        dx_text=diagnosis_texts(np.array([text_of(c.get("diagnosis_codes")) for c in claims], dtype=object)),
        eligibility_checked=np.array([bool(c.get("eligibility_checked")) for c in claims], dtype=float),
        charge=np.array([c.get("total_charge") for c in claims], dtype=float),
    )


def line_arrays_from_records(lines: Sequence[dict]) -> LineArrays:
    """`line_arrays` from dicts keyed by the `claim_lines` columns."""
    n = len(lines)
    return LineArrays(
        claim_id=[line.get("claim_id") for line in lines],
        code=np.array(
            [text_of(line.get("procedure_code")) or revenue_key(line.get("revenue_code")) for line in lines],
            dtype=object,
        ),
        mods=np.array([[text_of(line.get(m)) for m in MODS] for line in lines], dtype=object).reshape(n, len(MODS)),
        units=np.array([line.get("units") for line in lines], dtype=float),
        pointers=np.array([text_of(line.get("diagnosis_pointers")) for line in lines], dtype=object),
        service_day=_int_days([day_number(line.get("service_date")) for line in lines]),
    )


def _int_days(days: list[float]) -> np.ndarray:
    # Integer days as `to_days` gives them (the duplicate keys print them); a missing date becomes NaT's integer.
    values = np.array(days, dtype=float)
    return np.where(np.isnan(values), np.iinfo(np.int64).min, np.nan_to_num(values)).astype(np.int64)
