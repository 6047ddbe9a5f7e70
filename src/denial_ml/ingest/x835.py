"""835 remittance advice -> `remittances`, `remittance_lines`, `adjustments`, `remarks` (+ PLB, payments).

Choices (documented in docs/ingest.md):
- `remit_id` is `<file stem>/<ST02>/<CLP ordinal in the set>`: unique and the same on every run.
- Adjudication date: the production date DTM*405 of the remittance (the payer's decision date); BPR16
  (payment effective date, sometimes a future or invalid date in real files) only when DTM*405 is absent.
- A reversal (CLP02 22) has negative CLP03, CLP04 and CLP05; every amount keeps its sign.
- SVC05 empty means one unit (the X12 default).
- An institutional line: SVC01 with qualifier NU is a revenue code alone (`procedure_code` empty,
  `revenue_code` set); SVC04 gives the revenue code of a line paid by HCPCS (a 3-digit code is padded to 4;
  an SVC04 that is no revenue code is not kept, the line is).
- A claim with an unusable value in a field the denial rule reads (CLP02, amounts, CAS group/CARC, SVC) is
  left out with an error naming the segment; a RARC that is not a remark code is dropped with an error and
  its claim kept (remarks explain a decision, they do not make it); the other claims of the set are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from denial_ml.ingest.columns import Columns
from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.loops import map_claim_loop
from denial_ml.ingest.values import (
    CARC_FORMAT,
    GROUP_CODE_SET,
    RARC_FORMAT,
    BadValueError,
    amount,
    date8,
    element,
    revenue_code,
)
from denial_ml.ingest.x12_maps import (
    ADJUSTMENT_COLUMNS,
    PAYMENT_COLUMNS,
    PLB_COLUMNS,
    REMARK_COLUMNS,
    REMITTANCE_COLUMNS,
)
from denial_ml.ingest.x12_maps import REMIT_LINE_COLUMNS as LINE_COLUMNS
from denial_ml.ingest.x835_header import PaymentHeader, finish_header, map_plb, read_header_segment
from denial_ml.schemas import CLP_STATUS_CODES

CLAIM_END = frozenset({"CLP", "LX", "PLB", "SE", "TS3", "TS2"})
STATUS_SET = frozenset(CLP_STATUS_CODES)


@dataclass
class Remit835:
    """Rows mapped from 835 transaction sets, column-wise, and the issues found."""

    remittances: Columns = field(default_factory=lambda: Columns(REMITTANCE_COLUMNS))
    lines: Columns = field(default_factory=lambda: Columns(LINE_COLUMNS))
    adjustments: Columns = field(default_factory=lambda: Columns(ADJUSTMENT_COLUMNS))
    remarks: Columns = field(default_factory=lambda: Columns(REMARK_COLUMNS))
    provider_adjustments: Columns = field(default_factory=lambda: Columns(PLB_COLUMNS))
    payments: Columns = field(default_factory=lambda: Columns(PAYMENT_COLUMNS))
    issues: list[Issue] = field(default_factory=list)

    def marks(self) -> tuple[int, ...]:
        """Current row counts, to roll a rejected claim back to."""
        return len(self.remittances), len(self.lines), len(self.adjustments), len(self.remarks)

    def rollback(self, marks: tuple[int, ...]) -> None:
        """Drop every row added since `marks`."""
        for table, mark in zip((self.remittances, self.lines, self.adjustments, self.remarks), marks, strict=True):
            table.truncate(mark)


def map_835(ts: TransactionSet, set_id: str, out: Remit835) -> None:
    """Map one 835 transaction set into `out`; problems go to `out.issues`.

    Args:
        ts: The transaction set (ST..SE).
        set_id: `<file stem>/<ST02>`, prefix of every `remit_id` of the set.
        out: The accumulator.
    """
    segments, header = ts.segments, PaymentHeader(set_id)
    i, n, ordinal, first_claim = 1, len(segments), 0, True
    while i < n:
        segment = segments[i]
        tag = segment[0]
        if tag == "CLP":
            if first_claim:
                first_claim = False
                if not finish_header(ts, header, out.payments, out.issues, i):
                    return
            ordinal += 1
            i = _claim(ts, i, f"{set_id}/{ordinal}", header, out)
            continue
        if tag == "PLB":
            map_plb(ts, i, header.set_id, out.provider_adjustments, out.issues)
        elif first_claim:
            read_header_segment(segment, header)
        i += 1
    if first_claim:
        finish_header(ts, header, out.payments, out.issues, n - 1)


def _claim(ts: TransactionSet, start: int, remit_id: str, header: PaymentHeader, out: Remit835) -> int:
    """Map one CLP loop; returns the index of the first segment after it."""
    return map_claim_loop(
        ts,
        start,
        CLAIM_END,
        out.issues,
        out.marks,
        out.rollback,
        lambda end, claim_id: _claim_rows(ts, start, end, remit_id, claim_id, header, out),
    )


def _claim_rows(
    ts: TransactionSet, start: int, end: int, remit_id: str, claim_id: str, header: PaymentHeader, out: Remit835
) -> None:
    segments = ts.segments
    clp = segments[start]
    status = element(clp, 2)
    if status not in STATUS_SET:
        raise BadValueError(start, f"CLP02 claim status {status!r} is not one of {', '.join(CLP_STATUS_CODES)}")
    if not claim_id:
        raise BadValueError(start, "CLP01 patient control number is empty")
    charge = amount(clp, 3, start)
    if charge < 0 and status != "22":
        raise BadValueError(start, f"CLP03 charge {charge} is negative on a claim that is not a reversal")
    out.remittances.add(
        remit_id,
        claim_id,
        status,
        charge,
        amount(clp, 4, start),
        amount(clp, 5, start, 0.0),
        element(clp, 7) or None,
        header.payer_id,
        header.production_date,
    )
    line = None  # SVC ordinal; None while in the claim-level part of the loop
    lines = out.lines.lists
    for i in range(start + 1, end):
        segment = segments[i]
        tag = segment[0]
        if tag == "CAS":
            _cas(segment, i, remit_id, claim_id, line, out)
        elif tag == "SVC":
            line = 1 if line is None else line + 1
            _svc(segment, i, remit_id, claim_id, line, ts.delimiters.component, out)
        elif tag == "REF" and line is not None and element(segment, 1) == "6R":
            lines[3][-1] = element(segment, 2)
        elif tag == "DTM" and line is not None:
            _line_date(segment, i, lines[9])
        elif tag == "LQ" and element(segment, 1) == "HE":
            _remark(ts, element(segment, 2), i, remit_id, claim_id, line, out)
        elif tag == "MOA":
            for position in range(3, 8):
                _remark(ts, element(segment, position), i, remit_id, claim_id, None, out)
        elif tag == "MIA":
            for position in (5, 20, 21, 22, 23):
                _remark(ts, element(segment, position), i, remit_id, claim_id, None, out)


def _cas(segment: list[str], i: int, remit_id: str, claim_id: str, line: int | None, out: Remit835) -> None:
    group = element(segment, 1)
    if group not in GROUP_CODE_SET:
        raise BadValueError(i, f"CAS01 group code {group!r} is not one of {', '.join(sorted(GROUP_CODE_SET))}")
    found = 0
    for position in range(2, min(len(segment), 20), 3):  # up to six (reason, amount, quantity) triplets
        carc = segment[position]
        if not carc:
            continue
        if not CARC_FORMAT.match(carc):
            raise BadValueError(i, f"CAS{position:02d} {carc!r} is not a claim adjustment reason code (CARC)")
        quantity = element(segment, position + 2)
        out.adjustments.add(
            remit_id,
            claim_id,
            line,
            group,
            carc,
            amount(segment, position + 1, i),
            amount(segment, position + 2, i) if quantity else None,
        )
        found += 1
    if not found:
        raise BadValueError(i, "CAS segment carries no reason code")


def _svc(segment: list[str], i: int, remit_id: str, claim_id: str, line: int, component: str, out: Remit835) -> None:
    raw = element(segment, 1)
    parts = raw.split(component)
    if len(parts) == 1 and len(raw) > 3 and not raw[2].isalnum():
        # Real files (X12 guide examples among them) declare one component separator in ISA16 and use
        # another in SVC01; the qualifier is always two letters, so the separator is unambiguous.
        parts = raw.split(raw[2])
    code = parts[1].strip() if len(parts) > 1 else ""
    if not code:
        raise BadValueError(i, f"SVC01 {raw!r} carries no procedure code")
    # An institutional line paid by revenue code alone: SVC01 qualifier NU; else SVC04 may add the line's
    # revenue code to its HCPCS.
    by_revenue = parts[0].strip() == "NU"
    revenue = revenue_code(code if by_revenue else element(segment, 4))
    if by_revenue and revenue is None:
        raise BadValueError(i, f"SVC01 revenue code {code!r} is not 4 digits")
    modifiers = " ".join(m for m in parts[2:6] if m) or None
    units = amount(segment, 5, i, 1.0)
    out.lines.add(
        remit_id,
        claim_id,
        line,
        None,
        None if by_revenue else code,
        modifiers,
        amount(segment, 2, i),
        amount(segment, 3, i),
        units,
        "",
        revenue,
    )


def _line_date(segment: list[str], i: int, dates: list[str]) -> None:
    qualifier = element(segment, 1)
    # DTM*472 is the service date; a 150/151 period gives its start when there is no 472.
    if qualifier == "472" or (qualifier == "150" and not dates[-1]) or (qualifier == "151" and not dates[-1]):
        dates[-1] = date8(element(segment, 2), i, f"DTM*{qualifier} date")


def _remark(
    ts: TransactionSet, code: str, i: int, remit_id: str, claim_id: str, line: int | None, out: Remit835
) -> None:
    if not code:
        return
    if RARC_FORMAT.match(code):
        out.remarks.add(remit_id, claim_id, line, code)
    else:
        out.issues.append(
            Issue(
                ts.file,
                ts.segment_number(i),
                f"{ts.segments[i][0]} remark {code!r} is not a remittance advice remark code (RARC); remark dropped",
                "value",
                claim_id,
            )
        )
