"""Batch check: an uploaded CSV (one row per claim line) or X12 837 file -> claims scored by risk -> CSV.

Parsing reuses the project's readers: `denial_ml.modeling.scoring_io` (row-by-row checks, the same as
`denial-ml score`) for CSV and `denial_ml.ingest` for 837. Scoring goes through the API's `score_claims`.
"""

from __future__ import annotations

import base64
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from denial_ml.ingest.errors import X12Error
from denial_ml.ingest.files import read_x12_file
from denial_ml.modeling.scoring_io import load_claim_batch, read_frame
from denial_ml.schemas import CLAIM_LINES, CLAIMS, TableValidationError
from denial_ml.service.schemas import ClaimScore, ScoreResponse
from denial_ml.service.scoring import NothingValid, score_claims
from denial_ml.service.serving import ServedModel
from denial_ml.service.validation import claims_payload

MAX_BYTES = 20 * 1024 * 1024
MAX_CLAIMS = 5_000
# Shape bounds checked before any parser runs (a 200,000-column header used to cost 20-45 s of server time):
# the upload format has 31 columns, a line of it a few hundred bytes, an 837 segment a few dozen elements.
MAX_COLUMNS = 64
MAX_LINE_BYTES = 16 * 1024
MAX_ROWS = 100_000
MAX_SEGMENT_BYTES = 4 * 1024
MAX_ELEMENTS = 64
LINE_ONLY = tuple(c for c in CLAIM_LINES.columns if c != "claim_id")
CSV_COLUMNS = (
    "claim_id",
    "denial_risk",
    "likely_category",
    "top_reason",
    "top_reason_sentence",
    "fix",
    "findings",
    "model_version",
    "error",
)


class UploadError(ValueError):
    """The upload cannot be read at all; the message says why."""


@dataclass
class BatchResult:
    """Scored claims (highest risk first), refused claims and the results as CSV text."""

    kind: str
    scored: list[ClaimScore] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)  # claim_id, where, problem
    warnings: list[str] = field(default_factory=list)
    csv_text: str = ""

    @property
    def csv_data_url(self) -> str:
        """The CSV as a `data:` URL for a download link (no server-side state)."""
        return "data:text/csv;base64," + base64.b64encode(self.csv_text.encode()).decode()


def is_x12(data: bytes) -> bool:
    """Whether the bytes start like an X12 interchange (ISA) or a bare transaction set (ST)."""
    head = data.lstrip(b"\xef\xbb\xbf \r\n\t")[:3]
    return head in (b"ISA", b"ST*", b"ST|", b"ST~")


def check_csv_shape(data: bytes) -> None:
    """Refuse a CSV wider, longer or with longer lines than the upload format allows (no parsing).

    Raises:
        UploadError: naming the bound that was passed.
    """
    lines = data.splitlines()
    header = lines[0] if lines else b""
    if header.count(b",") + 1 > MAX_COLUMNS:
        raise UploadError(
            f"the CSV header has {header.count(b',') + 1:,} columns; the upload format has at most {MAX_COLUMNS}"
        )
    if len(lines) > MAX_ROWS + 1:
        raise UploadError(f"the CSV has {len(lines) - 1:,} rows; at most {MAX_ROWS:,} claim lines are checked at once")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    if len(lines[longest]) > MAX_LINE_BYTES:
        raise UploadError(f"line {longest + 1} of the CSV is longer than {MAX_LINE_BYTES:,} bytes")


def check_x12_shape(data: bytes) -> None:
    """Refuse an X12 file whose segments are longer or have more elements than an 837 has (no parsing).

    Raises:
        UploadError: naming the segment and the bound.
    """
    body = data.lstrip(b"\xef\xbb\xbf \r\n\t")
    isa = body.startswith(b"ISA") and len(body) > 105
    # ISA is fixed width: its 4th byte separates elements, its 106th ends segments.
    separator, terminator = (body[3:4], body[105:106]) if isa else (body[2:3], b"~")
    for number, segment in enumerate(body.split(terminator), start=1):
        if len(segment) > MAX_SEGMENT_BYTES:
            raise UploadError(f"segment {number} of the X12 file is longer than {MAX_SEGMENT_BYTES:,} bytes")
        if segment.count(separator) >= MAX_ELEMENTS:
            raise UploadError(f"segment {number} of the X12 file has more than {MAX_ELEMENTS} elements")


def flat_csv(claims: pd.DataFrame, lines: pd.DataFrame) -> str:
    """Claims and lines as the upload format: one row per line, the claim's columns repeated (dates ISO)."""
    merged = claims.merge(lines, on="claim_id", how="inner").sort_values(["claim_id", "line_number"])
    columns = [*CLAIMS.columns, *LINE_ONLY]
    return merged[columns].to_csv(index=False, date_format="%Y-%m-%d")


