"""The state of an envelope being read, and what its ISA, GS, GE and IEA do to it (see `envelope`).

Trailers check what they close; in strict mode a wrong count refuses the sets already sent to the sink (a
rollback to the checkpoint taken when the group or interchange opened), as does an interchange taken before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from denial_ml.ingest.errors import Issue
from denial_ml.ingest.interchanges import InterchangeLog
from denial_ml.ingest.tokens import Delimiters

INTERCHANGE_VERSIONS = ("00401", "00501")
VERSION_PREFIXES = ("004010", "005010")


@dataclass
class TransactionSet:
    """One whole ST...SE transaction set.

    Attributes:
        file: The file it came from, as named by the user.
        kind: ST01, "835" or "837".
        control: ST02 control number.
        version: Implementation guide version (ST03, else GS08; "" in an envelope-less fragment).
        segments: The segments ST..SE, each a list of elements.
        first_segment: File segment number of the ST segment.
        ordinal: 1-based position of the set in its file.
        delimiters: Delimiters of the interchange.
        interchange: "<ISA06 sender>/<ISA13 control number>" ("" in an envelope-less fragment).
        group: GS06 group control number.
    """

    file: str
    kind: str
    control: str
    version: str
    segments: list[list[str]]
    first_segment: int
    ordinal: int
    delimiters: Delimiters
    interchange: str = ""
    group: str = ""

    def segment_number(self, index: int) -> int:
        """File segment number of `segments[index]`."""
        return self.first_segment + index


class SetSink(Protocol):
    """Where the envelope sends each whole transaction set it keeps, and takes sets back from.

    A trailer may refuse sets already sent (strict counts: GE the group's, IEA the interchange's) and an
    interchange found at its IEA to be taken before loses its sets: `rollback` returns to a `checkpoint`.
    """

    @property
    def count(self) -> int:
        """Sets kept so far."""

    def add(self, ts: TransactionSet) -> None:
        """Take one whole, checked transaction set."""

    def checkpoint(self) -> object:
        """A token to roll back to (taken when an interchange or group opens)."""

    def rollback(self, token: object) -> None:
        """Drop every set added since `token`."""


@dataclass
class EnvelopeState:
    file: str
    strict_counts: bool
    delimiters: Delimiters
    sink: SetSink
    issues: list[Issue] = field(default_factory=list)
    index: int = -1  # 0-based index of the segment being read, in the file
    isa: list[str] | None = None
    isa_ok: bool = True
    groups: int = 0
    gs: list[str] | None = None
    gs_number: int = 0
    gs_ok: bool = True
    gs_sets: int = 0
    st_index: int | None = None
    buffer: list[list[str]] = field(default_factory=list)  # the open set's segments, ST first
    log: InterchangeLog | None = None
    interchange: dict | None = None  # the open interchange's record
    isa_first_set: tuple[int, object] = (0, None)  # (sets kept, checkpoint) when the interchange opened
    gs_first_set: tuple[int, object] = (0, None)
    digest: Any = None  # SHA-256 of the open interchange's segments, fed chunk by chunk
    raws: list[str] = field(default_factory=list)  # the chunk being read (raw segment texts)
    hash_from: int = 0  # first position in `raws` not hashed yet

    def issue(self, number: int, problem: str, rejected: str = "set") -> None:
        self.issues.append(Issue(self.file, number, problem, rejected))

    def count_issue(self, number: int, problem: str) -> bool:
        """Record a trailer mismatch; returns True when it rejects what the trailer closes (strict mode)."""
        self.issue(
            number,
            problem + ("" if self.strict_counts else " (kept: a warning without --strict)"),
            "set" if self.strict_counts else "none",
        )
        return self.strict_counts

    def hash_through(self, stop: int) -> None:
        """Add the chunk's segments up to `stop` (exclusive) to the open interchange's hash.

        Each segment counts as its elements joined by US (0x1F), then RS (0x1E): the same bytes as joining
        the split elements, in one update per chunk rather than one per segment.
        """
        if self.digest is not None and stop > self.hash_from:
            element = self.delimiters.element
            texts = self.raws[self.hash_from : stop]
            if element in "\x1e\x1f":
                joined = "".join(t.replace(element, "\x1f") + "\x1e" for t in texts)
            else:
                joined = ("\x1e".join(texts) + "\x1e").replace(element, "\x1f")
            self.digest.update(joined.encode("utf-8", "surrogateescape"))
        self.hash_from = stop


def open_interchange(state: EnvelopeState, position: int, isa: list[str], number: int) -> None:
    if state.isa is not None:
        state.issue(number, "truncated interchange: ISA before the IEA of the previous interchange", "none")
        state.hash_through(position)
        settle_interchange(state, number - 2)
    state.isa, state.groups, state.isa_ok = isa, 0, True
    state.isa_first_set = (state.sink.count, state.sink.checkpoint())
    assert state.log is not None
    state.interchange = state.log.open(isa, number - 1)
    state.digest, state.hash_from = hashlib.sha256(), position
    version = isa[12] if len(isa) > 12 else ""
    if version not in INTERCHANGE_VERSIONS:
        state.isa_ok = False
        state.issue(
            number,
            f"unknown interchange version ISA12 {version!r}; "
            f"known: {', '.join(INTERCHANGE_VERSIONS)}; the interchange is skipped",
        )


def open_group(state: EnvelopeState, gs: list[str], number: int) -> None:
    if state.gs is not None:
        state.issue(number, "GS before the GE of the previous functional group", "none")
    state.gs, state.gs_number, state.gs_sets, state.gs_ok = gs, number, 0, True
    state.gs_first_set = (state.sink.count, state.sink.checkpoint())
    state.groups += 1
    if state.interchange is not None:
        state.interchange["groups"].append(gs[6] if len(gs) > 6 else "")
    version = gs[8] if len(gs) > 8 else ""
    if not version.startswith(VERSION_PREFIXES):
        # De-identified files carry "99999" or a bare "5010": the sets are read by their own shape.
        state.issue(
            number, f"unknown version GS08 {version!r} (known: 004010x / 005010x); read as its ST01 says", "none"
        )


def close_group(state: EnvelopeState, ge: list[str], number: int) -> None:
    if state.gs is None:
        state.issue(number, "GE without a GS", "none")
        return
    declared = ge[1] if len(ge) > 1 else ""
    problems = []
    if declared != str(state.gs_sets):
        problems.append(f"GE01 says {declared!r} transaction sets, the group holds {state.gs_sets}")
    control, opened = (ge[2] if len(ge) > 2 else "").strip(), (state.gs[6] if len(state.gs) > 6 else "").strip()
    if control != opened:
        problems.append(f"GE02 control number {control!r} differs from GS06 {opened!r}")
    refuse_on_trailer(state, number, problems, state.gs_first_set, "group")
    state.gs = None


def close_interchange(state: EnvelopeState, iea: list[str], number: int) -> None:
    if state.isa is None:
        state.issue(number, "IEA without an ISA", "none")
        return
    if state.gs is not None:
        state.issue(number, "truncated functional group: IEA before GE", "none")
        state.gs = None
    declared = iea[1] if len(iea) > 1 else ""
    problems = []
    if declared != str(state.groups):
        problems.append(f"IEA01 says {declared!r} functional groups, the interchange holds {state.groups}")
    control = iea[2] if len(iea) > 2 else ""
    if control.strip() != state.isa[13].strip():
        problems.append(f"IEA02 control number {control!r} differs from ISA13 {state.isa[13]!r}")
    refuse_on_trailer(state, number, problems, state.isa_first_set, "interchange")
    settle_interchange(state, number - 1)
    state.isa = None


def settle_interchange(state: EnvelopeState, end: int) -> None:
    """Close the open interchange's record (its segments hashed up to `end`); a repeat of one taken before
    loses its sets."""
    if state.interchange is None or state.log is None:
        return
    state.issues.extend(state.log.close(state.interchange, state.digest.hexdigest(), end))
    state.digest = None
    if not state.interchange["taken"]:
        state.sink.rollback(state.isa_first_set[1])
    state.interchange = None


def refuse_on_trailer(
    state: EnvelopeState, number: int, problems: list[str], first_set: tuple[int, object], what: str
) -> None:
    """Report trailer mismatches; in strict mode drop the sets the trailer closes."""
    refused = False
    for problem in problems:
        refused |= state.count_issue(number, problem)
    count, token = first_set
    if refused and state.sink.count > count:
        state.issue(number, f"the {what}'s {state.sink.count - count} transaction set(s) are refused")
        state.sink.rollback(token)
