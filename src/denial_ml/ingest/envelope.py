"""The X12 envelope: ISA/GS/ST ... SE/GE/IEA, checked, cut into transaction sets.

Each problem becomes an `Issue` naming file, segment number and problem. A bad transaction set is left out
and reported while the good ones of the same file are kept; a file that is not X12 at all raises `X12Error`.
Real files carry envelopes the guides do not allow (de-identified GS08 "99999", a bare "5010", trailer
counts that are off by one): an unknown GS08/ST03 is a warning and the set is read by its own shape; a wrong
trailer count or control number (SE, GE, IEA) is a warning unless `strict_counts`, which refuses the set,
group or interchange. An interchange already taken (same sender ISA06, control number ISA13 and content; see
`interchanges`) is skipped with a warning, so the same remittances are never read twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from denial_ml.ingest.errors import Issue, X12Error
from denial_ml.ingest.interchanges import InterchangeLog, Key
from denial_ml.ingest.stream import Head, with_component
from denial_ml.ingest.tokens import (
    Delimiters,
    check_segment_id,
    decode,
    detect_delimiters,
    observed_component,
    raw_segments,
)

INTERCHANGE_VERSIONS = ("00401", "00501")
VERSION_PREFIXES = ("004010", "005010")
TRANSACTION_SETS = ("835", "837")
ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


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


@dataclass
class Envelope:
    """What `read_envelope` found: the whole transaction sets, the problems and the interchanges.

    `interchanges` holds one dict per ISA: sender (ISA06), control (ISA13), groups (GS06), sets (ST02),
    first_segment, last_segment, sha256 (of its segments) and taken (False when skipped as already taken).
    """

    sets: list[TransactionSet] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    interchanges: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Sets kept (as a `SetSink`)."""
        return len(self.sets)

    def add(self, ts: TransactionSet) -> None:
        """Keep one set (as a `SetSink`)."""
        self.sets.append(ts)

    def checkpoint(self) -> object:
        """The number of sets kept (as a `SetSink`)."""
        return len(self.sets)

    def rollback(self, token: object) -> None:
        """Drop the sets kept since `token` (as a `SetSink`)."""
        assert isinstance(token, int)
        del self.sets[token:]


def read_envelope(
    data: bytes, file: str, strict_counts: bool = False, taken: Mapping[Key, str] | None = None
) -> Envelope:
    """Tokenise a whole file held in memory and cut it into checked transaction sets (see `EnvelopeReader`;
    files are read streaming by `reading.read_file_sets`).

    Raises:
        X12Error: when the file is not X12 (or is empty).
    """
    text = decode(data)
    if not text:
        raise X12Error(file, 0, "empty file: no X12 segments")
    delimiters = detect_delimiters(text, file)
    head = Head(delimiters, observed_component(text, delimiters.element, delimiters.segment))
    envelope = Envelope()
    reader = EnvelopeReader(file, head, envelope, strict_counts, taken)
    reader.feed(raw_segments(text, reader.delimiters))
    envelope.issues, envelope.interchanges = reader.finish()
    return envelope


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
class _State:
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


class EnvelopeReader:
    """The envelope of one file, read segment by segment as the chunks of `stream.read_segments` come.

    Args:
        file: The file's name, quoted in every problem.
        head: The delimiters read from the file's head.
        sink: Where the whole, checked transaction sets go (see `SetSink`).
        strict_counts: When True, a trailer whose count or control number disagrees with what it closes
            refuses it: SE01/SE02 the transaction set, GE01/GE02 the group's sets, IEA01/IEA02 the
            interchange's sets. When False (the default) each mismatch is a warning and the sets are kept.
        taken: Interchanges already taken, (ISA06 sender, ISA13 control, content SHA-256) -> where (e.g.
            "batch 3"); their sets are skipped with a warning. An interchange repeated in the file is skipped too.
    """

    def __init__(
        self, file: str, head: Head, sink: SetSink, strict_counts: bool = False, taken: Mapping[Key, str] | None = None
    ):
        delimiters = with_component(head)
        self.state = _State(file, strict_counts, delimiters, sink, log=InterchangeLog(file, dict(taken or {})))
        if delimiters is not head.delimiters:
            # Seen in the X12 guide examples: ISA16 declares one separator, the composites use another.
            self.state.issue(
                1,
                f"ISA16 declares component separator {head.delimiters.component!r} but the composites use "
                f"{delimiters.component!r}; reading with {delimiters.component!r}",
                "none",
            )

    @property
    def delimiters(self) -> Delimiters:
        """The delimiters the file is read with."""
        return self.state.delimiters

    def feed(self, raws: list[str]) -> None:
        """Read the next chunk's segments (raw texts, terminator and line ends removed)."""
        state = self.state
        state.raws, state.hash_from = raws, 0
        element, tags, index = state.delimiters.element, ENVELOPE_TAGS, state.index
        buffer = state.buffer if state.st_index is not None else None
        for position, raw in enumerate(raws):
            segment = raw.split(element)
            index += 1
            # Fast path: a segment inside a transaction set needs no envelope work.
            if buffer is not None and segment[0] not in tags:
                buffer.append(segment)
                continue
            state.index = index
            _step(state, position, segment)
            buffer = state.buffer if state.st_index is not None else None
        state.index = index
        state.hash_through(len(raws))

    def finish(self) -> tuple[list[Issue], list[dict]]:
        """End of file: report what is left open; returns the envelope's issues and interchange records.

        `interchanges` holds one dict per ISA: sender (ISA06), control (ISA13), groups (GS06), sets (ST02),
        first_segment, last_segment, sha256 (of its segments) and taken (False when skipped as already taken).
        """
        state = self.state
        _finish(state)
        assert state.log is not None
        return state.issues, state.log.records


