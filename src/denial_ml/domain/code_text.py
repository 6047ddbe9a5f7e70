"""Plain-language summaries of the adjustment reason (CARC) and remark (RARC) codes the worklist shows.

These are this project's own short summaries of the published code descriptions (the code lists under
`codesets/` carry values and status only), for the codes the denial categories map and the synthetic world
sends. A code without a summary is shown by its number alone: a page never guesses what a code means.
"""

from __future__ import annotations

CARC_SUMMARY: dict[str, str] = {
    "1": "deductible amount",
    "2": "coinsurance amount",
    "3": "co-payment amount",
    "4": "procedure code inconsistent with the modifier used, or a required modifier is missing",
    "5": "procedure code or bill type inconsistent with the place of service",
    "11": "diagnosis inconsistent with the procedure",
    "16": "claim or service lacks information or has submission/billing errors",
    "18": "exact duplicate claim or service",
    "23": "impact of prior payer(s) adjudication",
    "27": "expenses incurred after coverage terminated",
    "29": "the time limit for filing has expired",
    "31": "patient cannot be identified as the payer's insured",
    "45": "charge exceeds the fee schedule or contracted amount",
    "50": "non-covered: not deemed a medical necessity by the payer",
    "96": "non-covered charge(s)",
    "97": "benefit included in the payment for another service already adjudicated",
    "146": "diagnosis invalid for the date(s) of service reported",
    "197": "precertification/authorization/notification absent",
    "198": "precertification/notification/authorization exceeded",
    "204": "service, equipment or drug not covered under the patient's current benefit plan",
}
RARC_SUMMARY: dict[str, str] = {
    "M15": "separately billed services have been bundled as components of the same procedure",
    "M76": "missing, incomplete or invalid diagnosis or condition",
    "MA130": "incomplete or invalid claim information and no appeal rights: submit a new claim",
    "N30": "patient ineligible for this service",
    "N54": "claim information inconsistent with the pre-certified/authorized services",
    "N115": "decision based on a local coverage determination (LCD)",
    "N130": "see the plan's benefit documents for restrictions on this service",
    "N290": "missing, incomplete or invalid rendering provider identifier",
}


def describe_carc(code: str | None) -> str:
    """The summary of a CARC, or "" when this project has none."""
    return CARC_SUMMARY.get(str(code or "").strip(), "")


def describe_rarc(code: str | None) -> str:
    """The summary of a RARC, or "" when this project has none."""
    return RARC_SUMMARY.get(str(code or "").strip().upper(), "")