def split_flat(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A flat upload (one row per line) -> claims (first row of each claim) and lines.

    Raises:
        UploadError: when the claim id or line number column is missing.
    """
    missing = [c for c in ("claim_id", "line_number") if c not in frame.columns]
    if missing:
        raise UploadError(f"the CSV has no column {', '.join(missing)} (one row per claim line is expected)")
    if "line_control_number" not in frame.columns:
        frame = frame.assign(line_control_number=frame["claim_id"].astype(str) + "-" + frame["line_number"].astype(str))
    claims = frame[[c for c in CLAIMS.columns if c in frame.columns]].drop_duplicates("claim_id")
    lines = frame[["claim_id", *[c for c in LINE_ONLY if c in frame.columns]]]
    return claims.reset_index(drop=True), lines.reset_index(drop=True)


def read_csv_upload(data: bytes, known_payers: set[str] | frozenset[str]) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Claims and lines of a flat CSV, checked row by row; refused rows as `{claim_id, where, problem}`."""
    with tempfile.TemporaryDirectory(prefix="denial-ml-upload-") as folder:
        upload = Path(folder) / "upload.csv"
        upload.write_bytes(data)
        try:
            claims, lines = split_flat(read_frame(upload))
        except (ValueError, pd.errors.ParserError) as exc:
            raise UploadError(f"the CSV cannot be read: {exc}") from None
        claims.to_csv(Path(folder) / "claims.csv", index=False)
        lines.to_csv(Path(folder) / "lines.csv", index=False)
        try:
            batch = load_claim_batch(Path(folder) / "claims.csv", Path(folder) / "lines.csv", set(known_payers))
        except TableValidationError as exc:
            raise UploadError(str(exc)) from None
    refused = [
        {"claim_id": str(r.claim_id), "where": f"{r.table} row {r.row + 2}, column {r.column}", "problem": r.problem}
        for r in batch.rejected.itertuples()
    ]
    return batch.claims, batch.lines, refused


def read_837_upload(data: bytes, name: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Claims and lines of an 837 file, and the reader's warnings."""
    with tempfile.TemporaryDirectory(prefix="denial-ml-upload-") as folder:
        upload = Path(folder) / (Path(name).name or "upload.x12")
        upload.write_bytes(data)
        try:
            ingested = read_x12_file(upload)
        except X12Error as exc:
            raise UploadError(str(exc).replace(str(upload), Path(name).name)) from None
    if "claims" not in ingested.tables:
        raise UploadError("the X12 file holds no 837 claims (an 835 remittance cannot be checked)")
    warnings = [f"segment {i.segment}: {i.problem}" for i in ingested.issues][:20]
    return ingested.tables["claims"], ingested.tables["claim_lines"], warnings


def _csv_rows(response: ScoreResponse, refused: list[dict[str, str]]) -> str:
    rows: list[dict[str, Any]] = []
    for s in response.scored:
        top = s.factors[0] if s.factors else None
        rows.append(
            {
                "claim_id": s.claim_id,
                "denial_risk": round(s.denial_risk, 4),
                "likely_category": s.likely_category,
                "top_reason": top.factor if top else "",
                "top_reason_sentence": top.sentence if top else "",
                "fix": (top.fix or "") if top else "",
                "findings": "; ".join(f"{f.code}: {f.message}" for f in s.findings),
                "model_version": s.model_version,
                "error": "",
            }
        )
    rows += [{"claim_id": r["claim_id"], "error": f"{r['where']}: {r['problem']}"} for r in refused]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    # A cell starting with = + - @ runs as a formula in spreadsheets: quote text cells that do.
    for column in ("claim_id", "top_reason_sentence", "fix", "findings", "error"):
        text = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        frame[column] = text.where(~text.str.match(r"^[=+\-@]"), "'" + text)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def check_batch(model: ServedModel, name: str, data: bytes) -> BatchResult:
    """Read an upload, score its valid claims (highest risk first) and build the results CSV.

    Raises:
        UploadError: when the file is empty, too large, unreadable, or has more than `MAX_CLAIMS` claims.
    """
    if not data.strip():
        raise UploadError("the file is empty")
    if len(data) > MAX_BYTES:
        raise UploadError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    refused: list[dict[str, str]] = []
    if is_x12(data):
        kind = "837"
        check_x12_shape(data)
        claims, lines, warnings = read_837_upload(data, name)
    else:
        kind, warnings = "CSV", []
        check_csv_shape(data)
        claims, lines, refused = read_csv_upload(data, model.payers)
    if len(claims) > MAX_CLAIMS:
        raise UploadError(f"the file has {len(claims):,} claims; at most {MAX_CLAIMS:,} are checked at once")
    result = BatchResult(kind=kind, refused=refused, warnings=warnings)
    if len(claims):
        try:
            response = score_claims(model, claims_payload(claims, lines))
        except NothingValid as exc:
            response = ScoreResponse(model_version=model.version, scored=[], rejected=exc.rejected)
        for r in response.rejected:
            label = r.claim_id or f"#{r.index + 1}"
            result.refused += [{"claim_id": label, "where": e.field, "problem": e.message} for e in r.errors]
        result.scored = sorted(response.scored, key=lambda s: -s.denial_risk)
        response = response.model_copy(update={"scored": result.scored})
    else:
        response = ScoreResponse(model_version=model.version, scored=[], rejected=[])
    result.csv_text = _csv_rows(response, result.refused)
    return result
