"""837P / 837I claims -> `claims`, `claim_lines` (+ `patients`, `providers` as far as the file carries them).

Never kept: patient and subscriber names (NM103/NM104 of IL/QC), addresses beyond the state. The patient id
is the medical record number (2300 REF*EA) when the claim carries one, else a pseudonym, a hash of payer,
member id, birth date and relationship, stable across files.
Columns the 837 does not carry get documented defaults: `eligibility_checked` False, `eligibility_check_date`
empty, `eligibility_status` "unknown", `submission_date` from BHT04, a missing REF*6R gives an empty
`line_control_number`; 837I `place_of_service` is derived from the facility type (CLM05-1) by `FACILITY_POS`,
and is 19 (off-campus outpatient hospital) when a hospital-outpatient claim's lines carry the CMS off-campus
department modifier PO or PN (the modifier itself is not kept: `place_of_service` holds what it says).
A claim with a value the schema cannot hold (no billing NPI, as in most 4010 files; a procedure code that
is not 5 characters; an 837P line with no procedure code; no service date) is left out with an error naming the
segment.

Institutional claims (837I): an SV2 line with a revenue code (SV201) and no HCPCS (SV202 empty: room and board,
pharmacy, supplies) is kept with `procedure_code` empty. Every NUBC frequency code (CLM05-3 0, 1, 2-5, 7, 8) is
read; 0 and 2-5 (non-payment, interim bills, late charges) are institutional only, so an 837P carrying one is
refused. `facility_type_code` keeps CLM05-1 (with the frequency, the bill type), `admission_date` DTP*435,
`admission_type_code` / `admission_source_code` CL101 / CL102.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from denial_ml.ingest.columns import Columns
from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.loops import map_claim_loop
from denial_ml.ingest.values import (
    BadValueError,
    amount,
    date8,
    element,
    is_date8,
    period_end,
    period_start,
    revenue_code,
)
from denial_ml.ingest.x12_maps import (
    CLAIM_COLUMNS,
    FACILITY_POS,
    OFF_CAMPUS_MODIFIER,
    OFF_CAMPUS_MODIFIERS,
    OFF_CAMPUS_POS,
    PATIENT_COLUMNS,
    PROVIDER_COLUMNS,
)
from denial_ml.ingest.x12_maps import CLAIM_LINE_COLUMNS as LINE_COLUMNS
from denial_ml.ingest.x837_institutional import admission_date, check_frequency, cl1_code
from denial_ml.ingest.x837_parties import Parties, pseudonym, read_party_segment, start_level

CLAIM_END = ("CLM", "HL", "SE")
DIAGNOSIS_QUALIFIERS = {"BK": 0, "ABK": 0, "BF": 1, "ABF": 1}  # principal first, then the others
NPI = re.compile(r"^\d{10}$")
PROCEDURE = re.compile(r"^[A-Z0-9]{5}$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")


@dataclass
class Claims837:
    """Rows mapped from 837 transaction sets, column-wise, and the issues found."""

    claims: Columns = field(default_factory=lambda: Columns(CLAIM_COLUMNS))
    lines: Columns = field(default_factory=lambda: Columns(LINE_COLUMNS))
    patients: Columns = field(default_factory=lambda: Columns(PATIENT_COLUMNS))
    providers: Columns = field(default_factory=lambda: Columns(PROVIDER_COLUMNS))
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Context(Parties):
    ts: TransactionSet = field(kw_only=True)
    out: Claims837 = field(kw_only=True)
    submission_date: str = ""


def map_837(ts: TransactionSet, out: Claims837) -> None:
    """Map one 837 transaction set into `out`; problems go to `out.issues`."""
    ctx = _Context(ts=ts, out=out)
    segments, i, n = ts.segments, 1, len(ts.segments)
    while i < n:
        segment = segments[i]
        tag = segment[0]
        if tag == "CLM":
            i = _claim(ctx, i)
            continue
        if tag == "BHT":
            ctx.submission_date = element(segment, 4)
        elif tag == "HL":
            start_level(ctx, segment)
        else:
            read_party_segment(ctx, segment)
        i += 1


def _claim(ctx: _Context, start: int) -> int:
    """Map one CLM loop (2300 and its lines); returns the index after it."""
    lines = ctx.out.lines
    return map_claim_loop(
        ctx.ts,
        start,
        CLAIM_END,
        ctx.out.issues,
        lambda: len(lines),
        lines.truncate,
        lambda end, claim_id: _claim_rows(ctx, start, end, claim_id),
    )


def _claim_type(ts: TransactionSet, clm: list[str], component: str) -> str:
    if "X222" in ts.version or "X098" in ts.version:
        return "837P"
    if "X223" in ts.version or "X096" in ts.version:
        return "837I"
    return "837I" if element(element(clm, 5).split(component) + ["", ""], 1) == "A" else "837P"


def _claim_rows(ctx: _Context, start: int, end: int, claim_id: str) -> None:
    ts, out, segments = ctx.ts, ctx.out, ctx.ts.segments
    component = ts.delimiters.component
    clm = segments[start]
    claim_type = _claim_type(ts, clm, component)
    facility, _, frequency = (element(clm, 5).split(component) + ["", "", ""])[:3]
    billing, subscriber = ctx.billing, ctx.subscriber
    if not claim_id:
        raise BadValueError(start, "CLM01 patient control number is empty")
    if not NPI.match(billing.npi) or billing.qualifier != "XX":
        raise BadValueError(
            start,
            f"billing provider NM1*85 carries no NPI (NM108 {billing.qualifier!r}, NM109 "
            f"{billing.npi!r}); claims need a 10-digit billing NPI (4010 files often lack it)",
        )
    if not subscriber.payer_id:
        raise BadValueError(start, "no payer id (NM1*PR NM109) before the claim")
    check_frequency(start, frequency, claim_type)
    if claim_type == "837I" and not re.fullmatch(r"\d{2}", facility):
        raise BadValueError(start, f"CLM05-1 facility type {facility!r} is not 2 digits: an 837I needs its bill type")
    pos = FACILITY_POS.get(facility, "99") if claim_type == "837I" else facility
    if not re.fullmatch(r"\d{2}", pos):
        raise BadValueError(start, f"CLM05-1 place of service {facility!r} is not a 2-digit code")
    header = _ClaimHeader()
    for i in range(start + 1, end):
        _claim_segment(ctx, header, segments[i], i, claim_id, claim_type)
    if header.off_campus and pos == "22":
        pos = OFF_CAMPUS_POS
    lines = out.lines.lists
    line_dates = [d for d in lines[11][len(out.lines) - header.line_count :]]
    date_from = header.date_from or (min(line_dates) if line_dates else "")
    date_to = header.date_to or (max(line_dates) if line_dates else "")
    if not date_from:
        raise BadValueError(start, "no service date: neither DTP*472/434 on the claim nor on its lines")
    for k in range(len(out.lines) - header.line_count, len(out.lines)):
        lines[11][k] = lines[11][k] or date_from
    patient = ctx.patient or subscriber
    patient_id = header.medical_record or pseudonym(
        subscriber.payer_id, subscriber.member_id, patient.birth_date, patient.relationship
    )
    submission = ctx.submission_date if is_date8(ctx.submission_date) else ""
    if not submission:
        raise BadValueError(1, f"BHT04 {ctx.submission_date!r} is not a CCYYMMDD date")
    out.claims.add(
        claim_id,
        patient_id,
        subscriber.member_id or None,
        subscriber.payer_id,
        billing.npi,
        header.rendering or None,
        claim_type,
        frequency,
        pos,
        date_from,
        date_to,
        submission,
        amount(clm, 2, start),
        " ".join(code for _, code in sorted(header.diagnoses, key=lambda d: d[0])),
        header.prior_auth or None,
        header.original or None,
        False,
        "",
        "unknown",
        facility if claim_type == "837I" else None,
        header.admission_date,
        header.admission_type or None,
        header.admission_source or None,
    )
    if is_date8(patient.birth_date) and patient.sex in ("F", "M", "U"):
        out.patients.add(patient_id, patient.birth_date, patient.sex, patient.state)
    out.providers.add(
        billing.npi,
        billing.name,
        billing.entity if billing.entity in ("1", "2") else "2",
        billing.taxonomy,
        "",
    )
    if header.rendering:
        out.providers.add(
            header.rendering, header.rendering_name, header.rendering_entity, header.rendering_taxonomy, ""
        )


@dataclass
class _ClaimHeader:
    in_header: bool = True  # still in 2300 (before the 2310/2320 loops)
    in_line: bool = False
    date_from: str = ""
    date_to: str = ""
    diagnoses: list[tuple[int, str]] = field(default_factory=list)
    prior_auth: str = ""
    original: str = ""
    rendering: str = ""
    rendering_name: str = ""
    rendering_entity: str = "1"
    rendering_taxonomy: str = ""
    medical_record: str = ""  # REF*EA
    off_campus: bool = False  # a line carries modifier PO/PN
    in_rendering: bool = False
    line_count: int = 0
    admission_date: dt.date | None = None  # DTP*435 (837I)
    admission_type: str = ""  # CL101
    admission_source: str = ""  # CL102


def _claim_segment(ctx: _Context, h: _ClaimHeader, seg: list[str], i: int, claim_id: str, kind: str) -> None:
    tag = seg[0]
    if tag == "LX":
        h.in_header, h.in_line, h.in_rendering = False, True, False
        h.line_count += 1
        _start_line(ctx, claim_id, h.line_count)
    elif tag in ("SV1", "SV2") and h.in_line:
        h.off_campus |= _service(ctx, seg, i, tag)
    elif tag == "DTP" and h.in_line and element(seg, 1) == "472":
        ctx.out.lines.lists[11][-1] = period_start(element(seg, 3), i, "DTP*472 service date")
    elif tag == "REF" and h.in_line and element(seg, 1) == "6R":
        ctx.out.lines.lists[2][-1] = element(seg, 2)
    elif tag in ("SBR", "NM1") and not h.in_line:
        h.in_header, h.in_rendering = False, False
        if tag == "SBR":
            h.in_line = h.in_line  # 2320 other-payer loops: nothing of them is kept
        qualifier = element(seg, 1)
        if tag == "NM1" and (qualifier == "82" or (qualifier == "71" and kind == "837I" and not h.rendering)):
            npi = element(seg, 9).strip()
            if element(seg, 8) == "XX" and NPI.match(npi) and (qualifier == "82" or not h.rendering):
                h.rendering, h.rendering_entity = (
                    npi,
                    element(seg, 2) if element(seg, 2) in ("1", "2") else "1",
                )
                h.rendering_name, h.in_rendering = " ".join(p for p in seg[3:5] if p), True
    elif tag == "PRV" and h.in_rendering:
        h.rendering_taxonomy = element(seg, 3)
    elif h.in_header:
        _header_segment(h, seg, i, ctx.ts.delimiters.component)


def _header_segment(h: _ClaimHeader, seg: list[str], i: int, component: str) -> None:
    tag, qualifier = seg[0], element(seg, 1)
    if tag == "DTP" and qualifier in ("472", "434"):
        h.date_from = period_start(element(seg, 3), i, f"DTP*{qualifier} date")
        h.date_to = period_end(element(seg, 3), i, f"DTP*{qualifier} date")
    elif tag == "REF" and qualifier == "G1":
        h.prior_auth = element(seg, 2)
    elif tag == "REF" and qualifier == "F8":
        h.original = element(seg, 2)
    elif tag == "REF" and qualifier == "EA":
        h.medical_record = element(seg, 2).strip()
    elif tag == "DTP" and qualifier == "435":
        h.admission_date = admission_date(seg, i)
    elif tag == "CL1":
        h.admission_type = cl1_code(seg, 1, i)
        h.admission_source = cl1_code(seg, 2, i)
    elif tag == "HI":
        for composite in seg[1:]:
            code_qualifier, _, rest = composite.partition(component)
            rank = DIAGNOSIS_QUALIFIERS.get(code_qualifier)
            if rank is not None and rest:
                h.diagnoses.append((rank, rest.split(component)[0].replace(".", "")))


def _start_line(ctx: _Context, claim_id: str, number: int) -> None:
    ctx.out.lines.add(claim_id, number, "", "", None, None, None, None, 0, 0.0, None, "", None)


def _service(ctx: _Context, seg: list[str], i: int, tag: str) -> bool:
    """Fill the current line from SV1/SV2; True when an 837I line carries an off-campus modifier."""
    component, lines = ctx.ts.delimiters.component, ctx.out.lines.lists
    offset = 1 if tag == "SV2" else 0  # SV2 starts with the revenue code
    parts = element(seg, 1 + offset).split(component)
    code = parts[1] if len(parts) > 1 else ""
    revenue = revenue_code(element(seg, 1)) if tag == "SV2" else None
    if tag == "SV2" and revenue is None:
        raise BadValueError(i, f"SV201 revenue code {element(seg, 1)!r} is not 4 digits")
    if tag == "SV2" and not code:  # a revenue-code-only line: room and board, pharmacy, supplies
        parts = []
    elif not PROCEDURE.match(code):
        raise BadValueError(i, f"{tag}{1 + offset:02d} procedure code {code!r} is not a 5-character CPT/HCPCS code")
    billed = [m for m in parts[2:6] if m]
    for modifier in billed:
        if not MODIFIER.match(modifier):
            raise BadValueError(i, f"{tag} modifier {modifier!r} is not 2 characters")
    off_campus = tag == "SV2" and not OFF_CAMPUS_MODIFIERS.isdisjoint(billed)
    if off_campus:
        billed = [m for m in billed if m not in OFF_CAMPUS_MODIFIERS]
    modifiers: list[str | None] = [*billed, *[None] * (4 - len(billed))]
    units = amount(seg, 4 + offset, i, 1.0)
    if units < 0.5:
        raise BadValueError(i, f"{tag}{4 + offset:02d} units {units} is below 1")
    lines[3][-1] = code or None
    for k in range(4):
        lines[4 + k][-1] = modifiers[k]
    lines[8][-1] = int(units + 0.5)  # fractional units (minutes, doses) round to whole units
    lines[9][-1] = amount(seg, 2 + offset, i)
    if tag == "SV1":
        pointers = element(seg, 7).split(component)
        lines[10][-1] = " ".join(p for p in pointers if p) or None
    else:
        lines[12][-1] = revenue
    return off_campus


__all__ = [
    "Claims837",
    "map_837",
    "date8",
    "FACILITY_POS",
    "OFF_CAMPUS_MODIFIER",
    "OFF_CAMPUS_POS",
    "CLAIM_COLUMNS",
    "LINE_COLUMNS",
]
