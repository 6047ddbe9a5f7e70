"""Reading X12 files into the project's tables: the orchestration of envelope, mappers and matching.

Pure apart from reading the input files. Writing is `write_ingested` (all-or-nothing per run, after each
file's tables were validated on their own, so one bad file never keeps the good ones out). Remittances are
matched to the claims of the same run, or, when the run reads no 837, to the claims an earlier run left in
the output folder (`existing`), so ingesting 837s then 835s in two runs gives the tables one run would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from denial_ml.ingest.columns import to_dates
from denial_ml.ingest.envelope import read_envelope
from denial_ml.ingest.errors import Issue, X12Error
from denial_ml.ingest.matching import match_remittances
from denial_ml.ingest.output import write_ingested
from denial_ml.ingest.schemas_extra import EXTRA_TABLES
from denial_ml.ingest.tokens import paused_gc
from denial_ml.ingest.x835 import Remit835, map_835
from denial_ml.ingest.x837 import Claims837, map_837
from denial_ml.schemas import TableValidationError, validate_table

__all__ = ["Ingested", "ingest_x12", "read_x12_file", "write_ingested"]

CLAIM_TABLES = ("claims", "claim_lines", "patients", "providers")
REMIT_TABLES = (
    "remittances",
    "remittance_lines",
    "adjustments",
    "remarks",
    "provider_adjustments",
    "remittance_payments",
    "remittance_matches",
)
DATE_COLUMNS = {
    "claims": ("service_date_from", "service_date_to", "submission_date", "eligibility_check_date"),
    "claim_lines": ("service_date",),
    "patients": ("birth_date",),
    "remittances": ("adjudication_date",),
    "remittance_lines": ("service_date",),
    "provider_adjustments": ("fiscal_period_date",),
    "remittance_payments": ("payment_date", "production_date"),
}


@dataclass
class Ingested:
    """Tables read from X12 files, the problems found, and the files that gave nothing."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # transaction sets read: "835", "837"


