"""271 eligibility response (005010X279A1) -> `eligibility_responses`: one row per member answered.

The hierarchy is the information source (HL 20, NM1*PR: the payer), the receiver (HL 21, NM1*1P: the
provider asking), then the subscriber (HL 22, NM1*IL with the member id) and any dependent (HL 23, whose
member id is the subscriber's). A member's row carries the inquiry's trace number (TRN*2 echoes the 270's;
TRN*1 is the payer's own), birth date (DMG02), coverage dates (DTP 356/357 eligibility, 346/347 plan, 291
plan range) and the benefits: EB01 1-5 is active coverage, 6-8 inactive, each for the service types of EB03
(30: health benefit plan coverage). The coverage status is that of service type 30 when answered, else of any
service type; a member the payer could not find (AAA, no EB) is `not_found`. A member with an unusable date is
left out with an issue naming its segment; the other members of the set are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.frontend_tables import FrontEndRows, response_header
from denial_ml.ingest.values import BadValueError, element, period_end, period_start

ACTIVE = frozenset({"1", "2", "3", "4", "5"})
INACTIVE = frozenset({"6", "7", "8"})
PLAN_COVERAGE = "30"
BEGIN_DATES = ("356", "346")  # preferred first
END_DATES = ("357", "347")


@dataclass
class _Member:
    """What a 271 says about one subscriber or dependent."""

    relationship: str
    member_id: str = ""
    trace: dict[str, str] = field(default_factory=dict)
    birth_date: str = ""
    dates: dict[str, str] = field(default_factory=dict)
    active: list[str] = field(default_factory=list)
    inactive: list[str] = field(default_factory=list)
    plan_status: str = ""
    rejects: list[str] = field(default_factory=list)


def map_271(ts: TransactionSet, set_id: str, rows: FrontEndRows) -> None:
    """Read one 271 set's members into `rows.eligibility_responses`.

    Args:
        ts: The 271 transaction set.
        set_id: "<file stem>/<ST02>", prefix of its response ids.
        rows: The collector the rows and issues go to.
    """
    header = response_header(ts, rows, "271")
    if header is None:
        return
    bht, response_date = header
    parties = {"payer": "", "provider": "", "subscriber": ""}
    level, number, segments = "", 0, ts.segments
    index = bht + 1
    while index < len(segments):
        segment = segments[index]
        if segment[0] == "HL":
            level = element(segment, 3)
            if level in ("22", "23"):
                end = _member_end(segments, index)
                number += 1
                member = _Member("subscriber" if level == "22" else "dependent")
                try:
                    _read_member(ts, index + 1, end, member)
                except BadValueError as problem:
                    where = ts.segment_number(problem.index)
                    rows.issues.append(Issue(ts.file, where, f"{problem}; eligibility response left out", "claim"))
                else:
                    if level == "22":
                        parties["subscriber"] = member.member_id
                    member.member_id = member.member_id or parties["subscriber"]
                    _add(rows, ts, f"{set_id}/{number}", set_id, response_date, parties, member)
                index = end
                continue
        elif segment[0] == "NM1" and level == "20" and element(segment, 1) == "PR":
            parties["payer"] = element(segment, 9)
        elif segment[0] == "NM1" and level == "21":
            parties["provider"] = element(segment, 9)
        index += 1


def _member_end(segments: list[list[str]], start: int) -> int:
    end = start + 1
    while end < len(segments) and segments[end][0] not in ("HL", "SE"):
        end += 1
    return end


def _read_member(ts: TransactionSet, start: int, end: int, member: _Member) -> None:
    repetition = ts.delimiters.repetition or "^"
    for index in range(start, end):
        segment = ts.segments[index]
        tag = segment[0]
        if tag == "TRN":
            member.trace.setdefault(element(segment, 1), element(segment, 2))
        elif tag == "NM1" and element(segment, 1) in ("IL", "03") and element(segment, 9):
            member.member_id = element(segment, 9)
        elif tag == "DMG" and element(segment, 2):
            member.birth_date = period_start(element(segment, 2), index, "DMG02 birth date")
        elif tag == "DTP":
            _read_date(segment, index, member)
        elif tag == "EB":
            _read_benefit(segment, repetition, member)
        elif tag == "AAA" and element(segment, 3):
            member.rejects.append(element(segment, 3))


def _read_date(segment: list[str], index: int, member: _Member) -> None:
    qualifier, raw = element(segment, 1), element(segment, 3)
    if qualifier not in (*BEGIN_DATES, *END_DATES, "291", "472") or qualifier in member.dates:
        return
    name = f"DTP03 ({qualifier})"
    if qualifier == "291":
        member.dates["291"] = period_start(raw, index, name)
        member.dates["291-end"] = period_end(raw, index, name) if element(segment, 2) == "RD8" else ""
    else:
        member.dates[qualifier] = period_start(raw, index, name)


def _read_benefit(segment: list[str], repetition: str, member: _Member) -> None:
    code = element(segment, 1)
    types = [t for t in element(segment, 3).split(repetition) if t] or [PLAN_COVERAGE]
    if code in ACTIVE:
        member.active.extend(t for t in types if t not in member.active)
    elif code in INACTIVE:
        member.inactive.extend(t for t in types if t not in member.inactive)
    else:
        return
    if PLAN_COVERAGE in types and not member.plan_status:
        member.plan_status = "active" if code in ACTIVE else "inactive"


def _status(member: _Member) -> str:
    if member.plan_status:
        return member.plan_status
    if member.active:
        return "active"
    if member.inactive:
        return "inactive"
    return "not_found" if member.rejects else "unknown"


def _add(
    rows: FrontEndRows,
    ts: TransactionSet,
    response_id: str,
    set_id: str,
    response_date: str,
    parties: dict[str, str],
    member: _Member,
) -> None:
    dates = member.dates
    begin = next((dates[q] for q in BEGIN_DATES if dates.get(q)), dates.get("291", ""))
    end = next((dates[q] for q in END_DATES if dates.get(q)), dates.get("291-end", ""))
    rows.eligibility_responses.add(
        response_id,
        set_id,
        ts.file,
        member.trace.get("2") or member.trace.get("1") or None,
        response_date,
        parties["payer"] or None,
        parties["provider"] or None,
        member.member_id or None,
        member.birth_date or None,
        member.relationship,
        _status(member),
        " ".join(member.active),
        " ".join(member.inactive),
        begin or None,
        end or None,
        dates.get("472") or None,
        " ".join(member.rejects),
    )
