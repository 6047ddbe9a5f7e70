"""Validation errors in a biller's words: "Billing NPI: enter the billing provider's 10-digit NPI, for example
1283664446" instead of the validator's "String should match pattern '^\\d{10}$'".

The wording comes from the field's own description (`domain.claim_fields`), so the form, the API's schema and
these messages say the same thing.
"""

from __future__ import annotations

import re

from denial_ml.domain.claim_fields import ClaimField, claim_field, line_field
from denial_ml.service.schemas import FieldError

NUMBER_TYPES = ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "decimal_parsing")
DATE_TYPES = ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact")


def field_of(path: str) -> ClaimField | None:
    """The described field an error's path names (`lines[2].units` -> the line field `units`), if any."""
    match = re.match(r"^lines\[\d+\]\.(\w+)", path)
    name = match.group(1) if match else re.sub(r"\[\d+\]$", "", path)
    try:
        return line_field(name) if match else claim_field(name)
    except KeyError:
        return None


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else text


def plain_message(error: FieldError) -> str:
    """The error as a biller reads it; the validator's own text where no plainer one is known."""
    field = field_of(error.field)
    kind = error.type
    if kind == "missing":
        return "is required"
    if kind in NUMBER_TYPES:
        return "must be a whole number" if kind.startswith("int") else "must be an amount, like 125.00"
    if kind in DATE_TYPES:
        return "must be a date, like 2026-03-01"
    if field is None:
        return error.message
    if kind == "string_pattern_mismatch":
        return f"enter {_sentence(field.help)}, for example {field.example}"
    if kind in ("greater_than_equal", "greater_than") and field.minimum is not None:
        return f"must be at least {field.minimum:g}"
    if kind in ("less_than_equal", "less_than") and field.maximum is not None:
        return f"must be at most {field.maximum:g}"
    if kind in ("string_too_long", "too_long") and field.max_length is not None:
        return f"is too long: at most {field.max_length}"
    if kind in ("string_too_short", "too_short") and field.min_length is not None:
        return f"needs at least {field.min_length}"
    if kind in ("literal_error", "enum") and field.choices:
        return "must be one of: " + "; ".join(words for _, words in field.choices)
    return error.message
