"""`remittances` + `remittance_lines` + `adjustments` + `remarks` -> 5010 835 transaction sets.

One set per payer, payee (the claim's billing provider) and adjudication date (DTM*405 carries the date);
claims in `remit_sequence` order so that the reader numbers a claim's remittances the same way. Claim-level
CAS come before the patient NM1; claim-level remarks go in MOA03-07, line-level remarks in LQ*HE. The
patient is `NM1*QC*1*PATIENT` with the member id: never a name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

import pandas as pd

from denial_ml.ingest.x12_segments import (
    Segment,
    X12WriteError,
    composite,
    date8,
    money,
    nm1,
    number,
    present,
    records,
    seg,
    text,
)
from denial_ml.ingest.x12_write_837 import (
    MEDICARE_INSTITUTIONAL,
    PATIENT_PLACEHOLDER,
    POS_FACILITY,
    UNKNOWN_FILING_INDICATOR,
)

VERSION = "005010X221A1"
# CLP06 claim filing indicator by payer type. The 835 list (X221A1) is not the 837's: it has no CI
# (commercial insurance); it names the commercial product instead (12 PPO, 13 POS, 14 EPO, 15 indemnity,
# HM HMO). The data model holds no product type, so commercial claims go as 12, the most common commercial
# product. The others as in the 837: MB Medicare Part B (MA on institutional claims, as they were billed),
# 16 HMO Medicare Risk, MC Medicaid, CH CHAMPUS (TRICARE); ZZ (mutually defined) for an unknown payer type.
CLAIM_FILING_INDICATOR = {
    "medicare": "MB",
    "medicare_advantage": "16",
    "medicaid": "MC",
    "commercial": "12",
    "tricare": "CH",
}
# 1000A PER*BL (payer technical contact) is required; the data model has no contact: a fixed placeholder.
TECHNICAL_CONTACT = ("BL", "EDI SUPPORT", "TE", "0000000000")
CAS_TRIPLETS = 6
MOA_REMARKS = 5


def remittance_sets(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, pd.Timestamp, list[Segment]]]:
    """Yield `(payer_id, adjudication_date, body)` per 835 transaction set (body: segments between ST/SE)."""
    claims = {c["claim_id"]: c for c in records(tables["claims"])}
    remits = tables["remittances"]
    unknown = remits.loc[~remits["claim_id"].isin(list(claims)), "claim_id"]
    if len(unknown):
        raise X12WriteError(
            f"table 'remittances': claim {unknown.iloc[0]} is not in table 'claims' "
            f"({len(unknown)} such rows); the 835 payee is the claim's billing provider"
        )
    if remits["payer_id"].isna().any():
        row = remits.loc[remits["payer_id"].isna(), "remit_id"].iloc[0]
        raise X12WriteError(f"table 'remittances' remit_id {row}: payer_id is empty")
    payees = remits["claim_id"].map({k: c["billing_provider_npi"] for k, c in claims.items()})
    remits = remits.assign(_payee=payees)
    order = ["payer_id", "adjudication_date", "_payee", "claim_id", "remit_sequence"]
    rows = records(remits.sort_values(order))
    children = _children(tables)
    payers = {p["payer_id"]: p for p in records(tables["payers"])}
    providers = {p["provider_npi"]: p for p in records(tables["providers"])}
    key = itemgetter("payer_id", "adjudication_date", "_payee")
    for trace, ((payer, day, payee), group) in enumerate(groupby(rows, key=key), start=1):
        remits_of_group = list(group)
        body = _header(payer, day, payee, remits_of_group, payers, providers, trace)
        body.append(seg("LX", 1))
        for remit in remits_of_group:
            body += _claim(remit, claims[remit["claim_id"]], payers, children)
        yield payer, day, body


def _children(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, list[dict]]]:
    """remit_id -> rows of its lines, adjustments and remarks (in table order)."""
    out: dict[str, dict[str, list[dict]]] = {}
    for name in ("remittance_lines", "adjustments", "remarks"):
        rows: dict[str, list[dict]] = defaultdict(list)
        frame = tables[name]
        if name == "remittance_lines":
            frame = frame.sort_values(["remit_id", "line_number"])
        for row in records(frame):
            rows[row["remit_id"]].append(row)
        out[name] = rows
    return out


def _header(
    payer: str,
    day: pd.Timestamp,
    payee: str,
    group: list[dict],
    payers: dict[str, dict],
    providers: dict[str, dict],
    trace: int,
) -> list[Segment]:
    where = f"table 'remittances' payer {payer}"
    paid = round(sum(r["paid_amount"] for r in group), 2)
    # BPR01 I: payment with remittance; H: notification only (nothing, or less than nothing, to pay).
    method = ("I", money(paid), "C", "CHK") if paid > 0 else ("H", money(0), "C", "NON")
    payer_name = payers.get(payer, {}).get("payer_name", payer)
    payee_name = providers.get(payee, {}).get("provider_name", payee)
    return [
        seg("BPR", *method, *[""] * 11, date8(day)),
        seg("TRN", "1", f"{payer}{date8(day)}{trace:05d}", "1000000000"),
        seg("DTM", "405", date8(day)),
        seg("N1", "PR", text(payer_name, where), "XV", text(payer, where)),
        seg("N3", "PO BOX 1"),
        seg("N4", "ANYTOWN", "PA", "191030000"),
        seg("PER", *TECHNICAL_CONTACT),
        seg("N1", "PE", text(payee_name, where), "XX", text(payee, where)),
    ]


def _claim(
    remit: dict, claim: dict, payers: dict[str, dict], children: dict[str, dict[str, list[dict]]]
) -> list[Segment]:
    where = f"table 'remittances' remit_id {remit['remit_id']}"
    payer_type = payers.get(remit["payer_id"], {}).get("payer_type", "")
    facility = (
        claim.get("facility_type_code") or POS_FACILITY.get(claim["place_of_service"], "13")
        if claim["claim_type"] == "837I"
        else claim["place_of_service"]
    )
    out = [
        seg(
            "CLP",
            text(remit["claim_id"], where),
            text(remit["claim_status_code"], where),
            money(remit["total_charge"]),
            money(remit["paid_amount"]),
            money(remit["patient_responsibility"]),
            _filing_indicator(payer_type, claim["claim_type"]),
            text(remit["payer_claim_id"], where),
            facility,
            claim["claim_frequency_code"],
        )
    ]
    adjustments = children["adjustments"].get(remit["remit_id"], [])
    remarks = children["remarks"].get(remit["remit_id"], [])
    out += _cas([a for a in adjustments if a["line_number"] is None], where)
    out.append(nm1("QC", "1", PATIENT_PLACEHOLDER, "MI", text(claim["member_id"], where)))
    claim_remarks = [text(r["rarc"], where) for r in remarks if r["line_number"] is None]
    if len(claim_remarks) > MOA_REMARKS:
        raise X12WriteError(f"{where}: {len(claim_remarks)} claim-level remarks; MOA holds up to 5")
    if claim_remarks:
        out.append(seg("MOA", "", "", *claim_remarks))
    for line in children["remittance_lines"].get(remit["remit_id"], []):
        line_where = f"{where} line {line['line_number']}"
        out += _service(line, line_where)
        out += _cas([a for a in adjustments if _on_line(a, line["line_number"])], line_where)
        if present(line["line_control_number"]):
            out.append(seg("REF", "6R", text(line["line_control_number"], line_where)))
        out += [seg("LQ", "HE", text(r["rarc"], line_where)) for r in remarks if _on_line(r, line["line_number"])]
    return out


def _filing_indicator(payer_type: str, claim_type: str) -> str:
    if payer_type == "medicare" and claim_type == "837I":
        return MEDICARE_INSTITUTIONAL
    return CLAIM_FILING_INDICATOR.get(payer_type, UNKNOWN_FILING_INDICATOR)


def _on_line(row: dict, line_number: int) -> bool:
    """Whether an adjustment or remark row belongs to the given remittance line (NA: claim level)."""
    return row["line_number"] is not None and int(row["line_number"]) == int(line_number)


def _service(line: dict, where: str) -> list[Segment]:
    modifiers = (line["modifiers"] or "").split()
    units = "" if line["units"] is None else number(line["units"])
    revenue = text(line.get("revenue_code"), where)
    if present(line["procedure_code"]):
        service = composite("HC", text(line["procedure_code"], where), *(text(m, where) for m in modifiers[:4]))
    elif revenue:  # an institutional line paid by its revenue code alone
        service, revenue = composite("NU", revenue), ""
    else:
        raise X12WriteError(f"{where}: the line has neither a procedure code nor a revenue code")
    out = [seg("SVC", service, money(line["line_charge"]), money(line["paid_amount"]), revenue, units)]
    if line["service_date"] is not None:
        out.append(seg("DTM", "472", date8(line["service_date"])))
    return out


def _cas(adjustments: list[dict], where: str) -> list[Segment]:
    """CAS segments: one per group code, a new one after every six (reason, amount, quantity) triplets."""
    by_group: dict[str, list] = defaultdict(list)
    for adjustment in adjustments:
        by_group[adjustment["group_code"]].append(adjustment)
    out = []
    for group, rows in by_group.items():
        for start in range(0, len(rows), CAS_TRIPLETS):
            triplets = []
            for a in rows[start : start + CAS_TRIPLETS]:
                quantity = "" if a["quantity"] is None else number(a["quantity"])
                triplets += [text(a["carc"], where), money(a["amount"]), quantity]
            out.append(seg("CAS", text(group, where), *triplets))
    return out