def _step(state: _State, position: int, segment: list[str]) -> None:
    tag, index = segment[0], state.index
    if state.st_index is not None:
        if tag == "SE":
            state.buffer.append(segment)
            _close_set(state, index)
            return
        if tag not in ("ST", "GE", "IEA", "GS", "ISA"):
            state.buffer.append(segment)
            return
        state.issue(state.st_index + 1, f"truncated transaction set: {tag} at segment {index + 1} before its SE")
        state.st_index, state.buffer = None, []
    number = index + 1
    check_segment_id(segment, number, state.file)
    if tag == "ST":
        state.st_index, state.buffer = index, [segment]
    elif tag == "ISA":
        _open_interchange(state, position, segment, number)
    elif tag == "GS":
        _open_group(state, segment, number)
    elif tag == "GE":
        _close_group(state, segment, number)
    elif tag == "IEA":
        state.hash_through(position + 1)
        _close_interchange(state, segment, number)
    else:
        state.issue(number, f"segment {tag} outside a transaction set (no ST before it)", "none")


def _open_interchange(state: _State, position: int, isa: list[str], number: int) -> None:
    if state.isa is not None:
        state.issue(number, "truncated interchange: ISA before the IEA of the previous interchange", "none")
        state.hash_through(position)
        _settle_interchange(state, number - 2)
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


def _open_group(state: _State, gs: list[str], number: int) -> None:
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


def _close_group(state: _State, ge: list[str], number: int) -> None:
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
    _refuse_on_trailer(state, number, problems, state.gs_first_set, "group")
    state.gs = None


def _close_interchange(state: _State, iea: list[str], number: int) -> None:
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
    _refuse_on_trailer(state, number, problems, state.isa_first_set, "interchange")
    _settle_interchange(state, number - 1)
    state.isa = None


def _settle_interchange(state: _State, end: int) -> None:
    """Close the open interchange's record (its segments hashed up to `end`); a repeat of one taken before
    loses its sets."""
    if state.interchange is None or state.log is None:
        return
    state.issues.extend(state.log.close(state.interchange, state.digest.hexdigest(), end))
    state.digest = None
    if not state.interchange["taken"]:
        state.sink.rollback(state.isa_first_set[1])
    state.interchange = None


def _refuse_on_trailer(
    state: _State, number: int, problems: list[str], first_set: tuple[int, object], what: str
) -> None:
    """Report trailer mismatches; in strict mode drop the sets the trailer closes."""
    refused = False
    for problem in problems:
        refused |= state.count_issue(number, problem)
    count, token = first_set
    if refused and state.sink.count > count:
        state.issue(number, f"the {what}'s {state.sink.count - count} transaction set(s) are refused")
        state.sink.rollback(token)


def _close_set(state: _State, end: int) -> None:
    start, state.st_index = state.st_index, None
    segments, state.buffer = state.buffer, []
    assert start is not None
    st, se = segments[0], segments[-1]
    number = start + 1
    state.gs_sets += 1
    kind = st[1] if len(st) > 1 else ""
    control = st[2] if len(st) > 2 else ""
    version = st[3] if len(st) > 3 and st[3] else (state.gs[8] if state.gs and len(state.gs) > 8 else "")
    count = end - start + 1
    problems = []
    if kind not in TRANSACTION_SETS:
        problems.append(f"unsupported transaction set ST01 {kind!r}; this reader knows 835 and 837")
    if version and not version.startswith(VERSION_PREFIXES) and len(st) > 3 and st[3]:
        state.issue(number, f"unknown version ST03 {version!r} (known: 004010x / 005010x); read as ST01 says", "none")
    for problem in problems:
        state.issue(number, problem)
    rejected = bool(problems) or not state.isa_ok or (state.gs is not None and not state.gs_ok)
    if state.interchange is not None:
        state.interchange["sets"].append(control)
    if se[2:3] != [control]:
        rejected |= state.count_issue(
            end + 1, f"SE02 {':'.join(se[2:3])!r} does not match ST02 control number {control!r}"
        )
    if se[1:2] != [str(count)]:
        declared = se[1] if len(se) > 1 else ""
        rejected |= state.count_issue(
            end + 1,
            f"SE01 says {declared!r} segments, transaction set {control} has {count} (ST at segment {number})",
        )
    if not rejected:
        ordinal = state.sink.count + 1
        state.sink.add(
            TransactionSet(
                state.file,
                kind,
                control,
                version,
                segments,
                number,
                ordinal,
                state.delimiters,
                _interchange_key(state),
                (state.gs[6] if state.gs and len(state.gs) > 6 else ""),
            )
        )


def _interchange_key(state: _State) -> str:
    record = state.interchange if state.isa is not None else None
    return f"{record['sender']}/{record['control']}" if record else ""


def _finish(state: _State) -> None:
    total = state.index + 1
    if state.st_index is not None:
        state.issue(
            state.st_index + 1,
            f"truncated transaction set: the file ends after segment {total} without its SE",
        )
        state.buffer = []
    if state.gs is not None:
        state.issue(total, "truncated interchange: the file ends without GE", "none")
    if state.isa is not None:
        state.issue(total, "truncated interchange: the file ends without IEA", "none")
        _settle_interchange(state, total - 1)
