"""X12 tokenising: delimiters from the ISA segment (or from a bare ST), segments split into elements.

Kept small and fast on purpose: the file is decoded once, split once on the segment terminator and once per
segment on the element separator; composites are split only where a mapper needs them.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from denial_ml.ingest.errors import X12Error

BOM = "\ufeff"
ISA_LENGTH = 106  # a fixed-width ISA is 106 characters including its terminator
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")


@dataclass(frozen=True)
class Delimiters:
    """The four X12 delimiters of one interchange."""

    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = None


def decode(data: bytes) -> str:
    """Decode file bytes: UTF-8 (byte-order mark dropped), or Latin-1 when the bytes are not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.lstrip(BOM + " \t\r\n")


def detect_delimiters(text: str, file: str) -> Delimiters:
    """Find the delimiters of an interchange that starts with ISA, or of a bare transaction set (ST).

    A fixed-width ISA gives the component separator and terminator at positions 104 and 105; an ISA whose
    fields were not padded (seen in real files) is read by counting its 16 element separators instead.

    Raises:
        X12Error: when the text starts with neither ISA nor ST, or the ISA is cut short.
    """
    if text.startswith("ISA") and len(text) > 3:
        return _isa_delimiters(text, file)
    if text.startswith("ST") and len(text) > 3 and not text[2].isalnum():
        return _bare_st_delimiters(text)
    start = text[:20].encode("unicode_escape").decode("ascii")
    raise X12Error(file, 1, f"not an X12 file: it starts with {start!r}, not with an ISA or ST segment")


def _isa_delimiters(text: str, file: str) -> Delimiters:
    element = text[3]
    if len(text) >= ISA_LENGTH and text[103] == element and text.count(element, 0, 104) == 16:
        position = 103  # fixed-width ISA
    else:
        position = -1
        for _ in range(16):
            position = text.find(element, position + 1)
            if position < 0:
                raise X12Error(file, 1, "truncated ISA segment: fewer than 16 element separators")
    if position + 2 >= len(text):
        raise X12Error(file, 1, "truncated ISA segment: no component separator or segment terminator")
    component, segment = text[position + 1], text[position + 2]
    if segment in "\r\n":
        segment = "\n"  # line ends used as segment terminators
    fields = text[:position].split(element)
    repetition = fields[11] if fields[12] >= "00402" and not fields[11].isalnum() else None
    return Delimiters(element, component, segment, repetition)


def _bare_st_delimiters(text: str) -> Delimiters:
    element = text[2]
    i = 3
    while i < len(text) and (text[i].isalnum() or text[i] == element):
        i += 1
    segment = text[i] if i < len(text) else "~"
    if segment in "\r\n":
        segment = "\n"
    component = observed_component(text, element, segment) or ":"
    return Delimiters(element, component, segment, None)


def observed_component(text: str, element: str, segment: str) -> str | None:
    """The component separator the file actually uses: the character after the 2-letter qualifier of its
    first procedure composite (SVC01 / SV101 / SV202), or None when there is none in the first 200 kB.
    """
    e = re.escape(element)
    composite = re.search(
        r"(?:SVC|SV1|SV2" + e + r"\w*)" + e + r"[A-Z]{2}([^A-Za-z0-9\s" + e + re.escape(segment) + r"])",
        text[:200_000],
    )
    return composite.group(1) if composite else None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading builds millions of small, acyclic lists, which it would
    rescan over and over (measured: it doubled the tokenising time and made it erratic)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def split_segments(text: str, delimiters: Delimiters) -> list[list[str]]:
    """Split decoded text into segments, each a list of elements (element 0 is the segment id).

    Line ends around terminators are dropped (CR, LF, CRLF); empty segments are skipped.
    """
    element = delimiters.element
    with paused_gc():
        return [s.split(element) for s in raw_segments(text, delimiters)]


def raw_segments(text: str, delimiters: Delimiters) -> list[str]:
    """Split decoded text into segment texts (line ends around terminators dropped, empty ones skipped)."""
    if delimiters.segment != "\n" and ("\n" in text or "\r" in text):
        text = text.replace("\r", "").replace("\n", "")
    terminator = delimiters.segment
    if f" {terminator}" in text or f"{terminator} " in text or "\t" in text:
        return [s for s in (raw.strip() for raw in text.split(terminator)) if s]
    return [s for s in text.split(terminator) if s]  # fast path: nothing to strip


def check_segment_id(segment: list[str], number: int, file: str) -> None:
    """Raise when a segment does not start with a valid segment id (a sign of a non-X12 or corrupt file)."""
    if not _SEGMENT_ID.match(segment[0]):
        raise X12Error(file, number, f"invalid segment id {segment[0][:20]!r}: not X12 from here on")
