"""The 835 parts outside the claim loops: the payment header (BPR, TRN, DTM*405, N1*PR/PE, REF*2U) and the
PLB provider adjustments."""

from __future__ import annotations

from dataclasses import dataclass

from denial_ml.ingest.columns import Columns
from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.values import PLB_REASONS, BadValueError, amount, element, is_date8


@dataclass
class PaymentHeader:
    """What the 835 says before its first CLP: payment (BPR), trace (TRN), dates, payer and payee (N1)."""

    set_id: str
    payer_id: str | None = None
    payer_name: str = ""
    payee_id: str = ""
    payee_name: str = ""
    payment_amount: float | None = None
    payment_method: str = ""
    payment_date: str = ""
    production_date: str = ""
    trace_number: str = ""
    trn_payer: str = ""


def read_header_segment(segment: list[str], header: PaymentHeader) -> None:
    """Take what a header segment (BPR, TRN, DTM*405, N1*PR/PE, REF*2U) says into `header`."""
    tag = segment[0]
    if tag == "BPR":
        header.payment_method = element(segment, 4)
        header.payment_date = element(segment, 16)
        try:
            header.payment_amount = float(element(segment, 2))
        except ValueError:
            header.payment_amount = None
    elif tag == "TRN":
        header.trace_number, header.trn_payer = element(segment, 2), element(segment, 3)
    elif tag == "DTM" and element(segment, 1) == "405":
        header.production_date = element(segment, 2)
    elif tag == "N1" and element(segment, 1) == "PR":
        header.payer_name = element(segment, 2).strip()
        header.payer_id = element(segment, 4).strip() or header.payer_id
    elif tag == "N1" and element(segment, 1) == "PE":
        header.payee_name, header.payee_id = element(segment, 2).strip(), element(segment, 4).strip()
    elif tag == "REF" and element(segment, 1) == "2U" and not header.payer_id:
        header.payer_id = element(segment, 2).strip()


def finish_header(
    ts: TransactionSet, header: PaymentHeader, payments: Columns, issues: list[Issue], index: int
) -> bool:
    """Settle the payer id and adjudication date; False (set rejected) when there is no usable date."""
    header.payer_id = header.payer_id or header.trn_payer or None
    if not is_date8(header.production_date):
        if not is_date8(header.payment_date):
            issues.append(
                Issue(
                    ts.file,
                    ts.segment_number(index),
                    "transaction set "
                    + ts.control
                    + f" has no valid production date (DTM*405 {header.production_date!r}) "
                    f"nor payment date (BPR16 {header.payment_date!r})",
                    "set",
                )
            )
            return False
        header.production_date = header.payment_date
    payments.add(
        header.set_id,
        header.payer_id,
        header.payer_name,
        header.payee_id,
        header.payee_name,
        header.payment_amount,
        header.payment_method,
        header.payment_date if is_date8(header.payment_date) else "",
        header.production_date,
        header.trace_number,
    )
    return True


def map_plb(ts: TransactionSet, i: int, set_id: str, rows: Columns, issues: list[Issue]) -> None:
    """PLB provider-level adjustments: one row per (reason, amount) pair; a bad pair is dropped with an error."""
    segment = ts.segments[i]
    provider, period = element(segment, 1), element(segment, 2)
    if not is_date8(period):
        issues.append(Issue(ts.file, ts.segment_number(i), f"PLB02 {period!r} is not a date; PLB dropped", "value"))
        return
    for position in range(3, min(len(segment), 15), 2):
        composite = segment[position]
        if not composite:
            continue
        reason, _, reference = composite.partition(ts.delimiters.component)
        try:
            if reason not in PLB_REASONS:
                raise BadValueError(i, f"PLB{position:02d} reason {reason!r} is not a provider adjustment reason code")
            value = amount(segment, position + 1, i)
        except BadValueError as problem:
            issues.append(Issue(ts.file, ts.segment_number(i), f"{problem}; adjustment dropped", "value"))
            continue
        rows.add(set_id, provider, period, reason, reference or None, value)
