"""Denial categories and the versioned map from adjustment reason codes (CARC) to them.

The map is data with validity dates, not an enum: X12 retires and adds codes a few times a year, and a
remittance must be read with the map that was in force on its adjudication date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = (
    "eligibility",
    "authorization",
    "coding",
    "missing_information",
    "medical_necessity",
    "non_covered",
    "timely_filing",
    "duplicate",
)
"""The project's denial category keys, used verbatim everywhere (labels, models, explanations, reports)."""

# Group codes under which a zero-paid line counts as a line denial (DOMAIN.md: CO, PI or OA).
DENIAL_GROUP_CODES: frozenset[str] = frozenset({"CO", "PI", "OA"})

# Adjustments that are never denials even when their group code is CO/PI/OA (DOMAIN.md).
NON_DENIAL_CARCS: frozenset[str] = frozenset({"45", "1", "2", "3", "23", "94"})

# CLP02 claim status codes (835).
CLP_DENIED = "4"
CLP_REVERSAL = "22"
CLP_NOT_OUR_CLAIM = "23"
CLP_PREDETERMINATION = "25"
CLP_PROCESSED = frozenset({"1", "2", "3", "19", "20", "21"})

FAR_FUTURE = dt.date(9999, 12, 31)
FAR_PAST = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class CarcMapping:
    """One row of the CARC -> category map, valid for adjudication dates in [start, stop]."""

    carc: str
    category: str
    start: dt.date = FAR_PAST
    stop: dt.date = FAR_FUTURE


def _rows(category: str, codes: str) -> list[CarcMapping]:
    return [CarcMapping(code, category) for code in codes.split()]


CARC_CATEGORY_MAP_VERSION = "2026-08"
CARC_CATEGORY_MAP: tuple[CarcMapping, ...] = tuple(
    _rows("eligibility", "27 26 31 109 22 24 33 200 177")
    + _rows("authorization", "197 15 198 39 62 243")
    + _rows("coding", "4 11 97 236 181 182 5 6 7 8 9 10 40 146 234 199")
    + _rows("missing_information", "16 252 226 17 125 208 206 227")
    + _rows("medical_necessity", "50 150 151 167 55 56 57 152")
    + _rows("non_covered", "96 204 49 119 35 58 170 171 185 242")
    + _rows("timely_filing", "29")
    + _rows("duplicate", "18")
)
"""CARC -> category, version 2026-08. Codes absent here fall back to `OTHER_CATEGORY_BY_GROUP`."""

# A denial whose CARC is not in the map still counts as a denial (the payer did not pay); it is
# categorised conservatively as missing information for CO/PI (the biller must read the RARC) and
# as non-covered for OA.
OTHER_CATEGORY_BY_GROUP: dict[str, str] = {
    "CO": "missing_information",
    "PI": "missing_information",
    "OA": "non_covered",
}


def category_for_carc(carc: str, on: dt.date | None = None, group_code: str = "CO") -> str:
    """Return the denial category of a CARC on a given adjudication date.

    Args:
        carc: The claim adjustment reason code, as in CAS02 (e.g. "197").
        on: Adjudication date; the mapping valid on that date is used. None means today.
        group_code: CAS01 group code, used only for codes the map does not know.

    Returns:
        One of `CATEGORIES`.
    """
    day = on or dt.date.today()
    for row in CARC_CATEGORY_MAP:
        if row.carc == carc and row.start <= day <= row.stop:
            return row.category
    return OTHER_CATEGORY_BY_GROUP.get(group_code, "missing_information")


def carc_category_lookup() -> dict[str, str]:
    """The map in force today as a plain dict, for vectorised lookups (`Series.map`)."""
    today = dt.date.today()
    return {row.carc: row.category for row in CARC_CATEGORY_MAP if row.start <= today <= row.stop}


# What a biller does for each category (DOMAIN.md), and whether an appeal is the usual route.
CATEGORY_FIX: dict[str, str] = {
    "eligibility": "Re-verify coverage for the date of service and bill the payer that covered the patient.",
    "authorization": "Obtain or correct the prior authorization (retro-auth if needed) and appeal with it.",
    "coding": "Fix the procedure code, modifier or diagnosis linkage and send a corrected claim.",
    "missing_information": "Supply the missing or invalid data named in the remark code and resubmit.",
    "medical_necessity": "Appeal with the clinical records and the payer's coverage policy.",
    "non_covered": "Check the patient's benefits; bill the patient if a signed waiver is on file.",
    "timely_filing": "Appeal only with proof of timely submission (clearinghouse acceptance report).",
    "duplicate": "Check the status of the original claim; do not resubmit.",
}

# Categories that are corrected and resubmitted rather than appealed, or not recoverable at all.
RESUBMIT_CATEGORIES: frozenset[str] = frozenset({"missing_information", "eligibility"})
NON_APPEALABLE_CATEGORIES: frozenset[str] = frozenset({"duplicate"})
