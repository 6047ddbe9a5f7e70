"""Write a world's front end as 5010 X12: 999 per 837 file, 277CA (X214), 277 (X212) and 271 (X279A1).

Pure string building like `x12_write`: one 999 acknowledges every transaction set of one 837 file (the
world's rejections are per claim, in the 277CA); `claim_events` become 277CA sets (acknowledgements and
rejections) and 277 sets (claim status), `eligibility_responses` 271 sets, one set per date and payer.
Read back with `denial_ml.ingest.files` they give the same rows on the columns X12 carries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

import pandas as pd

from denial_ml.ingest.x12_segments import (
    Segment,
    composite,
    date8,
    interchange,
    money,
    nm1,
    records,
    seg,
    text,
    transaction_set,
)
from denial_ml.ingest.x12_write_837 import PATIENT_PLACEHOLDER

VERSIONS = {"999": "005010X231A1", "277CA": "005010X214", "277": "005010X212", "271": "005010X279A1"}
FUNCTIONAL_IDS = {"999": "FA", "277CA": "HN", "277": "HN", "271": "HB"}
_GS = re.compile(r"^GS\*HC\*[^*]*\*[^*]*\*[^*]*\*[^*]*\*(\d+)\*X\*([^~]+)~", re.MULTILINE)
_ST = re.compile(r"^ST\*837\*(\d+)\*", re.MULTILINE)


def front_end_files(tables: Mapping[str, pd.DataFrame], written: Mapping[str, str]) -> dict[str, str]:
    """File name -> text of the front-end files, numbered after the files `written` already (ISA13 unique).

    Args:
        tables: The world's tables; `claim_events` and `eligibility_responses` when the world has them.
        written: The 837 / 835 files rendered so far (name -> text), for the 999s and control numbers.
    """
    files: dict[str, str] = {}
    if "claim_events" not in tables and "eligibility_responses" not in tables:
        return files  # a world without a front end: its X12 is the 837s and 835s alone
    control = len(written)
    for name, content in written.items():
        if name.startswith("837"):
            control += 1
            files[f"999_{name.removesuffix('.x12')}.x12"] = _ack_999(content, control)
    claims = tables["claims"].set_index("claim_id")
    if "claim_events" in tables:
        events = tables["claim_events"]
        for transaction in ("277CA", "277"):
            rows = events[events["transaction"] == transaction]
            for number, (day, sets) in enumerate(_by_day(rows, "status_date", claims, transaction), start=1):
                control += 1
                files[f"{transaction}_{number:04d}.x12"] = _wrap(transaction, sets, day, control)
    if "eligibility_responses" in tables:
        responses = tables["eligibility_responses"]
        for number, (day, sets) in enumerate(_by_day(responses, "response_date", claims, "271"), start=1):
            control += 1
            files[f"271_{number:04d}.x12"] = _wrap("271", sets, day, control)
    return files


def _wrap(kind: str, bodies: list[list[Segment]], day: str, control: int) -> str:
    st = "277" if kind == "277CA" else kind
    sets = [transaction_set(st, k, VERSIONS[kind], body) for k, body in enumerate(bodies, start=1)]
    return interchange(FUNCTIONAL_IDS[kind], VERSIONS[kind], sets, day, control)


def _ack_999(content: str, control: int) -> str:
    """A 999 accepting every 837 set of one file."""
    group = _GS.search(content)
    if group is None:
        return ""
    controls = _ST.findall(content)
    body = [seg("AK1", "HC", group.group(1), group.group(2))]
    for st in controls:
        body += [seg("AK2", "837", st, group.group(2)), seg("IK5", "A")]
    body.append(seg("AK9", "A", len(controls), len(controls), len(controls)))
    day = "20" + content[70:76]  # ISA09 of the 837 (YYMMDD)
    return _wrap("999", [body], day, control)


def _by_day(
    rows: pd.DataFrame, column: str, claims: pd.DataFrame, kind: str, per_file: int = 366
) -> Iterator[tuple[str, list[list[Segment]]]]:
    """(file date, set bodies) with one set per date and payer; a file holds up to `per_file` dates."""
    if rows.empty:
        return
    rows = rows.assign(_day=pd.to_datetime(rows[column]).dt.strftime("%Y%m%d"))
    if "claim_id" in rows.columns:  # claim events: the claim's billing provider, member id and last service day
        rows = rows.join(claims[["billing_provider_npi", "member_id", "service_date_to"]], on="claim_id")
    days = sorted(rows["_day"].unique())
    for start in range(0, len(days), per_file):
        chunk = rows[rows["_day"].isin(days[start : start + per_file])]
        # The chunk's rows as dicts once, grouped in Python: converting each (date, payer) group apart cost ~50 ms
        # of pandas work a group, 95 % of writing a world's X12 (886 groups for 500 claims).
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for row in records(chunk):
            if row["payer_id"] is not None:  # as groupby's dropna: a row without a payer has no set
                groups[(str(row["_day"]), str(row["payer_id"]))].append(row)
        bodies = [_body(kind, day, payer, groups[(day, payer)]) for day, payer in sorted(groups)]
        yield days[min(start + per_file, len(days)) - 1], bodies


def _body(kind: str, day: str, payer: str, rows: list[dict]) -> list[Segment]:
    if kind == "271":
        return _body_271(day, payer, rows)
    if kind == "277CA":
        return _body_277ca(day, payer, rows)
    return _body_277(day, payer, rows)


def _body_277ca(day: str, payer: str, rows: list[dict]) -> list[Segment]:
    body = [
        seg("BHT", "0085", "08", f"CA{day}{payer}", day, "1200", "TH"),
        seg("HL", 1, "", "20", 1),
        nm1("PR", "2", "PAYER", "PI", payer),
        seg("TRN", "1", f"CA{day}{payer}"),
        seg("DTP", "050", "D8", day),
        seg("DTP", "009", "D8", day),
        seg("HL", 2, 1, "21", 1),
        nm1("41", "2", "DENIAL ML", "46", "DENIALML"),
        seg("TRN", "2", f"CA{day}{payer}"),
        *_summary(rows, day, ("90", "AA")),
    ]
    hl = 2
    for npi, group in _groups(rows, "billing_provider_npi"):
        hl += 1
        parent = hl
        body += [seg("HL", hl, 2, "19", 1), nm1("85", "2", "PROVIDER", "XX", npi), seg("TRN", "1", "0")]
        body += _summary(group, "", ("QA", "QC"))
        for row in group:
            hl += 1
            where = f"table 'claim_events' event_id {row['event_id']}"
            body += [
                seg("HL", hl, parent, "PT"),
                nm1("QC", "1", PATIENT_PLACEHOLDER, "MI", text(row["member_id"], where)),
                seg("TRN", "2", text(row["claim_id"], where)),
                _stc(row, day, with_paid=False),
                seg("DTP", "472", "D8", date8(row["service_date"])),
            ]
    return body


def _summary(rows: list[dict], day: str, qualifiers: tuple[str, str]) -> list[Segment]:
    """The receiver's or provider's STC with the accepted / rejected counts and amounts (when not zero)."""
    accepted = [r for r in rows if r["event_kind"] != "rejection"]
    rejected = [r for r in rows if r["event_kind"] == "rejection"]
    total = sum(r["total_charge"] for r in rows)
    out = [seg("STC", "A1:19", day, "WQ", money(total))]
    for qualifier, group in zip(qualifiers, (accepted, rejected), strict=True):
        if group:
            out.append(seg("QTY", qualifier, len(group)))
    for qualifier, group in zip(("YU", "YY"), (accepted, rejected), strict=True):
        if group:
            out.append(seg("AMT", qualifier, money(sum(r["total_charge"] for r in group))))
    return out


def _body_277(day: str, payer: str, rows: list[dict]) -> list[Segment]:
    body = [
        seg("BHT", "0010", "08", f"ST{day}{payer}", day, "1200", "DG"),
        seg("HL", 1, "", "20", 1),
        nm1("PR", "2", "PAYER", "PI", payer),
        seg("HL", 2, 1, "21", 1),
        nm1("41", "2", "DENIAL ML", "46", "DENIALML"),
    ]
    hl = 2
    for npi, group in _groups(rows, "billing_provider_npi"):
        hl += 1
        parent = hl
        body += [seg("HL", hl, 2, "19", 1), nm1("1P", "2", "PROVIDER", "XX", npi)]
        for row in group:
            hl += 1
            where = f"table 'claim_events' event_id {row['event_id']}"
            period = f"{date8(row['service_date'])}-{date8(row['service_date_to'])}"
            body += [
                seg("HL", hl, parent, "22", 0),
                nm1("IL", "1", PATIENT_PLACEHOLDER, "MI", text(row["member_id"], where)),
                seg("TRN", "2", text(row["claim_id"], where)),
                _stc(row, day, with_paid=True),
                seg("REF", "EJ", text(row["claim_id"], where)),
                seg("DTP", "472", "RD8", period),
            ]
    return body


def _stc(row: dict, day: str, with_paid: bool) -> Segment:
    status = composite(row["status_category"], row["status_code"], row["entity_code"])
    date = date8(row["status_date"]) if row["status_date"] is not None else day
    paid = money(row["paid_amount"] or 0.0) if with_paid else None
    return seg("STC", status, date, row["action_code"], money(row["total_charge"]), paid)


def _body_271(day: str, payer: str, rows: list[dict]) -> list[Segment]:
    body = [
        seg("BHT", "0022", "11", f"EL{day}{payer}", day, "1200"),
        seg("HL", 1, "", "20", 1),
        nm1("PR", "2", "PAYER", "PI", payer),
    ]
    hl = 1
    for npi, group in _groups(rows, "provider_npi"):
        hl += 1
        parent = hl
        body += [seg("HL", hl, 1, "21", 1), nm1("1P", "2", "PROVIDER", "XX", npi)]
        for row in group:
            hl += 1
            body += _member_271(row, hl, parent)
    return body


def _member_271(row: dict, hl: int, parent: int) -> list[Segment]:
    where = f"table 'eligibility_responses' response_id {row['response_id']}"
    out = [
        seg("HL", hl, parent, "22", 0),
        seg("TRN", "2", text(row["trace_number"], where), "9DENIALML"),
        nm1("IL", "1", PATIENT_PLACEHOLDER, "MI", text(row["member_id"], where)),
    ]
    if row["birth_date"] is not None:
        out.append(seg("DMG", "D8", date8(row["birth_date"])))
    for qualifier, column in (("346", "coverage_begin"), ("347", "coverage_end"), ("472", "service_date")):
        if row[column] is not None:
            out.append(seg("DTP", qualifier, "D8", date8(row[column])))
    if row["coverage_status"] in ("active", "inactive"):
        out.append(seg("EB", "1" if row["coverage_status"] == "active" else "6", "IND", "30"))
    return out


def _groups(rows: list[dict], key: str) -> Iterator[tuple[str, list[dict]]]:
    """Rows grouped by `key` (in sorted order), each group in its given order."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(str(row[key]), []).append(row)
    yield from sorted(grouped.items())
