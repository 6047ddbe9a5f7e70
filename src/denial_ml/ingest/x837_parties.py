"""The parties of an 837 hierarchy (2000A billing provider, 2000B subscriber, 2000C patient) as far as the
claims need them: ids, taxonomy, birth date, sex, state. Never a person's name or address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from denial_ml.ingest.values import element


@dataclass
class Party:
    """Billing provider, subscriber or patient: what the claim needs of it (never a person's name)."""

    npi: str = ""
    qualifier: str = ""
    name: str = ""
    entity: str = ""
    taxonomy: str = ""
    member_id: str = ""
    payer_id: str = ""
    birth_date: str = ""
    sex: str = ""
    state: str = ""
    relationship: str = "18"  # self


@dataclass
class Parties:
    """The parties in force at a point of the transaction set."""

    billing: Party = field(default_factory=Party)
    subscriber: Party = field(default_factory=Party)
    patient: Party | None = None
    entity: str = ""  # NM101 of the last NM1 in the hierarchy (IL, PR, QC, 85, ...)


def start_level(ctx: Parties, segment: list[str]) -> None:
    """HL: a new billing provider (20), subscriber (22) or patient (23) level forgets the parties below it."""
    level = element(segment, 3)
    if level == "20":
        ctx.billing, ctx.subscriber, ctx.patient = Party(), Party(), None
    elif level == "22":
        ctx.subscriber, ctx.patient = Party(), None
    elif level == "23":
        ctx.patient = Party()
    ctx.entity = ""


def read_party_segment(ctx: Parties, segment: list[str]) -> None:
    """NM1/PRV/PAT/DMG/N4 outside a claim: what the claims need of the billing provider, subscriber, patient."""
    tag = segment[0]
    if tag == "NM1":
        ctx.entity = element(segment, 1)
        if ctx.entity == "85":
            ctx.billing.qualifier, ctx.billing.npi = element(segment, 8), element(segment, 9).strip()
            ctx.billing.entity, ctx.billing.name = element(segment, 2), element(segment, 3).strip()
        elif ctx.entity == "IL":
            ctx.subscriber.member_id = element(segment, 9).strip()
        elif ctx.entity == "PR":
            ctx.subscriber.payer_id = element(segment, 9).strip()
        return
    party = ctx.patient if ctx.entity == "QC" else ctx.subscriber if ctx.entity == "IL" else None
    if tag == "PRV" and element(segment, 1) == "BI":
        ctx.billing.taxonomy = element(segment, 3)
    elif tag == "PAT" and ctx.patient is not None:
        ctx.patient.relationship = element(segment, 1)
    elif party is None:
        return
    elif tag == "DMG" and element(segment, 1) == "D8":
        party.birth_date, party.sex = element(segment, 2), element(segment, 3)
    elif tag == "N4":
        party.state = element(segment, 2)


def pseudonym(payer_id: str, member_id: str, birth_date: str, relationship: str) -> str:
    """A pseudonymous, stable patient id (no name, no member id in clear)."""
    digest = hashlib.sha256(f"{payer_id}|{member_id}|{birth_date}|{relationship}".encode()).hexdigest()
    return "P" + digest[:15]
