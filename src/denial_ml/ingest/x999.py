"""999 implementation acknowledgement (005010X231A1) -> `acknowledgements` rows: one per acknowledged set.

AK1 names the functional group answered (its GS06), each AK2 one of its transaction sets (ST02) with the IK3
segment errors (the segment id, its position in the set, its loop), IK4 element errors and IK5 the set's
verdict; AK9 gives the group's verdict (A accepted, E accepted with errors, P partially accepted, R
rejected). A group answered without AK2 gives one row for the whole group. A 999 that cannot be read (no AK1,
no AK9, an unknown verdict) is refused as a whole set: its rows are never half-kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.frontend_tables import FrontEndRows
from denial_ml.ingest.values import BadValueError, element

SET_STATUSES = ("A", "E", "M", "R", "W", "X")
GROUP_STATUSES = ("A", "E", "M", "P", "R", "W", "X")
ACCEPTING = ("A", "E")  # the set (or group) goes on to the payer


@dataclass
class _Answer:
    """What a 999 says about one acknowledged transaction set (an AK2 loop)."""

    kind: str = ""
    control: str = ""
    status: str = ""
    codes: list[str] = field(default_factory=list)
    errors: int = 0
    ik3: list[str] = field(default_factory=list)
    ik4: list[str] = field(default_factory=list)


def map_999(ts: TransactionSet, set_id: str, rows: FrontEndRows) -> None:
    """Read one 999 set into `rows.acknowledgements`; a set that cannot be read becomes one issue.

    Args:
        ts: The 999 transaction set.
        set_id: "<file stem>/<ST02>", prefix of its rows' ids.
        rows: The collector the rows and issues go to.
    """
    try:
        group, answers, verdict = _read(ts)
    except BadValueError as problem:
        rows.issues.append(Issue(ts.file, ts.segment_number(problem.index), f"{problem}; 999 set left out", "set"))
        return
    status = element(verdict, 1)
    counts = [_count(element(verdict, n)) for n in (2, 3, 4)]
    for n, answer in enumerate(answers or [_Answer()], start=1):
        accepted = (answer.status or status) in ACCEPTING if answer.kind else status in ACCEPTING
        rows.acknowledgements.add(
            f"{set_id}/{n}",
            set_id,
            ts.file,
            element(group, 1),
            element(group, 2),
            answer.kind or None,
            answer.control or None,
            answer.status or None,
            " ".join(answer.codes),
            answer.errors,
            element(answer.ik3, 1) or None,
            _count(element(answer.ik3, 2)),
            element(answer.ik3, 3) or None,
            element(answer.ik3, 4) or None,
            element(answer.ik4, 1) or None,
            element(answer.ik4, 3) or None,
            status,
            *counts,
            accepted,
        )


def _read(ts: TransactionSet) -> tuple[list[str], list[_Answer], list[str]]:
    """The AK1 group, the AK2 answers and the AK9 verdict of one 999 (checked)."""
    group: list[str] | None = None
    verdict: list[str] | None = None
    answers: list[_Answer] = []
    for index, segment in enumerate(ts.segments):
        tag = segment[0]
        if tag == "AK1":
            group = segment
            if not element(segment, 2):
                raise BadValueError(index, "AK102 (the acknowledged group's control number) is empty")
        elif tag == "AK2":
            answers.append(_Answer(kind=element(segment, 1), control=element(segment, 2)))
        elif tag == "IK3" and answers:
            answers[-1].errors += 1
            answers[-1].ik3 = answers[-1].ik3 or segment
        elif tag == "IK4" and answers:
            answers[-1].ik4 = answers[-1].ik4 or segment
        elif tag == "IK5" and answers:
            answers[-1].status = _code(segment, index, SET_STATUSES)
            answers[-1].codes = [c for c in segment[2:7] if c]
        elif tag == "AK9":
            verdict = segment
            _code(segment, index, GROUP_STATUSES)
    if group is None:
        raise BadValueError(0, "999 without AK1: it does not say which functional group it answers")
    if verdict is None:
        raise BadValueError(len(ts.segments) - 1, "999 without AK9: the group's verdict is missing")
    for answer in answers:
        if not answer.status:
            raise BadValueError(0, f"999 answer to set {answer.control!r} has no IK5 verdict")
    return group, answers, verdict


def _code(segment: list[str], index: int, known: tuple[str, ...]) -> str:
    value = element(segment, 1)
    if value not in known:
        raise BadValueError(index, f"{segment[0]}01 {value!r} is not a known acknowledgement code ({'/'.join(known)})")
    return value


def _count(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None
