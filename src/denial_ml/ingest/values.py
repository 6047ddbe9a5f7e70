"""Checked element values shared by the 835 and 837 mappers: amounts, dates, code formats."""

from __future__ import annotations

import datetime as dt
import re

from denial_ml.schemas import GROUP_CODES

# Code formats (facts of the X12 code lists): CARC "1".."299" or a letter and digits (A1, B13, P2);
# RARC M, MA or N followed by digits. Placeholder text such as "reason_code" fails these.
CARC_FORMAT = re.compile(r"^(?:[1-9]\d{0,2}|[A-Z]\d{1,2})$")
RARC_FORMAT = re.compile(r"^(?:M\d{1,3}|MA\d{2,3}|N\d{1,4})$")
GROUP_CODE_SET = frozenset(GROUP_CODES)
# PLB03-1 provider adjustment reason codes (X12 code list, facts).
PLB_REASONS = frozenset(
    [
        "50",
        "51",
        "72",
        "90",
        "AH",
        "AM",
        "AP",
        "B2",
        "B3",
        "BD",
        "BN",
        "C5",
        "CR",
        "CS",
        "CT",
        "CV",
        "CW",
        "DM",
        "E3",
        "FB",
        "FC",
        "GO",
        "HM",
        "IP",
        "IR",
        "IS",
        "J1",
        "L3",
        "L6",
        "LE",
        "LS",
        "OA",
        "OB",
        "PI",
        "PL",
        "RA",
        "RE",
        "SL",
        "TL",
        "WO",
        "WU",
    ]
)


def revenue_code(raw: str) -> str | None:
    """A NUBC revenue code as 4 digits: a 3-digit one (its leading 0 dropped, as some senders and the TR3's
    own examples write it) is padded; anything else gives None."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) in (3, 4):
        return raw.zfill(4)
    return None


class BadValueError(ValueError):
    """A value that cannot be used; `index` is the offending segment's index in its transaction set."""

    def __init__(self, index: int, problem: str):
        self.index = index
        super().__init__(problem)


def element(segment: list[str], position: int) -> str:
    """Element `position` of a segment ("" when absent)."""
    return segment[position] if position < len(segment) else ""


def amount(segment: list[str], position: int, index: int, default: float | None = None) -> float:
    """A decimal amount; empty gives `default` (an error when there is no default)."""
    raw = element(segment, position)
    if not raw:
        if default is None:
            raise BadValueError(index, f"{segment[0]}{position:02d} is empty; an amount is required")
        return default
    try:
        return float(raw)
    except ValueError:
        raise BadValueError(index, f"{segment[0]}{position:02d} {raw!r} is not a number") from None


def date8(raw: str, index: int, name: str) -> str:
    """A CCYYMMDD date, checked, returned as given."""
    try:
        if len(raw) == 8:
            dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
            return raw
    except ValueError:
        pass
    raise BadValueError(index, f"{name} {raw!r} is not a CCYYMMDD date")


def is_date8(raw: str) -> bool:
    """True when `raw` is a valid CCYYMMDD date."""
    try:
        date8(raw, 0, "")
    except BadValueError:
        return False
    return True


def period_start(raw: str, index: int, name: str) -> str:
    """The first date of a D8 date or an RD8 range (CCYYMMDD-CCYYMMDD)."""
    return date8(raw[:8], index, name)


def period_end(raw: str, index: int, name: str) -> str:
    """The last date of a D8 date or an RD8 range."""
    return date8(raw[-8:], index, name)
