"""Front-end rejections: the claim status categories (STC01-1) that stop a claim before adjudication, and the
project's reason groups for the claim status codes (STC01-2) seen on rejections.

Codes are from the X12 Claim Status Category and Claim Status code lists; the group names are the project's.
"""

from __future__ import annotations

REJECTING_CATEGORIES: frozenset[str] = frozenset({"A3", "A4", "A6", "A7", "A8"})
"""A3 returned as unprocessable, A4 not found, A6 rejected for missing, A7 for invalid, A8 for relational
field in error: the claim never entered adjudication."""

ACKNOWLEDGING_CATEGORIES: frozenset[str] = frozenset({"A0", "A1", "A2", "A5"})

REJECTION_REASON_GROUPS: tuple[str, ...] = ("demographic", "eligibility", "provider", "payer", "claim_data", "other")

REJECTION_REASONS: dict[str, str] = {
    # the patient's or subscriber's details
    "125": "demographic",  # entity's name
    "126": "demographic",  # entity's address
    "156": "demographic",  # patient relationship to subscriber
    "157": "demographic",  # entity's gender
    "158": "demographic",  # entity's date of birth
    # the member and the coverage
    "27": "eligibility",  # policy canceled
    "33": "eligibility",  # subscriber and subscriber id not found
    "88": "eligibility",  # entity not eligible for benefits on the dates of service
    "97": "eligibility",  # patient eligibility not found with entity
    "109": "eligibility",  # entity not eligible
    "164": "eligibility",  # entity's contract / member number
    # the provider
    "128": "provider",  # entity's tax id
    "562": "provider",  # entity's NPI
    # the payer
    "116": "payer",  # claim submitted to the wrong payer
    # the claim's own data
    "187": "claim_data",  # dates of service
    "454": "claim_data",  # procedure code for services rendered
}
"""Claim status code -> reason group; codes not listed are "other"."""


def rejection_reason(status_code: str) -> str:
    """The reason group of a rejection's claim status code ("other" when the code is not in the table)."""
    return REJECTION_REASONS.get(status_code, "other")