def read_x12_file(path: Path | str, strict_counts: bool = True, stem: str | None = None) -> Ingested:
    """Read one X12 file (835 and/or 837 transaction sets) into tables.

    Args:
        path: The file.
        strict_counts: Reject transaction sets whose SE count is wrong (else keep them with a warning).
        stem: Prefix of the file's remit ids (default: the file name without extension).

    Returns:
        The file's tables (validated) and issues.

    Raises:
        X12Error: when the file cannot be read, is not X12, or gives no usable transaction set.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise X12Error(name, 0, f"cannot read the file: {exc.strerror or exc}") from None
    with paused_gc():
        return _read_x12(data, name, strict_counts, stem or Path(path).stem)


def _read_x12(data: bytes, name: str, strict_counts: bool, stem: str) -> Ingested:
    envelope = read_envelope(data, name, strict_counts)
    remits, claims = Remit835(), Claims837()
    seen: dict[str, int] = {}
    for ts in envelope.sets:
        seen[ts.control] = seen.get(ts.control, 0) + 1
        control = ts.control if seen[ts.control] == 1 else f"{ts.control}.{seen[ts.control]}"
        if ts.kind == "835":
            map_835(ts, f"{stem}/{control}", remits)
        else:
            map_837(ts, claims)
    issues = envelope.issues + remits.issues + claims.issues
    if not envelope.sets:
        errors = [i for i in issues if i.is_error]
        if not errors:
            raise X12Error(name, 0, "nothing usable in the file: no transaction set")
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise X12Error(name, errors[0].segment, f"nothing usable in the file: {errors[0].problem}{more}")
    tables, duplicates = _deduplicate(_frames(remits, claims), name)
    issues += duplicates
    try:
        tables = {t: _validate(t, frame) for t, frame in tables.items()}
    except TableValidationError as exc:
        raise X12Error(name, 0, f"mapped rows break the data model: {exc}") from None
    return Ingested(tables, issues, kinds={ts.kind for ts in envelope.sets})


def ingest_x12(
    paths: Iterable[Path | str], strict_counts: bool = True, existing: Mapping[str, pd.DataFrame] | None = None
) -> Ingested:
    """Read many X12 files, keep every file's good results, then match remittances to claims.

    A file that fails entirely is listed in `failed_files` with its error in `issues`; nothing of it is kept.
    Claims sent twice (same CLM01) are kept once (the first) with a warning.

    Args:
        paths: The X12 files.
        strict_counts: Reject transaction sets whose SE count is wrong (else keep them with a warning).
        existing: Tables already in the output folder (`claims`, `claim_lines`, `remittances`,
            `remittance_lines`; see `output.read_existing`). A run without 837s matches its remittances to the
            existing claims; a run with 837s but no 835 re-matches the existing remittances to its claims and
            returns their `remittance_lines` and `remittance_matches` too.
    """
    parts, result, stems = [], Ingested(), set()
    for path in paths:
        stem = Path(path).stem
        while stem in stems:  # same stem in two folders: keep remit ids unique
            stem += "+"
        stems.add(stem)
        try:
            part = read_x12_file(path, strict_counts, stem)
        except X12Error as exc:
            result.issues.append(exc.issue)
            result.failed_files.append(str(path))
            continue
        parts.append(part.tables)
        result.issues.extend(part.issues)
        result.kinds |= part.kinds
    names = list(_frames(Remit835(), Claims837()))
    combined = {t: pd.concat([p[t] for p in parts], ignore_index=True) if parts else _empty(t) for t in names}
    combined, duplicates = _deduplicate(combined, "(all files)")
    result.issues.extend(duplicates)
    # Claims in id order: the tables (and a model trained on them) do not depend on the order of the files.
    combined["claims"] = combined["claims"].sort_values("claim_id", kind="stable", ignore_index=True)
    combined["claim_lines"] = combined["claim_lines"].sort_values(
        ["claim_id", "line_number"], kind="stable", ignore_index=True
    )
    combined["remittances"] = _sequence(combined["remittances"])
    # Only the tables of the kinds read: an 835-only run must not overwrite claims ingested earlier.
    wanted = (CLAIM_TABLES if "837" in result.kinds else ()) + (REMIT_TABLES if "835" in result.kinds else ())
    claims = _side(combined, existing, "837" in result.kinds, ("claims", "claim_lines"))
    remits = _side(combined, existing, "835" in result.kinds, ("remittances", "remittance_lines"))
    if "835" not in result.kinds and "837" in result.kinds and len(remits["remittances"]):
        wanted += ("remittance_lines", "remittance_matches")  # earlier remittances, matched to the new claims
    matches, lines = match_remittances(
        claims["claims"], claims["claim_lines"], remits["remittances"], remits["remittance_lines"]
    )
    combined["remittance_lines"], combined["remittance_matches"] = lines, matches
    result.tables = {t: _validate(t, frame) for t, frame in combined.items() if t in wanted}
    return result


def _side(
    combined: dict[str, pd.DataFrame], existing: Mapping[str, pd.DataFrame] | None, read: bool, names: tuple
) -> dict[str, pd.DataFrame]:
    """This run's tables of one kind when it read that kind, else the output folder's (or empty ones)."""
    if read or not existing or any(n not in existing for n in names):
        return {n: combined[n] for n in names}
    return {n: existing[n] for n in names}


def _frames(remits: Remit835, claims: Claims837) -> dict[str, pd.DataFrame]:
    frames = {
        "claims": claims.claims.frame(),
        "claim_lines": claims.lines.frame(),
        "patients": claims.patients.frame().drop_duplicates("patient_id"),
        "providers": claims.providers.frame().drop_duplicates("provider_npi"),
        "remittances": remits.remittances.frame().assign(remit_sequence=1),
        "remittance_lines": remits.lines.frame(),
        "adjustments": remits.adjustments.frame(),
        "remarks": remits.remarks.frame(),
        "provider_adjustments": remits.provider_adjustments.frame(),
        "remittance_payments": remits.payments.frame(),
    }
    lines = frames["remittance_lines"]
    frames["remittance_lines"] = lines.assign(claim_line_number=pd.array([pd.NA] * len(lines), dtype="Int64"))
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            frames[table][column] = to_dates(frames[table][column].astype(object).fillna(""))
    return frames


def _empty(table: str) -> pd.DataFrame:
    return _frames(Remit835(), Claims837())[table]


def _validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table in EXTRA_TABLES:
        return EXTRA_TABLES[table].validate(frame)
    return validate_table(table, frame)


def _deduplicate(tables: dict[str, pd.DataFrame], file: str) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    claims = tables["claims"]
    repeated = claims["claim_id"].duplicated()
    issues = [
        Issue(file, 0, f"claim {cid} was sent more than once; the first submission is kept", "none", cid)
        for cid in claims.loc[repeated, "claim_id"].unique()
    ]
    if repeated.any():
        lines = tables["claim_lines"]
        first_rows = claims.index[~repeated]
        # Lines belong to the first submission: keep the first block of each (claim_id, line_number).
        tables["claim_lines"] = lines.drop_duplicates(["claim_id", "line_number"]).reset_index(drop=True)
        tables["claims"] = claims.loc[first_rows].reset_index(drop=True)
    for table, key in (("patients", "patient_id"), ("providers", "provider_npi")):
        tables[table] = tables[table].drop_duplicates(key).reset_index(drop=True)
    return tables, issues


def _sequence(remittances: pd.DataFrame) -> pd.DataFrame:
    """remit_sequence: order of a claim's remittances by adjudication date, then file and CLP order."""
    order = remittances.sort_values(["claim_id", "adjudication_date"], kind="stable")
    sequence = order.groupby("claim_id").cumcount() + 1
    return remittances.assign(remit_sequence=sequence.reindex(remittances.index).astype("int64"))
