"""Reading an X12 file in chunks: the file's hash and encoding first, then its segments, chunk by chunk.

Memory does not grow with the file: at most one chunk of text and one partial segment are held. What needs
the whole file is computed streaming by a first pass over the bytes (`scan_file`): the SHA-256, whether the
file is UTF-8 (else it is read as Latin-1, like `tokens.decode`), and whether any segment needs stripping
(a space beside a terminator, a tab: the rule of `tokens.split_segments`). The second pass
(`read_segments`) gives the delimiters (from the head: BOM and leading white space dropped, the ISA or bare
ST read as `tokens.detect_delimiters` does) and then the raw segment texts of each chunk, cut at the
terminator, with a segment cut across two chunks carried over.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from denial_ml.ingest.errors import X12Error
from denial_ml.ingest.tokens import BOM, Delimiters, detect_delimiters, observed_component

CHUNK_SIZE = 4 << 20  # bytes per read: large enough that per-chunk work is negligible, small for memory
LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 byte-order mark and white space: dropped before the ISA
BATCH_ROWS = 20_000  # remittances a run holds in memory before its spool takes them (see `spool`)
HEAD_CHARS = 200_000  # delimiters and the composites' separator are read from this much text (tokens.py)


@dataclass(frozen=True)
class FileScan:
    """What the first pass learned: content hash, size, encoding and whether segments need stripping."""

    sha256: str
    size: int
    encoding: str
    strip: bool


@dataclass
class Head:
    """The delimiters of the file and the component separator its composites actually use (or None)."""

    delimiters: Delimiters
    observed: str | None


def scan_file(path: Path, chunk_size: int = CHUNK_SIZE) -> FileScan:
    """Hash a file and find its encoding and stripping rule in one pass over its bytes.

    Raises:
        OSError: when the file cannot be read.
    """
    digest, size, utf8, strip = hashlib.sha256(), 0, True, False
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        chunks = iter(lambda: handle.read(chunk_size), b"")
        head: list[bytes] = []
        for chunk in chunks:  # the head, for the terminator the stripping rule needs
            head.append(chunk)
            size += len(chunk)
            if size >= HEAD_CHARS:
                break
        size = 0
        terminator = _head_terminator(b"".join(head))
        previous = b""
        for chunk in itertools.chain(head, chunks):
            digest.update(chunk)
            size += len(chunk)
            if utf8 and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not strip:
                data = chunk if terminator == b"\n" else chunk.translate(None, b"\r\n")
                if not previous:  # white space opening the file is dropped before splitting (tokens.decode)
                    data = data.lstrip(LEADING)
                strip = _needs_strip(previous + data, terminator)
                previous = data[-1:] or previous
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return FileScan(digest.hexdigest(), size, "utf-8" if utf8 else "latin-1", strip)


def _head_terminator(head: bytes) -> bytes:
    """The segment terminator as bytes, read from the head of the file."""
    text = head.lstrip(LEADING).decode("latin-1")
    try:
        segment = detect_delimiters(text, "").segment
    except X12Error:
        return b"~"  # not X12: the second pass reports it; any rule will do here
    return segment.encode("latin-1") if ord(segment) < 128 else b"~"


def _needs_strip(data: bytes, terminator: bytes) -> bool:
    """The rule of `tokens.split_segments` on bytes whose line ends were removed: a tab, or a space beside
    a terminator."""
    return b"\t" in data or b" " + terminator in data or terminator + b" " in data


def read_segments(path: Path, scan: FileScan, file: str, chunk_size: int = CHUNK_SIZE) -> Iterator[Head | list[str]]:
    """The file's head (delimiters) first, then lists of raw segment texts, chunk by chunk.

    Raises:
        X12Error: when the file is empty or not X12.
        OSError: when the file cannot be read.
    """
    decoder = codecs.getincrementaldecoder(scan.encoding)()
    with open(path, "rb") as handle:
        text, ended, pieces, length = "", False, [], 0
        while not ended and len(text) < HEAD_CHARS:
            chunk = handle.read(chunk_size)
            ended = not chunk
            pieces.append(decoder.decode(chunk, final=ended))
            length += len(pieces[-1])
            if ended or length >= HEAD_CHARS:
                text = "".join(pieces).lstrip(BOM + " \t\r\n")
                pieces, length = [text], len(text)
        if not text:
            raise X12Error(file, 0, "empty file: no X12 segments")
        delimiters = detect_delimiters(text, file)
        yield Head(delimiters, observed_component(text, delimiters.element, delimiters.segment))
        terminator, carry = delimiters.segment, ""
        while True:
            if terminator != "\n" and ("\n" in text or "\r" in text):
                text = text.replace("\r", "").replace("\n", "")
            parts = (carry + text).split(terminator)
            carry = parts.pop()
            yield _kept(parts, scan.strip)
            if ended:
                break
            chunk = handle.read(chunk_size)
            ended = not chunk
            text = decoder.decode(chunk, final=ended)
        yield _kept([carry], scan.strip)


def _kept(parts: list[str], strip: bool) -> list[str]:
    if strip:
        return [s for s in (raw.strip() for raw in parts) if s]
    return [s for s in parts if s]


def with_component(head: Head) -> Delimiters:
    """The delimiters to read with: the composites' separator where it differs from the declared one."""
    if head.observed and head.observed != head.delimiters.component:
        return replace(head.delimiters, component=head.observed)
    return head.delimiters
