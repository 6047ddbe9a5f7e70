"""Write a world's tables as 5010 X12 files: 837P / 837I claims and 835 remittance advice (and, for a world with
a front end, 999, 277CA, 277 and 271 files: `x12_write_frontend`).

`render_x12` is pure (tables -> file name -> text); `write_x12` writes the files all-or-nothing. Read back
with `denial_ml.ingest.files.ingest_x12` they give the same tables on the columns X12 carries (see
`tests/data/test_ingest_x12_roundtrip.py` for the columns it does not carry).

Files: `837P_0001.x12`, `837I_0001.x12` (one transaction set per submission date), and
`835_<payer>_0001.x12` per payer (one set per payee and adjudication date); a file holds at most
`max_claims` claims (whole transaction sets; a set larger than that gets a file of its own). File names
sort in the order the sets were written, which is the order the reader numbers a claim's remittances in.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from denial_ml.ingest.x12_segments import Segment, X12WriteError, interchange, transaction_set
from denial_ml.ingest.x12_write_835 import VERSION as VERSION_835
from denial_ml.ingest.x12_write_835 import remittance_sets
from denial_ml.ingest.x12_write_837 import VERSIONS as VERSIONS_837
from denial_ml.ingest.x12_write_837 import claim_sets
from denial_ml.ingest.x12_write_frontend import front_end_files

NEEDED_TABLES = (
    "payers",
    "providers",
    "patients",
    "claims",
    "claim_lines",
    "remittances",
    "remittance_lines",
    "adjustments",
    "remarks",
)
MAX_CLAIMS_PER_FILE = 50_000

__all__ = ["X12WriteError", "render_x12", "write_x12"]


def render_x12(tables: dict[str, pd.DataFrame], max_claims: int = MAX_CLAIMS_PER_FILE) -> dict[str, str]:
    """Render a world's claims and remittances as X12 file texts.

    Args:
        tables: The world's tables (at least `NEEDED_TABLES`).
        max_claims: Most CLM (837) or CLP (835) loops in one file.

    Returns:
        File name -> file text, in writing order.

    Raises:
        X12WriteError: naming the table, the row and the problem (missing table, unknown patient or
            provider, a value holding an X12 delimiter, more codes than a segment holds).
    """
    missing = [t for t in NEEDED_TABLES if t not in tables]
    if missing:
        raise X12WriteError(f"cannot write X12: missing table(s) {', '.join(missing)}")
    files: dict[str, str] = {}
    claim_groups: dict[str, list[tuple[list[Segment], pd.Timestamp]]] = {"837P": [], "837I": []}
    for kind, day, body in claim_sets(tables):
        claim_groups[kind].append((body, day))
    for kind, sets in claim_groups.items():
        if sets:
            _add_files(files, kind, "HC", VERSIONS_837[kind], "837", sets, "CLM", max_claims)
    by_payer: dict[str, list[tuple[list[Segment], pd.Timestamp]]] = {}
    for payer, day, body in remittance_sets(tables):
        by_payer.setdefault(payer, []).append((body, day))
    for payer, sets in by_payer.items():
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", payer)
        _add_files(files, f"835_{safe}", "HP", VERSION_835, "835", sets, "CLP", max_claims)
    files.update(front_end_files(tables, files))  # 999, 277CA, 277 and 271 when the world has a front end
    return files


def write_x12(
    tables: dict[str, pd.DataFrame], out_dir: Path | str, max_claims: int = MAX_CLAIMS_PER_FILE
) -> list[Path]:
    """Write the world's X12 files into `out_dir`, replacing its earlier `.x12` files, all or nothing.

    Everything is rendered and written into a staging folder first; only then are the old `.x12` files of
    `out_dir` removed and the new ones moved in.

    Returns:
        The paths written.

    Raises:
        X12WriteError: a value cannot be written (nothing is written).
        OSError: the folder cannot be written (nothing is moved into place).
    """
    files = render_x12(tables, max_claims)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".x12-staging-", dir=out))
    try:
        for name, content in files.items():
            (staging / name).write_text(content, encoding="ascii")
        for old in out.glob("*.x12"):
            old.unlink()
        written = []
        for name in files:
            os.replace(staging / name, out / name)
            written.append(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _add_files(
    files: dict[str, str],
    prefix: str,
    functional_id: str,
    version: str,
    kind: str,
    sets: list[tuple[list[Segment], pd.Timestamp]],
    loop_tag: str,
    max_claims: int,
) -> None:
    # ST03 repeats GS08 in the 837 guides (X222A1, X223A2 require it); the 835 guide (X221A1) marks it Not Used.
    st03 = "" if kind == "835" else version
    for number, chunk in enumerate(_chunks(sets, loop_tag, max_claims), start=1):
        wrapped = [transaction_set(kind, k, st03, body) for k, (body, _) in enumerate(chunk, start=1)]
        last_day = max(day for _, day in chunk).strftime("%Y%m%d")
        # ISA13 unique across the world's files: a claims store takes each (sender, ISA13) once.
        control = len(files) + 1
        files[f"{prefix}_{number:04d}.x12"] = interchange(functional_id, version, wrapped, last_day, control)


def _chunks(
    sets: Iterable[tuple[list[Segment], pd.Timestamp]], loop_tag: str, max_claims: int
) -> Iterator[list[tuple[list[Segment], pd.Timestamp]]]:
    """Group whole transaction sets into files of at most `max_claims` claim loops."""
    chunk: list[tuple[list[Segment], pd.Timestamp]] = []
    count = 0
    for body, day in sets:
        loops = sum(1 for s in body if s[0] == loop_tag)
        if chunk and count + loops > max_claims:
            yield chunk
            chunk, count = [], 0
        chunk.append((body, day))
        count += loops
    if chunk:
        yield chunk
