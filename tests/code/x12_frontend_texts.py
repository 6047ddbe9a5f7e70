"""Hand-written X12 999, 277CA (X214), 277 (X212) and 271 (X279A1) texts for the front-end tests.

No names or real ids: members are "DOE JANE" style placeholders with made-up member ids.
"""

from __future__ import annotations

from tests.code.x12_texts import envelope

NPI = "1234567893"


def ack_999(control: int, group: int, answers: list[tuple[str, str]], group_status: str | None = None) -> str:
    """A 999 answering 837 group `group`: one AK2 per (ST02, verdict); a rejected set points at an NM1."""
    body = f"ST*999*0001*005010X231A1~AK1*HC*{group}*005010X222A1~"
    for st, verdict in answers:
        body += f"AK2*837*{st}*005010X222A1~"
        if verdict == "R":
            body += "IK3*NM1*19*2010*8~IK4*9*67*7~IK5*R*5~"
        else:
            body += f"IK5*{verdict}~"
    accepted = sum(1 for _, v in answers if v in ("A", "E"))
    status = group_status or ("A" if accepted == len(answers) else ("R" if not accepted else "P"))
    body += f"AK9*{status}*{len(answers)}*{len(answers)}*{accepted}~"
    return envelope(control, "FA", "005010X231A1", body, "0001", sender="CLEARHOUSE")


def ca_claim(hl: int, cid: str, status: str, charge: float, action: str = "WQ", date: str = "20250302") -> str:
    """One 277CA patient level (HL PT) with the claim's TRN, STC and service date."""
    return (
        f"HL*{hl}*3*PT~NM1*QC*1*DOE*JANE****MI*M{hl}~TRN*2*{cid}~"
        f"STC*{status}*{date}*{action}*{charge:g}~REF*1K*PAYER-{cid}~DTP*472*D8*20250301~"
    )


def ack_277ca(control: int, claims: list[tuple[str, str, float]], date: str = "20250302") -> str:
    """A 277CA (X214) acknowledging claims (claim id, STC01, charge); A3/A6/A7/A8 claims are rejected."""
    accepted = [c for c in claims if c[1][:2] not in ("A3", "A4", "A6", "A7", "A8")]
    rejected = [c for c in claims if c not in accepted]
    total = sum(c[2] for c in claims)
    ok, bad = sum(c[2] for c in accepted), sum(c[2] for c in rejected)
    counts = f"QTY*90*{len(accepted)}~QTY*AA*{len(rejected)}~AMT*YU*{ok:g}~AMT*YY*{bad:g}~"
    body = (
        f"ST*277*0001*005010X214~BHT*0085*08*BATCH{control}*{date}*1200*TH~"
        f"HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~TRN*1*BATCH{control}~DTP*050*D8*{date}~DTP*009*D8*{date}~"
        f"HL*2*1*21*1~NM1*41*2*CLINIC*****46*CLINIC01~TRN*2*BATCH{control}~STC*A1:19*{date}*WQ*{total:g}~"
        + counts
        + f"HL*3*2*19*1~NM1*85*2*CLINIC*****XX*{NPI}~TRN*1*0~STC*A1:19**WQ*{total:g}~"
        + counts.replace("QTY*90", "QTY*QA").replace("QTY*AA", "QTY*QC")
    )
    for n, (cid, status, charge) in enumerate(claims, start=4):
        action = "U" if (cid, status, charge) in rejected else "WQ"
        body += ca_claim(n, cid, status, charge, action, date)
    return envelope(control, "HN", "005010X214", body, "0001", sender="CLEARHOUSE")


def status_277(control: int, claims: list[tuple[str, str, float, float]], date: str = "20250315") -> str:
    """A 277 (X212) answering claim status: (claim id, STC01, charge, paid) per claim."""
    body = (
        f"ST*277*0001*005010X212~BHT*0010*08*TRACK{control}*{date}*1200*DG~"
        "HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~HL*2*1*21*1~NM1*41*2*CLINIC*****46*CLINIC01~"
        f"HL*3*2*19*1~NM1*1P*2*CLINIC*****XX*{NPI}~"
    )
    for n, (cid, status, charge, paid) in enumerate(claims, start=4):
        body += (
            f"HL*{n}*3*22*0~NM1*IL*1*DOE*JANE****MI*M{n}~TRN*2*{cid}~STC*{status}*{date}**{charge:g}*{paid:g}~"
            f"REF*1K*PAYER-{cid}~REF*EJ*{cid}~DTP*472*RD8*20250301-20250301~"
        )
    return envelope(control, "HN", "005010X212", body, "0001", sender="PAYER")


def eligibility_271(
    control: int,
    member: str,
    benefits: list[str],
    dates: str = "DTP*346*D8*20250101~DTP*347*D8*20251231~",
    trace: str = "TRACE1",
    date: str = "20250225",
    extra: str = "",
) -> str:
    """A 271 (X279A1) for one subscriber: member id, EB segments (without the tag), plan dates."""
    body = (
        f"ST*271*0001*005010X279A1~BHT*0022*11*REQ{control}*{date}*1200~"
        "HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~"
        f"HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*{NPI}~"
        f"HL*3*2*22*0~TRN*2*{trace}*9CLINIC001~NM1*IL*1*DOE*JANE****MI*{member}~DMG*D8*19800101*F~"
        + extra
        + dates
        + "".join(f"EB*{b}~" for b in benefits)
    )
    return envelope(control, "HB", "005010X279A1", body, "0001", sender="PAYER")
