"""Claim and line fields as plain numpy arrays, the only input the feature code reads.

Two extractions give identical arrays: from the data model's frames (batch) and from lists of dicts keyed by the
same column names (the service's requests, which skip building DataFrames: one claim's frame costs more than its
features). Strings are "" when missing (`dx_text` holds the space-separated diagnosis codes), days are whole
days since 1970-01-01 (NaN when missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from denial_ml.domain.codesets import normalize_diagnoses
from denial_ml.features.history import to_days

MODS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SMALL_FRAME = 64
# (array name, claims column) of the claim's text fields
CLAIM_TEXT = (
    ("claim_id", "claim_id"),
    ("payer", "payer_id"),
    ("patient", "patient_id"),
    ("member", "member_id"),
    ("provider", "rendering_provider_npi"),
    ("claim_type", "claim_type"),
    ("pos", "place_of_service"),
    ("eligibility_status", "eligibility_status"),
    ("frequency", "claim_frequency_code"),
    ("auth_number", "prior_auth_number"),
)
CLAIM_DAYS = (
    ("service_day", "service_date_from"),
    ("submit_day", "submission_date"),
    ("check_day", "eligibility_check_date"),
)


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


def claim_arrays(claims: pd.DataFrame) -> dict[str, Any]:
    """The claim header fields the features use, from a `claims` frame."""
    out: dict[str, Any] = {name: strings(claims[col]) for name, col in CLAIM_TEXT}
    out.update({name: days_or_nan(claims[col]) for name, col in CLAIM_DAYS})
    out["dx_text"] = diagnosis_texts(strings(claims["diagnosis_codes"]))
    out["eligibility_checked"] = claims["eligibility_checked"].to_numpy(dtype=float)
    out["charge"] = claims["total_charge"].to_numpy(dtype=float)
    return out


def diagnosis_texts(texts: np.ndarray) -> np.ndarray:
    """Diagnosis lists in the data model's form: a dotted code ("M54.50") counts as its undotted form."""
    odd = [i for i, t in enumerate(texts.tolist()) if "." in t or "," in t or t != t.upper()]
    if odd:
        texts = texts.copy()
        texts[odd] = [normalize_diagnoses(texts[i]) for i in odd]
    return texts


def line_arrays(lines: pd.DataFrame) -> dict[str, Any]:
    """The line fields the features use, from a `claim_lines` frame."""
    return {
        "claim_id": lines["claim_id"].tolist(),
        "code": strings(lines["procedure_code"]),
        "mods": np.column_stack([strings(lines[m]) for m in MODS]).reshape(len(lines), len(MODS)),
        "units": lines["units"].to_numpy(dtype=float),
        "pointers": strings(lines["diagnosis_pointers"]),
        "service_day": to_days(lines["service_date"]),
    }


def _text(value: object) -> str:
    return "" if value is None or value != value else str(value)


def day_number(value: object) -> float:
    """One date (date, datetime, Timestamp, numpy datetime64, ISO text) as a day number; NaN when missing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return np.nan
    if type(value) is dt.date:  # the service's parsed dates: no pandas on the request path
        return float(value.toordinal() - _EPOCH_ORDINAL)
    return float(np.datetime64(pd.Timestamp(value), "D").astype(np.int64))


def claim_arrays_from_records(claims: Sequence[dict]) -> dict[str, Any]:
    """`claim_arrays` from dicts keyed by the `claims` columns (diagnosis codes space-separated)."""
    out: dict[str, Any] = {
        name: np.array([_text(c.get(col)) for c in claims], dtype=object) for name, col in CLAIM_TEXT
    }
    out.update({name: np.array([day_number(c.get(col)) for c in claims], dtype=float) for name, col in CLAIM_DAYS})
    out["dx_text"] = diagnosis_texts(np.array([_text(c.get("diagnosis_codes")) for c in claims], dtype=object))
    out["eligibility_checked"] = np.array([bool(c.get("eligibility_checked")) for c in claims], dtype=float)
    out["charge"] = np.array([c.get("total_charge") for c in claims], dtype=float)
    return out


def line_arrays_from_records(lines: Sequence[dict]) -> dict[str, Any]:
    """`line_arrays` from dicts keyed by the `claim_lines` columns."""
    n = len(lines)
    return {
        "claim_id": [line.get("claim_id") for line in lines],
        "code": np.array([_text(line.get("procedure_code")) for line in lines], dtype=object),
        "mods": np.array([[_text(line.get(m)) for m in MODS] for line in lines], dtype=object).reshape(n, len(MODS)),
        "units": np.array([line.get("units") for line in lines], dtype=float),
        "pointers": np.array([_text(line.get("diagnosis_pointers")) for line in lines], dtype=object),
        "service_day": _int_days([day_number(line.get("service_date")) for line in lines]),
    }


def _int_days(days: list[float]) -> np.ndarray:
    # Integer days as `to_days` gives them (the duplicate keys print them); a missing date becomes NaT's integer.
    values = np.array(days, dtype=float)
    return np.where(np.isnan(values), np.iinfo(np.int64).min, np.nan_to_num(values)).astype(np.int64)
