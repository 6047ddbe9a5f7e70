"""Claims from a request: checked one by one (field-level errors) and turned into the data model's frames.

The checks are the data model's (`denial_ml.schemas`) expressed as pydantic fields, plus what the batch reader
(`denial_ml.modeling.scoring_io`) adds: a payer the model knows, unique claim ids, unique line numbers. Pydantic
instead of pandera here because pandera costs about 100 ms per call, the whole latency budget of one claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from denial_ml.modeling.scoring_io import DATE_COLUMNS
from denial_ml.schemas import CLAIM_LINES, CLAIMS
from denial_ml.service.schemas import ClaimIn, FieldError, RejectedClaim


@dataclass
class CheckedClaims:
    """The valid claims with their positions in the request, and the refused ones (`malformed` of them do not
    match the claim schema; the others break a rule it cannot state: payer, repeated number or id)."""

    valid: list[ClaimIn]
    positions: list[int]
    rejected: list[RejectedClaim]
    malformed: int = 0


def field_name(loc: Sequence[int | str]) -> str:
    """`("lines", 0, "procedure_code")` -> `"lines[0].procedure_code"`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def pydantic_errors(exc: ValidationError) -> list[FieldError]:
    """Field errors of a pydantic error, without the input values (they may be health data)."""
    return [FieldError(field=field_name(e["loc"]), message=e["msg"], type=e["type"]) for e in exc.errors()]


def claim_problems(claim: ClaimIn, known_payers: set[str] | frozenset[str]) -> list[FieldError]:
    """What the fields alone cannot say: an unknown payer, repeated line numbers, the 837P / 837I rules."""
    problems = [FieldError(field=f, message=m, type="claim_type") for f, m in institutional_problems(claim)]
    if claim.payer_id not in known_payers:
        problems.append(
            FieldError(field="payer_id", message="payer unknown to the model (see GET /v1/models)", type="unknown")
        )
    seen: set[int] = set()
    for i, line in enumerate(claim.lines):
        if line.line_number in seen:
            problems.append(
                FieldError(field=f"lines[{i}].line_number", message="line number repeated", type="duplicate")
            )
        seen.add(line.line_number)
    return problems


def institutional_problems(claim: ClaimIn) -> list[tuple[str, str]]:
    """(field, problem) where the claim breaks the 837P / 837I rules: an 837P line names its procedure and has
    no revenue code, takes frequency 1, 7 or 8 and no 837I header field; an 837I has a facility type."""
    out: list[tuple[str, str]] = []
    if claim.claim_type == "837I":
        if not claim.facility_type_code:
            out.append(("facility_type_code", "an 837I claim needs its facility type (bill type CLM05-1)"))
        for i, line in enumerate(claim.lines):
            if not line.procedure_code and not line.revenue_code:
                out.append((f"lines[{i}].procedure_code", "give a procedure code or a revenue code"))
        return out
    if claim.claim_frequency_code not in ("1", "7", "8"):
        out.append(("claim_frequency_code", "an 837P claim takes frequency 1, 7 or 8 (0 and 2-5 are 837I bill types)"))
    for name in ("facility_type_code", "admission_date", "admission_type_code", "admission_source_code"):
        if getattr(claim, name) is not None:
            out.append((name, "837I only: leave it empty on an 837P claim"))
    for i, line in enumerate(claim.lines):
        if not line.procedure_code:
            out.append((f"lines[{i}].procedure_code", "an 837P line needs a procedure code"))
        if line.revenue_code:
            out.append((f"lines[{i}].revenue_code", "837I only: leave it empty on an 837P line"))
    return out


def check_claims(raw: Iterable[Any], known_payers: set[str] | frozenset[str]) -> CheckedClaims:
    """Validate each raw claim on its own; a repeated claim id refuses every claim after the first."""
    out = CheckedClaims(valid=[], positions=[], rejected=[])
    seen: set[str] = set()
    for index, item in enumerate(raw):
        claim_id = item.get("claim_id") if isinstance(item, dict) else None
        label = claim_id if isinstance(claim_id, str) else None
        try:
            claim = ClaimIn.model_validate(item)
        except ValidationError as exc:
            out.rejected.append(RejectedClaim(index=index, claim_id=label, errors=pydantic_errors(exc)))
            out.malformed += 1
            continue
        problems = claim_problems(claim, known_payers)
        if claim.claim_id in seen:
            problems.append(FieldError(field="claim_id", message="claim id repeated in the batch", type="duplicate"))
        seen.add(claim.claim_id)
        if problems:
            out.rejected.append(RejectedClaim(index=index, claim_id=label, errors=problems))
            continue
        out.valid.append(claim)
        out.positions.append(index)
    return out


def _dates(values: list[Any]) -> np.ndarray:
    # numpy straight from date objects: pandas' parser costs ten times more per request.
    return np.array(values, dtype="datetime64[D]").astype("datetime64[ns]")


