"""What an appeal argues, per denial category and CARC, as data: the paragraph (with placeholders that only
facts on file fill) and the attachments the payer needs to see. Codes that carry no appeal rights get no letter.
"""

from __future__ import annotations

from dataclasses import dataclass

# Remarks that mean the claim cannot be appealed: it must be corrected and sent again, or closed.
NO_APPEAL_RIGHTS: dict[str, str] = {
    "MA130": "the payer found the claim incomplete or invalid and gives no appeal rights: send a corrected claim",
    "N211": "the payer gives no appeal rights for this service: close the item or bill the responsible party",
}


@dataclass(frozen=True)
class Argument:
    """The body of an appeal for one kind of denial.

    Attributes:
        title: What the appeal asks, as its heading.
        paragraph: Text with `{placeholders}` filled only from the packet's facts; a sentence whose fact is
            missing is left out (see `packet.fill`).
        attachments: What to enclose, in the order a reviewer reads them.
    """

    title: str
    paragraph: tuple[str, ...]
    attachments: tuple[str, ...]


BY_CATEGORY: dict[str, Argument] = {
    "authorization": Argument(
        "Request to reconsider: authorization",
        (
            "The service was authorized: authorization {prior_auth_number} was on the claim.",
            "If the authorization on file does not cover the billed codes or units, we ask the payer to review "
            "the enclosed authorization record and, where its policy allows, to grant retroactive authorization.",
        ),
        ("Authorization approval letter or portal record", "Medical records for the date(s) of service",
         "Copy of the remittance advice"),
    ),
    "eligibility": Argument(
        "Request to reconsider: coverage on the date of service",
        (
            "Eligibility was verified on {eligibility_check_date} before the service.",
            "We ask the payer to confirm the patient's coverage on {service_date_from} and reprocess the claim.",
        ),
        ("Eligibility verification response (271) or portal screenshot", "Copy of the patient's insurance card",
         "Copy of the remittance advice"),
    ),
    "coding": Argument(
        "Request to reconsider: coding",
        (
            "The codes billed describe the service documented on {service_date_from}; the enclosed records "
            "support the procedure(s) and modifier(s) on the lines listed above.",
            "Where a modifier or code needed correcting, the corrected line(s) are enclosed.",
        ),
        ("Operative or visit note for the date(s) of service", "Corrected claim lines, if any",
         "Copy of the remittance advice"),
    ),
    "medical_necessity": Argument(
        "Request to reconsider: medical necessity",
        (
            "The service was medically necessary for the diagnoses on the claim; the enclosed records document "
            "the patient's condition and the treatment plan on {service_date_from}.",
        ),
        ("Medical records and treatment plan", "Letter of medical necessity from the rendering provider",
         "Relevant test results", "Copy of the remittance advice"),
    ),
    "missing_information": Argument(
        "Request to reconsider: information now complete",
        ("The information the payer found missing is supplied with this letter.",),
        ("The missing information (corrected claim form or records)", "Copy of the remittance advice"),
    ),
    "non_covered": Argument(
        "Request to reconsider: coverage of the service",
        (
            "We ask the payer to review the patient's benefits for the service billed on {service_date_from} "
            "and the enclosed records.",
        ),
        ("Medical records for the date(s) of service", "Copy of the plan's coverage policy, if available",
         "Copy of the remittance advice"),
    ),
    "timely_filing": Argument(
        "Request to reconsider: the claim was filed on time",
        ("The claim was first submitted on {submission_date}, within the payer's filing limit.",),
        ("Proof of timely filing (clearinghouse acceptance report or 999/277CA)", "Copy of the remittance advice"),
    ),
    "duplicate": Argument(
        "Request to reconsider: not a duplicate",
        ("This claim is not a duplicate: it bills the service on {service_date_from} once.",),
        ("Medical records showing each distinct service", "Copy of the remittance advice"),
    ),
}  # fmt: skip
GENERIC = Argument(
    "Request to reconsider",
    ("We ask the payer to review the enclosed documents and reprocess the claim.",),
    ("Medical records for the date(s) of service", "Copy of the remittance advice"),
)


def argument_for(category: str) -> Argument:
    """The argument of a denial category (a generic request for a category without its own)."""
    return BY_CATEGORY.get(category, GENERIC)
