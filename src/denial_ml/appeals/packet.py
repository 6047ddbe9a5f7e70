"""An appeal packet for one worklist item, built only from facts on file.

Every value in the letter comes from `facts_of` (the item, the claim detail stored with it, the payer's appeal
contact): a sentence whose fact is not on file is left out rather than filled with a guess, and a denial whose
remarks carry no appeal rights gets no letter but the route to take instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from denial_ml.appeals.arguments import NO_APPEAL_RIGHTS, argument_for
from denial_ml.domain.code_text import describe_carc, describe_rarc

PLACEHOLDER = re.compile(r"\{(\w+)\}")
LEVELS = {1: "first-level appeal (reconsideration)", 2: "second-level appeal"}


@dataclass
class Packet:
    """A drafted appeal: the letter's parts, the attachments, and what it was built from."""

    claim_id: str
    kind: str  # "letter" or "no_appeal"
    reason: str = ""  # why there is no letter (kind "no_appeal")
    title: str = ""
    recipient: list[str] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    deadline: str | None = None
    facts: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """The whole letter as plain text (what a reader and the facts check see)."""
        parts = [self.title, *self.recipient, *self.subject, *self.paragraphs, *self.lines, *self.attachments,
                 *self.signature]  # fmt: skip
        return "\n".join(p for p in parts if p)


def money(value: Any) -> str:
    """Dollars as the letter prints them."""
    return f"${float(value):,.2f}"


def denying_remittance(detail: dict[str, Any], carc: str | None) -> dict[str, Any] | None:
    """The latest remittance carrying the item's CARC (else the latest one)."""
    remits = detail.get("remittances") or []
    with_code = [r for r in remits if any(a.get("carc") == carc for a in r.get("adjustments") or [])]
    chosen = with_code or remits
    return chosen[-1] if chosen else None


def facts_of(item: dict[str, Any], detail: dict[str, Any], contact: dict[str, Any] | None) -> dict[str, str]:
    """The facts a letter may use, as the letter prints them; a fact not on file is absent."""
    claim = detail.get("claim") or {}
    facts: dict[str, str] = {
        "claim_id": str(item["claim_id"]),
        "payer_name": str(item.get("payer_name") or item["payer_id"]),
    }
    for name in ("service_date_from", "service_date_to", "submission_date", "billing_provider_npi",
                 "prior_auth_number", "place_of_service"):  # fmt: skip
        if claim.get(name):
            facts[name] = str(claim[name])
    if claim.get("eligibility_checked") and claim.get("eligibility_check_date"):
        facts["eligibility_check_date"] = str(claim["eligibility_check_date"])
    if claim.get("total_charge") is not None:
        facts["total_charge"] = money(claim["total_charge"])
    facts["denied_amount"] = money(item["denied_amount"])
    if item.get("carc"):
        facts["carc"] = str(item["carc"])
    remit = denying_remittance(detail, item.get("carc"))
    if remit is not None:
        facts["adjudication_date"] = str(remit["adjudication_date"])
        if remit.get("payer_claim_id"):
            facts["payer_claim_id"] = str(remit["payer_claim_id"])
    if item.get("appeal_deadline"):
        facts["appeal_deadline"] = str(item["appeal_deadline"])
    for name in ("appeal_address", "appeal_fax", "appeal_portal"):
        if contact and contact.get(name):
            facts[name] = str(contact[name])
    return facts


def fill(sentences: tuple[str, ...], facts: dict[str, str]) -> list[str]:
    """The sentences whose every placeholder is a fact on file, filled; the others are left out."""
    kept = []
    for sentence in sentences:
        names = PLACEHOLDER.findall(sentence)
        if all(name in facts for name in names):
            kept.append(sentence.format(**{n: facts[n] for n in names}))
    return kept


def no_appeal_reason(detail: dict[str, Any]) -> str | None:
    """Why the denial cannot be appealed (a remark without appeal rights), or None."""
    for remit in detail.get("remittances") or []:
        for remark in remit.get("remarks") or []:
            if remark.get("rarc") in NO_APPEAL_RIGHTS:
                return f"remark {remark['rarc']}: {NO_APPEAL_RIGHTS[remark['rarc']]}"
    return None


def code_lines(detail: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The denial's codes with their summaries, and the billed lines they hit."""
    codes: list[str] = []
    hit: set[int] = set()
    for remit in detail.get("remittances") or []:
        for a in remit.get("adjustments") or []:
            if a.get("group_code") in ("CO", "OA", "PI") and a.get("carc") not in ("45",):
                text = describe_carc(a.get("carc"))
                where = f"line {int(a['line_number'])}: " if a.get("line_number") else ""
                codes.append(
                    f"{where}{a['group_code']}-{a['carc']} {money(a['amount'])}" + (f" ({text})" if text else "")
                )
                if a.get("line_number"):
                    hit.add(int(a["line_number"]))
        for m in remit.get("remarks") or []:
            text = describe_rarc(m.get("rarc"))
            codes.append(f"remark {m['rarc']}" + (f" ({text})" if text else ""))
    billed = []
    for line in detail.get("lines") or []:
        if hit and int(line["line_number"]) not in hit:
            continue
        code = line.get("procedure_code") or f"revenue code {line.get('revenue_code')}"
        modifiers = " ".join(line.get("modifiers") or [])
        charge = money(line.get("line_charge") or 0)
        described = f"{code} {modifiers}".strip()
        units, day = line.get("units"), line.get("service_date")
        billed.append(f"Line {line['line_number']}: {described}, {units} unit(s), {charge} on {day}")
    return codes, billed


def build_packet(
    item: dict[str, Any], detail: dict[str, Any], contact: dict[str, Any] | None, today: dt.date, level: int = 1
) -> Packet:
    """The appeal packet of one worklist item (a letter, or the reason there is none)."""
    facts = facts_of(item, detail, contact)
    blocked = no_appeal_reason(detail)
    if blocked is not None:
        return Packet(claim_id=facts["claim_id"], kind="no_appeal", reason=blocked, facts=facts)
    argument = argument_for(str(item.get("category")))
    codes, billed = code_lines(detail)
    recipient = [f"{facts['payer_name']} - Appeals"]
    recipient += [facts[n] for n in ("appeal_address",) if n in facts]
    recipient += [f"Fax {facts['appeal_fax']}"] if "appeal_fax" in facts else []
    recipient += [f"Portal {facts['appeal_portal']}"] if "appeal_portal" in facts else []
    subject = [f"Re: {LEVELS.get(level, f'level {level} appeal')}, claim {facts['claim_id']}"]
    subject += fill(("Payer claim number {payer_claim_id}",
                     "Date(s) of service {service_date_from} to {service_date_to}",
                     "Billed {total_charge}; denied {denied_amount} on {adjudication_date}"), facts)  # fmt: skip
    opening = fill(
        ("We ask {payer_name} to reconsider its denial of claim {claim_id}, processed on {adjudication_date}.",),
        facts,
    ) or fill(("We ask {payer_name} to reconsider its denial of claim {claim_id}.",), facts)
    paragraphs = [
        *opening,
        "The denial's codes: " + "; ".join(codes) + "." if codes else "",
        *fill(argument.paragraph, facts),
    ]
    signature = ["Billing office"] + fill(("Billing provider NPI {billing_provider_npi}",), facts)
    return Packet(
        claim_id=facts["claim_id"],
        kind="letter",
        title=argument.title,
        recipient=recipient,
        subject=subject,
        paragraphs=[p for p in paragraphs if p],
        lines=billed,
        attachments=list(argument.attachments),
        signature=signature,
        deadline=facts.get("appeal_deadline"),
        facts=facts,
    )
