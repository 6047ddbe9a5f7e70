"""An independent structural check of X12 files with pyx12, the mature 5010/4010 validator (`ingest --validate`).

pyx12 checks each segment against the implementation guide's maps (loops, required elements, code lists,
SE/GE/IEA counts). It reads about 0.1 MB/s, so it stays off the ingest path: its findings are reported
beside ours and change nothing in the tables. Each file is checked in a fresh process: pyx12 keeps state from
one document to the next (a file with ISA16 `>` read after one with `:` crashes it with an IndexError that
the same file alone does not raise). pyx12 does not read a UTF-8 byte-order mark: a file starting with one is
checked through a copy without it (its findings still name the file; segment numbers are the same).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# pyx12 logs each finding as "Line:<segment number> <SEG|ELE|ST|...>:<id> - <problem>".
BOM = b"\xef\xbb\xbf"
FINDING = re.compile(r"^Line:(\d+)\s+\S+\s+-\s+(.*)$", re.DOTALL)
MISSING_MAP = re.compile(r"Map not found\..*vriic=(\S+)")


@dataclass(frozen=True)
class Finding:
    """One pyx12 finding: the file, the segment number (0 when pyx12 gives none) and the problem."""

    file: str
    segment: int
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}: segment {self.segment}" if self.segment else self.file
        return f"{where}: {self.problem}"


class ValidatorMissingError(RuntimeError):
    """pyx12 is not installed."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pyx12_log() -> Iterator[_Collect]:
    """Collect what pyx12 logs (its findings) without passing it on to the application's log handlers."""
    logger = logging.getLogger("pyx12")
    handler, propagate = _Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def validate_x12(path: Path | str) -> list[Finding]:
    """Run pyx12 over one X12 file and return its findings (empty: the file validates clean).

    A file pyx12 cannot read, or on which it stops, gives one finding saying so.

    Raises:
        ValidatorMissingError: pyx12 is not installed.
    """
    try:
        import pyx12  # noqa: F401 - only whether it is installed; it runs in the child process
    except ImportError:
        raise ValidatorMissingError("--validate needs pyx12: pip install pyx12") from None
    name = str(path)
    with _without_bom(Path(path)) as readable:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no pyx12 state from earlier files
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            clean, messages = pool.submit(_run_pyx12, str(readable)).result()
        messages = [m.replace(str(readable), name) for m in messages]
    findings = [_finding(name, message) for message in messages]
    if not clean and not findings:
        findings.append(Finding(name, 0, "pyx12 rejects the file without naming a segment"))
    return findings


@contextmanager
def _without_bom(path: Path) -> Iterator[Path]:
    """The file itself, or a temporary copy without its byte-order mark (deleted afterwards)."""
    try:
        with open(path, "rb") as handle:
            has_bom = handle.read(3) == BOM
    except OSError:
        has_bom = False  # pyx12 reports the unreadable file itself
    if not has_bom:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="denial-ml-pyx12-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(path.read_bytes()[len(BOM) :])
        yield copy


def _run_pyx12(name: str) -> tuple[bool, list[str]]:
    """pyx12 over one file: whether it validates, and the messages it logged (run in a child process)."""
    import pyx12.params
    import pyx12.x12n_document

    with _pyx12_log() as log:
        try:
            clean = pyx12.x12n_document.x12n_document(pyx12.params.params(), name, None, None, fd_json=io.StringIO())
        except Exception as exc:  # noqa: BLE001 - pyx12 stops on some malformed input (IndexError, EngineError)
            missing_map = MISSING_MAP.search(str(exc))
            log.messages.append(
                f"pyx12 has no map for version {missing_map.group(1)}; the file is not checked"
                if missing_map
                else f"pyx12 stopped reading the file: {type(exc).__name__}: {exc}"
            )
            clean = False
    return bool(clean), log.messages


def _finding(file: str, message: str) -> Finding:
    match = FINDING.match(message.strip())
    if match:
        return Finding(file, int(match.group(1)), match.group(2).strip())
    text = message.strip().replace(f'"{file}" ', "")  # "<file> does not look like an X12 data file"
    return Finding(file, 0, text)