def _texts(values: list[str | None]) -> np.ndarray:
    # Object arrays rather than pandas' Arrow-backed strings: a frame of those costs ~10 ms to build for one claim
    # and the feature pipeline reads both the same way (a test checks the scores agree with batch scoring).
    return np.array(values, dtype=object)


def claim_records(claims: Sequence[ClaimIn]) -> list[dict[str, Any]]:
    """The claims as dicts keyed by the data model's `claims` columns (dates as `datetime.date`, None when
    missing, diagnosis codes space-separated): what the feature pipeline and the checks read."""
    records = []
    for claim in claims:
        record = {name: getattr(claim, name) for name in CLAIMS.columns}
        record["diagnosis_codes"] = " ".join(claim.diagnosis_codes)
        records.append(record)
    return records


def line_records(claims: Sequence[ClaimIn]) -> list[dict[str, Any]]:
    """The claims' lines as dicts keyed by the data model's `claim_lines` columns."""
    records = []
    for claim in claims:
        for line in claim.lines:
            pointers = line.diagnosis_pointers
            record = {
                "claim_id": claim.claim_id,
                "line_number": line.line_number,
                "line_control_number": line.line_control_number or f"{claim.claim_id}-{line.line_number}",
                "procedure_code": line.procedure_code,
                **{f"modifier_{k + 1}": line.modifiers[k] if k < len(line.modifiers) else None for k in range(4)},
                "units": line.units,
                "line_charge": line.line_charge,
                "diagnosis_pointers": " ".join(map(str, pointers)) if pointers else None,
                "service_date": line.service_date,
                "revenue_code": line.revenue_code,
            }
            records.append({name: record[name] for name in CLAIM_LINES.columns})
    return records


def claims_frame(claims: Sequence[ClaimIn]) -> pd.DataFrame:
    """The claims as the data model's `claims` table (same columns and order; text as object columns)."""
    return _frame(claim_records(claims), list(CLAIMS.columns), DATE_COLUMNS["claims"], _CLAIM_TYPES)


def lines_frame(claims: Sequence[ClaimIn]) -> pd.DataFrame:
    """The claims' lines as the data model's `claim_lines` table (same columns and order; text as objects)."""
    return _frame(line_records(claims), list(CLAIM_LINES.columns), ("service_date",), _LINE_TYPES)


_CLAIM_TYPES = {"total_charge": "float64", "eligibility_checked": "bool"}
_LINE_TYPES = {"line_number": "int64", "units": "int64", "line_charge": "float64"}


def _frame(
    records: list[dict[str, Any]], names: list[str], dates: Sequence[str], typed: dict[str, str]
) -> pd.DataFrame:
    frame: dict[str, np.ndarray] = {}
    for name in names:
        values = [r[name] for r in records]
        if name in dates:
            frame[name] = _dates(values)
        elif name in typed:
            frame[name] = np.array(values, dtype=typed[name])
        else:
            frame[name] = _texts(values)
    return pd.DataFrame(frame, copy=False)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value.item() if hasattr(value, "item") else value


def _pointer(text: str) -> int | str:
    value = ascii_int(text)
    return text if value is None else value


def ascii_int(text: str | None, max_digits: int = 9) -> int | None:
    """The integer written in `text` with ASCII digits only, else None.

    `str.isdigit()` accepts "²" and "①" (which `int()` refuses) and `int()` accepts "٣" and "３": a number a
    page or filter reads must be plain 0-9.
    """
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def claims_payload(claims: pd.DataFrame, lines: pd.DataFrame) -> list[dict[str, Any]]:
    """Data-model frames as the JSON claims the API takes (the inverse of `claims_frame`/`lines_frame`)."""
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for row in lines.sort_values(["claim_id", "line_number"]).to_dict("records"):
        line = {k: _plain(row[k]) for k in ("line_number", "line_control_number", "procedure_code", "units")}
        line["modifiers"] = [m for k in range(1, 5) if (m := _plain(row[f"modifier_{k}"]))]
        line["line_charge"] = _plain(row["line_charge"])
        pointers = _plain(row["diagnosis_pointers"])
        # A pointer that is no plain number stays text: the claim's validation then names the field.
        line["diagnosis_pointers"] = [_pointer(p) for p in str(pointers).split()] if pointers else None
        line["service_date"] = _plain(row["service_date"])
        line["revenue_code"] = _plain(row["revenue_code"])
        by_claim.setdefault(row["claim_id"], []).append(line)
    out = []
    for row in claims.to_dict("records"):
        claim = {k: _plain(v) for k, v in row.items()}
        claim["diagnosis_codes"] = str(row["diagnosis_codes"]).split()
        claim["lines"] = by_claim.get(row["claim_id"], [])
        out.append(claim)
    return out
