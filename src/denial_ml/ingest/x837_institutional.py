"""837I header values: the NUBC frequency code, the admission date (DTP*435) and the CL1 codes."""

from __future__ import annotations

import datetime as dt
import re

from denial_ml.domain.claim_fields import FREQUENCY_CODES, INSTITUTIONAL_ONLY_FREQUENCIES
from denial_ml.ingest.values import BadValueError, date8, element

CL1_CODE = re.compile(r"^[0-9A-Z]$")


def check_frequency(index: int, frequency: str, claim_type: str) -> None:
    """CLM05-3: a NUBC frequency code; 0 and 2-5 only on an institutional claim.

    Raises:
        BadValueError: naming CLM05-3 and the value.
    """
    if frequency not in FREQUENCY_CODES:
        raise BadValueError(index, f"CLM05-3 claim frequency {frequency!r} is not one of {', '.join(FREQUENCY_CODES)}")
    if claim_type == "837P" and frequency in INSTITUTIONAL_ONLY_FREQUENCIES:
        raise BadValueError(
            index, f"CLM05-3 claim frequency {frequency!r} is institutional only; an 837P takes 1, 7 or 8"
        )


def admission_date(seg: list[str], index: int) -> dt.date:
    """The day of a DTP*435 admission date (D8, or DT with the hour and minute)."""
    day = date8(element(seg, 3)[:8], index, "DTP*435 admission date")
    return dt.date(int(day[:4]), int(day[4:6]), int(day[6:8]))


def cl1_code(seg: list[str], position: int, index: int) -> str:
    """CL101 (admission type) or CL102 (point of origin): one NUBC character, "" when absent."""
    value = element(seg, position).strip()
    if value and not CL1_CODE.match(value):
        raise BadValueError(index, f"CL1{position:02d} {value!r} is not a one-character NUBC code")
    return value
