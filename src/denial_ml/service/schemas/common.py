"""Field types the request and response bodies share: dates, money, codes, categories and statuses."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    ValidationInfo,
)

from denial_ml.domain.claim_fields import MODIFIER_CODE  # the one description of a claim's codes
from denial_ml.domain.denials import CATEGORIES
from denial_ml.store.status import ROUTES, STATUSES
from denial_ml.store.text import InvalidText, check_text

MAX_BATCH = 10_000
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII digits only
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Route = Literal[ROUTES]  # type: ignore[valid-type]


def _in_range(day: dt.date) -> dt.date:
    # The feature pipeline holds dates as datetime64[ns]; keep them far inside its range.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def _iso_text(value: Any) -> Any:
    # Input models are strict (JSON types only: no "5" for 5, no 0 for a date); dates come as ISO text.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


# The schema says the range too (as a pattern on the year), so a date the service refuses is not schema-valid.
DAY_RANGE = r"^(19[0-9]{2}|20[0-9]{2}|2100)-"
Day = Annotated[
    dt.date,
    Strict(False),
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(json_schema_extra={"pattern": DAY_RANGE}),
]


def _whole(value: Any) -> Any:
    # JSON Schema counts 112.0 as an integer; strict pydantic would refuse it. Only whole floats become ints.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_whole)]
"""An integer, also written as a whole float (4 or 4.0), as JSON Schema's `integer` allows."""


Version = Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(_whole)]
"""An item's version as the caller read it: an integer (112 or 112.0)."""
Money = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
# The store's text policy (denial_ml.store.text), said in the schema as a pattern and checked with its message
# (a bare pattern mismatch would not say which character is refused).
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def _text_check(multiline: bool) -> AfterValidator:
    def check(value: str, info: ValidationInfo) -> str:
        try:
            check_text(info.field_name or "text", value, multiline)
        except InvalidText as exc:
            raise ValueError(str(exc)) from None
        return value

    return AfterValidator(check)


Text = Annotated[
    str, Field(min_length=1, max_length=64, json_schema_extra={"pattern": ONE_LINE}), _text_check(multiline=False)
]
Name = Annotated[str, Field(max_length=100, json_schema_extra={"pattern": ONE_LINE}), _text_check(multiline=False)]
Note = Annotated[
    str, Field(min_length=1, max_length=4000, json_schema_extra={"pattern": MULTILINE}), _text_check(multiline=True)
]
OneLine = _text_check(multiline=False)
Modifier = Annotated[str, Field(pattern=MODIFIER_CODE)]
