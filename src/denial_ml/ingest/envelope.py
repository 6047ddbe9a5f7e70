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

from collections.abc import Mapping
from dataclasses import dataclass, field

from denial_ml.ingest.envelope_state import (
    VERSION_PREFIXES,
    EnvelopeState,
    SetSink,
    TransactionSet,
    close_group,
    close_interchange,
    open_group,
    open_interchange,
    settle_interchange,
)
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

TRANSACTION_SETS = ("835", "837", "999", "277", "271")
ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
__all__ = ["Envelope", "EnvelopeReader", "SetSink", "TransactionSet", "read_envelope"]


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
        self.state = EnvelopeState(file, strict_counts, delimiters, sink, log=InterchangeLog(file, dict(taken or {})))
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


def _step(state: EnvelopeState, position: int, segment: list[str]) -> None:
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
        open_interchange(state, position, segment, number)
    elif tag == "GS":
        open_group(state, segment, number)
    elif tag == "GE":
        close_group(state, segment, number)
    elif tag == "IEA":
        state.hash_through(position + 1)
        close_interchange(state, segment, number)
    else:
        state.issue(number, f"segment {tag} outside a transaction set (no ST before it)", "none")


def _close_set(state: EnvelopeState, end: int) -> None:
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
        problems.append(f"unsupported transaction set ST01 {kind!r}; this reader knows {', '.join(TRANSACTION_SETS)}")
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


def _interchange_key(state: EnvelopeState) -> str:
    record = state.interchange if state.isa is not None else None
    return f"{record['sender']}/{record['control']}" if record else ""


def _finish(state: EnvelopeState) -> None:
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
        settle_interchange(state, total - 1)
