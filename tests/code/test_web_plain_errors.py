"""Validation errors in a biller's words, from the field descriptions."""

from __future__ import annotations

import pytest

from denial_ml.domain.claim_fields import claim_field
from denial_ml.service.schemas import FieldError
from denial_ml.web.plain_errors import plain_message

TYPES = claim_field("claim_type").choices


@pytest.mark.parametrize(
    ("field", "kind", "expected"),
    [
        ("billing_provider_npi", "string_pattern_mismatch",
         "enter the billing provider's 10-digit NPI, for example 1283664446"),
        ("lines[0].units", "int_parsing", "must be a whole number"),
        ("total_charge", "float_parsing", "must be an amount, like 125.00"),
        ("service_date_from", "date_from_datetime_parsing", "must be a date, like 2026-03-01"),
        ("payer_id", "missing", "is required"),
        ("claim_type", "literal_error", "must be one of: " + "; ".join(w for _, w in TYPES)),
        ("no_such_field", "value_error", "the validator's own words"),
    ],
)  # fmt: skip
def test_plain_messages(field, kind, expected):
    error = FieldError(field=field, message="the validator's own words", type=kind)
    assert plain_message(error) == expected
