"""Hand-written X12 837P / 835 texts for the claims-store and ingest tests (no names, no real ids)."""

from __future__ import annotations

from pathlib import Path

CLAIM_LINE = "LX*{n}~SV1*HC:{code}*{charge}*UN*1***1~DTP*472*D8*20250301~REF*6R*{cid}-{n}~"


def isa(control: int, sender: str = "CLINIC") -> str:
    """A fixed-width ISA with the sender and ISA13 given."""
    return (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*RECEIVER       *250301*1200*^*00501*{control:09d}*0*P*:~"
    )


def claim(cid: str, lines: list[tuple[str, float]], frequency: str = "1") -> str:
    """One CLM loop (2300 + 2400) with its lines (procedure code, charge)."""
    total = sum(charge for _, charge in lines)
    body = f"CLM*{cid}*{total:g}***11:B:{frequency}*Y*A*Y*Y~HI*ABK:E119~"
    if frequency in ("7", "8"):
        body += f"REF*F8*PAYER-{cid}~"
    for n, (code, charge) in enumerate(lines, start=1):
        body += CLAIM_LINE.format(n=n, code=code, charge=f"{charge:g}", cid=cid)
    return body


def claims_837(control: int, claims: list[str], st: str = "0001", gs08: str = "005010X222A1") -> str:
    """An 837P interchange holding the CLM loops given, with true trailer counts."""
    body = (
        f"ST*837*{st}*{gs08}~BHT*0019*00*1*20250305*1200*CH~HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~"
        "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*M123~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*P1~"
        + "".join(claims)
    )
    return envelope(control, "HC", gs08, body, st)


def remittance(cid: str, status: str, charge: float, paid: float, lines: list[tuple[str, float, float]]) -> str:
    """One CLP loop with its SVC lines (procedure code, charge, paid); the difference is CO-45."""
    body = f"CLP*{cid}*{status}*{charge:g}*{paid:g}**12*PCN-{cid}~"
    for code, line_charge, line_paid in lines:
        body += f"SVC*HC:{code}*{line_charge:g}*{line_paid:g}**1~DTM*472*20250301~"
        if line_charge != line_paid:
            body += f"CAS*CO*45*{line_charge - line_paid:g}~"
    return body


def remits_835(control: int, loops: list[str], st: str = "0001", date: str = "20250320") -> str:
    """An 835 interchange holding the CLP loops given, with true trailer counts."""
    body = (
        f"ST*835*{st}~BPR*I*0*C*NON************{date}~TRN*1*{control}*1~DTM*405*{date}~N1*PR*PAYER*XV*P1~"
        "N1*PE*CLINIC*XX*1234567893~LX*1~" + "".join(loops)
    )
    return envelope(control, "HP", "005010X221A1", body, st, sender="PAYER")


def envelope(control: int, functional_id: str, gs08: str, body: str, st: str, sender: str = "CLINIC") -> str:
    """ISA/GS ... GE/IEA around one transaction set, SE01 counted."""
    count = body.count("~") + 1
    return (
        isa(control, sender)
        + f"GS*{functional_id}*{sender}*RECEIVER*20250301*1200*{control}*X*{gs08}~"
        + body
        + f"SE*{count}*{st}~GE*1*{control}~IEA*1*{control:09d}~"
    )


def write(folder: Path, name: str, text: str | bytes) -> Path:
    """Write a file into `folder` and return its path."""
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path
