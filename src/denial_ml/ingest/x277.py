"""277CA claim acknowledgement (005010X214) and 277 claim status response (005010X212) -> `claim_events`.

Both carry a hierarchy (HL) down to the claim: information source (20, its NM1*PR or NM1*AY id is the payer),
receiver (21), provider (19), then the patient (PT, 277CA) or subscriber / dependent (22 / 23, 277). A claim
starts at its TRN*2 (the claim id as sent, CLM01) and holds its STC status (category:code:entity, date,
action, charge, paid), REF*1K payer claim number, REF*D9 clearinghouse trace, REF*EJ patient account and
DTP*472 service date; service lines (SVC) are not read. A 277CA claim whose category is A3, A4, A6, A7 or A8
is a rejection (stopped before adjudication); other 277CA claims are acceptances; a 277 claim is a status
event (pending P.., finalized F.., ...), or a rejection when its category is one of those. A claim with an
unusable value is left out with an issue naming its segment; the other claims of the set are kept.
"""

from __future__ import annotations

from denial_ml.domain.claim_status import REJECTING_CATEGORIES
from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.frontend_tables import FrontEndRows, response_header
from denial_ml.ingest.values import BadValueError, element, is_date8, period_start

REJECTING = REJECTING_CATEGORIES
CLAIM_LEVELS = frozenset({"PT", "22", "23"})


def transaction_of(ts: TransactionSet) -> str:
    """ "277CA" for a claim acknowledgement (X214, BHT06 TH), "277" for a status response (X212, BHT06 DG)."""
    if "X214" in ts.version:
        return "277CA"
    if "X212" in ts.version:
        return "277"
    bht = next((s for s in ts.segments if s[0] == "BHT"), [])
    return "277CA" if element(bht, 6) == "TH" else "277"


def map_277(ts: TransactionSet, set_id: str, rows: FrontEndRows) -> None:
    """Read one 277CA or 277 set's claims into `rows.claim_events`.

    Args:
        ts: The transaction set.
        set_id: "<file stem>/<ST02>", prefix of its event ids.
        rows: The collector the rows and issues go to.
    """
    header = response_header(ts, rows, "277")
    if header is None:
        return
    bht, response_date = header
    context = {"transaction": transaction_of(ts), "response_date": response_date, "payer": ""}
    level, index, number = "", bht + 1, 0
    segments = ts.segments
    while index < len(segments):
        segment = segments[index]
        if segment[0] == "HL":
            level = element(segment, 3)
        elif segment[0] == "NM1" and level == "20" and element(segment, 1) in ("PR", "AY"):
            context["payer"] = element(segment, 9)
        elif segment[0] == "TRN" and element(segment, 1) == "2" and level in CLAIM_LEVELS:
            end = _claim_end(segments, index)
            number += 1
            _claim(ts, index, end, f"{set_id}/{number}", set_id, context, rows)
            index = end
            continue
        index += 1


def _claim_end(segments: list[list[str]], start: int) -> int:
    end = start + 1
    while end < len(segments) and segments[end][0] not in ("HL", "TRN", "SE"):
        end += 1
    return end


def _claim(
    ts: TransactionSet, start: int, end: int, event_id: str, set_id: str, context: dict[str, str], rows: FrontEndRows
) -> None:
    """One claim's event; a bad value leaves the claim out with an issue naming its segment."""
    claim_id = element(ts.segments[start], 2)
    try:
        event = _read_claim(ts.segments, start, end, ts.delimiters.component)
    except BadValueError as problem:
        rows.issues.append(
            Issue(ts.file, ts.segment_number(problem.index), f"{problem}; claim event left out", "claim", claim_id)
        )
        return
    claim_id = claim_id or event["EJ"]
    if not claim_id:
        rows.issues.append(Issue(ts.file, ts.segment_number(start), "TRN02 (the claim id) is empty", "claim"))
        return
    category = event["category"]
    kind = "rejection" if category in REJECTING else ("acceptance" if context["transaction"] == "277CA" else "status")
    rows.claim_events.add(
        event_id,
        set_id,
        ts.file,
        context["transaction"],
        claim_id,
        event["1K"] or None,
        event["D9"] or None,
        context["payer"] or None,
        kind,
        category,
        event["code"],
        event["entity"] or None,
        event["others"],
        event["date"] or None,
        event["action"] or None,
        event["charge"],
        event["paid"],
        event["service"] or None,
        context["response_date"],
    )


def _read_claim(segments: list[list[str]], start: int, end: int, component: str) -> dict:
    """The claim-level STC, REF and DTP of one claim loop (service lines, from the first SVC, are skipped)."""
    event: dict = {"1K": "", "D9": "", "EJ": "", "service": "", "others": "", "stc": None}
    others: list[str] = []
    for index in range(start + 1, end):
        segment = segments[index]
        tag = segment[0]
        if tag == "SVC":
            break
        if tag == "STC":
            if event["stc"] is None:
                event["stc"] = index
            else:
                others.append(element(segment, 1))
            others.extend(c for c in (element(segment, 10), element(segment, 11)) if c)
        elif tag == "REF" and element(segment, 1) in ("1K", "D9", "EJ"):
            event[element(segment, 1)] = element(segment, 2)
        elif tag == "DTP" and element(segment, 1) == "472" and not event["service"]:
            event["service"] = period_start(element(segment, 3), index, "DTP03 service date")
    if event["stc"] is None:
        raise BadValueError(start, "claim without STC status")
    event.update(_status(segments[event["stc"]], event["stc"], component))
    event["others"] = " ".join(others)
    return event


def _status(stc: list[str], index: int, component: str) -> dict:
    parts = element(stc, 1).split(component)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise BadValueError(index, f"STC01 {element(stc, 1)!r} lacks a status category and code")
    date = element(stc, 2)
    if date and not is_date8(date):
        raise BadValueError(index, f"STC02 {date!r} is not a CCYYMMDD date")
    return {
        "category": parts[0],
        "code": parts[1],
        "entity": parts[2] if len(parts) > 2 else "",
        "date": date,
        "action": element(stc, 3),
        "charge": _money(stc, 4, index),
        "paid": _money(stc, 5, index),
    }


def _money(segment: list[str], position: int, index: int) -> float | None:
    raw = element(segment, position)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise BadValueError(index, f"STC{position:02d} {raw!r} is not a number") from None
